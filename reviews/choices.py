from django.db import models


class ReviewKind(models.TextChoices):
    """What a unit asks for: 销号 (its task is done) or a later deadline (延期)."""

    COMPLETION = "completion", "销号申请"
    EXTENSION = "extension", "延期申请"


class ReviewStage(models.TextChoices):
    """Where a request stands: one of the review steps, sent back, or decided."""

    LEAD_UNIT = "lead_unit", "牵头单位审核"
    OFFICE = "office", "优化办初审"
    LEADER = "leader", "领导审批"
    RETURNED = "returned", "已退回待答复"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


# The steps a request goes through, in order (the chain of a request is a subset).
REVIEW_STEPS = (ReviewStage.LEAD_UNIT, ReviewStage.OFFICE, ReviewStage.LEADER)
# Stages of a request still open: waiting at a step, or sent back for the unit's answer.
OPEN_STAGES = (*REVIEW_STEPS, ReviewStage.RETURNED)


class ReviewAction(models.TextChoices):
    """What happened to a request at one step (one `ReviewStep` row each)."""

    SUBMITTED = "submitted", "提交申请"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "退回"
    RESUBMITTED = "resubmitted", "答复后重新提交"
    REJECTED = "rejected", "驳回"
