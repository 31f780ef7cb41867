"""Reminder digests for units (send_reminders): overdue, due soon, unreported, unacknowledged."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from supervision.selectors import unacknowledged_for_unit
from tasks import events
from tasks.models import DUE_SOON_DAYS, Task
from units.models import Unit
from units.roles import government_region_ids, is_office

from .models import ReminderLog


@dataclass
class UnitDigest:
    """What one unit is reminded of on one day."""

    unit: Unit
    overdue: list[Task]
    due_soon: list[Task]
    unreported: list[Task]
    unacknowledged: list[Task] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return len(
            {t.pk for t in self.overdue + self.due_soon + self.unreported + self.unacknowledged}
        )

    def subject(self) -> str:
        return (
            f"【改革任务督办】{self.unit.full_name}:逾期{len(self.overdue)}项,"
            f"即将到期{len(self.due_soon)}项,未按期报送{len(self.unreported)}项"
            + (f",逾期未签收{len(self.unacknowledged)}项" if self.unacknowledged else "")
        )

    def body(self, as_of: date, days: int) -> str:
        lines = [
            f"{self.unit.full_name}:",
            "",
            f"截至{as_of:%Y年%m月%d日},贵单位牵头或参与的任务提醒如下。",
            "",
        ]
        # The last section is acknowledged (签收) on the supervision page, not the task page.
        sections = (
            ("已逾期", self.overdue, False),
            (f"{days}天内到期", self.due_soon, False),
            ("未按报送周期报送进展", self.unreported, False),
            ("交办后逾期未签收", self.unacknowledged, True),
        )
        for title, tasks, on_supervision_page in sections:
            if not tasks:
                continue
            lines.append(f"【{title}】{len(tasks)}项")
            for task in tasks:
                due_text = _due_text(task, as_of)
                lines.append(f"  - {task.plan.title} 第{task.number}项 {task.title}({due_text})")
                if not on_supervision_page:
                    lines.append(f"    {settings.PORTAL_BASE_URL}/tasks/{task.pk}/")
            if on_supervision_page:
                url = settings.PORTAL_BASE_URL + reverse("supervision:home")
                lines.append(f"  请到“签收与督办”页面签收:{url}")
            lines.append("")
        lines.append("请登录改革任务督办系统报送进展。本邮件由系统自动发送,请勿回复。")
        return "\n".join(lines)


def _due_text(task: Task, as_of: date) -> str:
    days_left = task.days_left(as_of)
    if days_left is None:
        return "长期坚持"
    due = f"完成时限 {task.deadline.due_on:%Y-%m-%d}"
    if days_left < 0:
        return f"{due},已逾期{-days_left}天"
    return f"{due},今天到期" if days_left == 0 else f"{due},还剩{days_left}天"


def unit_digest(unit: Unit, *, as_of: date, days: int = DUE_SOON_DAYS) -> UnitDigest:
    """The unit's open tasks that need attention (open as of `as_of`: a task verified complete
    later is open); "not reported" follows each task's reporting rule
    (`Task.objects.not_reported`), counting reports by this unit made by the end of `as_of`."""
    tasks = (
        Task.objects.filter(pk__in=unit.task_units.values("task_id"))
        .select_related("plan", "deadline")
        .order_by("deadline__due_on", "plan_id", "number")
    )
    return UnitDigest(
        unit=unit,
        overdue=list(tasks.overdue(as_of)),
        due_soon=list(tasks.due_soon(as_of, days)),
        unreported=list(tasks.not_reported(as_of, unit=unit)),
        unacknowledged=[pending.task for pending in unacknowledged_for_unit(unit, as_of)],
    )


@dataclass
class ReminderRun:
    """What one run of send_reminders did: digests sent, and units whose send failed."""

    sent: list[ReminderLog] = field(default_factory=list)
    failed: list[tuple[Unit, str]] = field(default_factory=list)


def reminders_send(
    *, as_of: date, days: int = DUE_SOON_DAYS, region_ids=None, progress=None
) -> ReminderRun:
    """E-mail each unit's users their digest, at most once per unit per day.

    The log row is written in the same transaction as the e-mail is sent: a failed
    send rolls it back, so the next run retries; a second run the same day skips.
    One unit's failure (a refused address, a mail server hiccup) does not keep the
    other units from their digests; it is returned in `failed`. `region_ids` limits the
    run to the units of those governments. `progress(done, total)`, when given, is told
    after each unit (the background job's progress bar).
    """
    run = ReminderRun()
    units = Unit.objects.filter(
        memberships__user__is_active=True, memberships__user__email__gt=""
    ).distinct()
    if region_ids is not None:  # one government's units and those below it
        units = units.filter(region_id__in=region_ids)
    units = list(units)
    for done, unit in enumerate(units, start=1):
        if progress is not None:
            progress(done - 1, len(units))
        if ReminderLog.objects.filter(unit=unit, sent_on=as_of).exists():
            continue
        digest = unit_digest(unit, as_of=as_of, days=days)
        if not digest.task_count:
            continue
        recipients = sorted(
            set(
                unit.memberships.filter(user__is_active=True, user__email__gt="").values_list(
                    "user__email", flat=True
                )
            )
        )
        try:
            log = _digest_send(digest, recipients=recipients, as_of=as_of, days=days)
        except Exception as exc:  # noqa: BLE001 - any send error: report it, go on
            run.failed.append((unit, f"{type(exc).__name__}: {exc}"))
            continue
        if log is not None:
            run.sent.append(log)
    if progress is not None:
        progress(len(units), len(units))
    return run


@transaction.atomic
def _digest_send(digest: UnitDigest, *, recipients: list[str], as_of: date, days: int):
    """Log and send one digest together; None when another run logged it first."""
    log, created = ReminderLog.objects.get_or_create(
        unit=digest.unit,
        sent_on=as_of,
        defaults={"recipients": ", ".join(recipients), "task_count": digest.task_count},
    )
    if not created:
        return None
    send_mail(
        digest.subject(),
        digest.body(as_of, days),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    events.announce(
        kind=events.EventKind.REMINDER,
        unit_ids=[digest.unit.pk],
        title=digest.subject(),
        url=reverse("portal:task-list"),
    )
    return log


def reminders_job_start(*, user, days: int = DUE_SOON_DAYS):
    """Today's send_reminders as a background job started by an office (workbench button).

    A governed office reminds the units of its government and those below it, as
    `send_reminders --region` does; a second click while it runs joins the same job, and
    a unit already reminded today is skipped (ReminderLog), so nobody gets two e-mails.
    """
    from jobs.choices import JobKind
    from jobs.services import job_start

    if not is_office(user):
        raise PermissionDenied("只有优化办可以发送提醒")
    today = timezone.localdate()
    params = {"as_of": today.isoformat(), "days": days, "region_ids": government_region_ids(user)}
    return job_start(
        kind=JobKind.REMINDERS, params=params, user=user, title=f"发送提醒({today:%Y-%m-%d})"
    )
