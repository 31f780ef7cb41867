"""Hooks for the apps built on tasks (supervision), so that tasks never imports them."""

from django.dispatch import Signal

# Sent by the services, inside their transaction, once a task is verified complete (销号).
# Keyword arguments: task, user.
task_completed = Signal()
