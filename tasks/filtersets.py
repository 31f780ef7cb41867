"""One FilterSet per model, shared by the API, the portal and the admin."""

from datetime import date

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.utils import timezone

from regions.models import Region
from units.choices import UnitRole

from .choices import TaskStatus
from .models import (
    DUE_SOON_DAYS,
    Plan,
    ProgressReport,
    Section,
    Task,
    TaskUnit,
    plan_issued_by_q,
)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's integer range, else a 400 (not a 500).

    Foreign-key lookups don't get Django's out-of-range protection, so a huge number
    would reach SQLite as an OverflowError.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


# A search text longer than any task title is a probe, not a search: SQLite refuses LIKE
# patterns beyond 50,000 characters (a 503), and PostgreSQL would scan every row with it.
SEARCH_MAX_LENGTH = 200


class BoundedDateFilter(django_filters.DateFilter):
    """A date between 1900 and 2999, else a 400: the dashboard adds and subtracts days
    from `as_of`, and 0001-01-01 or 9999-12-31 overflowed into a 500."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators",
            [MinValueValidator(date(1900, 1, 1)), MaxValueValidator(date(2999, 12, 31))],
        )
        super().__init__(*args, **kwargs)


class _PassThroughBooleanSelect(forms.NullBooleanSelect):
    """Like NullBooleanSelect, but hands unknown strings to the field instead of dropping them."""

    def value_from_datadict(self, data, files, name):
        known = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if known is None and raw not in (None, "", "unknown") else known


class _StrictNullBooleanField(forms.NullBooleanField):
    widget = _PassThroughBooleanSelect

    def to_python(self, value):
        if value in (True, False, None, ""):
            return super().to_python(value)
        text = str(value).strip().lower()
        if text in {"1", "yes", "on"}:
            return True
        if text in {"0", "no", "off"}:
            return False
        raise forms.ValidationError("应为 true 或 false", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    """true/false (also 1/0, yes/no); anything else is a 400 instead of being ignored."""

    field_class = _StrictNullBooleanField


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Rows without a value (a task with no date) go last in both directions, on SQLite
    and PostgreSQL alike (they disagree by default: SQLite puts NULL first ascending).

    Ties are broken by id: dozens of tasks share a year-end date, and without a total
    order a client paging through `?ordering=due_on` could see one twice and miss another.
    """

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if value.startswith("-"):
            return F(name).desc(nulls_last=True)
        return F(name).asc(nulls_last=True)


class PlanFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度", min_value=1900, max_value=2999)

    class Meta:
        model = Plan
        fields = ("year",)


class TaskFilterSet(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", label="方案")
    section = IdFilter(field_name="section_id", label="章节")
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    lead_unit = IdFilter(method="filter_lead_unit", label="牵头单位")
    responsible_unit = IdFilter(method="filter_responsible_unit", label="责任单位")
    unit = IdFilter(method="filter_unit", label="单位(任一角色)")
    q = django_filters.CharFilter(
        method="filter_text", label="关键词", max_length=SEARCH_MAX_LENGTH
    )
    issuer = django_filters.CharFilter(
        field_name="plan__issuer", label="发文单位", max_length=SEARCH_MAX_LENGTH
    )
    has_lead = BooleanFilter(method="filter_has_lead", label="有牵头单位")
    due_before = BoundedDateFilter(
        field_name="deadline__due_on", lookup_expr="lt", label="时限早于"
    )
    due_after = BoundedDateFilter(field_name="deadline__due_on", lookup_expr="gt", label="时限晚于")
    as_of = BoundedDateFilter(method="filter_as_of", label="统计日期")
    overdue = BooleanFilter(method="filter_overdue", label="已逾期")
    completed = BooleanFilter(method="filter_completed", label="已销号(截至统计日期)")
    ongoing = BooleanFilter(field_name="deadline__is_ongoing", label="长期坚持")
    ordering = NullsLastOrderingFilter(
        fields=(("number", "number"), ("deadline__due_on", "due_on"), ("updated_at", "updated")),
        label="排序",
    )
    role = django_filters.ChoiceFilter(
        choices=UnitRole.choices, method="filter_role", label="我单位的角色"
    )
    due_soon = BooleanFilter(method="filter_due_soon", label=f"{DUE_SOON_DAYS}天内到期")
    region = IdFilter(method="filter_region", label="政府(行政区划,含下级)")
    plan_closed = BooleanFilter(
        field_name="plan__closed_at", lookup_expr="isnull", exclude=True, label="方案已归档"
    )

    class Meta:
        model = Task
        fields = ("plan", "section", "status")

    def as_of_date(self):
        """The day "overdue" is judged on: `as_of` when given, else today (Asia/Shanghai)."""
        form = self.form
        as_of = form.cleaned_data.get("as_of") if hasattr(form, "cleaned_data") else None
        return as_of or timezone.localdate()

    def filter_as_of(self, queryset, name, value):
        # Only plans issued by then; overdue, completed and due_soon read as_of_date().
        return queryset.filter(plan_issued_by_q(value))

    def filter_overdue(self, queryset, name, value):
        overdue = Task.objects.overdue(self.as_of_date())
        if value:
            return queryset.filter(pk__in=overdue.values("pk"))
        return queryset.exclude(pk__in=overdue.values("pk"))

    def filter_completed(self, queryset, name, value):
        done = Task.objects.completed_by(self.as_of_date())
        if value:
            return queryset.filter(pk__in=done.values("pk"))
        return queryset.exclude(pk__in=done.values("pk"))

    def filter_has_lead(self, queryset, name, value):
        leads = Task.units.through.objects.filter(role=UnitRole.LEAD).values("task_id")
        return queryset.filter(pk__in=leads) if value else queryset.exclude(pk__in=leads)

    def _with_unit(self, queryset, unit_id, role=None):
        links = Task.units.through.objects.filter(unit_id=unit_id)
        if role:
            links = links.filter(role=role)
        return queryset.filter(pk__in=links.values("task_id"))

    def filter_lead_unit(self, queryset, name, value):
        # Lead units and the members a collective was handed down to (承办): the units
        # the dashboard's per-unit table counts (`TaskUnit.objects.accountable()`).
        links = Task.units.through.objects.accountable().filter(unit_id=value)
        return queryset.filter(pk__in=links.values("task_id"))

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

    def filter_role(self, queryset, name, value):
        """Tasks where one of the requesting user's units has this role."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        links = Task.units.through.objects.filter(role=value, unit__memberships__user=user)
        return queryset.filter(pk__in=links.values("task_id"))

    def filter_region(self, queryset, name, value):
        """Tasks of a government and those below it: their plans' tasks and the tasks
        handed down to their units (`Task.objects.in_regions`, as region-scoped roles)."""
        region_ids = Region.objects.subtree_ids(Region(pk=value))  # [] for an unknown id
        return queryset.in_regions(region_ids)

    def filter_due_soon(self, queryset, name, value):
        due_soon = Task.objects.due_soon(self.as_of_date())
        if value:
            return queryset.filter(pk__in=due_soon.values("pk"))
        return queryset.exclude(pk__in=due_soon.values("pk"))


class SectionFilterSet(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", label="方案")
    level = django_filters.NumberFilter(label="层级")

    class Meta:
        model = Section
        fields = ("plan", "level")


class TaskUnitFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label="任务")
    unit = IdFilter(field_name="unit_id", label="单位")
    role = django_filters.ChoiceFilter(choices=UnitRole.choices, label="角色")

    class Meta:
        model = TaskUnit
        fields = ("task", "unit", "role")


class ProgressReportFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label="任务")
    unit = IdFilter(field_name="unit_id", label="报送单位")
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    created_after = BoundedDateFilter(
        field_name="created_at", lookup_expr="date__gte", label="报送日期不早于"
    )
    created_before = BoundedDateFilter(
        field_name="created_at", lookup_expr="date__lte", label="报送日期不晚于"
    )

    class Meta:
        model = ProgressReport
        fields = ("task", "unit", "status")
