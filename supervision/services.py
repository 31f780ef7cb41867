"""Supervision workflows: 交办, 签收, 督办单 and 考评. Keyword-only, one transaction each."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.db.models.sql import InsertQuery
from django.urls import reverse
from django.utils import timezone

from tasks import events, rules
from tasks.assignments import MEMBER_DONE_STATUSES, member_latest_reports
from tasks.choices import TaskStatus
from tasks.models import RULE_FIELDS, Plan, ProgressReport, Task, TaskUnit, end_of_day
from tasks.reporting import ReportingRule
from tasks.services import report_submit
from units.models import Unit
from units.roles import government_region_ids, is_leader, is_office, sees_all_tasks

from . import selectors, workdays
from .choices import AssessmentRuleKind, NoticeColour, NoticeStatus
from .models import (
    AssessmentPeriod,
    AssessmentRule,
    AssessmentScore,
    EscalationNotice,
    Instruction,
    InstructionReceipt,
    PlanPublication,
    TaskAcknowledgement,
)
from .notice_rules import notice_colour
from .selectors import acknowledgement_due_on, notice_answer_due_on


@transaction.atomic
def plan_publish(*, plan: Plan, user) -> PlanPublication:
    """交办: publish a plan to its units; publishing again keeps the first date."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以交办方案")
    publication, created = PlanPublication.objects.get_or_create(
        plan=plan, defaults={"published_at": timezone.now(), "published_by": user}
    )
    if created:
        # Lead units and the members collective names were handed down to (承办).
        links = TaskUnit.objects.accountable().filter(task__plan=plan, unit__is_collective=False)
        counts = (
            links.values_list("unit_id")
            .annotate(
                led=Count("pk", filter=Q(collective_link__isnull=True)),
                handed=Count("pk", filter=Q(collective_link__isnull=False)),
            )
            .order_by("unit_id")
        )
        for unit_id, led, handed in counts:
            parts = [f"牵头{led}项"] if led else []
            parts += [f"承办{handed}项"] if handed else []
            events.announce(
                kind=events.EventKind.TASK_ASSIGNED,
                unit_ids=[unit_id],
                title=f"方案已交办:《{plan.title}》,贵单位{'、'.join(parts)}任务,请及时签收",
                url=reverse("supervision:home"),
                actor=user,
            )
    return publication


@transaction.atomic
def task_acknowledge(
    *, task: Task, unit: Unit, user, responsible_person: str = "", phone: str = ""
) -> TaskAcknowledgement:
    """签收: a lead unit (or a handed-down member) confirms a published task; repeating it
    only updates the contact."""
    if not PlanPublication.objects.filter(plan_id=task.plan_id).exists():
        raise ValidationError(f"该方案尚未交办,无需签收:{task}")
    if not task.task_units.accountable().filter(unit=unit).exists():
        raise ValidationError(
            f"只有牵头单位或承办单位签收任务:{unit.name}不是“{task}”的牵头或承办单位"
        )
    if unit.pk not in rules.user_unit_ids(user) and not rules.can_manage(user):
        raise PermissionDenied("您不属于该单位")
    acknowledgement = TaskAcknowledgement.objects.filter(task=task, unit=unit).first()
    if acknowledgement is None:
        acknowledgement = TaskAcknowledgement(
            task=task, unit=unit, acknowledged_at=timezone.now(), acknowledged_by=user
        )
    # PostgreSQL rejects NUL in text columns: strip it rather than fail with a 500.
    acknowledgement.responsible_person = responsible_person.replace("\x00", "").strip()
    acknowledgement.phone = phone.replace("\x00", "").strip()
    acknowledgement.full_clean()
    acknowledgement.save()
    return acknowledgement


@transaction.atomic
def tasks_acknowledge(
    *, tasks, unit: Unit, user, responsible_person: str = "", phone: str = ""
) -> list[TaskAcknowledgement]:
    """全部签收: `unit` signs for several tasks at once with one contact; all or nothing.

    Every task must be published and led by `unit`, and the user must belong to it: the
    first task that is not is named in the error and nothing is signed.
    """
    tasks = list(tasks)
    if not tasks:
        raise ValidationError("没有需要签收的任务")
    if unit.pk not in rules.user_unit_ids(user) and not rules.can_manage(user):
        raise PermissionDenied(f"您不属于{unit.name},不能代其签收")
    return [
        task_acknowledge(
            task=task, unit=unit, user=user, responsible_person=responsible_person, phone=phone
        )
        for task in tasks
    ]


@transaction.atomic
def plan_acknowledge_all(
    *, plan: Plan, unit: Unit, user, responsible_person: str = "", phone: str = ""
) -> list[TaskAcknowledgement]:
    """Sign for every task of `plan` that `unit` leads and has not yet signed for."""
    if not PlanPublication.objects.filter(plan=plan).exists():
        raise ValidationError(f"《{plan.title}》尚未交办,无需签收")
    links = selectors.pending_acknowledgements(unit=unit).filter(task__plan=plan)
    return tasks_acknowledge(
        tasks=[link.task for link in links],
        unit=unit,
        user=user,
        responsible_person=responsible_person,
        phone=phone,
    )


def _start_on(task: Task) -> date:
    """When the clock of a task starts: its publication, else the plan's date, else creation."""
    publication = getattr(task.plan, "publication", None)
    return _start_day(
        publication.published_at if publication is not None else None,
        task.plan.issued_on,
        task.created_at,
        timezone.get_current_timezone(),
    )


def _start_day(published_at, issued_on, created_at, tz) -> date:
    """`_start_on` from the values: the local date of publication, else the plan's date,
    else the local date of creation (`tz` is the current time zone, looked up once)."""
    if published_at is not None:
        return published_at.astimezone(tz).date()
    return issued_on or created_at.astimezone(tz).date()


def _report_missing(
    task_id: int, rule, start_on: date, as_of: date, unreported_ids: set, calendar, cache: dict
) -> bool:
    """Missed a report under its rule, due after its clock started (publication).
    `cache` keeps the last due date per rule (few rules, many tasks)."""
    if task_id not in unreported_ids:
        return False
    if rule not in cache:
        cache[rule] = rule.last_due_passed(as_of, calendar)
    last_due = cache[rule]
    return last_due is not None and last_due >= start_on


# Notices written per INSERT by `notices_propose` (and their history rows likewise).
NOTICE_BATCH = 1000


@transaction.atomic
def notices_propose(*, as_of: date, region_ids=None, user=None) -> list[EscalationNotice]:
    """Propose today's notices; the office confirms them (`notice_issue`).

    `region_ids`: only the tasks of these governments (`Task.objects.in_regions`), for a
    region's office running it for its own province or city.

    Idempotent: a (task, unit, colour) already noticed since the task was last completed is
    not proposed again, so running twice a day proposes nothing new, and a reopened task
    can be noticed again. Completed tasks get no notices; ongoing (长期坚持) tasks only the
    yellow one for not reporting (see `notice_colour`).

    Written in bulk (`_notices_insert`): one INSERT per NOTICE_BATCH notices and one
    INSERT … SELECT of their history rows; 74,000 notices one row at a time took 557 s.
    """
    return _notices_insert(notice_proposals(as_of=as_of, region_ids=region_ids), user=user)


def _notices_insert(notices: list[EscalationNotice], *, user=None) -> list[EscalationNotice]:
    """Save new notices and their "+" history rows as django-simple-history's
    `bulk_create_with_history` does (history user: `user`, else the request's; no
    signals), with the SQL written here: bulk_create prepared every field of each notice
    and of its history row in Python, 2.4 million values for 74,000 notices; here the
    seven columns a proposal fills, and the history rows are copied by the database.

    Each notice gets its own `proposed_at` (the moment it is written, as auto_now_add
    gives); its history row is dated by it. Returns the notices, saved, with their ids.
    """
    if not notices:
        return []
    model = EscalationNotice
    history = model.history.model
    # The connection itself, not the proxy `django.db.connection` (a thread-local lookup
    # on each use): 525,000 values are prepared with it.
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    # The columns a new proposal fills; the others are NULL (their defaults).
    fields = [model._meta.get_field(name) for name in NOTICE_INSERT_FIELDS]
    tracked = ", ".join(quote(field.column) for field in history.tracked_fields)
    history_sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, {quote('history_date')}, "
        f"{quote('history_change_reason')}, {quote('history_type')}, "
        f"{quote('history_user_id')}) SELECT {tracked}, {quote('proposed_at')}, NULL, '+', %s "
        f"FROM {quote(model._meta.db_table)} WHERE {quote('id')} IN "
    )
    history_user = user or history.get_default_history_user(notices[0])
    history_user_id = getattr(history_user, "pk", None)
    record_history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    # Django's own way of writing many rows: UNNEST of one array per column on
    # PostgreSQL, VALUES rows elsewhere.
    compiler = InsertQuery(model).get_compiler(connection=connection)
    with connection.cursor() as cursor:
        for start in range(0, len(notices), NOTICE_BATCH):
            batch = notices[start : start + NOTICE_BATCH]
            for notice in batch:
                notice.proposed_at = timezone.now()
            placeholders, params = compiler.assemble_as_sql(
                fields,
                [
                    [
                        field.get_db_prep_save(getattr(notice, field.attname), connection)
                        for field in fields
                    ]
                    for notice in batch
                ],
            )
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} "
                f"({', '.join(quote(field.column) for field in fields)}) "
                f"{connection.ops.bulk_insert_sql(fields, placeholders)} RETURNING {quote('id')}",
                [param for row in params for param in row],
            )
            ids = [row[0] for row in cursor.fetchall()]
            for notice, pk in zip(batch, ids, strict=True):
                notice.pk = pk
                notice._state.adding = False
                notice._state.db = connection.alias
            if record_history:
                cursor.execute(
                    history_sql + "(" + ", ".join(["%s"] * len(ids)) + ")", [history_user_id, *ids]
                )
    return notices


# What `notices_propose` writes for a proposal; every other column is NULL.
NOTICE_INSERT_FIELDS = (
    "task",
    "unit",
    "colour",
    "reason",
    "status",
    "proposed_on",
    "proposed_at",
)


def notice_proposals(*, as_of: date, region_ids=None) -> list[EscalationNotice]:
    """The notices `notices_propose` would create on `as_of`, validated and not saved.

    A notice goes to each unit answerable for the task (`TaskUnit.objects.accountable()`):
    its lead units, judged on the task's progress and reports, and the members a
    collective name was handed down to (承办), each judged on its own latest report — a
    member that reported its part done (申请销号) gets none, one that reported recently is
    not nagged for the others' silence. Never the collective label itself.

    Read as plain values (tasks, links) rather than model instances: at 135,000 tasks the
    instances (each task with its deadline, plan and publication) cost more than the SQL.
    """
    base = Task.objects.exclude(status=TaskStatus.COMPLETED).filter(deadline__isnull=False)
    if region_ids is not None:
        base = base.in_regions(region_ids)
    tasks = base.annotate(
        last_report_at=Max("reports__created_at", filter=Q(reports__created_at__date__lte=as_of))
    ).values_list(
        "pk",
        "progress",
        *RULE_FIELDS,
        *(f"plan__{name}" for name in RULE_FIELDS),
        "deadline__due_on",
        "deadline__is_ongoing",
        "plan__publication__published_at",
        "plan__issued_on",
        "created_at",
        "last_report_at",
    )
    answerable = {}
    for task_id, unit_id, collective_link_id in (
        TaskUnit.objects.accountable()
        .filter(unit__is_collective=False, task__in=base.values("pk"))
        .order_by("task_id", "role", "position")
        .values_list("task_id", "unit_id", "collective_link_id")
    ):
        answerable.setdefault(task_id, []).append((unit_id, collective_link_id))
    # Sets of ids: unordered (the tasks' ordering joined the plans and sorted on disk).
    overdue_ids = set(Task.objects.overdue(as_of).order_by().values_list("pk", flat=True))
    calendar = workdays.calendar()
    unreported_ids = set(
        Task.objects.not_reported(as_of, calendar=calendar).order_by().values_list("pk", flat=True)
    )
    member_reports = member_latest_reports(base.values("pk"), until=end_of_day(as_of))
    last_dues, windows, rules_by_values = {}, {}, {}
    last_completed = dict(
        Task.history.filter(status=TaskStatus.COMPLETED)
        .values("id")
        .annotate(at=Max("history_date"))
        .values_list("id", "at")
    )
    earlier = set()
    # With each 催办's first colour: a notice raised by 催办 (blue → yellow → red) was also
    # noticed in the colour it was issued in (one row per 催办, joined).
    for task_id, unit_id, colour, proposed_at, urged_from in EscalationNotice.objects.exclude(
        status=NoticeStatus.CANCELLED
    ).values_list("task_id", "unit_id", "colour", "proposed_at", "urges__colour_before"):
        completed_at = last_completed.get(task_id)
        if completed_at is None or proposed_at > completed_at:
            earlier.add((task_id, unit_id, colour))
            if urged_from:
                earlier.add((task_id, unit_id, urged_from))

    tz = timezone.get_current_timezone()
    new_notice = _notice_builder(as_of)
    proposed = []
    for (
        task_id,
        progress,
        cycle,
        day,
        working_days,
        plan_cycle,
        plan_day,
        plan_working_days,
        due_on,
        is_ongoing,
        published_at,
        issued_on,
        created_at,
        last_report_at,
    ) in tasks:
        links = answerable.get(task_id)
        if not links:
            continue
        # The task's own reporting rule, else its plan's (`Task.reporting_rule`).
        rule_values = (
            (cycle, day, working_days) if cycle else (plan_cycle, plan_day, plan_working_days)
        )
        rule = rules_by_values.get(rule_values)
        if rule is None:
            rule = rules_by_values[rule_values] = ReportingRule(*rule_values)
        start_on = _start_day(published_at, issued_on, created_at, tz)
        if is_ongoing:
            due_on = None
        is_overdue = task_id in overdue_ids
        lead_proposal = notice_colour(
            as_of=as_of,
            due_on=due_on,
            start_on=start_on,
            progress=progress,
            last_report_on=last_report_at.astimezone(tz).date() if last_report_at else None,
            is_overdue=is_overdue,
            report_missing=_report_missing(
                task_id, rule, start_on, as_of, unreported_ids, calendar, last_dues
            ),
        )
        for unit_id, collective_link_id in links:
            if collective_link_id is None:
                proposal = lead_proposal
            else:
                proposal = _member_proposal(
                    rule,
                    member_reports.get((task_id, unit_id)),
                    as_of=as_of,
                    due_on=due_on,
                    start_on=start_on,
                    is_overdue=is_overdue,
                    calendar=calendar,
                    windows=windows,
                )
            if proposal is None or (task_id, unit_id, proposal.colour) in earlier:
                continue
            proposed.append(new_notice(task_id, unit_id, proposal))
    return proposed


def _notice_builder(as_of: date):
    """A function making the unsaved notice of one proposal, validated.

    Validation as `full_clean()` would do it, once per distinct value instead of once per
    notice: the field rules (`clean_fields`) depend only on the colour and the reason, all
    other fields being the same for every proposal, except task and unit, which come from
    the rows just read; the unit is answerable for the task by construction (what
    `clean()` checks with one query per notice); the model's one constraint (an issued
    notice has a date) holds for a proposed one and is also checked by the database.
    """
    fields = EscalationNotice._meta.concrete_fields
    template = [field.get_default() for field in fields]
    index = {field.attname: position for position, field in enumerate(fields)}
    template[index["proposed_on"]] = as_of
    task_at, unit_at, colour_at, reason_at = (
        index[name] for name in ("task_id", "unit_id", "colour", "reason")
    )
    validated = set()

    def new_notice(task_id: int, unit_id: int, proposal) -> EscalationNotice:
        values = template.copy()
        values[task_at], values[unit_at] = task_id, unit_id
        values[colour_at], values[reason_at] = proposal.colour, proposal.reason
        # Positional arguments: Django's fast path for all concrete fields in order.
        notice = EscalationNotice(*values)
        if proposal not in validated:
            notice.clean_fields(exclude=["task", "unit"])
            validated.add(proposal)
        return notice

    return new_notice


def _member_proposal(rule, latest, *, as_of, due_on, start_on, is_overdue, calendar, windows: dict):
    """The notice a handed-down member deserves under the task's reporting `rule`, judged
    on its own latest report `latest` (status, progress, created_at, or None): none once
    it reported its part done."""
    status, progress, reported_at = latest or (TaskStatus.NOT_STARTED, 0, None)
    if status in MEMBER_DONE_STATUSES:
        return None
    reported_on = timezone.localdate(reported_at) if reported_at else None
    if rule not in windows:
        windows[rule] = (rule.window_start(as_of, calendar), rule.last_due_passed(as_of, calendar))
    window_start, last_due = windows[rule]
    report_missing = (
        window_start is not None
        and last_due is not None
        and last_due >= start_on
        and (reported_at is None or reported_at < end_of_day(window_start))
    )
    return notice_colour(
        as_of=as_of,
        due_on=due_on,
        start_on=start_on,
        progress=progress,
        last_report_on=reported_on,
        is_overdue=is_overdue,
        report_missing=report_missing,
    )


def _notices_move(notices, *, from_statuses, **changes) -> int:
    """Apply `changes` to the notices in one of `from_statuses`, one save each (for history)."""
    moved = 0
    for notice in notices:
        if notice.status not in from_statuses:
            continue
        for name, value in changes.items():
            setattr(notice, name, value)
        notice.save()
        moved += 1
    return moved


@transaction.atomic
def notice_issue(*, notices, user) -> int:
    """The office confirms proposed notices; the units then see and must answer them."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以下发督办单")
    notices = [notice for notice in notices if notice.status == NoticeStatus.PROPOSED]
    moved = _notices_move(
        notices,
        from_statuses={NoticeStatus.PROPOSED},
        status=NoticeStatus.ISSUED,
        confirmed_by=user,
        confirmed_at=timezone.now(),
    )
    for notice in notices:
        events.announce(
            kind=events.EventKind.NOTICE_ISSUED,
            unit_ids=[notice.unit_id],
            title=f"督办单({notice.get_colour_display()}):{notice.task}",
            body=notice.reason,
            url=reverse("supervision:home"),
            actor=user,
        )
    return moved


@transaction.atomic
def notice_cancel(*, notices, user) -> int:
    """Withdraw proposed or issued notices that were not warranted; they stay on record."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以撤销督办单")
    return _notices_move(
        notices,
        from_statuses={NoticeStatus.PROPOSED, NoticeStatus.ISSUED},
        status=NoticeStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )


@transaction.atomic
def notice_answer(
    *,
    notice: EscalationNotice,
    user,
    status: str,
    progress: int,
    text: str,
    expected_version: int,
) -> ProgressReport:
    """The unit answers an issued notice with a progress report (kept with the notice)."""
    if notice.unit_id not in rules.user_unit_ids(user):
        raise PermissionDenied("只有被督办单位可以回复督办单")
    if notice.status != NoticeStatus.ISSUED:
        raise ValidationError("该督办单不在待回复状态")
    report = report_submit(
        task=notice.task,
        user=user,
        status=status,
        progress=progress,
        text=text,
        expected_version=expected_version,
        unit=notice.unit,
    )
    notice.answer = report
    notice.answered_at = report.created_at
    notice.status = NoticeStatus.ANSWERED
    notice.save()
    return report


def notices_close_on_completion(*, task: Task) -> int:
    """The task is verified complete: its open notices are done with (called in the
    completion's transaction, through `tasks.signals.task_completed`).

    An issued notice still awaiting an answer is closed by the completion (it stays on
    record and counts as received); a proposed one the office never issued is withdrawn.
    """
    now = timezone.now()
    closed = 0
    for notice in EscalationNotice.objects.filter(
        task=task, status__in=(NoticeStatus.PROPOSED, NoticeStatus.ISSUED)
    ):
        if notice.status == NoticeStatus.ISSUED:
            notice.status = NoticeStatus.CLOSED
            notice.closed_at = now
        else:
            notice.status = NoticeStatus.CANCELLED
            notice.cancelled_at = now
        notice._change_reason = "任务已销号,督办单办结"
        notice.save()
        closed += 1
    return closed


def _answerable_unit_ids(*, task=None, plan=None) -> list[int]:
    """The units an instruction is addressed to: lead units and the members a collective
    name was handed down to (承办), never the collective label itself."""
    links = TaskUnit.objects.accountable()
    links = links.filter(task=task) if task is not None else links.filter(task__plan=plan)
    return sorted(set(links.values_list("unit_id", flat=True)))


@transaction.atomic
def instruction_write(*, user, text: str, task: Task | None = None, plan: Plan | None = None):
    """领导批示 on a task or a whole plan; each answerable unit (lead units, and the members
    a collective name was handed down to) gets a copy to acknowledge and answer, and a message.

    Refused: someone who is not a leader (or the office recording it), an empty text, a task
    already verified complete (销号), a plan whose tasks are all complete.
    """
    if not (is_leader(user) or rules.can_manage(user)):
        raise PermissionDenied("只有领导可以作出批示")
    text = (text or "").replace("\x00", "").strip()
    if (task is None) == (plan is None):
        raise ValidationError("批示须针对一项任务或一个方案")
    if not text:
        raise ValidationError({"text": "请填写批示内容"})
    if task is not None and task.status == TaskStatus.COMPLETED:
        raise ValidationError(f"任务“{task.title}”已销号,不能再作批示")
    if plan is not None and not plan.tasks.exclude(status=TaskStatus.COMPLETED).exists():
        raise ValidationError(f"方案“{plan.title}”的任务已全部办结,不能再作批示")
    unit_ids = _answerable_unit_ids(task=task, plan=plan)
    if not unit_ids:
        raise ValidationError("该任务(方案)尚无牵头单位,无法下达批示")
    instruction = Instruction(task=task, plan=plan, text=text, author=user)
    instruction.full_clean()
    instruction.save()
    InstructionReceipt.objects.bulk_create(
        InstructionReceipt(instruction=instruction, unit_id=unit_id) for unit_id in unit_ids
    )
    events.announce(
        kind=events.EventKind.INSTRUCTION,
        unit_ids=unit_ids,
        title=f"领导批示:{task if task is not None else plan.title}",
        body=text,
        url=reverse("portal:task-detail", args=[task.pk])
        if task is not None
        else reverse("supervision:home"),
        actor=user,
    )
    return instruction


@transaction.atomic
def instruction_acknowledge(*, receipt: InstructionReceipt, user) -> InstructionReceipt:
    """A lead unit confirms it has read the instruction (已阅); repeating it changes nothing."""
    if receipt.unit_id not in rules.user_unit_ids(user):
        raise PermissionDenied("只有收到批示的牵头单位可以确认")
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = timezone.now()
        receipt.acknowledged_by = user
        receipt.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return receipt


def instruction_receipts_answer(*, report: ProgressReport) -> int:
    """The unit's next report on the task (or, for a plan instruction, on any of the plan's
    tasks) answers its acknowledged instructions not yet answered. Called by `report_submit`."""
    if report.unit_id is None:
        return 0
    receipts = InstructionReceipt.objects.filter(
        unit_id=report.unit_id, acknowledged_at__isnull=False, answer__isnull=True
    ).filter(Q(instruction__task_id=report.task_id) | Q(instruction__plan_id=report.task.plan_id))
    return receipts.update(answer=report, answered_at=report.created_at)


@dataclass
class UnitScore:
    """One unit's score in a period: the base plus each rule's count × points."""

    unit: Unit
    total: Decimal
    breakdown: list[dict] = field(default_factory=list)
    rank: int = 0
    tied: bool = False
    tie_key: tuple = ()


def with_breakdowns(period: AssessmentPeriod, scores: list[UnitScore]) -> list[UnitScore]:
    """`scores` of a published period read without their breakdowns, given them: one query."""
    if scores:
        stored = dict(
            period.scores.filter(unit_id__in=[score.unit.pk for score in scores]).values_list(
                "unit_id", "breakdown"
            )
        )
        for score in scores:
            score.breakdown = stored[score.unit.pk]
    return scores


def rule_legend(scores: list[UnitScore]) -> list[dict]:
    """The rules as the scores were computed with them: name, what is counted, points each.

    Read from the breakdown rather than the rule table, so a frozen period explains itself
    with the points in force when it was published.
    """
    if not scores:
        return []
    return [
        {
            "rule": item["rule"],
            "counts": AssessmentRuleKind(item["kind"]).label,
            "points": item["points"],
            "cap": item.get("cap"),
        }
        for item in scores[0].breakdown
    ]


NOTICE_KINDS = {
    AssessmentRuleKind.NOTICE_BLUE: NoticeColour.BLUE,
    AssessmentRuleKind.NOTICE_YELLOW: NoticeColour.YELLOW,
    AssessmentRuleKind.NOTICE_RED: NoticeColour.RED,
}

# Ties on the total are broken in this order (fewer is better, except on-time completions);
# units equal on all of them share the rank and are shown as tied (并列).
TIE_BREAKS = (
    (AssessmentRuleKind.OVERDUE_AT_END, -1, "期末逾期任务较少"),
    (AssessmentRuleKind.MISSED_REPORT, -1, "未按期报送次数较少"),
    (AssessmentRuleKind.NOTICE_RED, -1, "红色督办单较少"),
    (AssessmentRuleKind.ON_TIME_COMPLETION, 1, "按期完成任务较多"),
)
TIE_BREAK_TEXT = (
    "总分相同时依次比较:" + "、".join(text for _, _, text in TIE_BREAKS) + ";仍相同的并列"
)


class Tally:
    """What each unit scored under each kind, task by task: {kind: {unit: {task: count}}}."""

    def __init__(self):
        self.items: dict[str, dict[int, Counter]] = {}

    def add(self, kind: str, unit_id: int, task_id: int, count: int = 1) -> None:
        if count:
            self.items.setdefault(kind, {}).setdefault(unit_id, Counter())[task_id] += count

    def count(self, kind: str, unit_id: int) -> int:
        return sum(self.items.get(kind, {}).get(unit_id, Counter()).values())

    def tasks(self, kind: str, unit_id: int) -> Counter:
        return self.items.get(kind, {}).get(unit_id, Counter())

    def unit_ids(self) -> set[int]:
        return {unit_id for by_unit in self.items.values() for unit_id in by_unit}


def _lead_links():
    """The links scored: lead units and handed-down members (`TaskUnit.objects.accountable`)."""
    return TaskUnit.objects.accountable().filter(unit__is_collective=False)


def _tally(period: AssessmentPeriod, today: date) -> Tally:
    """Every counted occurrence in the period, per kind, unit and task."""
    start, end = period.starts_on, period.ends_on
    cutoff = min(end, today)
    calendar = workdays.calendar()
    tally = Tally()

    # The period's work: tasks of plans for its years, or due in it (by the date in force
    # or the original one); events (notices, 签收, 退回) count wherever they happen.
    links = list(
        _lead_links()
        .filter(_in_period_q(period))
        .select_related("task__deadline", "task__plan__publication", "unit")
    )
    for link in links:
        task = link.task
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            continue
        completed_on = task.completed_on if task.status == TaskStatus.COMPLETED else None
        # On time against the original deadline: an extension counts only when it was
        # approved before the deadline it moved (no late days on record).
        if completed_on is not None and start <= completed_on <= end:
            if deadline.days_late(completed_on=completed_on, as_of=completed_on) == 0:
                tally.add(AssessmentRuleKind.ON_TIME_COMPLETION, link.unit_id, task.pk)
        if task.is_overdue(cutoff):
            tally.add(AssessmentRuleKind.OVERDUE_AT_END, link.unit_id, task.pk)
            days = deadline.days_late(completed_on=None, as_of=cutoff)
            tally.add(AssessmentRuleKind.DAYS_OVERDUE, link.unit_id, task.pk, days)

    _tally_missed_reports(tally, links, start, cutoff, calendar)
    _tally_notices(tally, start, end, cutoff, calendar)
    for (task_id, unit_id), count in _late_acknowledgements(period, today).items():
        tally.add(AssessmentRuleKind.LATE_ACKNOWLEDGEMENT, unit_id, task_id, count)
    _tally_sent_back(tally, start, end)

    report_months = (
        ProgressReport.objects.filter(unit__isnull=False, created_at__date__range=(start, end))
        .annotate(month=TruncMonth("created_at"))
        .order_by()  # the model's ordering would otherwise defeat DISTINCT
        .values_list("unit", "task", "month")
        .distinct()
    )
    for unit_id, task_id, _ in report_months:
        tally.add(AssessmentRuleKind.MONTHLY_REPORT, unit_id, task_id)
    return tally


def _in_period_q(period: AssessmentPeriod) -> Q:
    window = (period.starts_on, period.ends_on)
    return (
        Q(task__plan__year__range=(period.starts_on.year, period.ends_on.year))
        | Q(task__deadline__due_on__range=window)
        | Q(task__deadline__original_due_on__range=window)
    )


def _tally_missed_reports(tally: Tally, links, start: date, cutoff: date, calendar) -> None:
    """Each due date of a task's reporting rule in the period (after the task's clock started,
    while it was open) with no report by the lead unit since the due date before it."""
    reported: dict[tuple[int, int], list[date]] = {}
    for unit_id, task_id, at in ProgressReport.objects.filter(
        unit__isnull=False, created_at__date__lte=cutoff
    ).values_list("unit_id", "task_id", "created_at"):
        reported.setdefault((task_id, unit_id), []).append(timezone.localdate(at))
    due_dates = {}  # per rule: a province's tasks share a handful of rules
    for link in links:
        task = link.task
        rule = task.reporting_rule
        if not rule.requires_reports:
            continue
        started = _start_on(task)
        completed_on = task.completed_on if task.status == TaskStatus.COMPLETED else None
        if rule not in due_dates:
            due_dates[rule] = rule.due_dates(
                date(start.year - 1, 1, 1), cutoff - timedelta(days=1), calendar
            )
        dates = due_dates[rule]
        days = sorted(reported.get((task.pk, link.unit_id), []))
        for previous, due in zip(dates, dates[1:], strict=False):
            if due < start or due < started or (completed_on and completed_on <= due):
                continue
            if not any(previous < day <= due for day in days):
                tally.add(AssessmentRuleKind.MISSED_REPORT, link.unit_id, task.pk)


def _tally_notices(tally: Tally, start: date, end: date, cutoff: date, calendar) -> None:
    """督办单 received in the period by colour; answered after N working days, or not at all
    by the period's end (counted in the period their answer fell due)."""
    for notice in EscalationNotice.objects.counted().filter(confirmed_at__isnull=False):
        issued_on = timezone.localdate(notice.confirmed_at)
        if start <= issued_on <= end:
            kind = next(k for k, colour in NOTICE_KINDS.items() if colour == notice.colour)
            tally.add(kind, notice.unit_id, notice.task_id)
        due_on = notice_answer_due_on(notice, calendar)
        if not (start <= due_on <= end):
            continue
        if notice.answered_at is not None:
            if timezone.localdate(notice.answered_at) > due_on:
                tally.add(AssessmentRuleKind.NOTICE_ANSWERED_LATE, notice.unit_id, notice.task_id)
        elif notice.status == NoticeStatus.CLOSED and notice.closed_at is not None:
            # Closed by the task's 销号: unanswered only if that came after the answer was due.
            if timezone.localdate(notice.closed_at) > due_on:
                tally.add(AssessmentRuleKind.NOTICE_UNANSWERED, notice.unit_id, notice.task_id)
        elif due_on < cutoff:
            tally.add(AssessmentRuleKind.NOTICE_UNANSWERED, notice.unit_id, notice.task_id)


def _tally_sent_back(tally: Tally, start: date, end: date) -> None:
    """A completion request (申请销号) the office reopened (退回) in the period, per lead unit."""
    history = Task.history.filter(history_date__date__lte=end).order_by("id", "history_date")
    previous_status = {}
    sent_back = Counter()
    for task_id, status, at in history.values_list("id", "status", "history_date"):
        was = previous_status.get(task_id)
        previous_status[task_id] = status
        if was == TaskStatus.COMPLETION_REQUESTED and status == TaskStatus.IN_PROGRESS:
            if start <= timezone.localdate(at) <= end:
                sent_back[task_id] += 1
    if not sent_back:
        return
    for link in _lead_links().filter(task_id__in=sent_back):
        tally.add(AssessmentRuleKind.SENT_BACK, link.unit_id, link.task_id, sent_back[link.task_id])


def _late_acknowledgements(period: AssessmentPeriod, today: date) -> Counter:
    """(task, unit) acknowledgements due in the period and made late, or still missing."""
    calendar = workdays.calendar()
    cutoff = min(period.ends_on, today)
    acknowledged = {
        (task_id, unit_id): timezone.localdate(at)
        for task_id, unit_id, at in TaskAcknowledgement.objects.values_list(
            "task_id", "unit_id", "acknowledged_at"
        )
    }
    late = Counter()
    # One due date per published plan; then only the lead and handed-down member links
    # (`accountable`) of plans due in the period.
    due_by_plan = {
        publication.plan_id: acknowledgement_due_on(publication, calendar)
        for publication in PlanPublication.objects.all()
    }
    in_window = [
        plan_id
        for plan_id, due_on in due_by_plan.items()
        if period.starts_on <= due_on <= period.ends_on
    ]
    links = (
        TaskUnit.objects.accountable()
        .filter(task__plan_id__in=in_window)
        .order_by()
        .values_list("task_id", "unit_id", "task__plan_id")
    )
    for task_id, unit_id, plan_id in links.iterator(chunk_size=5000):
        due_on = due_by_plan[plan_id]
        done_on = acknowledged.get((task_id, unit_id))
        if (done_on is not None and done_on > due_on) or (done_on is None and due_on < cutoff):
            late[(task_id, unit_id)] += 1
    return late


def _task_labels(task_ids) -> dict[int, str]:
    return {
        task.pk: f"{task.plan.title[:24]} 第{task.number}项 {task.title}"
        for task in Task.objects.filter(pk__in=task_ids).select_related("plan")
    }


def _capped(score: Decimal, cap: Decimal | None) -> Decimal:
    if cap is None:
        return score
    return max(-cap, min(cap, score))


def assessment_compute(
    *, period: AssessmentPeriod, today: date | None = None, breakdowns: bool = True
) -> list[UnitScore]:
    """Rank the period's lead units by base score + Σ min(cap, count × points) over the active
    rules; ties broken by `TIE_BREAKS`, then shared (并列).

    A published period is frozen: its stored scores are returned and nothing is recomputed;
    `breakdowns=False` leaves their breakdowns empty (a province's 2,000 units store 8 MB of
    them, 0.2 s to read): `with_breakdowns` fills them for the rows a page shows.
    """
    if period.is_frozen:
        rows = period.scores.select_related("unit__region").order_by("rank", "unit__name")
        if not breakdowns:
            rows = rows.defer("breakdown")
        stored = [
            UnitScore(
                unit=row.unit,
                total=row.total,
                breakdown=row.breakdown if breakdowns else [],
                rank=row.rank,
            )
            for row in rows
        ]
        ranks = Counter(score.rank for score in stored)
        for score in stored:
            score.tied = ranks[score.rank] > 1
        return stored
    today = today or timezone.localdate()
    rules_in_force = list(AssessmentRule.objects.filter(is_active=True))
    tally = _tally(period, today)
    # Assessed: the lead units of the period's work (tasks of plans for its years, or due
    # in it), and any unit that scored in it; a unit with nothing in the period is not
    # ranked at the bottom of a table it has no part in.
    unit_ids = set(
        _lead_links()
        .filter(_in_period_q(period))
        .order_by()  # else DISTINCT runs over the model's ordering: one row per link
        .values_list("unit_id", flat=True)
        .distinct()
    )
    unit_ids.update(tally.unit_ids())
    counted_tasks = {
        task_id
        for rule in rules_in_force
        for unit_id in unit_ids
        for task_id in tally.tasks(rule.kind, unit_id)
    }
    labels = _task_labels(counted_tasks)
    scores = []
    for unit in Unit.objects.filter(pk__in=unit_ids, is_collective=False):
        breakdown = []
        total = period.base_score
        for rule in rules_in_force:
            count = tally.count(rule.kind, unit.pk)
            score = _capped(rule.points * count, rule.cap) if count else Decimal("0.00")
            total += score
            breakdown.append(
                {
                    "rule": rule.name,
                    "kind": rule.kind,
                    "count": count,
                    "points": str(rule.points),
                    "cap": None if rule.cap is None else str(rule.cap),
                    "score": str(score),
                    "items": [
                        {"task": task_id, "label": labels[task_id], "count": n}
                        for task_id, n in sorted(tally.tasks(rule.kind, unit.pk).items())
                    ],
                }
            )
        score = UnitScore(unit=unit, total=total, breakdown=breakdown)
        score.tie_key = tuple(sign * tally.count(kind, unit.pk) for kind, sign, _ in TIE_BREAKS)
        scores.append(score)
    scores.sort(key=lambda s: (-s.total, [-value for value in s.tie_key], s.unit.name))
    for index, score in enumerate(scores):
        previous = scores[index - 1] if index else None
        tied = previous is not None and (score.total, score.tie_key) == (
            previous.total,
            previous.tie_key,
        )
        score.rank = previous.rank if tied else index + 1
    ranks = Counter(score.rank for score in scores)
    for score in scores:
        score.tied = ranks[score.rank] > 1
    return scores


def scores_for_viewer(scores: list[UnitScore], user) -> list[UnitScore]:
    """The score rows a governed office or leader is shown: its governments' units only
    (ranks stay those of the whole table). Everyone else gets the rows unchanged."""
    region_ids = government_region_ids(user) if sees_all_tasks(user) else None
    if region_ids is None:
        return scores
    region_ids = set(region_ids)
    return [score for score in scores if score.unit.region_id in region_ids]


@transaction.atomic
def assessment_publish(*, period: AssessmentPeriod, user, today: date | None = None) -> int:
    """Store the period's scores and freeze it; a published period cannot be published again."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以发布考评结果")
    period = AssessmentPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_frozen:
        raise ValidationError("该考评周期已发布,成绩已冻结")
    scores = assessment_compute(period=period, today=today)
    AssessmentScore.objects.bulk_create(
        AssessmentScore(
            period=period,
            unit=score.unit,
            rank=score.rank,
            total=score.total,
            breakdown=score.breakdown,
        )
        for score in scores
    )
    period.published_at = timezone.now()
    period.published_by = user
    period.save()
    return len(scores)


def notices_propose_job_start(*, user):
    """Today's `notices_propose` as a background job started by an office (workbench
    button): a governed office's governments only, as `propose_notices --region` does; a
    second click while it runs joins it, and proposing again adds nothing (idempotent)."""
    from jobs.choices import JobKind
    from jobs.services import job_start

    if not is_office(user):
        raise PermissionDenied("只有优化办可以生成督办单建议")
    today = timezone.localdate()
    params = {"as_of": today.isoformat(), "region_ids": government_region_ids(user)}
    return job_start(
        kind=JobKind.PROPOSE_NOTICES,
        params=params,
        user=user,
        title=f"生成督办单建议({today:%Y-%m-%d})",
    )
