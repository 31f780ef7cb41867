from django.contrib import admin
from django.db.models import Count, Prefetch
from simple_history.admin import SimpleHistoryAdmin

from deadlines.models import Deadline
from units.choices import UnitRole

from .models import Plan, ProgressReport, Section, Task, TaskUnit


class SectionInline(admin.TabularInline):
    model = Section
    fields = ("position", "numeral", "title", "level", "parent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "doc_number",
        "issuer",
        "issued_on",
        "year",
        "task_count",
        "source_file",
    )
    list_filter = ("year", "issuer")
    search_fields = ("title", "doc_number", "issuer")
    readonly_fields = (
        "source_file",
        "content_hash",
        "imported_at",
        "updated_at",
        "import_warnings",
    )
    fields = (
        "title",
        "doc_number",
        "issuer",
        "issued_on",
        "year",
        "source_file",
        "content_hash",
        "import_warnings",
        "imported_at",
        "updated_at",
        "source_text",
    )
    inlines = (SectionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(task_count=Count("tasks"))

    @admin.display(description="任务数", ordering="task_count")
    def task_count(self, plan):
        return plan.task_count


class TaskUnitInline(admin.TabularInline):
    model = TaskUnit
    fields = ("role", "unit", "position", "from_document")
    autocomplete_fields = ("unit",)
    extra = 0


class DeadlineInline(admin.StackedInline):
    model = Deadline
    fields = ("due_on", "text", "source", "is_ongoing")
    extra = 0
    max_num = 1


class ProgressReportInline(admin.TabularInline):
    model = ProgressReport
    fields = ("created_at", "unit", "author", "status", "progress", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ("number", "title", "plan", "lead_unit_names", "due_on", "status", "progress")
    list_display_links = ("number", "title")
    list_filter = ("plan", "status", "deadline__source", "deadline__is_ongoing")
    search_fields = ("title", "body", "units__name")
    list_select_related = ("plan", "deadline")
    ordering = ("plan", "number")
    readonly_fields = ("source_text", "warnings", "version", "created_at", "updated_at")
    fields = (
        "plan",
        "section",
        "number",
        "title",
        "body",
        "source_text",
        "status",
        "progress",
        "completed_on",
        "warnings",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = (TaskUnitInline, DeadlineInline, ProgressReportInline)

    def get_queryset(self, request):
        lead_links = TaskUnit.objects.filter(role=UnitRole.LEAD).select_related("unit")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("task_units", queryset=lead_links.order_by("position")))
        )

    @admin.display(description="牵头单位")
    def lead_unit_names(self, task):
        return "、".join(
            link.unit.name for link in task.task_units.all() if link.role == UnitRole.LEAD
        )

    @admin.display(description="完成时限", ordering="deadline__due_on")
    def due_on(self, task):
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            return "—"
        if deadline.is_ongoing:
            return "长期坚持"
        suffix = "(默认)" if deadline.source == "plan_default" else ""
        return f"{deadline.due_on:%Y年%m月%d日}{suffix}"


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("task", "unit", "author", "status", "progress", "created_at")
    list_filter = ("status",)
    search_fields = ("text", "task__title", "unit__name")
    list_select_related = ("task", "unit", "author")
    autocomplete_fields = ("task", "unit")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "level", "position")
    list_filter = ("plan", "level")
    search_fields = ("title",)
    list_select_related = ("plan",)
