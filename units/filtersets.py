import django_filters
from django.db.models import Q

from tasks.filtersets import SEARCH_MAX_LENGTH, BooleanFilter, IdFilter

from .models import Unit, UnitAlias, UnitMembership


class UnitFilterSet(django_filters.FilterSet):
    is_collective = BooleanFilter(label="集合名称")
    q = django_filters.CharFilter(
        method="filter_name", label="名称或别名", max_length=SEARCH_MAX_LENGTH
    )

    class Meta:
        model = Unit
        fields = ("is_collective",)

    def filter_name(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(aliases__name__icontains=value)
        ).distinct()


class UnitAliasFilterSet(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label="单位")

    class Meta:
        model = UnitAlias
        fields = ("unit",)


class UnitMembershipFilterSet(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label="单位")
    user = IdFilter(field_name="user_id", label="用户")

    class Meta:
        model = UnitMembership
        fields = ("unit", "user")
