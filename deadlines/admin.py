"""Deadlines in the office workbench, and the approval of 延期申请."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from tasks.admin.actions import action_with_form, posted
from tasks.admin.common import chinese_date
from units.admin_scope import GovernmentScopedAdminMixin

from .choices import ExtensionStatus
from .models import Deadline, DeadlineExtension, Milestone
from .services import extension_approve, extension_reject


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ("position", "due_on", "text", "from_document")
    extra = 0


@admin.register(Deadline)
class DeadlineAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    government_scope = "task"
    list_display = ("task", "due_on", "text", "source", "is_ongoing")
    list_filter = ("source", "is_ongoing", "task__plan")
    search_fields = ("task__title", "text")
    list_select_related = ("task", "task__plan")
    autocomplete_fields = ("task",)
    inlines = (MilestoneInline,)


@admin.register(Milestone)
class MilestoneAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "deadline__task"
    list_display = ("due_on", "text", "deadline")
    list_filter = ("deadline__task__plan",)
    search_fields = ("text",)
    list_select_related = ("deadline", "deadline__task", "deadline__task__plan")


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A rejection needs its reason: asked here, so the form stays open instead of
        # every selected request failing one by one with the same message.
        self.fields["note"].required = note_required
        self.fields["note"].error_messages["required"] = "驳回时请填写意见"


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "deadline__task"
    """Pending 延期申请 are approved or rejected here, only through the services."""

    list_display = (
        "task",
        "unit",
        "previous_display",
        "requested_display",
        "reason",
        "status",
        "requested_by",
        "created_at",
    )
    list_filter = ("status", "deadline__task__plan")
    search_fields = ("reason", "deadline__task__title", "unit__name")
    list_select_related = ("deadline__task", "unit__region", "requested_by")
    readonly_fields = (
        "deadline",
        "previous_due_on",
        "requested_due_on",
        "reason",
        "status",
        "requested_by",
        "unit",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    )
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False  # requests come from lead units; the office extends via the task list

    @admin.display(description="任务", ordering="deadline__task")
    def task(self, extension):
        return extension.deadline.task

    @admin.display(description="原完成时限", ordering="previous_due_on")
    def previous_display(self, extension):
        return chinese_date(extension.previous_due_on)

    @admin.display(description="申请延至", ordering="requested_due_on")
    def requested_display(self, extension):
        return chinese_date(extension.requested_due_on)

    def _decide(
        self, request, queryset, *, action: str, title: str, decide, done: str, note_required=False
    ):
        pending = queryset.filter(status=ExtensionStatus.PENDING).select_related("deadline__task")
        if not pending.exists():
            self.message_user(request, "所选申请均已处理。", messages.WARNING)
            return None

        def run(data):
            succeeded = 0
            for extension in pending:
                try:
                    decide(extension, data["note"])
                except (ValidationError, PermissionDenied) as exc:
                    text = ";".join(getattr(exc, "messages", [str(exc)]))
                    self.message_user(request, f"“{extension}”未处理:{text}", messages.ERROR)
                else:
                    succeeded += 1
            if succeeded:
                self.message_user(request, f"已{done} {succeeded} 项延期申请。", messages.SUCCESS)

        form = DecisionForm(posted(request), note_required=note_required)
        return action_with_form(
            self, request, pending, action=action, title=title, form=form, run=run
        )

    @admin.action(description="批准延期", permissions=["change"])
    def approve(self, request, queryset):
        return self._decide(
            request,
            queryset,
            action="approve",
            title="批准延期",
            done="批准",
            decide=partial(self._service, extension_approve, request.user),
        )

    @admin.action(description="驳回延期", permissions=["change"])
    def reject(self, request, queryset):
        return self._decide(
            request,
            queryset,
            action="reject",
            title="驳回延期(请填写意见)",
            done="驳回",
            decide=partial(self._service, extension_reject, request.user),
            note_required=True,
        )

    @staticmethod
    def _service(service, user, extension, note):
        return service(extension=extension, user=user, note=note)
