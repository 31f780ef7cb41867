from django.db.models import Count
from rest_framework import viewsets

from tasks.filtersets import PlanFilterSet, TaskFilterSet
from tasks.models import Plan, Task

from .serializers import PlanSerializer, TaskSerializer


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self):
        return Plan.objects.annotate(task_count=Count("tasks")).order_by("-year", "title")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet

    def get_queryset(self):
        return (
            Task.objects.visible_to(self.request.user)
            .with_api_relations()
            .order_by("plan_id", "number")
        )
