"""One FilterSet per model, shared by the API, the portal and the admin."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from units.choices import UnitRole

from .choices import TaskStatus
from .models import Plan, Task


class PlanFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = Plan
        fields = ("year",)


class TaskFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label="方案")
    section = django_filters.NumberFilter(field_name="section_id", label="章节")
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    lead_unit = django_filters.NumberFilter(method="filter_lead_unit", label="牵头单位")
    responsible_unit = django_filters.NumberFilter(
        method="filter_responsible_unit", label="责任单位"
    )
    unit = django_filters.NumberFilter(method="filter_unit", label="单位(任一角色)")
    q = django_filters.CharFilter(method="filter_text", label="关键词")
    issuer = django_filters.CharFilter(field_name="plan__issuer", label="发文单位")
    has_lead = django_filters.BooleanFilter(method="filter_has_lead", label="有牵头单位")
    due_before = django_filters.DateFilter(
        field_name="deadline__due_on", lookup_expr="lt", label="时限早于"
    )
    due_after = django_filters.DateFilter(
        field_name="deadline__due_on", lookup_expr="gt", label="时限晚于"
    )
    as_of = django_filters.DateFilter(method="filter_noop", label="统计日期")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已逾期")
    ordering = django_filters.OrderingFilter(
        fields=(("number", "number"), ("deadline__due_on", "due_on"), ("updated_at", "updated")),
        label="排序",
    )

    class Meta:
        model = Task
        fields = ("plan", "section", "status")

    def as_of_date(self):
        """The day "overdue" is judged on: `as_of` when given, else today (Asia/Shanghai)."""
        form = self.form
        as_of = form.cleaned_data.get("as_of") if hasattr(form, "cleaned_data") else None
        return as_of or timezone.localdate()

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_overdue through as_of_date()

    def filter_overdue(self, queryset, name, value):
        overdue = Task.objects.overdue(self.as_of_date())
        if value:
            return queryset.filter(pk__in=overdue.values("pk"))
        return queryset.exclude(pk__in=overdue.values("pk"))

    def filter_has_lead(self, queryset, name, value):
        leads = Task.units.through.objects.filter(role=UnitRole.LEAD).values("task_id")
        return queryset.filter(pk__in=leads) if value else queryset.exclude(pk__in=leads)

    def _with_unit(self, queryset, unit_id, role=None):
        links = Task.units.through.objects.filter(unit_id=unit_id)
        if role:
            links = links.filter(role=role)
        return queryset.filter(pk__in=links.values("task_id"))

    def filter_lead_unit(self, queryset, name, value):
        return self._with_unit(queryset, value, UnitRole.LEAD)

    def filter_responsible_unit(self, queryset, name, value):
        return self._with_unit(queryset, value, UnitRole.RESPONSIBLE)

    def filter_unit(self, queryset, name, value):
        return self._with_unit(queryset, value)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching_units = Task.units.through.objects.filter(unit__name__icontains=value)
        return queryset.filter(
            Q(title__icontains=value)
            | Q(body__icontains=value)
            | Q(pk__in=matching_units.values("task_id"))
        )
