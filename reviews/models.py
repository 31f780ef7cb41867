from django.conf import settings
from django.db import models
from django.db.models import Q

from tasks.models import Task
from units.choices import UnitRole
from units.roles import is_leader, is_office

from .choices import OPEN_STAGES, ReviewAction, ReviewKind, ReviewStage


class ReviewQuerySet(models.QuerySet):
    def open(self):
        """Requests not decided yet: waiting at a step or sent back to the unit."""
        return self.filter(stage__in=OPEN_STAGES)

    def visible_to(self, user):
        """Requests on tasks `user` may read (`Task.objects.visible_to`, region scope included)."""
        return self.filter(task__in=Task.objects.visible_to(user))

    def awaiting(self, user):
        """Requests waiting for `user`'s decision now: at the lead-unit step for a lead unit
        of the task (never its own unit's request), at 初审 for an office that manages the
        task, at 审批 for a leader who may read it."""
        if not user.is_authenticated:
            return self.none()
        waiting = Q(
            stage=ReviewStage.LEAD_UNIT,
            task__in=Task.objects.filter(
                task_units__role=UnitRole.LEAD, task_units__unit__memberships__user=user
            ),
        ) & ~Q(unit__memberships__user=user)
        if is_office(user):
            waiting |= Q(stage=ReviewStage.OFFICE, task__in=Task.objects.managed_by(user))
        if is_leader(user):
            waiting |= Q(stage=ReviewStage.LEADER, task__in=Task.objects.visible_to(user))
        return self.filter(waiting)


class Review(models.Model):
    """A unit's request under review (审核): 销号申请 or 延期申请.

    It goes through the steps of its chain (`reviews.services.review_chain`): the task's
    lead unit checks a responsible unit's request, then the office's 初审, then a leader's
    审批 where the plan requires it. A step may send it back (退回) with a reason the unit
    answers; every decision is a `ReviewStep`, kept for the task's timeline.
    """

    kind = models.CharField(
        "申请类型",
        max_length=20,
        choices=ReviewKind.choices,
    )
    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name="任务",
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name="申请单位",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_requests",
        verbose_name="申请人",
    )
    extension = models.OneToOneField(
        "deadlines.DeadlineExtension",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review",
        verbose_name="延期申请",
    )
    report = models.ForeignKey(
        "tasks.ProgressReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="申请销号的报告",
    )
    stage = models.CharField(
        "当前环节",
        max_length=20,
        choices=ReviewStage.choices,
    )
    returned_from = models.CharField(
        "退回环节",
        max_length=20,
        choices=ReviewStage.choices,
        blank=True,
    )
    created_at = models.DateTimeField(
        "申请时间",
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "审核中的申请"
        verbose_name_plural = "审核中的申请"
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ReviewKind.EXTENSION, extension__isnull=False)
                | Q(kind=ReviewKind.COMPLETION, extension__isnull=True),
                name="%(app_label)s_%(class)s_extension_iff_extension_kind",
            ),
            # One open 销号申请 per task: asking again answers the open one.
            models.UniqueConstraint(
                fields=("task",),
                condition=Q(kind=ReviewKind.COMPLETION, stage__in=OPEN_STAGES),
                name="%(app_label)s_%(class)s_one_open_completion_per_task",
            ),
        ]
        indexes = [models.Index(fields=("stage", "kind"), name="reviews_stage_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}:{self.task}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    def last_return(self):
        """The latest 退回 step (its reason is what the unit must answer), or None."""
        returns = [step for step in self.steps.all() if step.action == ReviewAction.RETURNED]
        return returns[-1] if returns else None


class ReviewStep(models.Model):
    """One thing that happened to a request at one step: submitted, approved, sent back
    (退回, with its reason), answered and resubmitted, or rejected; who and when."""

    review = models.ForeignKey(
        Review,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name="申请",
    )
    stage = models.CharField(
        "环节",
        max_length=20,
        choices=ReviewStage.choices,
    )
    action = models.CharField(
        "处理",
        max_length=20,
        choices=ReviewAction.choices,
    )
    note = models.TextField(
        "意见或理由",
        blank=True,
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理单位",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    created_at = models.DateTimeField(
        "处理时间",
        auto_now_add=True,
    )

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=~Q(action=ReviewAction.RETURNED) | ~Q(note=""),
                name="%(app_label)s_%(class)s_return_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.review} {self.get_stage_display()} {self.get_action_display()}"
