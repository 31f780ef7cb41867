"""Forms of the unit portal; the rules themselves live in the services they call."""

import uuid

from django import forms
from django.utils import timezone

from tasks import rules
from tasks.attachments import ALLOWED_LABEL, ALLOWED_TYPES, attachment_validate
from tasks.choices import TaskStatus
from tasks.services import REPORTABLE_STATUSES


class ReportForm(forms.Form):
    """A progress report (一月一调度). `version` and `token` ride along hidden."""

    status = forms.ChoiceField(label="状态")
    progress = forms.IntegerField(label="进度(%)", min_value=0, max_value=100)
    text = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="本月推进的工作、取得的成效、存在的问题",
    )
    attachment = forms.FileField(
        label="附件",
        required=False,
        help_text=f"可选,{ALLOWED_LABEL}",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_TYPES)}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)
    confirm_lower = forms.BooleanField(
        label="确认降低进度",
        required=False,
        help_text="新进度低于当前进度时需勾选",
    )

    def __init__(self, *args, task, user, **kwargs):
        self.task = task
        kwargs.setdefault(
            "initial",
            {
                "status": task.status if task.status in REPORTABLE_STATUSES else None,
                "progress": task.progress,
                "version": task.version,
                "token": uuid.uuid4(),
            },
        )
        super().__init__(*args, **kwargs)
        allowed = [
            (value, label)
            for value, label in TaskStatus.choices
            if value in REPORTABLE_STATUSES
            and (
                value != TaskStatus.COMPLETION_REQUESTED or rules.can_request_completion(user, task)
            )
        ]
        self.fields["status"].choices = allowed

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            attachment_validate(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("progress") is not None:
            error = rules.progress_drop_error(
                current=self.task.progress,
                new=cleaned["progress"],
                confirmed=cleaned.get("confirm_lower", False),
            )
            # Once lowering, keep the box shown (checked) if the form comes back for another reason.
            self.asks_to_confirm_lower = cleaned["progress"] < self.task.progress
            if error:
                self.add_error("progress", error)
        return cleaned


class ExtensionForm(forms.Form):
    """A lead unit's 延期申请: a later date and the reason."""

    requested_due_on = forms.DateField(
        label="申请延至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_due_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_requested_due_on(self):
        """A new date already past would leave the task overdue the day it is approved
        (usually a mistyped year)."""
        requested = self.cleaned_data["requested_due_on"]
        today = timezone.localdate()
        if requested < today:
            raise forms.ValidationError(f"申请延至的日期不能早于今天({today:%Y年%m月%d日})")
        return requested


class ReturnReportForm(forms.Form):
    """退回 a progress report: the reason the unit answers with its next report."""

    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "退回时请填写理由"},
    )
