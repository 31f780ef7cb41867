"""The admin site, open to office staff and leaders only.

`is_staff` alone is not enough: a unit user whose staff box got ticked by mistake
must still not reach the workbench, so the admin also requires one of the two roles.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import QueryDict
from django.utils import timezone

from .roles import is_office, sees_all_tasks


class ReformAdminSite(admin.AdminSite):
    site_header = "改革任务督办系统"
    site_title = "改革任务督办系统"
    index_title = "优化办工作台"
    index_template = "admin/workbench/index.html"

    def index(self, request, extra_context=None):
        """The workbench: every queue waiting for the office, and each open plan's progress."""
        from dashboard.workbench import office_queues, plan_progress

        today = timezone.localdate()
        context = {
            "queues": office_queues(today, request.user),
            "plan_rows": plan_progress(today, request.user),
            "today": today,
            "can_send_reminders": is_office(request.user),
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)

    def has_permission(self, request):
        return super().has_permission(request) and sees_all_tasks(request.user)

    def admin_view(self, view, cacheable=False):
        """Drop NUL characters from the query string (list filters, search, autocomplete).

        The admin's list filters put URL values into queries without a form, and
        PostgreSQL rejects NUL in text: `?status__exact=%00` was a 500.
        """
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def inner(request, *args, **kwargs):
            if "\x00" in "".join(key + "".join(vals) for key, vals in request.GET.lists()):
                cleaned = QueryDict(mutable=True)
                for key, values in request.GET.lists():
                    cleaned.setlist(
                        key.replace("\x00", ""), [v.replace("\x00", "") for v in values]
                    )
                cleaned._mutable = False
                request.GET = cleaned
            return protected(request, *args, **kwargs)

        return inner


class ReformAdminConfig(AdminConfig):
    default_site = "units.admin_site.ReformAdminSite"
