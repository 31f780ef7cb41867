from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import DeadlineSource, ExtensionStatus


def deadline_errors(*, is_ongoing: bool, due_on) -> dict[str, str]:
    """The deadline's cross-field rule, for the admin (clean) and the API alike:
    an ongoing task (长期坚持) has no date, every other task has one."""
    if is_ongoing and due_on is not None:
        return {"due_on": "长期坚持的任务不设完成时限"}
    if not is_ongoing and due_on is None:
        return {"due_on": "请填写完成时限,或标记为长期坚持"}
    return {}


def deadline_days_late(
    *, due_on, is_ongoing: bool, late_days_on_record: int, completed_on, as_of: date
) -> int:
    """`Deadline.days_late` on plain values (the task list API reads `.values()` rows)."""
    if is_ongoing or due_on is None:
        return late_days_on_record
    end = completed_on or as_of
    return late_days_on_record + max(0, (end - due_on).days)


class Deadline(models.Model):
    """A task's 完成时限: the date, the words the document used, and where it came from.

    Ongoing tasks (立行立改,长期坚持) have no date and are never overdue. Tasks whose
    document names no deadline get their plan's year end as a `plan_default`.
    """

    task = models.OneToOneField(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="deadline",
        verbose_name="任务",
    )
    due_on = models.DateField(
        "完成时限",
        null=True,
        blank=True,
    )
    text = models.CharField(
        "原文表述",
        max_length=200,
        blank=True,
    )
    source = models.CharField(
        "来源",
        max_length=20,
        choices=DeadlineSource.choices,
    )
    is_ongoing = models.BooleanField(
        "长期坚持",
        default=False,
    )
    original_due_on = models.DateField(
        "原定完成时限",
        null=True,
        blank=True,
        help_text="方案确定的完成时限;延期后保留不变,按期与否按此考核",
    )
    late_days_on_record = models.PositiveIntegerField(
        "延期前已逾期天数",
        default=0,
        help_text="逾期后才批准的延期不抹去已逾期的天数,计入此处",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "完成时限"
        verbose_name_plural = "完成时限"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_ongoing=True) | models.Q(due_on__isnull=False),
                name="%(app_label)s_%(class)s_dated_unless_ongoing",
            ),
        ]
        # The dashboard's overdue list, most overdue first, reads this index in date
        # order and stops after one page instead of sorting every overdue task.
        indexes = [
            models.Index(fields=("due_on",), name="deadlines_due_on_idx"),
        ]

    def __str__(self):
        if self.is_ongoing:
            return "长期坚持"
        return f"{self.due_on:%Y年%m月%d日}" if self.due_on else "—"

    def clean(self):
        errors = deadline_errors(is_ongoing=self.is_ongoing, due_on=self.due_on)
        if errors:
            raise ValidationError(errors)

    @property
    def original_date(self) -> date | None:
        """The date the plan set, before any extension (None for ongoing tasks)."""
        return self.original_due_on or self.due_on

    def days_late(self, *, completed_on: date | None, as_of: date) -> int:
        """Days late on record: those carried from before a late extension, plus the days
        past the current date up to completion (or up to `as_of` while still open)."""
        return deadline_days_late(
            due_on=self.due_on,
            is_ongoing=self.is_ongoing,
            late_days_on_record=self.late_days_on_record,
            completed_on=completed_on,
            as_of=as_of,
        )


class Milestone(models.Model):
    """A dated step written inside a task's body, e.g. 2021年9月底前研究提出…"""

    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name="完成时限",
    )
    due_on = models.DateField(
        "节点日期",
    )
    text = models.CharField(
        "内容",
        max_length=500,
    )
    position = models.PositiveSmallIntegerField(
        "顺序",
        default=0,
    )
    from_document = models.BooleanField(
        "来自文件",
        default=True,
        help_text="由文件导入;手工添加的节点在重新导入时保留",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"
        ordering = ("deadline", "position")

    def __str__(self):
        return f"{self.due_on:%Y-%m-%d} {self.text}"


class DeadlineExtension(models.Model):
    """A request to move a task's deadline (延期申请), or an extension the office granted.

    The original date is kept here for good: approving changes `Deadline.due_on` but
    never loses what it was, and the reason stays with it.
    """

    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name="完成时限",
    )
    previous_due_on = models.DateField(
        "原完成时限",
        null=True,
        blank=True,
    )
    requested_due_on = models.DateField(
        "申请延至",
    )
    reason = models.TextField(
        "理由",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="extension_requests",
        verbose_name="申请人",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extension_requests",
        verbose_name="申请单位",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="extension_decisions",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField(
        "审批时间",
        null=True,
        blank=True,
    )
    decision_note = models.TextField(
        "审批意见",
        blank=True,
    )
    created_at = models.DateTimeField(
        "申请时间",
        auto_now_add=True,
    )

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ("-created_at",)

    def __str__(self):
        return f"{self.deadline.task} → {self.requested_due_on:%Y-%m-%d}"
