from django.db import models


class TaskStatus(models.TextChoices):
    """Where a task stands. Only the office sets COMPLETED (销号) after verifying."""

    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    COMPLETION_REQUESTED = "completion_requested", "申请销号"
    BLOCKED = "blocked", "受阻"
    COMPLETED = "completed", "已销号"
