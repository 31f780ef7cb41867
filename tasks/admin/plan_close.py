"""归档 from the plan list: close the selected plans, carrying unfinished tasks over (结转)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from ..models import Plan
from ..services import plan_close
from .actions import action_with_form, posted


class PlanCloseForm(forms.Form):
    carry_to = forms.ModelChoiceField(
        queryset=Plan.objects.filter(closed_at__isnull=True),
        required=False,
        label="未完成任务结转到",
        help_text="留空则所选方案的任务须已全部销号;选择后未销号的任务复制到该方案并注明出处",
    )


@admin.action(description="归档所选方案(可结转未完成任务)", permissions=["change"])
def close_plans(modeladmin, request, queryset):
    form = PlanCloseForm(posted(request))
    form.fields["carry_to"].queryset = Plan.objects.filter(closed_at__isnull=True).exclude(
        pk__in=queryset.values("pk")
    )

    def run(data):
        for plan in queryset:
            try:
                copies = plan_close(plan=plan, user=request.user, carry_to=data["carry_to"])
            except (ValidationError, PermissionDenied) as exc:
                text = ";".join(getattr(exc, "messages", [str(exc)]))
                modeladmin.message_user(request, f"未归档:{text}", messages.ERROR)
            else:
                carried = f",结转 {len(copies)} 项任务" if copies else ""
                modeladmin.message_user(
                    request, f"已归档《{plan.title}》{carried}", messages.SUCCESS
                )

    return action_with_form(
        modeladmin, request, queryset, action="close_plans", title="归档方案", form=form, run=run
    )
