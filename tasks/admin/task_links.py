"""上下级任务关联: the one screen where the office confirms or rejects proposed links."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from ..choices import TaskLinkStatus
from ..links import task_links_decide
from ..models import TaskLink
from .common import ADMIN_CSS


@admin.register(TaskLink)
class TaskLinkAdmin(admin.ModelAdmin):
    """Proposals side by side (downstream task, upstream task, similarity); the status column
    is editable in the list, so a whole plan's proposals are decided and saved at once."""

    list_display = (
        "downstream_plan",
        "downstream_task",
        "upstream_task",
        "similarity",
        "status",
        "decided_by",
    )
    list_display_links = None
    list_editable = ("status",)
    list_filter = ("status", "downstream__plan", "upstream__plan")
    list_select_related = ("downstream__plan", "upstream__plan", "decided_by")
    search_fields = ("downstream__title", "upstream__title")
    list_per_page = 100
    actions = ("confirm", "reject")
    fields = ("downstream", "upstream", "similarity", "status", "decided_by", "decided_at")
    readonly_fields = ("similarity", "decided_by", "decided_at")
    autocomplete_fields = ("downstream", "upstream")

    class Media:
        css = ADMIN_CSS

    @admin.display(description="下级方案", ordering="downstream__plan__title")
    def downstream_plan(self, link):
        return link.downstream.plan.title

    @admin.display(description="落实任务", ordering="downstream__number")
    def downstream_task(self, link):
        return self._task(link.downstream)

    @admin.display(description="上级任务", ordering="upstream__number")
    def upstream_task(self, link):
        return self._task(link.upstream)

    def _task(self, task):
        return format_html(
            '<a href="{}" title="{}">{}. {}</a>',
            reverse("admin:tasks_task_change", args=[task.pk]),
            task.body[:300],
            task.number,
            task.title[:60],
        )

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            task_links_decide(links=[obj], status=obj.status, user=request.user)
            obj.refresh_from_db()
            return
        obj.full_clean()
        super().save_model(request, obj, form, change)

    def _decide(self, request, queryset, status, done):
        try:
            count = task_links_decide(links=list(queryset), status=status, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(
                request, ";".join(getattr(exc, "messages", [str(exc)])), messages.ERROR
            )
            return
        self.message_user(request, f"已{done} {count} 条关联。", messages.SUCCESS)

    @admin.action(description="确认所选关联", permissions=["change"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, TaskLinkStatus.CONFIRMED, "确认")

    @admin.action(description="否决所选关联", permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, TaskLinkStatus.REJECTED, "否决")
