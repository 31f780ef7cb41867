from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Deadline, Milestone


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ("position", "due_on", "text", "from_document")
    extra = 0


@admin.register(Deadline)
class DeadlineAdmin(SimpleHistoryAdmin):
    list_display = ("task", "due_on", "text", "source", "is_ongoing")
    list_filter = ("source", "is_ongoing", "task__plan")
    search_fields = ("task__title", "text")
    list_select_related = ("task", "task__plan")
    autocomplete_fields = ("task",)
    inlines = (MilestoneInline,)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("due_on", "text", "deadline")
    list_filter = ("deadline__task__plan",)
    search_fields = ("text",)
    list_select_related = ("deadline", "deadline__task", "deadline__task__plan")
