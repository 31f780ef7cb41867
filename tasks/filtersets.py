"""One FilterSet per model, shared by the API, the portal and the admin."""

import django_filters
from django.db.models import Q

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

    class Meta:
        model = Task
        fields = ("plan", "section", "status")

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
