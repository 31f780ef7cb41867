"""The task change list and change form."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from deadlines.models import Deadline, Milestone
from deadlines.services import deadline_extend, deadline_set
from units.admin_scope import GovernmentScopedAdminMixin, GovernmentScopedChoicesMixin
from units.choices import UnitRole
from units.roles import is_governed

from ..assignments import task_rollups, tasks_fan_out
from ..filtersets import TaskFilterSet
from ..ledger import ledger_export
from ..links import downstream_rollup
from ..models import DUE_SOON_DAYS, Plan, ProgressReport, SubTask, Task, TaskUnit
from ..services import (
    TaskVersionConflict,
    task_complete_verify,
    task_lead_assign,
    task_reopen,
    task_warnings_clear,
)
from .actions import (
    CollectiveForm,
    DeadlineForm,
    LeadUnitForm,
    ReasonForm,
    action_with_form,
    posted,
    run_for_each,
)
from .common import ADMIN_CSS, chinese_date, task_flag
from .filters import (
    DueDateRangeFilter,
    HasLeadListFilter,
    HasWarningsListFilter,
    LeadUnitListFilter,
    OverdueListFilter,
    PlanListFilter,
    ResponsibleUnitListFilter,
    SectionListFilter,
    StatusListFilter,
)


class TaskUnitInline(GovernmentScopedChoicesMixin, admin.TabularInline):
    model = TaskUnit
    fields = ("role", "unit", "position", "from_document")
    autocomplete_fields = ("unit",)
    ordering = ("role", "position")
    extra = 0


class DeadlineInline(admin.StackedInline):
    """The deadline; once set, the date moves only through the extension action."""

    model = Deadline
    fields = ("due_on", "text", "source", "is_ongoing", "milestone_list", "extension_list")
    readonly_fields = ("milestone_list", "extension_list")
    extra = 0
    max_num = 1
    can_delete = False  # deleting would drop the date the extensions are measured from

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Deadline.objects.filter(task=obj).exists():
            return ("due_on", "source", "is_ongoing", "milestone_list", "extension_list")
        return self.readonly_fields

    @admin.display(description="时间节点")
    def milestone_list(self, deadline):
        if deadline.pk is None:
            return "—"
        rows = format_html_join(
            "",
            "<li>{}:{}</li>",
            ((chinese_date(m.due_on), m.text) for m in deadline.milestones.all()),
        )
        link = reverse("admin:deadlines_deadline_change", args=[deadline.pk])
        return format_html('<ul class="plain">{}</ul><a href="{}">编辑时间节点</a>', rows, link)

    @admin.display(description="延期记录")
    def extension_list(self, deadline):
        if deadline.pk is None:
            return "—"
        rows = format_html_join(
            "",
            "<li>{} → {}({}):{}</li>",
            (
                (
                    chinese_date(e.previous_due_on),
                    chinese_date(e.requested_due_on),
                    e.get_status_display(),
                    e.reason,
                )
                for e in deadline.extensions.all()
            ),
        )
        return format_html('<ul class="plain">{}</ul>', rows) if rows else "无"


class ProgressReportInline(admin.TabularInline):
    model = ProgressReport
    fields = ("created_at", "unit", "author", "status", "progress", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit__region", "author")


class SubTaskInline(admin.TabularInline):
    """The lead unit's sub-tasks (子任务), read-only: the lead unit keeps them in the portal."""

    model = SubTask
    fields = (
        "title",
        "unit",
        "owner_name",
        "owner_phone",
        "due_on",
        "status",
        "progress",
        "weight",
        "completed_on",
        "overdue_mark",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("due_on", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit__region")

    @admin.display(description="逾期")
    def overdue_mark(self, subtask):
        days = subtask.days_late(timezone.localdate())
        if subtask.is_overdue(timezone.localdate()):
            return f"已逾期 {days} 天"
        return f"逾期完成 {days} 天" if days else "—"


class TaskAdminForm(forms.ModelForm):
    """The task form refuses to save over a newer version (someone saved meanwhile)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Task
        fields = ("plan", "section", "number", "title", "body")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Task.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            if current.first() != expected:
                raise ValidationError(TaskVersionConflict.message)
        return cleaned


class ChoiceLabelHistoryHelper(HistoricalRecordContextHelper):
    """History changes show a choice's Chinese label (推进中), not its stored value."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and value is not None:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


@admin.register(Task)
class TaskAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "flag",
        "plan_title",
        "number",
        "title",
        "lead_unit_names",
        "due_display",
        "status",
        "progress",
        "last_report_display",
    )
    list_display_links = ("number", "title")
    list_filter = (
        PlanListFilter,
        SectionListFilter,
        LeadUnitListFilter,
        ResponsibleUnitListFilter,
        StatusListFilter,
        OverdueListFilter,
        DueDateRangeFilter,
        HasLeadListFilter,
        HasWarningsListFilter,
    )
    search_fields = ("title",)  # the search itself is TaskFilterSet's `q`
    search_help_text = "按任务标题、内容或单位名称搜索"
    list_select_related = ("plan", "deadline")
    list_per_page = 50
    ordering = ("plan", "number")
    autocomplete_fields = ("plan", "section")
    readonly_fields = (
        "parse_check",
        "status",
        "progress",
        "completed_on",
        "lateness",
        "warnings_display",
        "version",
        "created_at",
        "updated_at",
        "handdown_display",
        "downstream_display",
    )
    fieldsets = (
        (None, {"fields": ("plan", "section", "number", "title", "body", "expected_version")}),
        (
            "报送周期(空表示按方案)",
            {"fields": ("reporting_cycle", "reporting_day", "reporting_in_working_days")},
        ),
        ("解析核对(左:解析结果;右:文件原文)", {"fields": ("parse_check",)}),
        (
            "状态(通过批量操作或进展报告变更)",
            {"fields": ("status", "progress", "completed_on", "lateness")},
        ),
        ("分解交办与下级落实", {"fields": ("handdown_display", "downstream_display")}),
        ("其他", {"fields": ("warnings_display", "version", "created_at", "updated_at")}),
    )
    inlines = (TaskUnitInline, DeadlineInline, SubTaskInline, ProgressReportInline)
    actions = (
        "assign_lead_unit",
        "hand_down",
        "set_deadline",
        "mark_completed",
        "reopen",
        "clear_warnings",
        "export_ledger",
    )
    form = TaskAdminForm
    change_list_template = "admin/tasks/task/change_list.html"
    object_history_template = "admin/tasks/task/object_history.html"
    object_history_list_template = "admin/tasks/task/object_history_list.html"

    class Media:
        css = ADMIN_CSS

    def get_queryset(self, request):
        lead_links = TaskUnit.objects.filter(role=UnitRole.LEAD).select_related("unit__region")
        latest_report = ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-created_at")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("task_units", queryset=lead_links.order_by("position")))
            # A subquery, not Max() over a join: the page count then needs no GROUP BY.
            .annotate(last_report_at=Subquery(latest_report.values("created_at")[:1]))
        )

    def save_model(self, request, obj, form, change):
        if change:
            # clean() only read the version; a unit's report may have landed since.
            # The same conditional UPDATE as the services: zero rows means we lost.
            expected = form.cleaned_data.get("expected_version")
            if expected is None:
                expected = obj.version
            claimed = Task.objects.filter(pk=obj.pk, version=expected).update(
                version=F("version") + 1
            )
            if not claimed or obj.version != expected:
                raise TaskVersionConflict(TaskVersionConflict.message)
            obj.version = expected + 1
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return TaskFilterSet({"q": search_term}, queryset=queryset).qs, False

    def changelist_view(self, request, extra_context=None):
        self._as_of = timezone.localdate()
        extra_context = {
            **(extra_context or {}),
            "due_soon_days": DUE_SOON_DAYS,
            # The list needs the whole width on an office PC (1366 px): no app sidebar.
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra_context)

    def has_change_permission(self, request, obj=None):
        # A governed office reads the upstream tasks handed down to its units; their
        # plan's office edits them (Task.objects.managed_by).
        if obj is not None and is_governed(request.user):
            if not Task.objects.managed_by(request.user).filter(pk=obj.pk).exists():
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_governed(request.user):
            if not Task.objects.managed_by(request.user).filter(pk=obj.pk).exists():
                return False
        return super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The parse check puts the document text beside the parsed fields: it needs width.
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TaskVersionConflict:
            # Lost the race in save_model (its transaction was rolled back). Showing the
            # form again runs clean(), which now sees the newer version: the office gets
            # the conflict message with its input kept.
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except TaskVersionConflict:
                self.message_user(request, TaskVersionConflict.message, messages.ERROR)
                return HttpResponseRedirect(request.path)

    @admin.display(description="")
    def flag(self, task):
        colour, label = task_flag(task, getattr(self, "_as_of", timezone.localdate()))
        return format_html('<span class="flag flag-{}" title="{}">{}</span>', colour, label, label)

    @admin.display(description="方案", ordering="plan__title")
    def plan_title(self, task):
        title = task.plan.title
        short = f"{title[:12]}…" if len(title) > 13 else title
        return format_html('<span title="{}">{}</span>', title, short)

    @admin.display(description="牵头单位")
    def lead_unit_names(self, task):
        return "、".join(unit.full_name for unit in task.lead_units)

    @admin.display(description="完成时限", ordering="deadline__due_on")
    def due_display(self, task):
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            return "—"
        if deadline.is_ongoing:
            return "长期坚持"
        late = format_html('<br><strong class="overdue">{}</strong>', task.late_mark)
        return format_html(
            '{}<br><span class="due-source">{}</span>{}',
            chinese_date(deadline.due_on),
            deadline.get_source_display(),
            late if task.completed_late else "",
        )

    @admin.display(description="逾期记录")
    def lateness(self, task):
        """Kept for good: an extension approved after the deadline does not erase it."""
        deadline = getattr(task, "deadline", None)
        if task.pk is None or deadline is None:
            return "—"
        parts = []
        if deadline.original_date and deadline.original_date != deadline.due_on:
            parts.append(f"原定完成时限 {chinese_date(deadline.original_date)}")
        if deadline.late_days_on_record:
            parts.append(f"延期批准前已逾期 {deadline.late_days_on_record} 天")
        if task.completed_late:
            parts.append(task.late_mark)
        return ";".join(parts) or "无"

    @admin.display(description="最近报送", ordering="last_report_at")
    def last_report_display(self, task):
        if task.last_report_at is None:
            return "—"
        return chinese_date(timezone.localtime(task.last_report_at).date())

    @admin.display(description="分解交办(承办单位)")
    def handdown_display(self, task):
        if task.pk is None:
            return "—"
        rollups = task_rollups(task, timezone.localdate())
        if not rollups:
            return "无(可在任务列表用“分解交办集合名称”操作)"
        return format_html_join(
            "",
            "<p><strong>{}</strong>:{} 个成员,已报送 {},已完成 {},逾期 {}</p>"
            '<ul class="plain">{}</ul>',
            (
                (
                    rollup.link.unit.full_name,
                    rollup.total,
                    rollup.reported,
                    rollup.completed,
                    rollup.overdue,
                    format_html_join(
                        "",
                        "<li>{}:{}({}%){}</li>",
                        (
                            (
                                member.unit.full_name,
                                member.status_label,
                                member.progress,
                                ",逾期" if member.is_overdue else "",
                            )
                            for member in rollup.members
                        ),
                    ),
                )
                for rollup in rollups
            ),
        )

    @admin.display(description="下级落实任务")
    def downstream_display(self, task):
        if task.pk is None:
            return "—"
        rollup = downstream_rollup(task)
        rows = format_html_join(
            "",
            '<li><a href="{}">{} {}. {}</a>:{}</li>',
            (
                (
                    reverse("admin:tasks_task_change", args=[t.pk]),
                    t.plan.title,
                    t.number,
                    t.title,
                    t.get_status_display(),
                )
                for t in rollup["tasks"]
            ),
        )
        link = reverse("admin:tasks_tasklink_changelist") + f"?upstream__id__exact={task.pk}"
        return format_html(
            '<p>已确认 {} 项,已销号 {},逾期 {};待确认建议 {} 项(<a href="{}">确认或否决</a>)</p>'
            '<ul class="plain">{}</ul>',
            rollup["total"],
            rollup["completed"],
            rollup["overdue"],
            rollup["proposed"],
            link,
            rows,
        )

    @admin.display(description="导入提示")
    def warnings_display(self, task):
        return ";".join(task.warnings) or "无"

    @admin.display(description="解析核对")
    def parse_check(self, task):
        if task.pk is None:
            return "—"
        # Fresh: the admin queryset prefetches only the lead units, for the list.
        task = Task.objects.with_api_relations().get(pk=task.pk)
        deadline = getattr(task, "deadline", None)
        parsed = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                ("任务", task.title),
                ("牵头单位", "、".join(u.name for u in task.lead_units) or "—"),
                ("责任单位", "、".join(u.name for u in task.responsible_units) or "—"),
                ("完成时限", str(deadline) if deadline else "—"),
                ("时限原文", deadline.text if deadline else "—"),
                ("导入提示", ";".join(task.warnings) or "无"),
            ),
        )
        return format_html(
            '<div class="parse-check"><dl>{}</dl><pre class="source-text">{}</pre></div>',
            parsed,
            task.source_text or "(无原文)",
        )

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True  # reverting would bypass the services and the version check

    def history_view(self, request, object_id, extra_context=None):
        """The task's own history plus that of its unit links and deadline."""
        task = get_object_or_404(Task, pk=object_id)
        unit_history = (
            TaskUnit.history.filter(task_id=task.pk)
            .select_related("unit__region", "history_user")
            .order_by("-history_date")
        )
        deadline_history = (
            Deadline.history.filter(task_id=task.pk)
            .select_related("history_user")
            .order_by("-history_date")
        )
        milestone_history = (
            # Through the deadline's own history: a deleted deadline's steps stay listed.
            Milestone.history.filter(deadline_id__in=deadline_history.values("id"))
            .select_related("history_user")
            .order_by("-history_date")
        )
        extra_context = {
            **(extra_context or {}),
            "unit_history": unit_history,
            "deadline_history": deadline_history,
            "milestone_history": milestone_history,
        }
        return super().history_view(request, object_id, extra_context)

    # Bulk actions: intermediate form, then one service call per task.

    @admin.action(description="指定/更换牵头单位", permissions=["change"])
    def assign_lead_unit(self, request, queryset):
        def run(data):
            self._run(request, queryset, "调整牵头单位", task_lead_assign, **data)

        form = LeadUnitForm(posted(request), admin_site=self.admin_site)
        return action_with_form(
            self,
            request,
            queryset,
            action="assign_lead_unit",
            title="指定牵头单位",
            form=form,
            run=run,
        )

    @admin.action(description="分解交办集合名称(如各市州人民政府)", permissions=["change"])
    def hand_down(self, request, queryset):
        def run(data):
            collective = data["collective"]
            try:
                created = tasks_fan_out(
                    tasks=list(queryset.select_related("plan__region")),
                    collective=collective,
                    user=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                text = ";".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"未分解交办:{text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"已将“{collective.name}”分解交办,新增 {len(created)} 个承办单位。",
                    messages.SUCCESS,
                )

        form = CollectiveForm(posted(request), tasks=queryset)
        return action_with_form(
            self,
            request,
            queryset,
            action="hand_down",
            title="分解交办集合名称",
            form=form,
            run=run,
        )

    @admin.action(description="设定/延长完成时限", permissions=["change"])
    def set_deadline(self, request, queryset):
        def extend(task, version):
            deadline = getattr(task, "deadline", None)
            if deadline is None:
                deadline_set(task=task, user=request.user, **form.cleaned_data)
                return
            if deadline.is_ongoing:
                raise ValidationError("长期坚持的任务没有完成时限,请在任务页修改")
            deadline_extend(task=task, user=request.user, **form.cleaned_data)

        def run(data):
            run_for_each(self, request, queryset.select_related("deadline"), extend, "调整完成时限")

        form = DeadlineForm(posted(request))
        return action_with_form(
            self,
            request,
            queryset.select_related("deadline"),
            action="set_deadline",
            title="设定完成时限",
            form=form,
            run=run,
            show_deadline=True,
        )

    @admin.action(description="销号(核实已完成)", permissions=["change"])
    def mark_completed(self, request, queryset):
        def run(data):
            self._run(request, queryset, "销号", task_complete_verify)

        return action_with_form(
            self, request, queryset, action="mark_completed", title="确认销号", form=None, run=run
        )

    @admin.action(description="重新打开", permissions=["change"])
    def reopen(self, request, queryset):
        def run(data):
            self._run(request, queryset, "重新打开", task_reopen, **data)

        return action_with_form(
            self,
            request,
            queryset,
            action="reopen",
            title="重新打开任务",
            form=ReasonForm(posted(request)),
            run=run,
        )

    @admin.action(description="核对无误,清除导入提示", permissions=["change"])
    def clear_warnings(self, request, queryset):
        self._run(request, queryset.exclude(warnings=[]), "清除导入提示", task_warnings_clear)

    def _run(self, request, queryset, done: str, service, **arguments):
        """Call a versioned task service for each selected task, as the signed-in user."""
        run_for_each(
            self,
            request,
            queryset,
            lambda task, version: service(
                task=task, user=request.user, expected_version=version, **arguments
            ),
            done,
        )

    @admin.action(description="导出所选任务台账(Excel)", permissions=["view"])
    def export_ledger(self, request, queryset):
        return ledger_export(
            user=request.user,
            title="改革任务责任分解表",
            tasks=queryset.order_by("plan", "number"),
            filename="台账.xlsx",
        )

    def get_urls(self):
        return [
            path(
                "ledger.xlsx",
                self.admin_site.admin_view(self.ledger_view),
                name="tasks_task_ledger",
            ),
            *super().get_urls(),
        ]

    def ledger_view(self, request):
        """The ledger of exactly what the change list shows (filters and search applied)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        plan_id = request.GET.get("plan", "")
        plan = Plan.objects.filter(pk=plan_id).first() if plan_id.isdigit() else None
        title = plan.title if plan else "改革任务责任分解表"
        return ledger_export(
            user=request.user, title=title, tasks=queryset, filename=f"{title}.xlsx"
        )
