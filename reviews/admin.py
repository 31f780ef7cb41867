"""审核中的申请, read-only for the office: decisions go through the review queue
(`/reviews/`) and its services, never through an edit form."""

from django.contrib import admin

from units.admin_scope import GovernmentScopedAdminMixin

from .models import Review, ReviewStep


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    fields = ("created_at", "stage", "action", "unit", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "task"
    list_display = ("task", "kind", "stage", "unit", "requested_by", "created_at", "updated_at")
    list_filter = ("stage", "kind", "task__plan")
    search_fields = ("task__title", "unit__name")
    list_select_related = ("task", "unit__region", "requested_by")
    readonly_fields = (
        "kind",
        "task",
        "unit",
        "requested_by",
        "extension",
        "report",
        "stage",
        "returned_from",
        "created_at",
        "updated_at",
    )
    inlines = (ReviewStepInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
