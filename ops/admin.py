from django.contrib import admin

from .models import ImportLog


@admin.register(ImportLog)
class ImportLogAdmin(admin.ModelAdmin):
    """Read-only audit trail of plan imports (command line and admin upload)."""

    list_display = (
        "started_at",
        "source_file",
        "outcome",
        "via",
        "user",
        "tasks_total",
        "tasks_created",
        "tasks_updated",
        "units_new",
        "warning_count",
    )
    list_filter = ("outcome", "via")
    search_fields = ("source_file", "error")
    list_select_related = ("user",)
    date_hierarchy = "started_at"

    @admin.display(description="提示数")
    def warning_count(self, obj):
        return len(obj.warnings)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
