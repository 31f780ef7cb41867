"""催办: a 督办单 left unanswered escalates by itself (issue 15 point 6).

`manage.py escalate_notices` (daily, from cron beside `send_reminders`) calls
`notices_escalate`: every issued notice still unanswered after its answer deadline
(`SUPERVISION_NOTICE_ANSWER_WORKING_DAYS` working days after it was issued) gets a 催办
record, its colour raised one level (blue → yellow → red; red stays red), a message to the
unit (`tasks.events.announce`) and a copy to the unit's 分管领导 (`units.UnitLeaderContact`:
e-mail, and the contact's channel when one is chosen). While it stays unanswered it is
urged again every `SUPERVISION_ESCALATION_REPEAT_WORKING_DAYS` working days. Urges happen
on working days only; a day is urged once (running twice the same day does nothing new).

Red notices still unanswered after their deadline are listed by name on the leaders'
dashboard (`red_unanswered`, computed outside the figures cache).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from tasks import events
from tasks.models import Task

from . import conf, workdays
from .choices import NoticeColour, NoticeStatus
from .models import EscalationNotice, NoticeUrge
from .selectors import notice_answer_due_on

# One level up per 催办; red is the top.
NEXT_COLOUR = {
    NoticeColour.BLUE: NoticeColour.YELLOW,
    NoticeColour.YELLOW: NoticeColour.RED,
    NoticeColour.RED: NoticeColour.RED,
}

# Rows of the dashboard's list of red notices unanswered (the oldest first).
RED_LIST_ROWS = 100


@dataclass
class EscalationRun:
    """What one run of `notices_escalate` did: the 催办 written, copies e-mailed, e-mails
    that failed (the 催办 stands; the failure is logged on it)."""

    as_of: date
    working_day: bool = True
    urges: list[NoticeUrge] = field(default_factory=list)
    emailed: int = 0
    failed: list[tuple[NoticeUrge, str]] = field(default_factory=list)


def next_urge_due_on(
    notice: EscalationNotice, last_urged_on: date | None, calendar: workdays.WorkCalendar
) -> date:
    """The last day `notice` may stay unanswered before its next 催办: its answer deadline,
    then N working days after each 催办."""
    if last_urged_on is None:
        return notice_answer_due_on(notice, calendar)
    return calendar.add_working_days(
        last_urged_on, conf.get("SUPERVISION_ESCALATION_REPEAT_WORKING_DAYS")
    )


def _in_scope(candidates, *, region_ids=None, notices=None):
    """`candidates` (notices) limited to `notices` and to the tasks of `region_ids`."""
    if notices is not None:
        candidates = candidates.filter(pk__in=notices.values("pk"))
    if region_ids is not None:
        candidates = candidates.filter(task__in=Task.objects.in_regions(region_ids).values("pk"))
    return candidates


def notices_due_for_urging(*, as_of: date, calendar, region_ids=None, notices=None) -> list:
    """Issued, unanswered notices whose (next) deadline passed before `as_of`, not yet urged
    on `as_of`; each annotated with `urge_count` and `last_urged_on`."""
    candidates = (
        _in_scope(EscalationNotice.objects.all(), region_ids=region_ids, notices=notices)
        .filter(status=NoticeStatus.ISSUED, confirmed_at__date__lt=as_of)
        .select_related("task__plan", "unit__region", "unit__leader_contact__channel")
        .annotate(urge_count=Count("urges"), last_urged_on=Max("urges__urged_on"))
        .order_by("confirmed_at", "pk")
    )
    due = []
    for notice in candidates:
        if notice.last_urged_on is not None and notice.last_urged_on >= as_of:
            continue
        if next_urge_due_on(notice, notice.last_urged_on, calendar) < as_of:
            due.append(notice)
    return due


def notices_escalate(
    *, as_of: date, region_ids=None, notices=None, user=None, mail_connection=None
) -> EscalationRun:
    """Urge every notice due for it on `as_of` (see the module docstring); `region_ids`
    limits the run to those governments' tasks, `notices` to those notices.

    The 催办, colour changes, messages and channel deliveries are written in one
    transaction; the 分管领导's e-mails are sent after it commits and each result is
    logged on its 催办 (a refused address never undoes the escalation; a rerun the same
    day retries the e-mails that failed).
    """
    calendar = workdays.calendar()
    run = EscalationRun(as_of=as_of, working_day=calendar.is_working_day(as_of))
    if not run.working_day:
        return run
    run.urges = _urges_write(
        as_of=as_of, calendar=calendar, region_ids=region_ids, notices=notices, user=user
    )
    # The day's copies not e-mailed yet: those just written, and those whose mail failed
    # in an earlier run today (a rerun retries them; nothing else is repeated).
    unsent = (
        NoticeUrge.objects.filter(
            urged_on=as_of,
            copy_emailed_at__isnull=True,
            notice__in=_in_scope(
                EscalationNotice.objects.all(), region_ids=region_ids, notices=notices
            ).values("pk"),
        )
        .exclude(copy_email="")
        .select_related("notice__task__plan", "notice__unit__region")
        .order_by("pk")
    )
    written = {urge.pk: urge for urge in run.urges}
    for urge in unsent:
        error = _copy_email(urge, connection=mail_connection)
        if error:
            run.failed.append((urge, error))
        else:
            run.emailed += 1
        if urge.pk in written:  # the run reports the 催办 as they are now
            written[urge.pk].copy_emailed_at = urge.copy_emailed_at
            written[urge.pk].copy_error = urge.copy_error
    return run


@transaction.atomic
def _urges_write(*, as_of, calendar, region_ids, notices, user) -> list[NoticeUrge]:
    urges = []
    for notice in notices_due_for_urging(
        as_of=as_of, calendar=calendar, region_ids=region_ids, notices=notices
    ):
        try:
            with transaction.atomic():  # another run urged it meanwhile: skip, go on
                urges.append(_urge(notice, as_of=as_of, calendar=calendar, user=user))
        except IntegrityError:
            continue
    return urges


def _urge(notice: EscalationNotice, *, as_of: date, calendar, user) -> NoticeUrge:
    contact = getattr(notice.unit, "leader_contact", None)
    before = NoticeColour(notice.colour)
    after = NEXT_COLOUR[before]
    issued_on = timezone.localdate(notice.confirmed_at)
    urge = NoticeUrge(
        notice=notice,
        sequence=notice.urge_count + 1,
        urged_on=as_of,
        working_days_unanswered=calendar.working_days_between(issued_on, as_of),
        colour_before=before,
        colour_after=after,
        copy_to=f"{contact.title}{contact.name}" if contact else "",
        copy_email=contact.email if contact else "",
    )
    urge.full_clean()
    urge.save()
    if after != before:
        notice.colour = after
        notice._change_reason = f"第{urge.sequence}次催办:由{before.label}升为{after.label}"
        notice.save()
    title = (
        f"催办:督办单下发{urge.working_days_unanswered}个工作日未回复"
        f"{',已升为' + after.label if after != before else ''}:{notice.task}"
    )
    events.announce(
        kind=events.EventKind.NOTICE_ISSUED,
        unit_ids=[notice.unit_id],
        title=title,
        body=f"请尽快通过督办单回复进展。{notice.reason}",
        url=reverse("supervision:home"),
        actor=user,
    )
    if contact is not None and contact.channel is not None:
        from notifications.channels import delivery_queue_to_channel

        urge.copy_channel_key = f"notice-urge-{urge.pk}"
        if not delivery_queue_to_channel(
            channel=contact.channel,
            key=urge.copy_channel_key,
            kind=events.EventKind.NOTICE_ISSUED,
            title=f"【催办抄送】{notice.unit}:{title}",
            body=_copy_text(urge),
            url=reverse("portal:task-detail", args=[notice.task_id]),
            phone=contact.phone,
        ):
            urge.copy_error = f"推送渠道“{contact.channel.name}”已停用,未推送"
        urge.save(update_fields=["copy_channel_key", "copy_error"])
    return urge


def _copy_text(urge: NoticeUrge) -> str:
    notice = urge.notice
    issued_on = timezone.localdate(notice.confirmed_at)
    task = notice.task
    return "\n".join(
        [
            f"{notice.unit}于{issued_on:%Y年%m月%d日}收到{urge.get_colour_before_display()}督办单,"
            f"已{urge.working_days_unanswered}个工作日未回复。"
            f"系统已第{urge.sequence}次催办,督办等级为{urge.get_colour_after_display()}。",
            f"任务:《{task.plan.title}》第{task.number}项 {task.title}",
            f"督办事由:{notice.reason}",
        ]
    )


def _copy_email(urge: NoticeUrge, *, connection=None) -> str:
    """E-mail the 分管领导's copy and log the result on the 催办; returns the error, if any."""
    notice = urge.notice
    link = settings.PORTAL_BASE_URL + reverse("portal:task-detail", args=[notice.task_id])
    body = "\n\n".join(
        [
            f"{urge.copy_to}:",
            _copy_text(urge),
            f"查看任务:{link}",
            conf.get("SUPERVISION_LETTERHEAD"),
        ]
    )
    try:
        send_mail(
            f"【催办抄送】{notice.unit}督办单{urge.working_days_unanswered}个工作日未回复",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [urge.copy_email],
            connection=connection,
        )
    except Exception as exc:  # noqa: BLE001 - any send error is logged on the 催办
        urge.copy_error = f"邮件发送失败:{type(exc).__name__}: {exc}"[:1000]
        urge.save(update_fields=["copy_error"])
        return urge.copy_error
    urge.copy_emailed_at = timezone.now()
    urge.save(update_fields=["copy_emailed_at"])
    return ""


def last_issue_day_past_due(as_of: date, calendar: workdays.WorkCalendar) -> date:
    """The latest issue date whose answer deadline is before `as_of` (deadlines grow with
    the issue date, so every notice issued on or before it is past due)."""
    answer_days = conf.get("SUPERVISION_NOTICE_ANSWER_WORKING_DAYS")
    day = as_of - timedelta(days=1)
    while calendar.add_working_days(day, answer_days) >= as_of:
        day -= timedelta(days=1)
    return day


def red_unanswered(*, tasks, as_of: date, limit: int = RED_LIST_ROWS) -> list[dict]:
    """Red notices on `tasks` (the viewer's visible tasks, with the dashboard's filters)
    still unanswered after their answer deadline as of `as_of`, the longest-waiting first:
    {notice_id, unit, task_id, task, plan, number, issued_on, days_unanswered, urges}.
    Two queries (the holiday list, the notices) whatever their number."""
    calendar = workdays.calendar()
    notices = (
        EscalationNotice.objects.filter(
            status=NoticeStatus.ISSUED,
            colour=NoticeColour.RED,
            confirmed_at__date__lte=last_issue_day_past_due(as_of, calendar),
            task__in=tasks.order_by().values("pk"),
        )
        .select_related("task__plan", "unit__region")
        .annotate(urge_count=Count("urges"))
        .order_by("confirmed_at", "pk")[:limit]
    )
    rows = []
    for notice in notices:
        issued_on = timezone.localdate(notice.confirmed_at)
        rows.append(
            {
                "notice_id": notice.pk,
                "unit": notice.unit.full_name,
                "task_id": notice.task_id,
                "task": notice.task.title,
                "plan": notice.task.plan.title,
                "number": notice.task.number,
                "issued_on": issued_on,
                "days_unanswered": (as_of - issued_on).days,
                "urges": notice.urge_count,
            }
        )
    return rows


# The demo (`manage.py demo_supervision`): the 湘潭 2022 plan's red notice to 市行政审批局 on
# task 1, issued Thu 1 Sep 2022 and never answered, is due Thu 8 Sep and urged Fri 9 Sep.
DEMO_URGED_ON = date(2022, 9, 9)
DEMO_CONTACT = {"name": "周明", "title": "副市长", "phone": "13800000000"}


def escalation_demo(*, stdout=None) -> NoticeUrge | None:
    """One escalated notice for the demo, with a 分管领导 recorded for its unit; running
    it again changes nothing. None when the demo plan or its notice is missing."""
    from units.models import UnitLeaderContact

    notices = EscalationNotice.objects.filter(
        task__plan__source_file__startswith="2022-xiangtan",
        task__number=1,
        colour=NoticeColour.RED,
    ).exclude(status__in=(NoticeStatus.PROPOSED, NoticeStatus.CANCELLED))
    notice = notices.order_by("confirmed_at").first()
    if notice is None:
        return None
    urge = notice.urges.order_by("sequence").first()
    if urge is None:
        contact = UnitLeaderContact.objects.filter(unit=notice.unit).first()
        if contact is None:
            contact = UnitLeaderContact(unit=notice.unit, **DEMO_CONTACT)
            contact.email = f"fgld{notice.unit_id}@example.gov.cn"
            contact.full_clean()
            contact.save()
        # The demo address is fictitious: the copy is logged on the 催办, no mail leaves.
        run = notices_escalate(
            as_of=DEMO_URGED_ON,
            notices=EscalationNotice.objects.filter(pk=notice.pk),
            mail_connection=get_connection("django.core.mail.backends.dummy.EmailBackend"),
        )
        if not run.urges:
            return None
        urge = run.urges[0]
        # On the timeline the 催办 happens on its day, not when the demo was loaded.
        moment = datetime(2022, 9, 9, 9, tzinfo=ZoneInfo(settings.TIME_ZONE))
        NoticeUrge.objects.filter(pk=urge.pk).update(created_at=moment)
    if stdout is not None:
        stdout.write(
            f"  催办:{notice.task.plan.title[:12]}… 第{notice.task.number}项 → {notice.unit}"
            f"(第{urge.sequence}次,{urge.urged_on:%Y-%m-%d},抄送{urge.copy_to})"
        )
    return urge
