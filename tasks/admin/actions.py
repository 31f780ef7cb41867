"""Bulk actions that ask for a value first (a form between the list and the service)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from units.models import Unit

from ..models import TaskUnit
from ..services import (
    TaskVersionConflict,
)

# --- action forms ------------------------------------------------------------------------


class LeadUnitForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), label="牵头单位")
    replace = forms.TypedChoiceField(
        label="方式",
        choices=[("1", "替换原有牵头单位"), ("0", "增加为牵头单位(保留原有)")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.widget = AutocompleteSelect(TaskUnit._meta.get_field("unit"), admin_site)
        # A widget set after the field was built has no choices; the field's must go in.
        field.widget.choices = field.choices


class DeadlineForm(forms.Form):
    new_due_on = forms.DateField(
        label="新的完成时限", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 3}))


class CollectiveForm(forms.Form):
    """Which collective name (各市州人民政府…) of the selected tasks to hand down."""

    collective = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        label="集合名称",
        help_text="分解到该名称在方案所属政府下的各成员单位,各自签收、报送,分别统计",
    )

    def __init__(self, *args, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collective"].queryset = (
            Unit.objects.filter(
                is_collective=True,
                task_units__task__in=tasks,
                task_units__is_fanned_out=False,
            )
            .select_related("region")
            .distinct()
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))


def run_for_each(modeladmin, request, objects, action, done: str) -> None:
    """Apply `action(obj, expected_version)` to each object, reporting every outcome.

    Each object is its own transaction (the services are atomic), so one task
    changed by someone else does not undo the others; the clerk is told which.
    """
    succeeded = 0
    for obj in objects:
        expected = request.POST.get(f"version_{obj.pk}")
        expected = int(expected) if (expected or "").isdigit() else getattr(obj, "version", 0)
        try:
            action(obj, expected)
        except TaskVersionConflict:
            modeladmin.message_user(
                request,
                f"“{obj}”在您打开后已被他人修改,未作变更,请刷新后重试。",
                messages.ERROR,
            )
        except (ValidationError, PermissionDenied) as exc:
            text = ";".join(getattr(exc, "messages", [str(exc)]))
            modeladmin.message_user(request, f"“{obj}”未处理:{text}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"已{done} {succeeded} 项。", messages.SUCCESS)


def posted(request):
    """The POST data once the clerk confirmed the intermediate form, else None (unbound)."""
    return request.POST if "apply" in request.POST else None


def action_with_form(
    modeladmin, request, queryset, *, action: str, title: str, form, run, show_deadline=False
):
    """Show `form` for the selected rows; once confirmed and valid, `run(cleaned_data)`."""
    if "apply" in request.POST and (form is None or form.is_valid()):
        run(form.cleaned_data if form is not None else {})
        return None
    return render_action_form(
        modeladmin,
        request,
        queryset,
        action=action,
        title=title,
        form=form,
        show_deadline=show_deadline,
    )


def render_action_form(
    modeladmin, request, queryset, *, action: str, title: str, form, show_deadline=False
):
    context = {
        "show_deadline": show_deadline,
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "objects": queryset,
        "action": action,
        "form": form,
        "media": modeladmin.media + form.media if form is not None else modeladmin.media,
    }
    return render(request, "admin/workbench/action_form.html", context)


# --- plans ---------------------------------------------------------------------------------
