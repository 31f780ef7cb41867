from django.contrib import admin
from django.utils import timezone

from .models import Channel, Delivery, DeliveryStatus, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the workflows, never by hand."""

    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient",)

    def get_queryset(self, request):
        """A message is its recipient's: the admin shows the signed-in user's own (a
        superuser's: all, for support), never another office's or unit's."""
        messages = super().get_queryset(request)
        return messages if request.user.is_superuser else messages.filter(recipient=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Outbound channels per unit or per user; the URL and templates are checked on save."""

    list_display = ("name", "kind", "unit", "user", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "unit__name", "user__username")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("user",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every send with its attempts and the receiver's last answer, for the office to check."""

    list_display = (
        "created_at",
        "channel",
        "title",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "channel__kind", "channel")
    search_fields = ("title", "channel__name", "last_response")
    list_select_related = ("channel",)
    actions = ("retry_now",)
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="立即重试所选推送", permissions=["change"])
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        self.message_user(request, f"已安排重试 {count} 条(下次 send_deliveries 运行时发送)")
