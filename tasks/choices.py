from django.db import models


class TaskStatus(models.TextChoices):
    """Where a task stands. Only the office sets COMPLETED (销号) after verifying."""

    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    COMPLETION_REQUESTED = "completion_requested", "申请销号"
    BLOCKED = "blocked", "受阻"
    COMPLETED = "completed", "已销号"


class TaskLinkStatus(models.TextChoices):
    """A downstream task's link to the upstream task it implements: proposed, then decided."""

    PROPOSED = "proposed", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已否决"


class ReportingCycle(models.TextChoices):
    """How often the lead units of a plan or task must report progress (报送周期)."""

    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    HALF_YEARLY = "half_yearly", "每半年"
    NONE = "none", "不要求定期报送"


class SubTaskStatus(models.TextChoices):
    """Where a lead unit's sub-task (子任务) stands; the lead unit itself marks it done."""

    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
