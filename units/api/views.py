from django.db.models import Count
from rest_framework import viewsets

from tasks.api.permissions import OfficeEditsOthersRead, StaffReadsOfficeEdits
from tasks.api.views import AnnotatedReplyMixin
from units.filtersets import UnitAliasFilterSet, UnitFilterSet, UnitMembershipFilterSet
from units.models import Unit, UnitAlias, UnitMembership
from units.roles import is_governed

from .serializers import UnitAliasSerializer, UnitMembershipSerializer, UnitSerializer


class UnitViewSet(AnnotatedReplyMixin, viewsets.ModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        units = Unit.objects.managed_by(self.request.user)
        return (
            (units if is_governed(self.request.user) else Unit.objects.all())
            .annotate(task_count=Count("task_units__task", distinct=True))
            .prefetch_related("aliases")
            .order_by("name")
        )


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
    queryset = UnitMembership.objects.select_related("user", "unit").order_by("unit__name", "pk")

    def get_queryset(self):
        memberships = super().get_queryset()
        if is_governed(self.request.user):
            memberships = memberships.filter(unit__in=Unit.objects.managed_by(self.request.user))
        return memberships
