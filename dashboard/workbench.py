"""The office's to-do workbench (优化办工作台): every queue waiting for the office, and per
plan the 签收 progress and this month's reporting rate.

Shown as the admin index (`units.admin_site.ReformAdminSite.index`). A fixed number of
queries whatever the number of plans and tasks (tests/test_workbench.py pins it).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from deadlines.choices import ExtensionStatus
from deadlines.models import DeadlineExtension
from reviews.choices import REVIEW_STEPS, ReviewKind, ReviewStage
from reviews.models import Review
from supervision import selectors
from supervision.choices import NoticeStatus
from supervision.models import EscalationNotice
from tasks.choices import TaskStatus
from tasks.models import Plan, ProgressReport, Task, TaskUnit
from units.choices import UnitRole


@dataclass
class Queue:
    """One kind of waiting work: how many, and the page that lists exactly those items."""

    key: str
    label: str
    count: int
    url: str


@dataclass
class PlanProgress:
    plan: Plan
    leads_total: int  # lead-unit links of open tasks in a published plan (to 签收)
    leads_signed: int
    open_tasks: int
    reported_tasks: int  # open tasks with a report since the 1st of the month

    @property
    def is_published(self) -> bool:
        return hasattr(self.plan, "publication")

    @property
    def signed_percent(self) -> int | None:
        return round(100 * self.leads_signed / self.leads_total) if self.leads_total else None

    @property
    def reporting_percent(self) -> int | None:
        return round(100 * self.reported_tasks / self.open_tasks) if self.open_tasks else None


def _admin(name: str, query: str = "") -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{query}" if query else url


def office_queues(as_of: date, user=None) -> list[Queue]:
    """The office's queues, each with the admin or supervision page that lists them; with
    `user`, only what that office or leader may see (an office scoped to its government)."""
    tasks = Task.objects.visible_to(user) if user is not None else Task.objects.all()
    notices = (
        EscalationNotice.objects.visible_to(user)
        if user is not None
        else EscalationNotice.objects.all()
    )
    # Requests at the lead unit's or a leader's step are not the office's to verify yet.
    elsewhere = Review.objects.filter(
        stage__in=(ReviewStage.LEAD_UNIT, ReviewStage.LEADER, ReviewStage.RETURNED)
    )
    task_counts = tasks.filter(plan__closed_at__isnull=True).aggregate(
        completion=Count(
            "pk",
            filter=Q(status=TaskStatus.COMPLETION_REQUESTED)
            & ~Q(pk__in=elsewhere.filter(kind=ReviewKind.COMPLETION).values("task_id")),
        ),
        warnings=Count("pk", filter=~Q(warnings=[])),
        no_lead=Count(
            "pk",
            filter=~Q(pk__in=TaskUnit.objects.filter(role=UnitRole.LEAD).values("task_id")),
        ),
    )
    notice_counts = notices.aggregate(
        proposed=Count("pk", filter=Q(status=NoticeStatus.PROPOSED)),
        issued=Count("pk", filter=Q(status=NoticeStatus.ISSUED)),
    )
    extensions = (
        DeadlineExtension.objects.filter(status=ExtensionStatus.PENDING, deadline__task__in=tasks)
        .exclude(review__in=elsewhere)
        .count()
    )
    step_counts = Review.objects.filter(
        task__in=tasks, task__plan__closed_at__isnull=True
    ).aggregate(**{stage: Count("pk", filter=Q(stage=stage)) for stage in REVIEW_STEPS})
    unsigned_late = len(selectors.unacknowledged_overdue(as_of, tasks=tasks))
    return [
        Queue(
            "completion",
            "销号申请待核验",
            task_counts["completion"],
            _admin("tasks_task", f"status={TaskStatus.COMPLETION_REQUESTED}"),
        ),
        Queue(
            "extension",
            "延期申请待审批",
            extensions,
            _admin("deadlines_deadlineextension", f"status__exact={ExtensionStatus.PENDING}"),
        ),
        *(
            Queue(
                f"review_{stage}",
                f"审核队列:{ReviewStage(stage).label}",
                step_counts[stage],
                f"{reverse('reviews:queue')}?stage={stage}",
            )
            for stage in REVIEW_STEPS
        ),
        Queue(
            "proposed",
            "督办单待确认",
            notice_counts["proposed"],
            reverse("supervision:proposed"),
        ),
        Queue(
            "unsigned",
            "超时未签收任务",
            unsigned_late,
            reverse("supervision:unacknowledged"),
        ),
        Queue(
            "unanswered",
            "督办单待单位回复",
            notice_counts["issued"],
            _admin("supervision_escalationnotice", f"status__exact={NoticeStatus.ISSUED}"),
        ),
        Queue(
            "warnings",
            "导入提示待核对",
            task_counts["warnings"],
            _admin("tasks_task", "has_warnings=yes"),
        ),
        Queue(
            "no_lead",
            "无牵头单位任务",
            task_counts["no_lead"],
            _admin("tasks_task", "has_lead=false"),
        ),
    ]


def plan_progress(as_of: date, user=None) -> list[PlanProgress]:
    """Per plan: lead units that signed for their open tasks, and open tasks reported this month."""
    tasks = Task.objects.visible_to(user) if user is not None else Task.objects.all()
    plans = Plan.objects.filter(closed_at__isnull=True, pk__in=tasks.values("plan_id"))
    plans = plans.select_related("publication")
    leads = selectors.acknowledgement_progress()
    month_start = as_of.replace(day=1)
    reported = Exists(
        ProgressReport.objects.filter(task=OuterRef("pk"), created_at__date__gte=month_start)
    )
    reporting = dict(
        (row["plan_id"], row)
        for row in tasks.exclude(status=TaskStatus.COMPLETED)
        .values("plan_id")
        .annotate(open=Count("pk"), reported=Count("pk", filter=reported))
        .order_by()
    )
    rows = []
    for plan in plans.order_by("-year", "title"):
        lead = leads.get(plan.pk, {})
        report = reporting.get(plan.pk, {})
        rows.append(
            PlanProgress(
                plan=plan,
                leads_total=lead.get("total", 0),
                leads_signed=lead.get("signed", 0),
                open_tasks=report.get("open", 0),
                reported_tasks=report.get("reported", 0),
            )
        )
    return rows
