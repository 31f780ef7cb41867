from django.contrib import admin

from units.admin_scope import GovernmentScopedAdminMixin

from .models import ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "unit"
    list_display = ("sent_on", "unit", "task_count", "recipients")
    list_filter = ("sent_on",)
    search_fields = ("unit__name", "recipients")
    list_select_related = ("unit__region",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
