"""Task list filters: each delegates to `TaskFilterSet`, so a filter has one definition."""

from django.contrib import admin
from django.db.models import Q

from units.choices import UnitRole
from units.models import Unit
from units.roles import is_governed

from ..choices import TaskStatus
from ..filtersets import TaskFilterSet
from ..models import Plan, Section, Task, TaskUnit
from .common import lookups_once


def visible_plans(user):
    """Every plan for a system-wide office; a governed one's own and those it works on."""
    return Plan.objects.visible_to(user) if is_governed(user) else Plan.objects.all()


class TaskFilterSetFilter(admin.SimpleListFilter):
    """A sidebar filter whose rule is the TaskFilterSet filter of the same name."""

    def queryset(self, request, queryset):
        value = self.value()
        if value in (None, ""):
            return queryset
        filterset = TaskFilterSet({self.parameter_name: value}, queryset=queryset)
        if not filterset.is_valid():
            return queryset.none()
        return filterset.qs


class PlanListFilter(TaskFilterSetFilter):
    title = "方案"
    parameter_name = "plan"

    def lookups(self, request, model_admin):
        plans = visible_plans(request.user).only("pk", "title", "year")
        return lookups_once(request, "plan", lambda: [(plan.pk, plan.title) for plan in plans])


class SectionListFilter(TaskFilterSetFilter):
    """Only offered once a plan is chosen: a database holds hundreds of headings."""

    title = "章节"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        plan_id, section_id = request.GET.get("plan", ""), request.GET.get("section", "")
        sections = Section.objects.filter(plan__in=visible_plans(request.user))
        if plan_id.isdigit():
            sections = sections.filter(plan=plan_id)
        elif section_id.isdigit():
            sections = sections.filter(plan__sections=section_id)
        else:
            return []  # without output Django drops the filter, so it stays meaningful
        return lookups_once(
            request, "section", lambda: [(section.pk, section.heading) for section in sections]
        )


class UnitRoleListFilter(TaskFilterSetFilter):
    """Units in this role, as a drop-down: the database holds hundreds of units.

    Once a plan is chosen only that plan's units are offered.
    """

    role = UnitRole.LEAD
    template = "admin/tasks/task/select_filter.html"

    def lookups(self, request, model_admin):
        links = TaskUnit.objects.filter(role=self.role)
        if self.role == UnitRole.LEAD:
            # The lead_unit filter also finds handed-down members (承办): offer them too.
            links = TaskUnit.objects.accountable()
        if is_governed(request.user):  # no other region's unit names in the list
            links = links.filter(task__in=Task.objects.visible_to(request.user).values("pk"))
        plan_id = request.GET.get("plan", "")
        if plan_id.isdigit():
            links = links.filter(task__plan=plan_id)
        chosen = Q(pk=self.value()) if (self.value() or "").isdigit() else Q(pk__in=[])
        if is_governed(request.user):
            chosen &= Q(pk__in=Unit.objects.managed_by(request.user).values("pk"))
        units = Unit.objects.filter(Q(pk__in=links.values("unit")) | chosen).order_by("name")
        return lookups_once(
            request,
            self.parameter_name,
            lambda: [(unit.pk, unit.full_name) for unit in units],
        )

    def choices(self, changelist):
        # The drop-down is a GET form: the other filters travel as hidden fields.
        hidden = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        options = [(str(lookup), title) for lookup, title in self.lookup_choices]
        if changelist.add_facets:
            counts = self.get_facet_queryset(changelist)
            options = [
                (lookup, f"{title} ({counts.get(f'{index}__c', '-')})")
                for index, (lookup, title) in enumerate(options)
            ]
        yield {
            "hidden": hidden,
            "parameter_name": self.parameter_name,
            "options": options,
            "selected": self.value() or "",
        }


class LeadUnitListFilter(UnitRoleListFilter):
    title = "牵头单位"
    parameter_name = "lead_unit"


class ResponsibleUnitListFilter(UnitRoleListFilter):
    title = "责任单位"
    parameter_name = "responsible_unit"
    role = UnitRole.RESPONSIBLE


class StatusListFilter(TaskFilterSetFilter):
    title = "状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TaskStatus.choices


class OverdueListFilter(TaskFilterSetFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("true", "已逾期"), ("false", "未逾期")]


class HasLeadListFilter(TaskFilterSetFilter):
    title = "牵头单位情况"
    parameter_name = "has_lead"

    def lookups(self, request, model_admin):
        return [("false", "无牵头单位"), ("true", "有牵头单位")]


class HasWarningsListFilter(admin.SimpleListFilter):
    title = "导入提示"
    parameter_name = "has_warnings"

    def lookups(self, request, model_admin):
        return [("yes", "有导入提示"), ("no", "无导入提示")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(warnings=[])
        if self.value() == "no":
            return queryset.filter(warnings=[])
        return queryset


class DueDateRangeFilter(admin.ListFilter):
    """Two date inputs (due after / due before) feeding TaskFilterSet's due window."""

    title = "完成时限"
    template = "admin/tasks/task/date_range_filter.html"
    parameters = ("due_after", "due_before")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.values[name] = value[-1] if isinstance(value, list) else value

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def queryset(self, request, queryset):
        values = {name: value for name, value in self.values.items() if value}
        if not values:
            return queryset
        filterset = TaskFilterSet(values, queryset=queryset)
        if not filterset.is_valid():
            return queryset.none()
        return filterset.qs

    def choices(self, changelist):
        hidden = [
            (name, value)
            for name, value in changelist.params.items()
            if name not in self.parameters
        ]
        yield {
            "hidden": hidden,
            "due_after": self.values.get("due_after", ""),
            "due_before": self.values.get("due_before", ""),
            "reset": changelist.get_query_string(remove=self.parameters),
        }
