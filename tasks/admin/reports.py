"""Progress reports and sections, read mostly."""

from django.contrib import admin

from units.admin_scope import GovernmentScopedAdminMixin

from ..models import ProgressReport, Section


@admin.register(ProgressReport)
class ProgressReportAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "task"
    list_display = ("task", "unit", "author", "status", "progress", "created_at")
    list_filter = ("status",)
    search_fields = ("text", "task__title", "unit__name")
    list_select_related = ("task", "unit__region", "author")
    autocomplete_fields = ("task", "unit")
    # 退回 goes through `report_return` (on the task's portal page), which tells the unit.
    readonly_fields = ("returned_at", "returned_by", "return_reason", "answered_by")


@admin.register(Section)
class SectionAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "plan"
    list_display = ("__str__", "plan", "level", "position")
    list_filter = ("plan", "level")
    search_fields = ("title",)
    list_select_related = ("plan",)
