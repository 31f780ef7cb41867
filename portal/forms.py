"""Forms of the unit portal; the rules themselves live in the services they call."""

import uuid

from django import forms
from django.utils import timezone

from tasks import rules
from tasks.attachments import ALLOWED_LABEL, ALLOWED_TYPES, attachment_validate
from tasks.choices import SubTaskStatus, TaskStatus
from tasks.services import REPORTABLE_STATUSES
from tasks.subtasks import assignee_choices
from units.models import Unit


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

    def __init__(self, *args, task, user, suggested_progress: int | None = None, **kwargs):
        """`suggested_progress` (the lead unit's sub-tasks' weighted progress) is offered:
        pre-filled when above the reported progress, never saved until the unit submits."""
        self.task = task
        offered = suggested_progress is not None and suggested_progress > task.progress
        kwargs.setdefault(
            "initial",
            {
                "status": task.status if task.status in REPORTABLE_STATUSES else None,
                "progress": suggested_progress if offered else task.progress,
                "version": task.version,
                "token": uuid.uuid4(),
            },
        )
        super().__init__(*args, **kwargs)
        if suggested_progress is not None:
            self.fields["progress"].help_text = f"子任务加权进度为{suggested_progress}%" + (
                f",已预填(当前报送进度{task.progress}%),可修改" if offered else ""
            )
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


class SubTaskForm(forms.Form):
    """A lead unit's sub-task (子任务); the rules (dates, unit, range) are the service's."""

    title = forms.CharField(label="子任务", max_length=200)
    owner_name = forms.CharField(label="责任人", max_length=50)
    owner_phone = forms.CharField(
        label="联系电话",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    assignee = forms.ModelChoiceField(
        label="系统账号",
        queryset=None,
        required=False,
        empty_label="(无)",
        help_text="可选:责任人在本单位的系统账号",
    )
    due_on = forms.DateField(
        label="完成时限",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    weight = forms.IntegerField(
        label="权重",
        min_value=1,
        max_value=10,
        initial=1,
        help_text="1–10,计算任务建议进度时使用",
    )
    progress = forms.IntegerField(label="进度(%)", min_value=0, max_value=100, initial=0)
    status = forms.ChoiceField(
        label="状态", choices=SubTaskStatus.choices, initial=SubTaskStatus.NOT_STARTED
    )
    unit = forms.ModelChoiceField(label="分解单位", queryset=None, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, task, unit_ids, **kwargs):
        """`unit_ids`: the user's lead units on `task` (a choice only when there are several)."""
        # The task page also holds the report form, whose status and percent share names.
        kwargs.setdefault("auto_id", "id_subtask_%s")
        super().__init__(*args, **kwargs)
        unit_ids = sorted(unit_ids)
        self.fields["assignee"].queryset = assignee_choices(unit_ids)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=unit_ids).select_related("region")
        self.fields["unit"].label_from_instance = lambda unit: unit.full_name
        self.has_unit_choice = len(unit_ids) > 1
        deadline = getattr(task, "deadline", None)
        if deadline is not None and not deadline.is_ongoing and deadline.due_on:
            self.fields["due_on"].widget.attrs["max"] = deadline.due_on.isoformat()
            self.fields["due_on"].help_text = f"不晚于任务完成时限 {deadline.due_on:%Y-%m-%d}"


class ReturnReportForm(forms.Form):
    """退回 a progress report: the reason the unit answers with its next report."""

    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "退回时请填写理由"},
    )
