"""Forms of the review queue and the unit's answer; the rules live in reviews.services."""

from django import forms

from .choices import REVIEW_STEPS, ReviewKind


class QueueFilterForm(forms.Form):
    """Which step's queue the office or a leader opens (the workbench links here)."""

    stage = forms.ChoiceField(
        label="环节",
        required=False,
        choices=[("", "待我审核")] + [(stage.value, stage.label) for stage in REVIEW_STEPS],
        error_messages={"invalid_choice": "没有“%(value)s”这个审核环节"},
    )
    kind = forms.ChoiceField(
        label="申请类型",
        required=False,
        choices=[("", "全部")] + list(ReviewKind.choices),
        error_messages={"invalid_choice": "没有“%(value)s”这种申请"},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "审核通过"), ("return", "退回")],
        error_messages={"required": "请选择通过或退回", "invalid_choice": "请选择通过或退回"},
    )
    note = forms.CharField(
        label="意见(退回时必填理由)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(forms.Form):
    """The unit answers the reason its 延期申请 was sent back for (may ask another date)."""

    answer = forms.CharField(
        label="答复退回理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写对退回理由的答复"},
    )
    requested_due_on = forms.DateField(
        label="申请延至(如需修改)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请填写有效的日期"},
    )
