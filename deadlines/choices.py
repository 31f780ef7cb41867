from django.db import models


class DeadlineSource(models.TextChoices):
    """Where a task's due date came from."""

    DOCUMENT = "document", "文件规定"
    PLAN_DEFAULT = "plan_default", "方案年底(默认)"
    MANUAL = "manual", "手工设定"


class ExtensionStatus(models.TextChoices):
    """A 延期申请 is pending until the office approves or rejects it."""

    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
