"""Units in the office workbench: task counts by role, overdue counts, merge, aliases."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from tasks.admin.actions import action_with_form, posted
from tasks.models import Task

from .admin_scope import GovernmentScopedAdminMixin
from .choices import UnitRole
from .models import Unit, UnitAlias, UnitLeaderContact, UnitMembership, UserGovernment
from .roles import government_region_ids
from .services import UNIT_USER_COLUMNS, unit_merge, unit_users_import


class UnitUserImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件(.xlsx)")


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class UnitMembershipInline(admin.TabularInline):
    model = UnitMembership
    autocomplete_fields = ("user",)
    extra = 0


def leader_channel_choices(user):
    """The active channels an office may name for a 分管领导: those of its governments'
    units and of their members (every channel for a system-wide office)."""
    from notifications.models import Channel

    channels = Channel.objects.filter(is_active=True)
    region_ids = government_region_ids(user)
    if region_ids is None:
        return channels
    managed = Unit.objects.managed_by(user).values("pk")
    return channels.filter(
        Q(unit__in=managed) | Q(user__unit_memberships__unit__in=managed)
    ).distinct()


class UnitLeaderContactInline(admin.StackedInline):
    """分管领导: gets a copy of every 催办 of the unit's unanswered 督办单."""

    model = UnitLeaderContact
    extra = 0
    max_num = 1
    fields = ("name", "title", "phone", "email", "channel")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "channel":
            kwargs["queryset"] = leader_channel_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(UnitLeaderContact)
class UnitLeaderContactAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    """The 分管领导 of every unit in one list (also edited on the unit's page)."""

    government_scope = "unit"
    list_display = ("unit", "name", "title", "phone", "email", "channel")
    list_filter = ("unit__region",)
    search_fields = ("unit__name", "name", "phone", "email")
    list_select_related = ("unit__region", "channel")
    autocomplete_fields = ("unit",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "channel":
            kwargs["queryset"] = leader_channel_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        label="保留的单位",
        widget=forms.RadioSelect,
        help_text="另一个单位的任务、报告、用户都并入保留的单位,其名称成为别名",
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = units


@admin.register(Unit)
class UnitAdmin(GovernmentScopedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "name",
        "region",
        "is_collective",
        "lead_count",
        "responsible_count",
        "overdue_count",
    )
    list_editable = ("is_collective",)
    list_filter = ("region", "is_collective")
    list_select_related = ("region",)
    search_fields = ("name", "aliases__name", "region__name", "region__short_name")
    inlines = (UnitAliasInline, UnitMembershipInline, UnitLeaderContactInline)
    actions = ("merge_units",)
    ordering = ("name",)

    def get_queryset(self, request):
        overdue = Task.objects.overdue(timezone.localdate()).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                lead_count=Count("task_units", filter=Q(task_units__role=UnitRole.LEAD)),
                responsible_count=Count(
                    "task_units", filter=Q(task_units__role=UnitRole.RESPONSIBLE)
                ),
                overdue_count=Count(
                    "task_units__task",
                    filter=Q(task_units__task__in=overdue),
                    distinct=True,
                ),
            )
        )

    @admin.display(description="牵头任务数", ordering="lead_count")
    def lead_count(self, unit):
        return unit.lead_count

    @admin.display(description="责任任务数", ordering="responsible_count")
    def responsible_count(self, unit):
        return unit.responsible_count

    @admin.display(description="逾期任务数", ordering="overdue_count")
    def overdue_count(self, unit):
        return unit.overdue_count

    @admin.action(description="合并所选的两个单位", permissions=["change"])
    def merge_units(self, request, queryset):
        units = Unit.objects.filter(pk__in=queryset.values("pk"))
        if units.count() != 2:
            self.message_user(request, "请恰好选择两个单位进行合并。", messages.WARNING)
            return None

        def run(data):
            target = data["target"]
            source = units.exclude(pk=target.pk).get()
            source_name = source.name
            try:
                unit_merge(source=source, target=target, user=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = ";".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"未合并:{text}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"已将“{source_name}”并入“{target.full_name}”,原名称已作为别名保留。",
                    messages.SUCCESS,
                )

        form = MergeForm(posted(request), units=units)
        return action_with_form(
            self, request, units, action="merge_units", title="合并单位", form=form, run=run
        )


@admin.register(UnitAlias)
class UnitAliasAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "unit"
    list_display = ("name", "unit")
    list_filter = ("unit__region",)
    search_fields = ("name", "unit__name")
    list_select_related = ("unit__region",)
    autocomplete_fields = ("unit",)


@admin.register(UnitMembership)
class UnitMembershipAdmin(GovernmentScopedAdminMixin, admin.ModelAdmin):
    government_scope = "unit"
    list_display = ("user", "unit", "phone", "needs_review")
    # 待核对: members of a unit split by government on upgrade, to confirm or remove.
    list_filter = ("needs_review", "unit__region")
    search_fields = ("user__username", "user__first_name", "unit__name")
    list_select_related = ("user", "unit__region")
    autocomplete_fields = ("user", "unit")
    actions = ("mark_reviewed",)
    change_list_template = "admin/units/unitmembership/change_list.html"

    @admin.action(description="标记为已核对", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = queryset.update(needs_review=False)
        self.message_user(request, f"已核对 {count} 条单位成员记录。", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="units_unitmembership_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Bulk-add unit users from an Excel sheet; generated passwords are shown once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UnitUserImportForm(request.POST or None, request.FILES or None)
        added = []
        if request.method == "POST" and form.is_valid():
            try:
                added = unit_users_import(file=form.cleaned_data["file"])
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                self.message_user(request, f"已导入 {len(added)} 个单位用户。", messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "从 Excel 批量导入单位用户",
            "form": form,
            "added": added,
            "columns": [names[0] for names in UNIT_USER_COLUMNS.values()],
        }
        return TemplateResponse(request, "admin/units/unitmembership/import.html", context)


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class SystemTokenAdmin(TokenAdmin):
    """API tokens for other systems (督查平台, 12345), issued by the office.

    Office staff are not superusers: they may not see or mint a superuser's token,
    which would let them act with rights they do not have.
    """

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return tokens
        return tokens.filter(user__is_superuser=False)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserGovernmentInline(admin.StackedInline):
    """所属政府 on the user page: an office user or leader with one sees that government
    and those below it; without one, every government."""

    model = UserGovernment
    extra = 0
    max_num = 1
    autocomplete_fields = ("region",)
    verbose_name = "所属政府(优化办、领导)"
    verbose_name_plural = "所属政府(优化办、领导;不填则可看全部政府)"


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class ReformUserAdmin(UserAdmin):
    inlines = (*UserAdmin.inlines, UserGovernmentInline)
