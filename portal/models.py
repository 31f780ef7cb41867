from django.db import models


class ReminderLog(models.Model):
    """One reminder digest sent to a unit on a day: makes `send_reminders` safe to rerun."""

    # Merging two units that were both reminded today keeps one row: the log's only job is
    # "already sent today".
    UNIT_MERGE_DROPS_DUPLICATES = True

    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.CASCADE,
        related_name="reminder_logs",
        verbose_name="单位",
    )
    sent_on = models.DateField(
        "提醒日期",
    )
    recipients = models.TextField(
        "收件人",
        blank=True,
    )
    task_count = models.PositiveIntegerField(
        "任务数",
        default=0,
    )
    created_at = models.DateTimeField(
        "发送时间",
        auto_now_add=True,
    )

    class Meta:
        verbose_name = "提醒记录"
        verbose_name_plural = "提醒记录"
        ordering = ("-sent_on", "unit")
        constraints = [
            models.UniqueConstraint(
                fields=("unit", "sent_on"),
                name="%(app_label)s_%(class)s_unique_unit_day",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.sent_on:%Y-%m-%d}"
