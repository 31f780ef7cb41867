import django_filters
from django.db.models import Q

from .models import Unit


class UnitFilterSet(django_filters.FilterSet):
    is_collective = django_filters.BooleanFilter(label="集合名称")
    q = django_filters.CharFilter(method="filter_name", label="名称或别名")

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
