from django import forms

from tasks.choices import TaskStatus
from tasks.services import REPORTABLE_STATUSES
from units.models import Unit


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

    def clean_text(self):
        return self.cleaned_data["text"].replace("\x00", "").strip()
