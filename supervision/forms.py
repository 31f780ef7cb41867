import re

from django import forms

from tasks import rules
from tasks.choices import TaskStatus
from tasks.services import REPORTABLE_STATUSES
from units.models import Unit

# Digits and what people write between them: area-code dashes, spaces, brackets, +86,
# 转 for an extension, and 、/,; between two numbers.
PHONE_CHARACTERS = re.compile(r"[0-9+\-()()\s转、/,,;;]+")


class AcknowledgeForm(forms.Form):
    unit = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none())
    responsible_person = forms.CharField(label="具体责任人", max_length=100, required=False)
    phone = forms.CharField(
        label="联系电话",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean_phone(self):
        """A landline (0743-8221234, with 转 extension) or a mobile; several separated by 、or /."""
        phone = self.cleaned_data["phone"].replace("\x00", "").strip()
        if phone and (not PHONE_CHARACTERS.fullmatch(phone) or len(re.findall(r"\d", phone)) < 7):
            raise forms.ValidationError("请填写有效的电话号码,如 0743-8221234 或 13800000000")
        return phone


class NoticeAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label="任务状态",
        choices=[
            (value, label) for value, label in TaskStatus.choices if value in REPORTABLE_STATUSES
        ],
    )
    progress = forms.IntegerField(label="进度(%)", min_value=0, max_value=100)
    text = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 4}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    confirm_lower = forms.BooleanField(
        label="确认降低进度",
        required=False,
        help_text="新进度低于当前进度时需勾选",
    )

    def __init__(self, *args, current_progress: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_progress = current_progress

    def clean_text(self):
        return self.cleaned_data["text"].replace("\x00", "").strip()

    def clean(self):
        cleaned = super().clean()
        if self.current_progress is not None and cleaned.get("progress") is not None:
            error = rules.progress_drop_error(
                current=self.current_progress,
                new=cleaned["progress"],
                confirmed=cleaned.get("confirm_lower", False),
            )
            # Once lowering, keep the box shown (checked) if the form comes back for another reason.
            self.asks_to_confirm_lower = cleaned["progress"] < self.current_progress
            if error:
                self.add_error("progress", error)
        return cleaned
