"""DRF permission classes: thin wrappers over tasks.rules and units.roles.

Object visibility is not decided here but by the viewsets' querysets
(`Task.objects.visible_to(user)`), so another unit's task is a 404, not a 403.
Workflow actions (reports, requests, 销号) are checked by the services themselves.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tasks import rules
from units.roles import sees_all_tasks


class OfficeEditsOthersRead(BasePermission):
    """Any signed-in user reads (within their scope); only the office (优化办) writes."""

    message = "只有优化办可以修改"

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or rules.can_manage(request.user)


class StaffReadsOfficeEdits(OfficeEditsOthersRead):
    """Office and leaders read (e.g. unit members and phones); only the office writes."""

    message = "无权访问"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and sees_all_tasks(request.user)
