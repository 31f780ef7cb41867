"""Writes of the message centre: one message per user of the units an event concerns."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .channels import deliveries_queue, new_event_id
from .models import Notification


def notifications_create_for_event(
    sender, *, kind, unit_ids, title, url="", body="", actor=None, **extra
) -> list[Notification]:
    """Receiver of `tasks.events.desk_event`: every active user of the units gets the message
    (the person who caused it does not message themself)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, unit_memberships__unit_id__in=unit_ids)
        .distinct()
        .values_list("pk", flat=True)
    )
    users = list(users)
    deliveries_queue(
        event_id=new_event_id(),
        kind=kind,
        title=title,
        body=body,
        url=url,
        unit_ids=unit_ids,
        user_ids=users,
    )
    now = timezone.now()
    messages = [
        Notification(
            recipient_id=user_id, kind=kind, title=title, url=url, body=body, created_at=now
        )
        for user_id in users
        if actor is None or user_id != actor.pk
    ]
    return Notification.objects.bulk_create(messages)


@transaction.atomic
def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's messages read (all unread ones when `ids` is None); returns how many."""
    messages = Notification.objects.for_user(user).unread()
    if ids is not None:
        messages = messages.filter(pk__in=ids)
    return messages.update(read_at=timezone.now())


def notifications_prune(*, now=None) -> int:
    """Delete messages kept longer than a year."""
    deleted, _ = Notification.objects.expired(now).delete()
    return deleted
