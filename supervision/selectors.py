"""Reads shared by pages, admin, the reminder digest and the API."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from tasks.choices import TaskStatus
from tasks.models import TaskUnit

from . import conf, workdays
from .choices import NoticeStatus
from .models import EscalationNotice, PlanPublication, TaskAcknowledgement


def acknowledgement_due_on(publication: PlanPublication, calendar: workdays.WorkCalendar) -> date:
    """Last day to acknowledge a published plan's tasks: N working days after publication."""
    published_on = timezone.localdate(publication.published_at)
    return calendar.add_working_days(published_on, conf.get("SUPERVISION_ACK_WORKING_DAYS"))


def notice_answer_due_on(notice: EscalationNotice, calendar: workdays.WorkCalendar) -> date | None:
    """Last day to answer an issued notice: N working days after it was issued."""
    if notice.confirmed_at is None:
        return None
    issued_on = timezone.localdate(notice.confirmed_at)
    return calendar.add_working_days(issued_on, conf.get("SUPERVISION_NOTICE_ANSWER_WORKING_DAYS"))


def notice_print_context(notice: EscalationNotice) -> dict:
    """What a printed 督办单 shows (the page and the PDF): the notice, its answer deadline,
    the unit's 签收 of the task and the letterhead."""
    return {
        "notice": notice,
        "answer_due_on": notice_answer_due_on(notice, workdays.calendar()),
        "answer_working_days": conf.get("SUPERVISION_NOTICE_ANSWER_WORKING_DAYS"),
        "acknowledgement": TaskAcknowledgement.objects.filter(
            task=notice.task, unit=notice.unit
        ).first(),
        "letterhead": conf.get("SUPERVISION_LETTERHEAD"),
    }


def task_instructions(task, user):
    """领导批示 on the task or its plan that `user` may read, newest first, with each unit's copy."""
    from django.db.models import Prefetch, Q

    from .models import Instruction, InstructionReceipt

    return (
        Instruction.objects.visible_to(user)
        .filter(Q(task=task) | Q(plan_id=task.plan_id))
        .select_related("author")
        .prefetch_related(
            Prefetch("receipts", queryset=InstructionReceipt.objects.select_related("unit"))
        )
        .order_by("-created_at")
    )


def pending_acknowledgements(*, unit=None, units=None, tasks=None):
    """Lead and handed-down member (承办) links of open tasks in published plans not yet
    acknowledged."""
    acknowledged = TaskAcknowledgement.objects.filter(task=OuterRef("task"), unit=OuterRef("unit"))
    links = (
        TaskUnit.objects.accountable()
        .filter(task__plan__publication__isnull=False)
        .exclude(task__status=TaskStatus.COMPLETED)
        .exclude(Exists(acknowledged))
        .select_related("unit__region", "task__plan__publication", "task__deadline")
        .order_by("task__plan_id", "task__number", "position")
    )
    if unit is not None:
        links = links.filter(unit=unit)
    if units is not None:
        links = links.filter(unit__in=units)
    if tasks is not None:  # e.g. Task.objects.visible_to(user): a governed office's own
        links = links.filter(task__in=tasks.values("pk"))
    return links


@dataclass
class PendingAcknowledgement:
    link: TaskUnit
    due_on: date

    @property
    def task(self):
        return self.link.task

    @property
    def unit(self):
        return self.link.unit


def with_due_dates(links) -> list[PendingAcknowledgement]:
    calendar = workdays.calendar()
    return [
        PendingAcknowledgement(link, acknowledgement_due_on(link.task.plan.publication, calendar))
        for link in links
    ]


def unacknowledged_overdue(as_of: date, *, unit=None, tasks=None) -> list[PendingAcknowledgement]:
    """Tasks still not acknowledged after N working days (the office's list), of `tasks`."""
    links = pending_acknowledgements(unit=unit, tasks=tasks)
    return [item for item in with_due_dates(links) if item.due_on < as_of]


def unacknowledged_for_unit(unit, as_of: date) -> list[PendingAcknowledgement]:
    """One unit's overdue acknowledgements, for the portal's reminder digest (send_reminders)."""
    return unacknowledged_overdue(as_of, unit=unit)


def last_contact(*, units) -> dict:
    """The responsible person and phone the units named at their latest 签收, to prefill the
    next ones (a unit usually names the same contact for all of a plan's tasks)."""
    latest = (
        TaskAcknowledgement.objects.filter(unit__in=units)
        .exclude(responsible_person="", phone="")
        .order_by("-acknowledged_at", "-pk")
        .values("responsible_person", "phone")
        .first()
    )
    return latest or {}


def unit_inbox_counts(*, units, task=None) -> dict:
    """What waits for the units on /supervision/: tasks to 签收 and 督办单 to answer
    (with `task`, for that task only: its page points the unit there too)."""
    links = pending_acknowledgements(units=units)
    notices = EscalationNotice.objects.filter(unit__in=units, status=NoticeStatus.ISSUED)
    if task is not None:
        links, notices = links.filter(task=task), notices.filter(task=task)
    return {"to_acknowledge": links.count(), "to_answer": notices.count()}


def acknowledgement_progress() -> dict[int, dict]:
    """Per published plan id: the accountable links (lead units and 承办 members, as
    `pending_acknowledgements`) of its open tasks (`total`) and how many have signed
    (`signed`), in one query: the office's real 签收 state."""
    signed = Exists(
        TaskAcknowledgement.objects.filter(task=OuterRef("task"), unit=OuterRef("unit"))
    )
    rows = (
        TaskUnit.objects.accountable()
        .filter(task__plan__publication__isnull=False)
        .exclude(task__status=TaskStatus.COMPLETED)
        .values("task__plan_id")
        .annotate(total=Count("pk"), signed=Count("pk", filter=signed))
        .order_by()
    )
    return {row["task__plan_id"]: row for row in rows}
