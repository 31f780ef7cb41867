from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="类别名称"
    )
    is_read = serializers.BooleanField(read_only=True, help_text="是否已读")

    class Meta:
        model = Notification
        fields = (
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
            "is_read",
        )
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "消息编号"},
            "kind": {"help_text": "类别"},
            "title": {"help_text": "标题"},
            "body": {"help_text": "内容"},
            "url": {"help_text": "站内链接(相对地址)"},
            "created_at": {"help_text": "时间"},
            "read_at": {"help_text": "已读时间;未读为 null"},
        }


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读消息数")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的消息数")
