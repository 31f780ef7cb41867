"""Plans: upload a document with a preview, import a filled ledger."""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from ops.choices import ImportVia
from ops.services import plan_import_job_start, plan_import_logged
from regions.models import Region
from units.admin_scope import GovernmentScopedAdminMixin

from .. import rules
from ..importer import (
    DocumentError,
    SourceDocument,
    extract_source,
    parse_source,
    plan_government_detect,
)
from ..importer.source import MAX_DOCUMENT_BYTES
from ..ledger import LedgerPreview, ledger_apply, ledger_export, ledger_read
from ..links import task_links_propose
from ..models import Plan, Section, Task
from ..services import known_regions, plan_import_preview, plan_region_of
from .common import ADMIN_CSS, MAX_UPLOAD_BYTES, chinese_date
from .plan_close import close_plans


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
    document = forms.FileField(
        label="方案文件",
        help_text="Word(.docx,装有 LibreOffice 时也可 .doc/.wps)、PDF、网页(.html)、"
        "Excel 任务表(.xlsx)或纯文本(.txt,UTF-8 或 GB18030)",
    )
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        required=False,
        label="更新已有方案",
        help_text="留空则按文件名匹配:同名文件视为同一方案的新版本",
    )
    year = forms.IntegerField(
        required=False,
        min_value=1949,
        max_value=2100,
        label="方案年度",
        help_text="文件中没有写明年度时填写;填写后以此为准",
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(),
        required=False,
        label="发文政府",
        help_text="留空则从文件的文号、发文单位和标题识别,预览时可以更改",
    )

    def clean(self):
        cleaned = super().clean()
        document = cleaned.get("document")
        if document is None or self.errors:
            return cleaned
        name = document.name
        if document.size > MAX_DOCUMENT_BYTES:
            self.add_error(
                "document",
                f"{name}:文件过大({document.size / 1024 / 1024:.1f} MB,"
                f"上限 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB)",
            )
            return cleaned
        try:
            source = extract_source(document.read(), name)
            cleaned["source"] = source
            cleaned["text"] = source.text
            cleaned["parsed"] = plan_government_detect(
                parse_source(source, year=cleaned.get("year")), known_regions()
            )
        except DocumentError as exc:
            self.add_error("document", f"{name}:{exc}")
        return cleaned


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
class PlanAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "doc_number",
        "issuer",
        "region",
        "issued_on_display",
        "year",
        "task_count",
        "ledger_link",
        "closed_at",
    )
    list_filter = ("region", "year", "issuer")
    list_select_related = ("region",)
    search_fields = ("title", "doc_number", "issuer")
    readonly_fields = (
        "region",
        "source_file",
        "content_hash",
        "imported_at",
        "updated_at",
        "import_warnings",
        "reporting_text",
        "closed_at",
        "closed_by",
    )
    fields = (
        "title",
        "doc_number",
        "issuer",
        "region",
        "upstream",
        "issued_on",
        "year",
        "reporting_cycle",
        "reporting_day",
        "reporting_in_working_days",
        "reporting_text",
        "needs_leader_approval",
        "source_file",
        "content_hash",
        "import_warnings",
        "imported_at",
        "updated_at",
        "closed_at",
        "closed_by",
        "source_text",
    )
    inlines = (SectionInline,)
    actions = ("export_ledger", "propose_task_links", close_plans)
    autocomplete_fields = ("upstream",)
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
        return ledger_export(user=request.user, title=title, tasks=tasks, filename=f"{title}.xlsx")

    @admin.action(description="建议与上级方案的任务关联", permissions=["change"])
    def propose_task_links(self, request, queryset):
        for plan in queryset.select_related("upstream"):
            try:
                proposed = task_links_propose(plan=plan, user=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = ";".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, text, messages.ERROR)
                continue
            link = reverse("admin:tasks_tasklink_changelist") + (
                f"?downstream__plan__id__exact={plan.pk}&status__exact=proposed"
            )
            self.message_user(
                request,
                format_html(
                    '“{}”新增 {} 条关联建议,<a href="{}">逐条确认或否决</a>。',
                    plan.title,
                    len(proposed),
                    link,
                ),
                messages.SUCCESS,
            )

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
            source = SourceDocument.from_session(pending["source"])
            parsed = plan_government_detect(
                parse_source(source, year=pending.get("year")), known_regions()
            )
            existing = Plan.objects.filter(source_file=pending["source_file"]).first()
            chosen = request.POST.get("region", "")
            region = (
                Region.objects.filter(pk=chosen).first()
                if chosen.isdigit()
                else (existing.region if existing else None) or plan_region_of(parsed)
            )
            if region is None:
                return self._upload_preview(
                    request,
                    parsed=parsed,
                    source=source,
                    year=pending.get("year"),
                    source_file=pending["source_file"],
                    plan=existing,
                    region=None,
                    region_error="请选择发文政府:同名单位按发文政府区分,未选择时不能导入。",
                )
            if len(parsed.tasks) > settings.IMPORT_IMMEDIATE_MAX_TASKS:
                # A big plan is imported by the worker; its page shows the progress.
                job = plan_import_job_start(
                    user=request.user,
                    source=source,
                    year=pending.get("year"),
                    source_file=pending["source_file"],
                    region=region,
                )
                request.session.pop(UPLOAD_SESSION_KEY, None)
                self.message_user(
                    request,
                    f"方案共 {len(parsed.tasks)} 项任务,正在后台导入,完成后可在本页查看结果。",
                    messages.INFO,
                )
                return HttpResponseRedirect(job.get_absolute_url())
            result = plan_import_logged(
                parsed=parsed,
                source_file=pending["source_file"],
                source_text=text,
                via=ImportVia.ADMIN,
                user=request.user,
                region=region,
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
            parsed = form.cleaned_data["parsed"]
            existing = form.cleaned_data["plan"]
            source_file = existing.source_file if existing else form.cleaned_data["document"].name
            plan = existing or Plan.objects.filter(source_file=source_file).first()
            region = (
                form.cleaned_data["region"]
                or (plan.region if plan is not None else None)
                or plan_region_of(parsed)
            )
            return self._upload_preview(
                request,
                parsed=parsed,
                source=form.cleaned_data["source"],
                year=form.cleaned_data.get("year"),
                source_file=source_file,
                plan=plan,
                region=region,
            )
        intro = "上传后先显示解析预览,确认后才写入数据库。"
        context = self._context(request, "上传方案", form=form, intro=intro)
        return render(request, "admin/workbench/upload_form.html", context)

    def _upload_preview(self, request, *, parsed, source, year, source_file, plan, region, **extra):
        """The preview of an upload, with the issuing government to confirm or choose."""
        text = source.text
        result = plan_import_preview(
            parsed=parsed, source_file=source_file, source_text=text, region=region
        )
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        request.session[UPLOAD_SESSION_KEY] = {
            "hash": digest,
            "text": text,
            "source_file": source_file,
            "source": source.to_session(),
            "year": year,
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
            region=region,
            detected=plan_region_of(parsed),
            regions=Region.objects.select_related("parent").order_by("code", "name"),
            **extra,
        )
        return render(request, "admin/tasks/plan/upload_preview.html", context)

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
                for skipped in preview.skipped:
                    self.message_user(request, skipped, messages.WARNING)
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
