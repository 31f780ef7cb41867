"""Progress reports and sections, read mostly."""

from django.contrib import admin

from ..models import ProgressReport, Section


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("task", "unit", "author", "status", "progress", "created_at")
    list_filter = ("status",)
    search_fields = ("text", "task__title", "unit__name")
    list_select_related = ("task", "unit__region", "author")
    autocomplete_fields = ("task", "unit")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "level", "position")
    list_filter = ("plan", "level")
    search_fields = ("title",)
    list_select_related = ("plan",)
