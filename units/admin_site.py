"""The admin site, open to office staff and leaders only.

`is_staff` alone is not enough: a unit user whose staff box got ticked by mistake
must still not reach the workbench, so the admin also requires one of the two roles.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from .roles import sees_all_tasks


class ReformAdminSite(admin.AdminSite):
    site_header = "改革任务督办系统"
    site_title = "改革任务督办系统"
    index_title = "优化办工作台"

    def has_permission(self, request):
        return super().has_permission(request) and sees_all_tasks(request.user)


class ReformAdminConfig(AdminConfig):
    default_site = "units.admin_site.ReformAdminSite"
