from django.db.models import Count, Q
from rest_framework import viewsets

from tasks.api.permissions import OfficeEditsOthersRead, StaffReadsOfficeEdits
from tasks.api.views import AnnotatedReplyMixin
from tasks.models import Task
from units.filtersets import UnitAliasFilterSet, UnitFilterSet, UnitMembershipFilterSet
from units.models import Unit, UnitAlias, UnitMembership
from units.roles import is_governed, sees_all_tasks

from .serializers import UnitAliasSerializer, UnitMembershipSerializer, UnitSerializer


class UnitViewSet(AnnotatedReplyMixin, viewsets.ModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        """Every unit for office staff and leaders; a unit user sees the units on the tasks
        it may see, each counted over those tasks only (no other units' workload)."""
        user = self.request.user
        if sees_all_tasks(user):
            # A governed office or leader (UserGovernment) sees its own governments' units.
            units = Unit.objects.managed_by(user) if is_governed(user) else Unit.objects.all()
            units = units.annotate(task_count=Count("task_units__task", distinct=True))
        else:
            visible = Task.objects.visible_to(user).values("pk")
            units = Unit.objects.annotate(
                task_count=Count(
                    "task_units__task",
                    filter=Q(task_units__task__in=visible),
                    distinct=True,
                )
            ).filter(task_count__gt=0)
        return units.select_related("region").prefetch_related("aliases").order_by("name")


class UnitAliasViewSet(viewsets.ModelViewSet):
    serializer_class = UnitAliasSerializer
    filterset_class = UnitAliasFilterSet
    permission_classes = [StaffReadsOfficeEdits]
    queryset = UnitAlias.objects.order_by("name")

    def get_queryset(self):
        aliases = super().get_queryset()
        if is_governed(self.request.user):
            aliases = aliases.filter(unit__in=Unit.objects.managed_by(self.request.user))
        return aliases


class UnitMembershipViewSet(viewsets.ModelViewSet):
    """Who works for which unit (with a phone number): office and leaders only."""

    serializer_class = UnitMembershipSerializer
    filterset_class = UnitMembershipFilterSet
    permission_classes = [StaffReadsOfficeEdits]
    queryset = UnitMembership.objects.select_related("user", "unit__region").order_by(
        "unit__name", "pk"
    )

    def get_queryset(self):
        memberships = super().get_queryset()
        if is_governed(self.request.user):
            memberships = memberships.filter(unit__in=Unit.objects.managed_by(self.request.user))
        return memberships
