from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tasks.models import Plan, Task
from units.roles import government_region_ids, sees_all_tasks

from .choices import AssessmentRuleKind, NoticeColour, NoticeStatus, PeriodKind


def _for_own_units(queryset, user, **unit_filters):
    """Everything for office staff and leaders, rows of their governments' units for a
    governed one (`UserGovernment`); for a unit user, rows of their own units."""
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_tasks(user):
        region_ids = government_region_ids(user)
        return queryset if region_ids is None else queryset.filter(unit__region_id__in=region_ids)
    return queryset.filter(unit__memberships__user=user, **unit_filters).distinct()


class PlanPublication(models.Model):
    """交办: the office publishes a plan to its units, who must then acknowledge their tasks."""

    plan = models.OneToOneField(
        "tasks.Plan",
        on_delete=models.CASCADE,
        related_name="publication",
        verbose_name="方案",
    )
    published_at = models.DateTimeField(
        "交办时间",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="交办人",
    )

    class Meta:
        verbose_name = "方案交办"
        verbose_name_plural = "方案交办"
        ordering = ("-published_at",)

    def __str__(self):
        return f"{self.plan} @ {timezone.localtime(self.published_at):%Y-%m-%d}"


class PublishablePlan(Plan):
    """The plan list the office publishes from (a proxy, so the tasks admin stays untouched)."""

    class Meta:
        proxy = True
        verbose_name = "方案交办签收"
        verbose_name_plural = "方案交办签收"


class TaskAcknowledgementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Acknowledgements of the tasks `user` may read (`Task.objects.visible_to`)."""
        return self.filter(task__in=Task.objects.visible_to(user))


class TaskAcknowledgement(models.Model):
    """签收: a lead unit confirms it has received a task, naming who inside the unit handles it."""

    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="acknowledgements",
        verbose_name="牵头单位",
    )
    acknowledged_at = models.DateTimeField(
        "签收时间",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签收人",
    )
    responsible_person = models.CharField(
        "具体责任人",
        max_length=100,
        blank=True,
    )
    phone = models.CharField(
        "联系电话",
        max_length=50,
        blank=True,
    )

    objects = TaskAcknowledgementQuerySet.as_manager()

    class Meta:
        verbose_name = "任务签收"
        verbose_name_plural = "任务签收"
        ordering = ("-acknowledged_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("task", "unit"),
                name="%(app_label)s_%(class)s_unique_task_unit",
            ),
        ]

    def __str__(self):
        return f"{self.task} / {self.unit}"


class Holiday(models.Model):
    """A public holiday, or (is_workday) a make-up working day 调休 that falls on a weekend."""

    day = models.DateField(
        "日期",
        unique=True,
    )
    name = models.CharField(
        "名称",
        max_length=50,
        blank=True,
    )
    is_workday = models.BooleanField(
        "调休上班",
        default=False,
        help_text="勾选表示该日为周末调休上班日;不勾选表示法定节假日",
    )

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ("day",)

    def __str__(self):
        return f"{self.day} {self.name}"


# Statuses of a notice the unit has received (a proposed or cancelled one never reached it).
REACHED_UNIT = (NoticeStatus.ISSUED, NoticeStatus.ANSWERED, NoticeStatus.CLOSED)


class EscalationNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """All notices for office staff and leaders; a unit sees its own issued notices."""
        return _for_own_units(self, user, status__in=REACHED_UNIT)

    def counted(self):
        """Notices that reached the unit (issued, answered or closed by completion): the ones
        that count in scores."""
        return self.filter(status__in=REACHED_UNIT)


class EscalationNotice(models.Model):
    """督办单: a colour-coded notice to a task's lead unit, which must answer it with a report."""

    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name="牵头单位",
    )
    colour = models.CharField(
        "等级",
        max_length=10,
        choices=NoticeColour.choices,
    )
    reason = models.TextField(
        "督办事由",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=NoticeStatus.choices,
        default=NoticeStatus.PROPOSED,
    )
    proposed_on = models.DateField(
        "生成依据日期",
        default=timezone.localdate,
        help_text="按此日期的任务情况生成",
    )
    proposed_at = models.DateTimeField(
        "生成时间",
        auto_now_add=True,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField(
        "下发时间",
        null=True,
        blank=True,
    )
    answer = models.OneToOneField(
        "tasks.ProgressReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice",
        verbose_name="回复报告",
    )
    answered_at = models.DateTimeField(
        "回复时间",
        null=True,
        blank=True,
    )
    cancelled_at = models.DateTimeField(
        "撤销时间",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(
        "办结时间",
        null=True,
        blank=True,
        help_text="任务销号时自动办结未回复的督办单",
    )

    objects = EscalationNoticeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ("-proposed_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status="proposed")
                | Q(status="cancelled")
                | Q(confirmed_at__isnull=False),
                name="%(app_label)s_%(class)s_issued_has_confirmed_at",
            ),
        ]

    def __str__(self):
        return f"{self.get_colour_display()} {self.task} / {self.unit}"

    def clean(self):
        # A notice goes to a unit answerable for its task: a lead unit (牵头单位) or a member
        # a collective name was handed down to (承办), never to a helper unit or the label.
        if self.task_id and self.unit_id:
            answerable = self.task.task_units.accountable().filter(
                unit_id=self.unit_id, unit__is_collective=False
            )
            if not answerable.exists():
                raise ValidationError({"unit": "督办单只能发给该任务的牵头单位或承办单位"})


class AssessmentRule(models.Model):
    """One transparent scoring rule: every counted occurrence earns `points` (negative = deduction)."""

    name = models.CharField(
        "规则名称",
        max_length=100,
    )
    kind = models.CharField(
        "计分项",
        max_length=30,
        choices=AssessmentRuleKind.choices,
    )
    points = models.DecimalField(
        "每次分值",
        max_digits=6,
        decimal_places=2,
        help_text="每计一次得(正数)或扣(负数)的分数",
    )
    cap = models.DecimalField(
        "封顶分值",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="本项加分或扣分的上限(填正数);空表示不封顶",
    )
    is_active = models.BooleanField(
        "启用",
        default=True,
    )
    position = models.PositiveSmallIntegerField(
        "顺序",
        default=0,
    )

    class Meta:
        verbose_name = "考评规则"
        verbose_name_plural = "考评规则"
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0),
                name="%(app_label)s_%(class)s_cap_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.cap is not None and self.cap < 0:
            raise ValidationError({"cap": f"规则“{self.name}”的封顶分值不能为负数,请填写正数"})
        # Two active rules for the same thing would count it twice (a clerk adding "红色督办单"
        # without noticing the default one): one active rule per kind.
        if self.is_active and self.kind:
            twin = AssessmentRule.objects.filter(kind=self.kind, is_active=True).exclude(pk=self.pk)
            if twin.exists():
                raise ValidationError(
                    {
                        "kind": f"已有启用的同类规则“{twin.first().name}”,"
                        "请修改该规则的分值,或先停用它"
                    }
                )


class AssessmentPeriod(models.Model):
    """A quarter or year assessed; once published its scores are stored and never recomputed."""

    name = models.CharField(
        "名称",
        max_length=100,
        unique=True,
    )
    kind = models.CharField(
        "类型",
        max_length=10,
        choices=PeriodKind.choices,
    )
    starts_on = models.DateField(
        "开始日期",
    )
    ends_on = models.DateField(
        "结束日期",
    )
    base_score = models.DecimalField(
        "基础分",
        max_digits=6,
        decimal_places=2,
        default=100,
    )
    published_at = models.DateTimeField(
        "发布时间",
        null=True,
        blank=True,
        help_text="发布后成绩冻结,不再重新计算",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )

    class Meta:
        verbose_name = "考评周期"
        verbose_name_plural = "考评周期"
        ordering = ("-starts_on",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.published_at is not None


class AssessmentScoreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Leaders and office staff see every unit's score; a unit sees only its own."""
        return _for_own_units(self, user)


class AssessmentScore(models.Model):
    """A unit's published score for a period, with the per-rule breakdown as it was computed."""

    period = models.ForeignKey(
        AssessmentPeriod,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name="考评周期",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="assessment_scores",
        verbose_name="单位",
    )
    rank = models.PositiveIntegerField(
        "名次",
    )
    total = models.DecimalField(
        "总分",
        max_digits=8,
        decimal_places=2,
    )
    breakdown = models.JSONField(
        "分项得分",
        default=list,
        help_text="[{rule, kind, count, points, cap, score, items: [{task, label, count}]}, …]",
    )

    objects = AssessmentScoreQuerySet.as_manager()

    class Meta:
        verbose_name = "考评成绩"
        verbose_name_plural = "考评成绩"
        ordering = ("period", "rank", "unit__name")
        constraints = [
            models.UniqueConstraint(
                fields=("period", "unit"),
                name="%(app_label)s_%(class)s_unique_period_unit",
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.unit}: {self.total}"


class InstructionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every instruction for office staff and leaders (a governed one: its governments'
        tasks and plans); a unit sees those addressed to it."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_tasks(user):
            if government_region_ids(user) is None:
                return self
            # A governed office or leader: instructions on its governments' tasks and plans.
            return self.filter(
                Q(task__in=Task.objects.visible_to(user))
                | Q(plan__in=Plan.objects.managed_by(user))
            )
        return self.filter(receipts__unit__memberships__user=user).distinct()


class Instruction(models.Model):
    """领导批示: a leader's instruction on one task or on a whole plan, addressed to the lead
    units, who acknowledge it and answer it in their next progress report."""

    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="instructions",
        verbose_name="任务",
    )
    plan = models.ForeignKey(
        "tasks.Plan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="instructions",
        verbose_name="方案",
    )
    text = models.TextField(
        "批示内容",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="批示人",
    )
    created_at = models.DateTimeField(
        "批示时间",
        auto_now_add=True,
    )

    objects = InstructionQuerySet.as_manager()

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=False, plan__isnull=True)
                | Q(task__isnull=True, plan__isnull=False),
                name="%(app_label)s_%(class)s_on_task_or_plan",
            ),
        ]

    def __str__(self):
        return f"{self.task or self.plan}:{self.text[:20]}"

    @property
    def target(self):
        return self.task or self.plan


class InstructionReceipt(models.Model):
    """One lead unit's copy of an instruction: acknowledged (已阅) and answered by a report."""

    instruction = models.ForeignKey(
        Instruction,
        on_delete=models.CASCADE,
        related_name="receipts",
        verbose_name="批示",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="instruction_receipts",
        verbose_name="牵头单位",
    )
    acknowledged_at = models.DateTimeField(
        "确认时间",
        null=True,
        blank=True,
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    answer = models.ForeignKey(
        "tasks.ProgressReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instruction_receipts",
        verbose_name="落实情况报告",
    )
    answered_at = models.DateTimeField(
        "答复时间",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "批示接收"
        verbose_name_plural = "批示接收"
        ordering = ("instruction", "unit__name")
        constraints = [
            models.UniqueConstraint(
                fields=("instruction", "unit"),
                name="%(app_label)s_%(class)s_unique_instruction_unit",
            ),
        ]

    def __str__(self):
        return f"{self.instruction} / {self.unit}"


class NoticeUrgeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The 催办 of the notices `user` may read (`EscalationNotice.objects.visible_to`)."""
        return self.filter(notice__in=EscalationNotice.objects.visible_to(user).values("pk"))


class NoticeUrge(models.Model):
    """催办: an issued 督办单 left unanswered past its answer deadline is urged by the system:
    its colour is raised one level (blue → yellow → red) and the unit's 分管领导 gets a copy.

    One per notice and day at most (`escalate_notices` may run twice a day); the copy's
    e-mail and channel delivery are logged here.
    """

    notice = models.ForeignKey(
        EscalationNotice,
        on_delete=models.CASCADE,
        related_name="urges",
        verbose_name="督办单",
    )
    sequence = models.PositiveSmallIntegerField(
        "催办次数",
        help_text="该督办单的第几次催办",
    )
    urged_on = models.DateField(
        "催办日期",
    )
    working_days_unanswered = models.PositiveSmallIntegerField(
        "未回复工作日数",
        help_text="自下发之日起至催办日的工作日数",
    )
    colour_before = models.CharField(
        "原等级",
        max_length=10,
        choices=NoticeColour.choices,
    )
    colour_after = models.CharField(
        "升级后等级",
        max_length=10,
        choices=NoticeColour.choices,
    )
    copy_to = models.CharField(
        "抄送分管领导",
        max_length=200,
        blank=True,
        help_text="催办时单位登记的分管领导;空表示未登记",
    )
    copy_email = models.EmailField(
        "抄送邮箱",
        blank=True,
    )
    copy_emailed_at = models.DateTimeField(
        "邮件发送时间",
        null=True,
        blank=True,
    )
    copy_channel_key = models.CharField(
        "推送记录幂等键",
        max_length=100,
        blank=True,
        help_text="经推送渠道抄送时的推送记录(消息中心 › 推送记录)",
    )
    copy_error = models.TextField(
        "抄送失败原因",
        blank=True,
    )
    created_at = models.DateTimeField(
        "记录时间",
        auto_now_add=True,
    )

    objects = NoticeUrgeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering = ("notice", "sequence")
        constraints = [
            models.UniqueConstraint(
                fields=("notice", "urged_on"),
                name="%(app_label)s_%(class)s_unique_notice_day",
            ),
            models.UniqueConstraint(
                fields=("notice", "sequence"),
                name="%(app_label)s_%(class)s_unique_notice_sequence",
            ),
        ]

    def __str__(self):
        return f"第{self.sequence}次催办 {self.notice}"
