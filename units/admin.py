from django.contrib import admin
from django.db.models import Count, Q
from simple_history.admin import SimpleHistoryAdmin

from .choices import UnitRole
from .models import Unit, UnitAlias, UnitMembership


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class UnitMembershipInline(admin.TabularInline):
    model = UnitMembership
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "is_collective", "lead_count", "responsible_count")
    list_filter = ("is_collective",)
    search_fields = ("name", "aliases__name")
    inlines = (UnitAliasInline, UnitMembershipInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                lead_count=Count("task_units", filter=Q(task_units__role=UnitRole.LEAD)),
                responsible_count=Count(
                    "task_units", filter=Q(task_units__role=UnitRole.RESPONSIBLE)
                ),
            )
        )

    @admin.display(description="牵头任务数", ordering="lead_count")
    def lead_count(self, unit):
        return unit.lead_count

    @admin.display(description="责任任务数", ordering="responsible_count")
    def responsible_count(self, unit):
        return unit.responsible_count


@admin.register(UnitAlias)
class UnitAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "unit")
    search_fields = ("name", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)


@admin.register(UnitMembership)
class UnitMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "phone")
    search_fields = ("user__username", "user__first_name", "unit__name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")
