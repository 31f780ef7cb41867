"""The optimization office's workbench (优化办): plans, tasks, reports.

Every change of state goes through a service (`tasks.services`, `deadlines.services`)
and its permission check (`tasks.rules.can_manage`); list filters and search
delegate to `TaskFilterSet`, so "overdue" and "lead unit" have one definition.
"""

import hashlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from deadlines.models import Deadline, Milestone
from deadlines.services import deadline_extend, deadline_set
from ops.choices import ImportVia
from ops.services import plan_import_logged
from units.choices import UnitRole
from units.models import Unit

from . import rules
from .choices import TaskStatus
from .filtersets import TaskFilterSet
from .importer import DocumentError, decode_document, parse_document
from .ledger import LedgerPreview, ledger_apply, ledger_read, ledger_response
from .models import DUE_SOON_DAYS, Plan, ProgressReport, Section, Task, TaskUnit
from .services import (
    TaskVersionConflict,
    plan_import,
    task_complete_verify,
    task_lead_assign,
    task_reopen,
    task_warnings_clear,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ADMIN_CSS = {"all": ("css/admin-workbench.css",)}


def chinese_date(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def task_flag(task: Task, as_of) -> tuple[str, str]:
    """Red when overdue, amber when due within DUE_SOON_DAYS, green otherwise."""
    if task.is_overdue(as_of):
        return "red", "逾期"
    days_left = task.days_left(as_of)
    if days_left is not None and days_left <= DUE_SOON_DAYS and task.status != TaskStatus.COMPLETED:
        return "amber", "临期"
    return "green", "正常"


# --- list filters delegating to TaskFilterSet ------------------------------------------


def lookups_once(request, key: str, compute) -> list:
    """Sidebar choices computed once per request.

    With counts shown (facets) Django builds every filter again for every other
    filter; without this each rebuild would query plans and units again.
    """
    cache = request.__dict__.setdefault("_workbench_lookups", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class TaskFilterSetFilter(admin.SimpleListFilter):
    """A sidebar filter whose rule is the TaskFilterSet filter of the same name."""

    def queryset(self, request, queryset):
        value = self.value()
        if value in (None, ""):
            return queryset
        filterset = TaskFilterSet({self.parameter_name: value}, queryset=queryset)
        if not filterset.is_valid():
            return queryset.none()
        return filterset.qs


class PlanListFilter(TaskFilterSetFilter):
    title = "方案"
    parameter_name = "plan"

    def lookups(self, request, model_admin):
        plans = Plan.objects.only("pk", "title", "year")
        return lookups_once(request, "plan", lambda: [(plan.pk, plan.title) for plan in plans])


class SectionListFilter(TaskFilterSetFilter):
    """Only offered once a plan is chosen: a database holds hundreds of headings."""

    title = "章节"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        plan_id, section_id = request.GET.get("plan", ""), request.GET.get("section", "")
        if plan_id.isdigit():
            sections = Section.objects.filter(plan=plan_id)
        elif section_id.isdigit():
            sections = Section.objects.filter(plan__sections=section_id)
        else:
            return []  # without output Django drops the filter, so it stays meaningful
        return lookups_once(
            request, "section", lambda: [(section.pk, section.heading) for section in sections]
        )


class UnitRoleListFilter(TaskFilterSetFilter):
    """Units in this role, as a drop-down: the database holds hundreds of units.

    Once a plan is chosen only that plan's units are offered.
    """

    role = UnitRole.LEAD
    template = "admin/tasks/task/select_filter.html"

    def lookups(self, request, model_admin):
        links = TaskUnit.objects.filter(role=self.role)
        plan_id = request.GET.get("plan", "")
        if plan_id.isdigit():
            links = links.filter(task__plan=plan_id)
        chosen = Q(pk=self.value()) if (self.value() or "").isdigit() else Q(pk__in=[])
        units = Unit.objects.filter(Q(pk__in=links.values("unit")) | chosen).order_by("name")
        return lookups_once(
            request,
            self.parameter_name,
            lambda: [(unit.pk, unit.name) for unit in units.only("pk", "name")],
        )

    def choices(self, changelist):
        # The drop-down is a GET form: the other filters travel as hidden fields.
        hidden = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        options = [(str(lookup), title) for lookup, title in self.lookup_choices]
        if changelist.add_facets:
            counts = self.get_facet_queryset(changelist)
            options = [
                (lookup, f"{title} ({counts.get(f'{index}__c', '-')})")
                for index, (lookup, title) in enumerate(options)
            ]
        yield {
            "hidden": hidden,
            "parameter_name": self.parameter_name,
            "options": options,
            "selected": self.value() or "",
        }


class LeadUnitListFilter(UnitRoleListFilter):
    title = "牵头单位"
    parameter_name = "lead_unit"


class ResponsibleUnitListFilter(UnitRoleListFilter):
    title = "责任单位"
    parameter_name = "responsible_unit"
    role = UnitRole.RESPONSIBLE


class StatusListFilter(TaskFilterSetFilter):
    title = "状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TaskStatus.choices


class OverdueListFilter(TaskFilterSetFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("true", "已逾期"), ("false", "未逾期")]


class HasLeadListFilter(TaskFilterSetFilter):
    title = "牵头单位情况"
    parameter_name = "has_lead"

    def lookups(self, request, model_admin):
        return [("false", "无牵头单位"), ("true", "有牵头单位")]


class HasWarningsListFilter(admin.SimpleListFilter):
    title = "导入提示"
    parameter_name = "has_warnings"

    def lookups(self, request, model_admin):
        return [("yes", "有导入提示"), ("no", "无导入提示")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(warnings=[])
        if self.value() == "no":
            return queryset.filter(warnings=[])
        return queryset


class DueDateRangeFilter(admin.ListFilter):
    """Two date inputs (due after / due before) feeding TaskFilterSet's due window."""

    title = "完成时限"
    template = "admin/tasks/task/date_range_filter.html"
    parameters = ("due_after", "due_before")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.values[name] = value[-1] if isinstance(value, list) else value

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def queryset(self, request, queryset):
        values = {name: value for name, value in self.values.items() if value}
        if not values:
            return queryset
        filterset = TaskFilterSet(values, queryset=queryset)
        if not filterset.is_valid():
            return queryset.none()
        return filterset.qs

    def choices(self, changelist):
        hidden = [
            (name, value)
            for name, value in changelist.params.items()
            if name not in self.parameters
        ]
        yield {
            "hidden": hidden,
            "due_after": self.values.get("due_after", ""),
            "due_before": self.values.get("due_before", ""),
            "reset": changelist.get_query_string(remove=self.parameters),
        }


# --- action forms ------------------------------------------------------------------------


class LeadUnitForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), label="牵头单位")
    replace = forms.TypedChoiceField(
        label="方式",
        choices=[("1", "替换原有牵头单位"), ("0", "增加为牵头单位(保留原有)")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.widget = AutocompleteSelect(TaskUnit._meta.get_field("unit"), admin_site)
        # A widget set after the field was built has no choices; the field's must go in.
        field.widget.choices = field.choices


class DeadlineForm(forms.Form):
    new_due_on = forms.DateField(
        label="新的完成时限", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))


def run_for_each(modeladmin, request, objects, action, done: str) -> None:
    """Apply `action(obj, expected_version)` to each object, reporting every outcome.

    Each object is its own transaction (the services are atomic), so one task
    changed by someone else does not undo the others; the clerk is told which.
    """
    succeeded = 0
    for obj in objects:
        expected = request.POST.get(f"version_{obj.pk}")
        expected = int(expected) if (expected or "").isdigit() else getattr(obj, "version", 0)
        try:
            action(obj, expected)
        except TaskVersionConflict:
            modeladmin.message_user(
                request,
                f"“{obj}”在您打开后已被他人修改,未作变更,请刷新后重试。",
                messages.ERROR,
            )
        except (ValidationError, PermissionDenied) as exc:
            text = ";".join(getattr(exc, "messages", [str(exc)]))
            modeladmin.message_user(request, f"“{obj}”未处理:{text}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"已{done} {succeeded} 项。", messages.SUCCESS)


def posted(request):
    """The POST data once the clerk confirmed the intermediate form, else None (unbound)."""
    return request.POST if "apply" in request.POST else None


def action_with_form(
    modeladmin, request, queryset, *, action: str, title: str, form, run, show_deadline=False
):
    """Show `form` for the selected rows; once confirmed and valid, `run(cleaned_data)`."""
    if "apply" in request.POST and (form is None or form.is_valid()):
        run(form.cleaned_data if form is not None else {})
        return None
    return render_action_form(
        modeladmin,
        request,
        queryset,
        action=action,
        title=title,
        form=form,
        show_deadline=show_deadline,
    )


def render_action_form(
    modeladmin, request, queryset, *, action: str, title: str, form, show_deadline=False
):
    context = {
        "show_deadline": show_deadline,
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "objects": queryset,
        "action": action,
        "form": form,
        "media": modeladmin.media + form.media if form is not None else modeladmin.media,
    }
    return render(request, "admin/workbench/action_form.html", context)


# --- plans ---------------------------------------------------------------------------------


class SectionInline(admin.TabularInline):
    model = Section
    fields = ("position", "numeral", "title", "level", "parent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class PlanUploadForm(forms.Form):
    document = forms.FileField(label="方案文本(.txt,UTF-8 或 GB18030)")
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        required=False,
        label="更新已有方案",
        help_text="留空则按文件名匹配:同名文件视为同一方案的新版本",
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if not document.name.lower().endswith(".txt"):
            raise ValidationError("请上传 .txt 纯文本文件")
        if document.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件过大(上限 5 MB)")
        try:
            self.cleaned_data["text"] = decode_document(document.read())
            self.cleaned_data["parsed"] = parse_document(self.cleaned_data["text"])
        except DocumentError as exc:
            raise ValidationError(str(exc)) from exc
        return document


class LedgerUploadForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), label="方案")
    workbook = forms.FileField(label="填报后的台账(.xlsx)")

    def clean_workbook(self):
        workbook = self.cleaned_data["workbook"]
        if not workbook.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 文件")
        if workbook.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件过大(上限 5 MB)")
        return workbook


def plan_changes(parsed, plan: Plan | None) -> dict:
    """Which task numbers a (re-)import adds, changes and no longer finds, for the preview."""
    if plan is None:
        return {"added": [t.number for t in parsed.tasks], "changed": [], "removed": []}
    existing = {task.number: task for task in plan.tasks.with_api_relations()}
    added, changed = [], []
    for parsed_task in parsed.tasks:
        task = existing.get(parsed_task.number)
        if task is None:
            added.append(parsed_task.number)
            continue
        deadline = getattr(task, "deadline", None)
        before = (
            task.title,
            task.body,
            [unit.name for unit in task.lead_units],
            [unit.name for unit in task.responsible_units],
            deadline.due_on if deadline else None,
        )
        after_due = None if parsed_task.deadline.is_ongoing else parsed_task.deadline.due_on
        after = (
            parsed_task.title[:500],
            parsed_task.body,
            parsed_task.lead_units,
            parsed_task.responsible_units,
            after_due or (deadline.due_on if deadline else None),
        )
        if before != after:
            changed.append(parsed_task.number)
    numbers = {t.number for t in parsed.tasks}
    removed = sorted(number for number in existing if number not in numbers)
    return {"added": added, "changed": changed, "removed": removed}


UPLOAD_SESSION_KEY = "plan_upload"
LEDGER_SESSION_KEY = "ledger_upload"


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "doc_number",
        "issuer",
        "issued_on_display",
        "year",
        "task_count",
        "ledger_link",
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
    actions = ("export_ledger",)
    change_list_template = "admin/tasks/plan/change_list.html"

    class Media:
        css = ADMIN_CSS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(task_count=Count("tasks"))

    @admin.display(description="任务数", ordering="task_count")
    def task_count(self, plan):
        return plan.task_count

    @admin.display(description="成文日期", ordering="issued_on")
    def issued_on_display(self, plan):
        return chinese_date(plan.issued_on)

    @admin.display(description="台账")
    def ledger_link(self, plan):
        return format_html(
            '<a href="{}">下载责任分解表</a>', reverse("tasks:plan-ledger", args=[plan.pk])
        )

    @admin.action(description="导出所选方案的台账(Excel)", permissions=["view"])
    def export_ledger(self, request, queryset):
        plans = list(queryset)
        tasks = Task.objects.filter(plan__in=plans).order_by("plan", "number")
        title = plans[0].title if len(plans) == 1 else "改革任务责任分解表"
        return ledger_response(title=title, tasks=tasks, filename=f"{title}.xlsx")

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="tasks_plan_upload",
            ),
            path(
                "ledger-import/",
                self.admin_site.admin_view(self.ledger_import_view),
                name="tasks_plan_ledger_import",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **extra,
        }

    def upload_view(self, request):
        """Upload → preview (nothing written; text kept in the session) → confirm or cancel."""
        if not (self.has_add_permission(request) and rules.can_manage(request.user)):
            raise PermissionDenied
        pending = request.session.get(UPLOAD_SESSION_KEY)
        if request.method == "POST" and "cancel" in request.POST:
            request.session.pop(UPLOAD_SESSION_KEY, None)
            self.message_user(request, "已取消导入,未写入任何数据。", messages.INFO)
            return HttpResponseRedirect(reverse("admin:tasks_plan_changelist"))
        if request.method == "POST" and "confirm" in request.POST:
            if not pending or pending["hash"] != request.POST.get("hash"):
                self.message_user(request, "预览已过期,请重新上传。", messages.ERROR)
                return HttpResponseRedirect(reverse("admin:tasks_plan_upload"))
            text = pending["text"]
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != pending["hash"]:
                raise PermissionDenied
            result = plan_import_logged(
                parsed=parse_document(text),
                source_file=pending["source_file"],
                source_text=text,
                via=ImportVia.ADMIN,
                user=request.user,
            )
            request.session.pop(UPLOAD_SESSION_KEY, None)
            self.message_user(
                request,
                f"已导入《{result.title}》:新增任务 {result.tasks_created} 项,"
                f"更新 {result.tasks_updated} 项。",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:tasks_plan_change", args=[result.plan_id]))

        form = PlanUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["text"]
            parsed = form.cleaned_data["parsed"]
            existing = form.cleaned_data["plan"]
            source_file = existing.source_file if existing else form.cleaned_data["document"].name
            result = plan_import(
                parsed=parsed, source_file=source_file, source_text=text, dry_run=True
            )
            plan = existing or Plan.objects.filter(source_file=source_file).first()
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            request.session[UPLOAD_SESSION_KEY] = {
                "hash": digest,
                "text": text,
                "source_file": source_file,
            }
            context = self._context(
                request,
                "导入预览",
                parsed=parsed,
                result=result,
                plan=plan,
                changes=plan_changes(parsed, plan),
                digest=digest,
                source_file=source_file,
            )
            return render(request, "admin/tasks/plan/upload_preview.html", context)
        intro = "上传后先显示解析预览,确认后才写入数据库。"
        context = self._context(request, "上传方案", form=form, intro=intro)
        return render(request, "admin/workbench/upload_form.html", context)

    def ledger_import_view(self, request):
        """Upload a filled-in ledger → preview of changes and row errors → apply or cancel."""
        if not rules.can_manage(request.user):
            raise PermissionDenied
        if request.method == "POST" and "cancel" in request.POST:
            request.session.pop(LEDGER_SESSION_KEY, None)
            self.message_user(request, "已取消,未写入任何数据。", messages.INFO)
            return HttpResponseRedirect(reverse("admin:tasks_plan_changelist"))
        if request.method == "POST" and "confirm" in request.POST:
            stored = request.session.pop(LEDGER_SESSION_KEY, None)
            if not stored:
                self.message_user(request, "预览已过期,请重新上传。", messages.ERROR)
                return HttpResponseRedirect(reverse("admin:tasks_plan_ledger_import"))
            preview = LedgerPreview.from_session(stored)
            try:
                reports = ledger_apply(preview=preview, user=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"未保存任何数据:{';'.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request, f"已根据台账记录 {len(reports)} 条进展报告。", messages.SUCCESS
                )
            tasks_of_plan = f"{reverse('admin:tasks_task_changelist')}?plan={preview.plan_id}"
            return HttpResponseRedirect(tasks_of_plan)

        form = LedgerUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            plan = form.cleaned_data["plan"]
            try:
                preview = ledger_read(plan=plan, data=form.cleaned_data["workbook"].read())
            except ValidationError as exc:
                form.add_error("workbook", exc)
            else:
                request.session[LEDGER_SESSION_KEY] = preview.to_session()
                context = self._context(request, "台账导入预览", plan=plan, preview=preview)
                return render(request, "admin/tasks/plan/ledger_preview.html", context)
        intro = "上传各单位填报后的台账:先显示变更预览和错误行,确认后才记录进展报告。"
        context = self._context(request, "导入填报台账", form=form, intro=intro)
        return render(request, "admin/workbench/upload_form.html", context)


# --- tasks ---------------------------------------------------------------------------------


class TaskUnitInline(admin.TabularInline):
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
        return super().get_queryset(request).select_related("unit", "author")


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
class TaskAdmin(SimpleHistoryAdmin):
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
        "warnings_display",
        "version",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("plan", "section", "number", "title", "body", "expected_version")}),
        ("解析核对(左:解析结果;右:文件原文)", {"fields": ("parse_check",)}),
        ("状态(通过批量操作或进展报告变更)", {"fields": ("status", "progress", "completed_on")}),
        ("其他", {"fields": ("warnings_display", "version", "created_at", "updated_at")}),
    )
    inlines = (TaskUnitInline, DeadlineInline, ProgressReportInline)
    actions = (
        "assign_lead_unit",
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
        lead_links = TaskUnit.objects.filter(role=UnitRole.LEAD).select_related("unit")
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
            obj.version += 1  # the form checked it was still current in clean()
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The parse check puts the document text beside the parsed fields: it needs width.
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

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
        return "、".join(unit.name for unit in task.lead_units)

    @admin.display(description="完成时限", ordering="deadline__due_on")
    def due_display(self, task):
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            return "—"
        if deadline.is_ongoing:
            return "长期坚持"
        return format_html(
            '{}<br><span class="due-source">{}</span>',
            chinese_date(deadline.due_on),
            deadline.get_source_display(),
        )

    @admin.display(description="最近报送", ordering="last_report_at")
    def last_report_display(self, task):
        if task.last_report_at is None:
            return "—"
        return chinese_date(timezone.localtime(task.last_report_at).date())

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
            .select_related("unit", "history_user")
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
        return ledger_response(
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
        return ledger_response(title=title, tasks=queryset, filename=f"{title}.xlsx")


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
