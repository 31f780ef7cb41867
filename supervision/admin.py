from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from tasks import rules
from units.admin_scope import GovernmentScopedAdminMixin

from . import services, workdays
from .choices import NoticeStatus
from .models import (
    AssessmentPeriod,
    AssessmentRule,
    AssessmentScore,
    EscalationNotice,
    Holiday,
    Instruction,
    InstructionReceipt,
    NoticeUrge,
    PlanPublication,
    PublishablePlan,
    TaskAcknowledgement,
)


@admin.register(PublishablePlan)
class PublishablePlanAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    """The plans with their 交办 state; the tasks app's own Plan admin stays as it is."""

    list_display = ("title", "year", "issuer", "published_at")
    list_filter = ("year",)
    search_fields = ("title", "doc_number")
    actions = ("publish",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("publication")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="交办时间")
    def published_at(self, plan):
        publication = getattr(plan, "publication", None)
        return publication.published_at if publication else "未交办"

    def has_publish_permission(self, request):
        return rules.can_manage(request.user)

    @admin.action(description="交办到单位(牵头单位须签收)", permissions=("publish",))
    def publish(self, request, queryset):
        already = set(
            PlanPublication.objects.filter(plan__in=queryset).values_list("plan", flat=True)
        )
        published = 0
        for plan in queryset:
            services.plan_publish(plan=plan, user=request.user)
            published += plan.pk not in already
        if published:
            self.message_user(
                request, f"已交办{published}个方案,各牵头单位须在门户签收任务", messages.SUCCESS
            )
        if already:
            # Publishing again keeps the first date: say so, not "published" twice.
            self.message_user(
                request, f"{len(already)}个方案此前已交办,交办时间不变", messages.WARNING
            )


@admin.register(PlanPublication)
class PlanPublicationAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "plan"
    list_display = ("plan", "published_at", "published_by")
    readonly_fields = ("plan", "published_at", "published_by")

    def has_add_permission(self, request):
        return False


@admin.register(TaskAcknowledgement)
class TaskAcknowledgementAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "task"
    list_display = ("task", "unit", "acknowledged_at", "responsible_person", "phone")
    list_filter = ("unit",)
    search_fields = ("task__title", "unit__name", "responsible_person")
    list_select_related = ("task", "unit__region")
    readonly_fields = ("task", "unit", "acknowledged_at", "acknowledged_by")

    def has_add_permission(self, request):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Office overrides of the official calendar (chinese-calendar), day by day."""

    list_display = ("day", "name", "is_workday", "official_display")
    list_filter = ("is_workday",)
    date_hierarchy = "day"

    @admin.display(description="国务院安排")
    def official_display(self, holiday):
        official = workdays.official_working_day(holiday.day)
        if official is None:
            return "无官方数据(按周末计算)"
        return "工作日" if official else "休息日"

    def changelist_view(self, request, extra_context=None):
        first, last = workdays.official_years()
        this_year = timezone.localdate().year
        note = (
            f"工作日按国务院办公厅公布的节假日安排({first}–{last}年)计算;"
            "此处录入的日期优先于官方安排。"
        )
        if this_year + 1 > last:
            note += f"{last + 1}年起尚无官方数据,仅按周末计算,请在公布后录入节假日和调休上班日。"
        messages.info(request, note)
        return super().changelist_view(request, extra_context)


URGE_FIELDS = (
    "sequence",
    "urged_on",
    "working_days_unanswered",
    "colour_before",
    "colour_after",
    "copy_to",
    "copy_email",
    "copy_emailed_at",
    "copy_channel_key",
    "copy_error",
)


class NoticeUrgeInline(admin.TabularInline):
    """催办 of the notice: written by `escalate_notices`, read here."""

    model = NoticeUrge
    fields = URGE_FIELDS
    readonly_fields = URGE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NoticeUrge)
class NoticeUrgeAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    """Every 催办 with the copy to the 分管领导 and how it went (e-mail, channel)."""

    government_scope = "notice__task"
    list_display = (
        "urged_on",
        "notice",
        "sequence",
        "working_days_unanswered",
        "colour_after",
        "copy_to",
        "copy_emailed_at",
        "copy_error",
    )
    list_filter = ("urged_on", "colour_after")
    search_fields = ("notice__task__title", "notice__unit__name", "copy_to")
    list_select_related = ("notice__task", "notice__unit__region")
    readonly_fields = ("notice", *URGE_FIELDS, "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EscalationNotice)
class EscalationNoticeAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    government_scope = "task"
    inlines = (NoticeUrgeInline,)
    list_display = (
        "task",
        "plan",
        "unit",
        "colour",
        "status",
        "proposed_on",
        "confirmed_at",
        "answered_at",
    )
    list_filter = ("status", "colour", "task__plan", "unit")
    search_fields = ("task__title", "task__plan__title", "unit__name", "reason")
    list_select_related = ("task__plan", "unit__region")
    raw_id_fields = ("task", "unit", "answer")
    readonly_fields = (
        "status",
        "proposed_at",
        "confirmed_by",
        "confirmed_at",
        "answer",
        "answered_at",
        "cancelled_at",
    )
    actions = ("issue", "cancel")

    @admin.display(description="方案", ordering="task__plan__title")
    def plan(self, notice):
        # Task numbers repeat across plans: without the plan, "3. …" is ambiguous.
        return notice.task.plan.title

    def get_readonly_fields(self, request, obj=None):
        # Once issued, a notice is a record sent to the unit: it is cancelled, never edited.
        if obj is not None and obj.status != NoticeStatus.PROPOSED:
            return ("task", "unit", "colour", "reason", "proposed_on", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Every notice is kept (cancelled ones too), so the record stays complete.
        return False

    @admin.action(description="确认并下发所选督办单", permissions=("change",))
    def issue(self, request, queryset):
        count = services.notice_issue(notices=queryset.select_related("task"), user=request.user)
        self.message_user(request, f"已下发{count}份督办单", messages.SUCCESS)

    @admin.action(description="撤销所选督办单", permissions=("change",))
    def cancel(self, request, queryset):
        count = services.notice_cancel(notices=queryset, user=request.user)
        self.message_user(request, f"已撤销{count}份督办单", messages.SUCCESS)


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "points", "cap", "is_active", "position")
    list_editable = ("points", "cap", "is_active", "position")


class AssessmentScoreInline(admin.TabularInline):
    model = AssessmentScore
    fields = ("rank", "unit", "total", "breakdown_display")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="分项得分")
    def breakdown_display(self, score):
        # The stored JSON has English keys; the clerk reads "rule: count × points = score".
        return format_html_join(
            mark_safe("<br>"),
            "{}:{}次 × {} = {}",
            (
                (item["rule"], item["count"], item["points"], item["score"])
                for item in score.breakdown
            ),
        )


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "starts_on",
        "ends_on",
        "base_score",
        "published_at",
        "ranking_link",
    )
    readonly_fields = ("published_at", "published_by")
    inlines = (AssessmentScoreInline,)
    actions = ("publish",)

    @admin.display(description="排名")
    def ranking_link(self, period):
        url = reverse("supervision:scores")
        label = "查看排名" if period.is_frozen else "预览排名(实时计算)"
        return format_html('<a href="{}?period={}">{}</a>', url, period.pk, label)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ("name", "kind", "starts_on", "ends_on", "base_score", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="发布考评结果(发布后冻结)", permissions=("change",))
    def publish(self, request, queryset):
        for period in queryset:
            try:
                count = services.assessment_publish(period=period, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{period}:{';'.join(exc.messages)}", messages.WARNING)
            else:
                self.message_user(request, f"{period}:已发布{count}个单位的成绩", messages.SUCCESS)


class InstructionReceiptInline(admin.TabularInline):
    model = InstructionReceipt
    fields = ("unit", "acknowledged_at", "acknowledged_by", "answer", "answered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Instruction)
class InstructionAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    """领导批示 are written on the task pages; here the office reads them and who answered."""

    def get_queryset(self, request):
        # On a task or a whole plan: `Instruction.objects.visible_to` scopes both.
        return Instruction.objects.visible_to(request.user)

    list_display = ("created_at", "task", "plan", "author", "text")
    list_select_related = ("task", "plan", "author")
    search_fields = ("text", "task__title", "plan__title")
    readonly_fields = ("task", "plan", "text", "author", "created_at")
    inlines = (InstructionReceiptInline,)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
