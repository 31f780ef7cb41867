from django.db.models import Count
from rest_framework import viewsets

from units.filtersets import UnitFilterSet
from units.models import Unit

from .serializers import UnitSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet

    def get_queryset(self):
        return (
            Unit.objects.annotate(task_count=Count("task_units__task", distinct=True))
            .prefetch_related("aliases")
            .order_by("name")
        )
