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
