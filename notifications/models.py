from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from tasks.events import EventKind

KEPT_FOR = timedelta(days=365)


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own inbox: nobody reads another's messages, whatever their role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def expired(self, now=None):
        """Messages older than a year (`prune_notifications` deletes them)."""
        return self.filter(created_at__lt=(now or timezone.now()) - KEPT_FOR)


class Notification(models.Model):
    """A message in one user's inbox (消息): a task handed down, a 督办单, a decision, a reminder."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="收件人",
    )
    kind = models.CharField(
        "类别",
        max_length=30,
        choices=EventKind.choices,
    )
    title = models.CharField(
        "标题",
        max_length=300,
    )
    body = models.TextField(
        "内容",
        blank=True,
    )
    url = models.CharField(
        "链接",
        max_length=500,
        blank=True,
        help_text="站内相对地址,如 /tasks/12/",
    )
    created_at = models.DateTimeField(
        "时间",
        default=timezone.now,
    )
    read_at = models.DateTimeField(
        "已读时间",
        null=True,
        blank=True,
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=("recipient", "read_at"), name="notif_recipient_read_idx"),
            models.Index(fields=("created_at",), name="notif_created_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", "通用 Webhook(JSON,HMAC 签名)"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉/政务钉钉群机器人"
    SMS = "sms", "短信网关(HTTP 模板)"


class Channel(models.Model):
    """An outbound channel for messages, besides the inbox and e-mail: configured by the
    office for a unit (all its messages) or for one user (their own messages)."""

    name = models.CharField(
        "名称",
        max_length=100,
    )
    kind = models.CharField(
        "类型",
        max_length=20,
        choices=ChannelKind.choices,
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name="单位",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name="用户",
    )
    url = models.CharField(
        "地址",
        max_length=1000,
        help_text="http(s) 地址;短信网关可含占位符 {phone} {text} {timestamp} {nonce} {signature}",
    )
    secret = models.CharField(
        "签名密钥",
        max_length=200,
        blank=True,
        help_text="Webhook 的 HMAC-SHA256 密钥;钉钉机器人的“加签”密钥;短信网关的签名密钥",
    )
    body_template = models.TextField(
        "请求体模板",
        blank=True,
        help_text="仅短信网关:为空则用 GET;否则 POST 此模板(占位符同上),如 "
        '{"mobile":"{phone}","content":"{text}","sign":"{signature}"}',
    )
    phones = models.CharField(
        "短信接收号码",
        max_length=500,
        blank=True,
        help_text="仅短信网关:多个号码用逗号分隔",
    )
    is_active = models.BooleanField(
        "启用",
        default=True,
    )

    class Meta:
        verbose_name = "推送渠道"
        verbose_name_plural = "推送渠道"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False, user__isnull=True)
                | models.Q(unit__isnull=True, user__isnull=False),
                name="%(app_label)s_%(class)s_unit_or_user",
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.get_kind_display()})"

    def clean(self):
        from .channels import channel_errors

        errors = channel_errors(self)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "失败(已停止重试)"


class Delivery(models.Model):
    """One message to send through one channel, with its attempts and the last answer.

    (`channel`, `key`) is unique: the same event never queues twice for a channel, and a
    sent delivery is never sent again (`send_deliveries` claims rows before sending).
    """

    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="渠道",
    )
    key = models.CharField(
        "幂等键",
        max_length=100,
    )
    kind = models.CharField(
        "类别",
        max_length=30,
        choices=EventKind.choices,
    )
    title = models.CharField(
        "标题",
        max_length=300,
    )
    body = models.TextField(
        "内容",
        blank=True,
    )
    url = models.CharField(
        "链接",
        max_length=500,
        blank=True,
    )
    phone = models.CharField(
        "号码",
        max_length=50,
        blank=True,
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(
        "尝试次数",
        default=0,
    )
    next_attempt_at = models.DateTimeField(
        "下次尝试",
        default=timezone.now,
    )
    last_status_code = models.PositiveSmallIntegerField(
        "最近应答码",
        null=True,
        blank=True,
    )
    last_response = models.TextField(
        "最近应答",
        blank=True,
    )
    created_at = models.DateTimeField(
        "创建时间",
        default=timezone.now,
    )
    sent_at = models.DateTimeField(
        "发送时间",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("channel", "key"),
                name="%(app_label)s_%(class)s_unique_channel_key",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "next_attempt_at"), name="notif_delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.channel} · {self.title}"
