"""Things that happened on the desk, announced to whoever listens (the message centre).

Services call `announce(...)` after their writes, inside their transaction, so a
rolled-back workflow announces nothing that sticks. The base apps never import the
listeners: `notifications` connects to `desk_event` in its AppConfig.ready(), and without
it installed an announcement is a no-op.
"""

from django.db import models
from django.dispatch import Signal

desk_event = Signal()


class EventKind(models.TextChoices):
    """What a message is about (the inbox filters by it)."""

    TASK_ASSIGNED = "task_assigned", "任务交办"
    NOTICE_ISSUED = "notice_issued", "督办单"
    INSTRUCTION = "instruction", "领导批示"
    EXTENSION_DECIDED = "extension_decided", "延期审批"
    COMPLETION_DECIDED = "completion_decided", "销号审核"
    REPORT_RETURNED = "report_returned", "报告退回"
    REMINDER = "reminder", "提醒"


def announce(*, kind: str, unit_ids, title: str, url: str = "", body: str = "", actor=None):
    """Tell the users of `unit_ids` that `title` happened; `url` is the object's page."""
    unit_ids = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not unit_ids:
        return
    desk_event.send(
        sender=kind,
        kind=kind,
        unit_ids=unit_ids,
        title=title[:300],
        url=url,
        body=body,
        actor=actor,
    )


def lead_unit_ids(task) -> set[int]:
    from units.choices import UnitRole

    return set(task.task_units.filter(role=UnitRole.LEAD).values_list("unit_id", flat=True))
