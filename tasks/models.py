from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from units.choices import UnitRole
from units.roles import sees_all_tasks

from .choices import TaskStatus


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
    imported_at = models.DateTimeField(
        "首次导入时间",
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )

    class Meta:
        verbose_name = "改革方案"
        verbose_name_plural = "改革方案"
        ordering = ("-year", "title")

    def __str__(self):
        return self.title


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

    @property
    def heading(self) -> str:
        """The heading as written, e.g. "一、进一步提升政务服务效能"."""
        separator = "、" if self.level == 1 else ""
        return f"{self.numeral}{separator}{self.title}"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Tasks `user` may read: all for office staff and leaders, else their units' tasks."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_tasks(user):
            return self
        return self.filter(task_units__unit__memberships__user=user).distinct()

    def led_by(self, unit):
        return self.filter(task_units__unit=unit, task_units__role=UnitRole.LEAD).distinct()

    def overdue(self, as_of: date):
        """Tasks due before `as_of`, not ongoing, and not verified complete by `as_of`.

        A completion request the office has not verified still counts as open.
        """
        completed_in_time = Q(status=TaskStatus.COMPLETED, completed_on__lte=as_of)
        return self.filter(
            deadline__due_on__lt=as_of,
            deadline__is_ongoing=False,
        ).exclude(completed_in_time)

    def with_api_relations(self):
        """Everything the task API and lists show, in a fixed number of queries."""
        return self.select_related("plan", "section", "deadline").prefetch_related(
            models.Prefetch(
                "task_units",
                queryset=TaskUnit.objects.select_related("unit").order_by("role", "position"),
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

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.task} @ {self.created_at:%Y-%m-%d}"
