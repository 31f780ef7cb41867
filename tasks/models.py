import os
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from units.choices import UnitRole
from units.roles import government_region_ids, is_office, sees_all_tasks

from .choices import ReportingCycle, SubTaskStatus, TaskLinkStatus, TaskStatus
from .reporting import ReportingRule


class PlanQuerySet(models.QuerySet):
    def in_regions(self, region_ids):
        """Plans issued by these governments."""
        return self.filter(region_id__in=region_ids)

    def managed_by(self, user):
        """Plans `user` may edit and list: all for a system-wide office or leader, a
        governed one's own plans and its subordinate governments' (not upstream plans)."""
        if not user.is_authenticated or not sees_all_tasks(user):
            return self.none()
        region_ids = government_region_ids(user)
        return self if region_ids is None else self.in_regions(region_ids)

    def visible_to(self, user):
        """Plans with at least one task `user` may read, and a governed office's own plans."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_tasks(user) and government_region_ids(user) is None:
            return self
        visible = Task.objects.visible_to(user).values("plan_id")
        if sees_all_tasks(user):
            return self.filter(Q(region_id__in=government_region_ids(user)) | Q(pk__in=visible))
        return self.filter(pk__in=visible)


class Plan(models.Model):
    """A reform plan (工作计划 / 实施方案 / 分工方案): a document of numbered tasks."""

    title = models.CharField(
        "方案名称",
        max_length=300,
    )
    doc_number = models.CharField(
        "文号",
        max_length=100,
        blank=True,
    )
    issuer = models.CharField(
        "发文单位",
        max_length=200,
        blank=True,
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name="发文政府",
        help_text="制定方案的政府(行政区划);文中“市××局”等单位名称按此区划理解",
    )
    upstream = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="downstream_plans",
        verbose_name="上级方案",
        help_text="本方案贯彻落实的上级方案,如湘潭市方案依据的湖南省方案",
    )
    issued_on = models.DateField(
        "成文日期",
        null=True,
        blank=True,
        help_text="通知落款日期,不是网页发布日期",
    )
    year = models.PositiveIntegerField(
        "年度",
    )
    source_file = models.CharField(
        "源文件",
        max_length=255,
        unique=True,
    )
    source_text = models.TextField(
        "原文",
        help_text="导入时的原始文本,逐字保存",
    )
    content_hash = models.CharField(
        "内容哈希",
        max_length=64,
    )
    import_warnings = models.JSONField(
        "导入提示",
        default=list,
        blank=True,
    )
    reporting_cycle = models.CharField(
        "报送周期",
        max_length=20,
        choices=ReportingCycle.choices,
        default=ReportingCycle.MONTHLY,
        help_text="牵头单位报送进展的周期;任务可单独设定",
    )
    reporting_day = models.PositiveSmallIntegerField(
        "报送日",
        null=True,
        blank=True,
        help_text="每期结束后次月第N日前报送(如“每月5日前报送”填5);空表示每期期末前报送",
    )
    reporting_in_working_days = models.BooleanField(
        "按工作日计",
        default=False,
        help_text="勾选表示报送日为次月第N个工作日(如“前5个工作日内报送”)",
    )
    reporting_text = models.CharField(
        "报送要求原文",
        max_length=200,
        blank=True,
        help_text="导入时从文件中识别出的报送要求",
    )
    imported_at = models.DateTimeField(
        "首次导入时间",
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )
    needs_leader_approval = models.BooleanField(
        "销号和延期需领导审批",
        default=False,
        help_text="勾选后,销号申请和延期申请经优化办初审后还须领导审批(见审核队列)",
    )
    closed_at = models.DateTimeField(
        "归档时间",
        null=True,
        blank=True,
        help_text="归档后方案只读,不再计入看板和工作台的当前数字(见 plan_close)",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="归档人",
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "改革方案"
        verbose_name_plural = "改革方案"
        ordering = ("-year", "title")
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_day__isnull=True)
                | Q(reporting_day__gte=1, reporting_day__lte=31),
                name="%(app_label)s_%(class)s_reporting_day_1_31",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        # Walking up from the chosen upstream plan must never come back to this plan.
        upstream, seen = self.upstream, set()
        while upstream is not None and upstream.pk not in seen:
            if self.pk is not None and upstream.pk == self.pk:
                raise ValidationError(
                    {"upstream": f"上级方案“{self.upstream}”不能是本方案或其下级方案"}
                )
            seen.add(upstream.pk)
            upstream = upstream.upstream
        errors = reporting_rule_errors(self.reporting_cycle, self.reporting_day)
        if errors:
            raise ValidationError(errors)

    @property
    def reporting_rule(self) -> ReportingRule:
        return ReportingRule(
            self.reporting_cycle, self.reporting_day, self.reporting_in_working_days
        )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


def reporting_rule_errors(cycle: str, day: int | None) -> dict[str, str]:
    """A reporting day needs a cycle that reports, and lies between 1 and 31."""
    if day is not None and cycle in ("", ReportingCycle.NONE):
        return {"reporting_day": "未设定报送周期时不能填写报送日"}
    if day is not None and not 1 <= day <= 31:
        return {"reporting_day": "报送日应在1至31之间"}
    return {}


def same_plan_errors(*, plan_id, field: str, related, message: str) -> dict[str, str]:
    """A heading or task may only hang under a heading of its own plan (admin and API)."""
    if related is not None and related.plan_id != plan_id:
        return {field: message}
    return {}


SECTION_PARENT_MESSAGE = "上级标题须属于同一方案"
TASK_SECTION_MESSAGE = "章节须属于任务所在方案"


class Section(models.Model):
    """A heading of a plan (一、… or (一)…), nested as the document nests them."""

    plan = models.ForeignKey(
        Plan,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name="方案",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级标题",
    )
    numeral = models.CharField(
        "序号",
        max_length=20,
    )
    title = models.CharField(
        "标题",
        max_length=300,
    )
    level = models.PositiveSmallIntegerField(
        "层级",
    )
    position = models.PositiveIntegerField(
        "顺序",
    )

    class Meta:
        verbose_name = "章节"
        verbose_name_plural = "章节"
        ordering = ("plan", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("plan", "position"),
                name="%(app_label)s_%(class)s_unique_plan_position",
            ),
        ]

    def __str__(self):
        return f"{self.numeral}{self.title}"

    def clean(self):
        errors = same_plan_errors(
            plan_id=self.plan_id,
            field="parent",
            related=self.parent,
            message=SECTION_PARENT_MESSAGE,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def heading(self) -> str:
        """The heading as written, e.g. "一、进一步提升政务服务效能"."""
        separator = "、" if self.level == 1 else ""
        return f"{self.numeral}{separator}{self.title}"


DUE_SOON_DAYS = 15


class Urgency(models.IntegerChoices):
    """The red/amber/green mark of a task in lists, in sort order (most urgent first)."""

    RED = 0, "已逾期"
    AMBER = 1, "临近时限"
    GREEN = 2, "正常"
    DONE = 3, "已销号"


def due_soon_q(as_of: date, days: int = DUE_SOON_DAYS) -> Q:
    """Open, dated, and due between `as_of` and `days` days later (inclusive)."""
    return Q(
        deadline__is_ongoing=False,
        deadline__due_on__gte=as_of,
        deadline__due_on__lte=as_of + timedelta(days=days),
    ) & ~Q(status=TaskStatus.COMPLETED)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def completed_by_q(as_of: date, prefix: str = "") -> Q:
    """Verified complete (销号) on or before `as_of`; a request not yet verified is open.

    `prefix` ("task__") lets models related to Task count with the same rule.
    """
    return Q(**{f"{prefix}status": TaskStatus.COMPLETED, f"{prefix}completed_on__lte": as_of})


def plan_issued_by_q(as_of: date, prefix: str = "") -> Q:
    """The task's plan existed on `as_of`: issued (成文日期) on or before it.

    A plan without an issue date counts from January 1 of its year. Replaying a past
    date must not count tasks of a plan that was not written yet.
    """
    return Q(**{f"{prefix}plan__issued_on__lte": as_of}) | Q(
        **{f"{prefix}plan__issued_on__isnull": True, f"{prefix}plan__year__lte": as_of.year}
    )


def overdue_q(as_of: date, prefix: str = "") -> Q:
    """The overdue rule as a Q object, for conditional counts (`Count(filter=...)`)."""
    due = Q(**{f"{prefix}deadline__due_on__lt": as_of, f"{prefix}deadline__is_ongoing": False})
    return due & ~completed_by_q(as_of, prefix)


class IdIn(models.Expression):
    """`IdIn("task_id", ids)`: the column is one of a page's ids, as `task_id__in=ids` filters.

    For a page of 1,000 tasks Django prepares `__in` value by value and PostgreSQL parses a
    thousand literals; here PostgreSQL gets one array (`= ANY(%s)`), other databases one
    placeholder per id without the preparation. An empty list matches nothing, as `__in=[]`
    does: no query at all.
    """

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column: str, ids):
        super().__init__()
        self.column = models.F(column)
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        placeholders = ", ".join(["%s"] * len(self.ids))
        return f"{column} IN ({placeholders})", (*params, *self.ids)

    def as_postgresql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s)", (*params, self.ids)


RULE_FIELDS = ("reporting_cycle", "reporting_day", "reporting_in_working_days")


def reporting_rules_in_use() -> set[ReportingRule]:
    """Every reporting rule a plan or a task has (one query)."""
    plans = Plan.objects.order_by().values_list(*RULE_FIELDS).distinct()
    tasks = Task.objects.exclude(reporting_cycle="").order_by().values_list(*RULE_FIELDS)
    return {ReportingRule(*row) for row in plans.union(tasks.distinct())}


def report_window_start(as_of: date, prefix: str = "", calendar=None) -> models.Case:
    """Per task, the instant after which a report counts as on time as of `as_of` under the
    task's reporting rule (its own, else its plan's); NULL when no report is due.

    One CASE over the few rules in use, so lists and aggregates stay one query each.
    """
    if calendar is None:
        from supervision.workdays import calendar as work_calendar

        calendar = work_calendar()
    whens = []
    for rule in reporting_rules_in_use():
        start = rule.window_start(as_of, calendar)
        if start is None:
            continue
        values = (rule.cycle, rule.day, rule.working_days)
        own = Q(
            **{f"{prefix}{name}": value for name, value in zip(RULE_FIELDS, values, strict=True)}
        )
        inherited = Q(**{f"{prefix}reporting_cycle": ""}) & Q(
            **{
                f"{prefix}plan__{name}": value
                for name, value in zip(RULE_FIELDS, values, strict=True)
            }
        )
        whens.append(models.When(own | inherited, then=models.Value(end_of_day(start))))
    return models.Case(*whens, default=models.Value(None), output_field=models.DateTimeField())


def not_reported_q(
    as_of: date, *, task_ref: str = "pk", window: str = "report_window_start", unit=None
) -> Q:
    """Open tasks owing a report under their rule, none made since `window` (an alias of
    `report_window_start`) up to the end of `as_of`; with `unit`, reports by that unit."""
    reports = ProgressReport.objects.filter(
        task=models.OuterRef(task_ref),
        created_at__gte=models.OuterRef(window),
        created_at__lt=end_of_day(as_of),
    )
    if unit is not None:
        reports = reports.filter(unit=unit)
    return Q(**{f"{window}__isnull": False}) & ~Q(models.Exists(reports))


class TaskQuerySet(models.QuerySet):
    def not_reported(self, as_of: date, *, unit=None, calendar=None):
        """Tasks open as of `as_of` (a later 销号 does not count) that missed their latest
        report under their reporting rule (未按期报送)."""
        return (
            self.alias(report_window_start=report_window_start(as_of, calendar=calendar))
            .exclude(completed_by_q(as_of))
            .filter(not_reported_q(as_of, unit=unit))
        )

    def with_report_missing(self, as_of: date, *, calendar=None):
        """Annotate `report_missing`: open and owing a report under its rule (`not_reported`)."""
        missing = not_reported_q(as_of) & ~Q(status=TaskStatus.COMPLETED)
        return self.alias(
            report_window_start=report_window_start(as_of, calendar=calendar)
        ).annotate(
            report_missing=models.ExpressionWrapper(missing, output_field=models.BooleanField())
        )

    def visible_to(self, user):
        """Tasks `user` may read: the one definition of "who sees what".

        Office staff and leaders without a government see every task; with one
        (`UserGovernment`), the tasks of their government and the governments below it
        (`in_regions`). Unit users see their units' tasks.
        """
        if not user.is_authenticated:
            return self.none()
        if sees_all_tasks(user):
            region_ids = government_region_ids(user)
            return self if region_ids is None else self.in_regions(region_ids)
        return self.filter(task_units__unit__memberships__user=user).distinct()

    def managed_by(self, user):
        """Tasks `user` may edit as the office: every task for a system-wide office, a
        governed office's own and subordinate governments' plans' tasks. Upstream tasks
        handed down to its units stay read-only to it (the upstream office edits them)."""
        if not user.is_authenticated or not is_office(user):
            return self.none()
        region_ids = government_region_ids(user)
        return self if region_ids is None else self.filter(plan__region_id__in=region_ids)

    def in_regions(self, region_ids):
        """Tasks of these governments: their plans' tasks, and tasks handed down to their
        units from an upstream plan (a province's task whose unit is a city's bureau)."""
        # One uncorrelated subquery (PostgreSQL hashes it once), not EXISTS per task row:
        # that probed the units for each of 200,000 tasks.
        handed_down = TaskUnit.objects.filter(unit__region_id__in=region_ids).values("task_id")
        return self.filter(Q(plan__region_id__in=region_ids) | Q(pk__in=handed_down))

    def per_link(self, condition: Q | None = None, *, name: str = "link", **lookups):
        """Each task once per unit link, the link reachable as `name` (`link__unit_id`):
        for figures grouped by unit over these tasks.

        `condition` (a Q on the link's own fields, as `task_units__…`) and `lookups` (on
        the link, e.g. `unit__region_id__in=ids`) choose the links. They are applied in
        one filter: a later `.filter(link__…)` would join the links a second time.

        A join from the already filtered tasks to their links, not links filtered by
        `task__in=<these tasks>`: PostgreSQL ran that as one probe of the task filter per
        link (470,000 probes in a province of 200,000 tasks); this is one hash join.
        """
        if condition is None:
            condition = Q(task_units__pk__isnull=False)  # every link
        relation = models.FilteredRelation("task_units", condition=condition)
        filters = {f"{name}__{lookup}": value for lookup, value in lookups.items()}
        return self.alias(**{name: relation}).filter(**{f"{name}__isnull": False}, **filters)

    def led_by(self, unit):
        return self.filter(task_units__unit=unit, task_units__role=UnitRole.LEAD).distinct()

    def overdue(self, as_of: date):
        """Tasks due before `as_of`, not ongoing, and not verified complete by `as_of`.

        A completion request the office has not verified still counts as open.
        """
        return self.filter(overdue_q(as_of))

    def due_soon(self, as_of: date, days: int = DUE_SOON_DAYS):
        """Open dated tasks due from `as_of` up to `days` days later (not yet overdue)."""
        return self.filter(due_soon_q(as_of, days))

    def with_urgency(self, as_of: date, days: int = DUE_SOON_DAYS):
        """Annotate `urgency` (red/amber/green/done, see Urgency) and `last_report_at`.

        One CASE expression and one correlated subquery, so a list of any length costs
        the same number of queries; `by_urgency()` sorts on the annotation.
        """
        last_report = (
            ProgressReport.objects.filter(task=models.OuterRef("pk"))
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        return self.annotate(
            urgency=models.Case(
                models.When(status=TaskStatus.COMPLETED, then=models.Value(Urgency.DONE)),
                models.When(overdue_q(as_of), then=models.Value(Urgency.RED)),
                models.When(due_soon_q(as_of, days), then=models.Value(Urgency.AMBER)),
                default=models.Value(Urgency.GREEN),
                output_field=models.IntegerField(),
            ),
            due_on=models.F("deadline__due_on"),
            last_report_at=models.Subquery(last_report),
        )

    def by_urgency(self):
        """Most urgent first: overdue, due soon, open, done; then the nearest deadline."""
        return self.order_by(
            "urgency", models.F("due_on").asc(nulls_last=True), "plan_id", "number"
        )

    def with_subtask_counts(self, as_of: date):
        """Annotate `subtasks_total`, `subtasks_done` and `subtasks_overdue` (sub-tasks due
        before `as_of` and not done): one correlated count each, no extra query per row."""

        def count(condition: Q):
            rows = (
                SubTask.objects.filter(condition, task=models.OuterRef("pk"))
                .order_by()
                .values("task")
                .annotate(n=models.Count("pk"))
                .values("n")
            )
            return Coalesce(models.Subquery(rows), 0)

        return self.annotate(
            subtasks_total=count(Q()),
            subtasks_done=count(Q(status=SubTaskStatus.DONE)),
            subtasks_overdue=count(subtask_overdue_q(as_of)),
        )

    def completed_by(self, as_of: date):
        """Tasks the office had verified complete (销号) on or before `as_of`."""
        return self.filter(completed_by_q(as_of))

    def for_dashboard(self, as_of: date):
        """Rows for the dashboard's and bulletin's task lists, in a fixed number of queries.

        Adds `last_report_at`: the latest progress report on the task made by the end
        of `as_of` (Asia/Shanghai), and prefetches lead units in document order
        (only the lead links: `responsible_units` is empty on these rows).
        """
        reports = ProgressReport.objects.filter(
            task=models.OuterRef("pk"), created_at__lt=end_of_day(as_of)
        ).order_by("-created_at")
        return (
            self.select_related("plan", "deadline")
            .annotate(last_report_at=models.Subquery(reports.values("created_at")[:1]))
            .prefetch_related(
                models.Prefetch(
                    "task_units",
                    queryset=TaskUnit.objects.filter(role=UnitRole.LEAD)
                    .select_related("unit__region")
                    .order_by("position"),
                )
            )
        )

    def with_api_relations(self):
        """Everything the task API and lists show, in a fixed number of queries."""
        return self.select_related("plan", "section", "deadline").prefetch_related(
            models.Prefetch(
                "task_units",
                queryset=TaskUnit.objects.select_related("unit__region").order_by(
                    "role", "position"
                ),
            ),
            "deadline__milestones",
        )


class Task(models.Model):
    """One numbered task of a plan, with its lead (牵头) and responsible (责任) units."""

    plan = models.ForeignKey(
        Plan,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name="方案",
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name="章节",
    )
    number = models.PositiveIntegerField(
        "序号",
    )
    title = models.CharField(
        "任务",
        max_length=500,
    )
    body = models.TextField(
        "任务内容",
    )
    source_text = models.TextField(
        "原文",
        blank=True,
        help_text="文档中该任务的原始文字,供核对解析结果",
    )
    status = models.CharField(
        "状态",
        max_length=30,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
    )
    progress = models.PositiveSmallIntegerField(
        "进度(%)",
        default=0,
    )
    completed_on = models.DateField(
        "销号日期",
        null=True,
        blank=True,
    )
    reporting_cycle = models.CharField(
        "报送周期",
        max_length=20,
        choices=ReportingCycle.choices,
        blank=True,
        help_text="空表示按方案的报送周期",
    )
    reporting_day = models.PositiveSmallIntegerField(
        "报送日",
        null=True,
        blank=True,
        help_text="仅在单独设定报送周期时使用,含义同方案",
    )
    reporting_in_working_days = models.BooleanField(
        "报送日按工作日计",
        default=False,
    )
    warnings = models.JSONField(
        "导入提示",
        default=list,
        blank=True,
    )
    units = models.ManyToManyField(
        "units.Unit",
        through="TaskUnit",
        related_name="tasks",
        verbose_name="单位",
    )
    carried_to = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_from",
        verbose_name="结转至",
        help_text="方案归档时未完成的任务结转到新方案中的这一任务",
    )
    version = models.PositiveIntegerField(
        "版本",
        default=1,
        help_text="乐观锁版本号:每次保存加一,防止并发覆盖",
    )
    created_at = models.DateTimeField(
        "创建时间",
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )

    objects = TaskQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["source_text"])

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ("plan", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("plan", "number"),
                name="%(app_label)s_%(class)s_unique_plan_number",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def clean(self):
        errors = same_plan_errors(
            plan_id=self.plan_id,
            field="section",
            related=self.section,
            message=TASK_SECTION_MESSAGE,
        )
        errors.update(reporting_rule_errors(self.reporting_cycle, self.reporting_day))
        if errors:
            raise ValidationError(errors)

    @property
    def reporting_rule(self) -> ReportingRule:
        """The task's own reporting rule, else its plan's."""
        if self.reporting_cycle:
            return ReportingRule(
                self.reporting_cycle, self.reporting_day, self.reporting_in_working_days
            )
        return self.plan.reporting_rule

    def units_with_role(self, role: str) -> list:
        """Units of one role in document order; uses prefetched task_units when present."""
        links = sorted(
            (link for link in self.task_units.all() if link.role == role),
            key=lambda link: link.position,
        )
        return [link.unit for link in links]

    @property
    def lead_units(self) -> list:
        return self.units_with_role(UnitRole.LEAD)

    @property
    def responsible_units(self) -> list:
        return self.units_with_role(UnitRole.RESPONSIBLE)

    def days_left(self, as_of: date) -> int | None:
        """Days until the deadline (negative when overdue); None for ongoing tasks."""
        deadline = getattr(self, "deadline", None)
        if deadline is None or deadline.is_ongoing or deadline.due_on is None:
            return None
        return (deadline.due_on - as_of).days

    def days_late(self, as_of: date | None = None) -> int:
        """Days late on record (逾期天数), never erased by an extension approved after the
        deadline: for a completed task up to its 销号 date, else up to `as_of` (today)."""
        deadline = getattr(self, "deadline", None)
        if deadline is None:
            return 0
        completed_on = self.completed_on if self.status == TaskStatus.COMPLETED else None
        if self.status == TaskStatus.COMPLETED and completed_on is None:
            return deadline.late_days_on_record
        return deadline.days_late(completed_on=completed_on, as_of=as_of or timezone.localdate())

    @property
    def completed_late(self) -> bool:
        """Verified complete (销号) after the deadline, or with late days on record."""
        return self.status == TaskStatus.COMPLETED and self.days_late() > 0

    @property
    def late_mark(self) -> str:
        """`逾期办结 N 天` for a task completed late, else empty: shown everywhere it is listed."""
        return f"逾期办结 {self.days_late()} 天" if self.completed_late else ""

    def is_overdue(self, as_of: date) -> bool:
        """Same rule as `TaskQuerySet.overdue`, for one task already in memory."""
        deadline = getattr(self, "deadline", None)
        if deadline is None or deadline.is_ongoing or deadline.due_on is None:
            return False
        if deadline.due_on >= as_of:
            return False
        completed_in_time = (
            self.status == TaskStatus.COMPLETED
            and self.completed_on is not None
            and self.completed_on <= as_of
        )
        return not completed_in_time


def accountable_link_q(prefix: str = "") -> Q:
    """Links of units answerable for a task: its lead units and the members a collective
    name was handed down to (承办); a collective name that has been handed down counts
    through its members, not itself."""
    return (
        Q(**{f"{prefix}role": UnitRole.LEAD}) | Q(**{f"{prefix}collective_link__isnull": False})
    ) & Q(**{f"{prefix}is_fanned_out": False})


class TaskUnitQuerySet(models.QuerySet):
    def accountable(self):
        """Lead units and handed-down members (see `accountable_link_q`)."""
        return self.filter(accountable_link_q())


class TaskUnit(models.Model):
    """A unit named on a task, with its role and its place in the document's list."""

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="task_units",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="task_units",
        verbose_name="单位",
    )
    role = models.CharField(
        "角色",
        max_length=20,
        choices=UnitRole.choices,
    )
    position = models.PositiveSmallIntegerField(
        "顺序",
        default=0,
    )
    from_document = models.BooleanField(
        "来自文件",
        default=True,
        help_text="由文件导入;手工添加的单位在重新导入时保留",
    )
    collective_link = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_links",
        verbose_name="交办自",
        help_text="由集合名称(如“各市州人民政府”)分解交办给本成员单位时,指向该集合名称",
    )
    is_fanned_out = models.BooleanField(
        "已分解交办",
        default=False,
        help_text="集合名称已分解到各成员单位承办;统计与考评只计成员单位",
    )

    objects = TaskUnitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "任务单位"
        verbose_name_plural = "任务单位"
        ordering = ("task", "role", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("task", "unit", "role"),
                name="%(app_label)s_%(class)s_unique_task_unit_role",
            ),
        ]

    def __str__(self):
        return f"{self.unit} ({self.get_role_display()})"


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, read on each use (tests override it)."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage():
    """Attachments are stored outside the web root; only a permission-checked view serves them.

    The "attachments" storage of settings.STORAGES: PrivateStorage, or an object store.
    """
    return storages["attachments"]


def attachment_path(report, filename: str) -> str:
    """A random name (the original is kept in `attachment_name`), grouped by month."""
    suffix = PurePath(filename).suffix.lower()
    return f"reports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ProgressReport(models.Model):
    """A unit's periodic report on a task (一月一调度): status, percent and narrative."""

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="报送单位",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name="报送人",
    )
    status = models.CharField(
        "状态",
        max_length=30,
        choices=TaskStatus.choices,
    )
    progress = models.PositiveSmallIntegerField(
        "进度(%)",
    )
    text = models.TextField(
        "进展情况",
    )
    created_at = models.DateTimeField(
        "报送时间",
        auto_now_add=True,
    )
    attachment = models.FileField(
        "附件",
        storage=private_storage,
        upload_to=attachment_path,
        max_length=255,
        blank=True,
    )
    attachment_name = models.CharField(
        "附件原文件名",
        max_length=255,
        blank=True,
    )
    submission_token = models.UUIDField(
        "提交令牌",
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="每张表单一个令牌:重复点击提交只保存一份报告",
    )
    returned_at = models.DateTimeField(
        "退回时间",
        null=True,
        blank=True,
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="退回人",
    )
    return_reason = models.TextField(
        "退回理由",
        blank=True,
    )
    answered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复报告",
        help_text="退回后该单位报送的下一份报告",
    )

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | ~Q(return_reason=""),
                name="%(app_label)s_%(class)s_returned_with_reason",
            ),
        ]
        # The dashboard's "last report" per task and per unit as of a date.
        indexes = [
            models.Index(fields=("task", "created_at"), name="tasks_report_task_created_idx"),
            models.Index(fields=("unit", "created_at"), name="tasks_report_unit_created_idx"),
        ]

    def __str__(self):
        return f"{self.task} @ {timezone.localtime(self.created_at):%Y-%m-%d}"

    @property
    def is_returned(self) -> bool:
        """Sent back (退回) and not yet answered by a new report of its unit."""
        return self.returned_at is not None and self.answered_by_id is None


class TaskLinkQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=TaskLinkStatus.CONFIRMED)


class TaskLink(models.Model):
    """A downstream plan's task implementing (贯彻落实) a task of the plan it implements.

    The system proposes links by text similarity (`tasks.links.task_links_propose`);
    the office confirms or rejects each. Only confirmed links are shown as downstream work.
    """

    upstream = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="downstream_links",
        verbose_name="上级任务",
    )
    downstream = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="upstream_links",
        verbose_name="落实任务",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=TaskLinkStatus.choices,
        default=TaskLinkStatus.PROPOSED,
    )
    similarity = models.PositiveSmallIntegerField(
        "相似度",
        default=0,
        help_text="系统建议时两任务文字的相似度(0–100)",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    decided_at = models.DateTimeField(
        "确认时间",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        "创建时间",
        auto_now_add=True,
    )

    objects = TaskLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "上下级任务关联"
        verbose_name_plural = "上下级任务关联"
        ordering = ("downstream__plan", "downstream__number", "-similarity")
        constraints = [
            models.UniqueConstraint(
                fields=("upstream", "downstream"),
                name="%(app_label)s_%(class)s_unique_upstream_downstream",
            ),
            models.CheckConstraint(
                condition=Q(similarity__lte=100),
                name="%(app_label)s_%(class)s_similarity_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.downstream} → {self.upstream}"

    def clean(self):
        if self.upstream_id and self.downstream_id:
            upstream_plan_id = self.downstream.plan.upstream_id
            if upstream_plan_id is None or self.upstream.plan_id != upstream_plan_id:
                raise ValidationError({"upstream": "上级任务须属于本方案的上级方案"})


def subtask_overdue_q(as_of: date) -> Q:
    """A sub-task not done and due before `as_of`."""
    return Q(due_on__lt=as_of) & ~Q(status=SubTaskStatus.DONE)


class SubTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sub-tasks of the tasks `user` may read (`Task.objects.visible_to`)."""
        return self.filter(task__in=Task.objects.visible_to(user))

    def overdue(self, as_of: date):
        return self.filter(subtask_overdue_q(as_of))


PHONE_VALIDATOR = RegexValidator(
    r"^[0-9+\-() ]{5,30}$",
    message="联系电话只能包含数字、空格、加号、括号和连字符(5至30位)",
)


class SubTask(models.Model):
    """A part of a task a lead unit (牵头单位) splits off to one of its own people (责任人),
    with its own date; its progress and lateness roll up to the task (`tasks.subtasks`)."""

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="subtasks",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="subtasks",
        verbose_name="分解单位",
        help_text="分解该子任务的牵头单位;只有其人员可以修改",
    )
    title = models.CharField(
        "子任务",
        max_length=200,
    )
    owner_name = models.CharField(
        "责任人",
        max_length=50,
    )
    owner_phone = models.CharField(
        "联系电话",
        max_length=30,
        blank=True,
        validators=[PHONE_VALIDATOR],
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subtasks",
        verbose_name="系统账号",
        help_text="可选:责任人在本单位的系统账号",
    )
    due_on = models.DateField(
        "完成时限",
    )
    weight = models.PositiveSmallIntegerField(
        "权重",
        default=1,
        help_text="计算任务建议进度时的权重(1–10)",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=SubTaskStatus.choices,
        default=SubTaskStatus.NOT_STARTED,
    )
    progress = models.PositiveSmallIntegerField(
        "进度(%)",
        default=0,
    )
    completed_on = models.DateField(
        "完成日期",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    version = models.PositiveIntegerField(
        "版本",
        default=1,
        help_text="乐观锁版本号:每次保存加一,两人同时修改时后提交者须刷新",
    )
    created_at = models.DateTimeField(
        "创建时间",
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )

    objects = SubTaskQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "子任务"
        verbose_name_plural = "子任务"
        ordering = ("task", "due_on", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=10),
                name="%(app_label)s_%(class)s_weight_1_10",
            ),
            models.CheckConstraint(
                condition=(Q(status=SubTaskStatus.DONE) & Q(completed_on__isnull=False))
                | (~Q(status=SubTaskStatus.DONE) & Q(completed_on__isnull=True)),
                name="%(app_label)s_%(class)s_completed_on_iff_done",
            ),
        ]
        indexes = [
            models.Index(fields=("task", "due_on"), name="tasks_subtask_task_due_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.progress is not None and not 0 <= self.progress <= 100:
            errors["progress"] = "进度应在0至100之间"
        if self.weight is not None and not 1 <= self.weight <= 10:
            errors["weight"] = "权重应在1至10之间"
        deadline = getattr(self.task, "deadline", None) if self.task_id else None
        if (
            self.due_on is not None
            and deadline is not None
            and not deadline.is_ongoing
            and deadline.due_on is not None
            and self.due_on > deadline.due_on
        ):
            errors["due_on"] = (
                f"子任务完成时限({self.due_on:%Y年%m月%d日})不能晚于"
                f"任务完成时限({deadline.due_on:%Y年%m月%d日})"
            )
        if self.status == SubTaskStatus.DONE:
            if self.completed_on is None:
                errors["completed_on"] = "已完成的子任务须有完成日期"
            if self.progress != 100:
                errors["progress"] = "已完成的子任务进度应为100%"
        elif self.completed_on is not None:
            errors["completed_on"] = "未完成的子任务不能有完成日期"
        if errors:
            raise ValidationError(errors)

    def is_overdue(self, as_of: date) -> bool:
        """Same rule as `SubTaskQuerySet.overdue`, for a row in memory."""
        return self.status != SubTaskStatus.DONE and self.due_on < as_of

    def days_late(self, as_of: date) -> int:
        """Days past the due date: up to completion, or up to `as_of` while open."""
        end = self.completed_on if self.status == SubTaskStatus.DONE else as_of
        return max(0, (end - self.due_on).days)
