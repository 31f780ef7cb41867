from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are started from the pages and run by the worker."""

    list_display = ("title", "kind", "user", "status", "done", "total", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "user__username")
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
