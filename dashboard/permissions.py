"""Who may see the dashboard and bulletin: leaders and office staff, nobody else."""

from rest_framework.permissions import BasePermission

from units.roles import is_leader, is_office


def can_view_dashboard(user) -> bool:
    return is_leader(user) or is_office(user)


class CanViewDashboard(BasePermission):
    message = "仅领导和优化办可以查看督办看板。"

    def has_permission(self, request, view):
        return can_view_dashboard(request.user)
