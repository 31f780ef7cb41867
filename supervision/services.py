"""Supervision workflows: 交办, 签收, 督办单 and 考评. Keyword-only, one transaction each."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Max, Prefetch, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tasks import events, rules
from tasks.choices import TaskStatus
from tasks.models import Plan, ProgressReport, Task, TaskUnit
from tasks.services import report_submit
from units.choices import UnitRole
from units.models import Unit
from units.roles import government_region_ids, sees_all_tasks

from . import selectors, workdays
from .choices import AssessmentRuleKind, NoticeColour, NoticeStatus
from .models import (
    AssessmentPeriod,
    AssessmentRule,
    AssessmentScore,
    EscalationNotice,
    PlanPublication,
    TaskAcknowledgement,
)
from .notice_rules import notice_colour
from .selectors import acknowledgement_due_on


@transaction.atomic
def plan_publish(*, plan: Plan, user) -> PlanPublication:
    """交办: publish a plan to its units; publishing again keeps the first date."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以交办方案")
    publication, created = PlanPublication.objects.get_or_create(
        plan=plan, defaults={"published_at": timezone.now(), "published_by": user}
    )
    if created:
        leads = TaskUnit.objects.filter(task__plan=plan, role=UnitRole.LEAD)
        for unit_id, count in (
            leads.values_list("unit_id").annotate(n=Count("pk")).order_by("unit_id")
        ):
            events.announce(
                kind=events.EventKind.TASK_ASSIGNED,
                unit_ids=[unit_id],
                title=f"方案已交办:《{plan.title}》,贵单位牵头{count}项任务,请及时签收",
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
    if publication is not None:
        return timezone.localdate(publication.published_at)
    return task.plan.issued_on or timezone.localdate(task.created_at)


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

    Written in bulk: one INSERT per NOTICE_BATCH notices and their history rows likewise
    (django-simple-history's `bulk_create_with_history`); 74,000 notices one row at a
    time took 557 s.
    """
    return bulk_create_with_history(
        notice_proposals(as_of=as_of, region_ids=region_ids),
        EscalationNotice,
        batch_size=NOTICE_BATCH,
        default_user=user,
    )


def notice_proposals(*, as_of: date, region_ids=None) -> list[EscalationNotice]:
    """The notices `notices_propose` would create on `as_of`, validated and not saved."""
    tasks = (
        Task.objects.exclude(status=TaskStatus.COMPLETED)
        .filter(deadline__isnull=False)
        .select_related("deadline", "plan__publication")
        .prefetch_related(
            Prefetch(
                "task_units",
                queryset=TaskUnit.objects.filter(role=UnitRole.LEAD),
                to_attr="lead_links",
            )
        )
        .annotate(
            last_report_at=Max(
                "reports__created_at", filter=Q(reports__created_at__date__lte=as_of)
            )
        )
    )
    if region_ids is not None:
        tasks = tasks.in_regions(region_ids)
    overdue_ids = set(Task.objects.overdue(as_of).values_list("pk", flat=True))
    last_completed = dict(
        Task.history.filter(status=TaskStatus.COMPLETED)
        .values("id")
        .annotate(at=Max("history_date"))
        .values_list("id", "at")
    )
    earlier = set()
    for task_id, unit_id, colour, proposed_at in EscalationNotice.objects.exclude(
        status=NoticeStatus.CANCELLED
    ).values_list("task_id", "unit_id", "colour", "proposed_at"):
        completed_at = last_completed.get(task_id)
        if completed_at is None or proposed_at > completed_at:
            earlier.add((task_id, unit_id, colour))

    proposed = []
    for task in tasks:
        if not task.lead_links:
            continue
        proposal = notice_colour(
            as_of=as_of,
            due_on=None if task.deadline.is_ongoing else task.deadline.due_on,
            start_on=_start_on(task),
            progress=task.progress,
            last_report_on=timezone.localdate(task.last_report_at) if task.last_report_at else None,
            is_overdue=task.pk in overdue_ids,
        )
        if proposal is None:
            continue
        for link in task.lead_links:
            if (task.pk, link.unit_id, proposal.colour) in earlier:
                continue
            notice = EscalationNotice(
                task=task,
                unit_id=link.unit_id,
                colour=proposal.colour,
                reason=proposal.reason,
                proposed_on=as_of,
            )
            # The field rules only: task and unit come from the rows just read, and the
            # unit is a lead link of the task by construction (what clean() checks with
            # one query per notice).
            notice.clean_fields(exclude=["task", "unit"])
            proposed.append(notice)
    return proposed


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


@dataclass
class UnitScore:
    """One unit's score in a period: the base plus each rule's count × points."""

    unit: Unit
    total: Decimal
    breakdown: list[dict] = field(default_factory=list)
    rank: int = 0


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
        }
        for item in scores[0].breakdown
    ]


NOTICE_KINDS = {
    AssessmentRuleKind.NOTICE_BLUE: NoticeColour.BLUE,
    AssessmentRuleKind.NOTICE_YELLOW: NoticeColour.YELLOW,
    AssessmentRuleKind.NOTICE_RED: NoticeColour.RED,
}


def _counts_by_kind(period: AssessmentPeriod, today: date) -> dict[str, Counter]:
    """For each rule kind, how many times each unit (by id) scored it in the period."""
    window = (period.starts_on, period.ends_on)
    counts: dict[str, Counter] = {}

    on_time = (
        TaskUnit.objects.accountable()
        .filter(
            task__status=TaskStatus.COMPLETED,
            task__completed_on__range=window,
        )
        .filter(
            Q(task__deadline__is_ongoing=True)
            | Q(task__completed_on__lte=F("task__deadline__due_on"))
        )
        .values("unit")
        .annotate(n=Count("task", distinct=True))
    )
    counts[AssessmentRuleKind.ON_TIME_COMPLETION] = Counter(
        {row["unit"]: row["n"] for row in on_time}
    )

    # One point per task and calendar month with at least one report from the unit:
    # COUNT(DISTINCT task·month) grouped by unit, in the database.
    task_month = ExpressionWrapper(
        F("task_id") * 100000 + ExtractYear("created_at") * 12 + ExtractMonth("created_at"),
        output_field=BigIntegerField(),
    )
    report_months = (
        ProgressReport.objects.filter(unit__isnull=False, created_at__date__range=window)
        .order_by()  # the model's ordering would otherwise join the GROUP BY
        .values("unit")
        .annotate(n=Count(task_month, distinct=True))
    )
    counts[AssessmentRuleKind.MONTHLY_REPORT] = Counter(
        {row["unit"]: row["n"] for row in report_months}
    )

    notices = (
        EscalationNotice.objects.counted()
        .filter(confirmed_at__date__range=window)
        .values("unit", "colour")
        .annotate(n=Count("id"))
    )
    for kind, colour in NOTICE_KINDS.items():
        counts[kind] = Counter(
            {row["unit"]: row["n"] for row in notices if row["colour"] == colour}
        )

    counts[AssessmentRuleKind.LATE_ACKNOWLEDGEMENT] = _late_acknowledgements(period, today)
    return counts


def _late_acknowledgements(period: AssessmentPeriod, today: date) -> Counter:
    """Acknowledgements due in the period and made late, or still missing by its end."""
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
            late[unit_id] += 1
    return late


def assessment_compute(*, period: AssessmentPeriod, today: date | None = None) -> list[UnitScore]:
    """Rank the period's lead units by base score + Σ(count × points) over the active rules.

    A published period is frozen: its stored scores are returned and nothing is recomputed.
    """
    if period.is_frozen:
        return [
            UnitScore(unit=row.unit, total=row.total, breakdown=row.breakdown, rank=row.rank)
            for row in period.scores.select_related("unit__region").order_by("rank", "unit__name")
        ]
    today = today or timezone.localdate()
    rules_in_force = list(AssessmentRule.objects.filter(is_active=True))
    counts = _counts_by_kind(period, today)
    # Assessed: the lead units of the period's work (tasks of plans for its years, or due
    # in it), and any unit that scored in it; a unit with nothing in the period is not
    # ranked at the bottom of a table it has no part in.
    in_period = Q(task__plan__year__range=(period.starts_on.year, period.ends_on.year)) | Q(
        task__deadline__due_on__range=(period.starts_on, period.ends_on)
    )
    unit_ids = set(
        TaskUnit.objects.accountable()
        .filter(in_period, unit__is_collective=False)
        .order_by()  # else DISTINCT runs over the model's ordering: one row per link
        .values_list("unit_id", flat=True)
        .distinct()
    )
    for counter in counts.values():
        unit_ids.update(counter)
    scores = []
    for unit in Unit.objects.filter(pk__in=unit_ids):
        breakdown = []
        total = period.base_score
        for rule in rules_in_force:
            count = counts[rule.kind][unit.pk]
            score = rule.points * count if count else Decimal("0.00")
            total += score
            breakdown.append(
                {
                    "rule": rule.name,
                    "kind": rule.kind,
                    "count": count,
                    "points": str(rule.points),
                    "score": str(score),
                }
            )
        scores.append(UnitScore(unit=unit, total=total, breakdown=breakdown))
    scores.sort(key=lambda s: (-s.total, s.unit.name))
    for index, score in enumerate(scores):
        tied = index and score.total == scores[index - 1].total
        score.rank = scores[index - 1].rank if tied else index + 1
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
