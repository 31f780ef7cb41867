"""The dashboard's one stored setting: the date it opens on when the demo data is loaded."""

from django.db import models
from django.db.models import Q


class DemoSettingQuerySet(models.QuerySet):
    def demo_as_of(self):
        """The demo date, or None on a real deployment (no row): then the dashboard opens on
        today."""
        return self.values_list("as_of", flat=True).first()


class DemoSetting(models.Model):
    """Written by `manage.py demo_history` (`make load`): the demo's history lies in 2020–2022,
    so on today's date every open task of it is overdue. Without `as_of` the dashboard shows
    this date instead and says so. At most one row (pk 1)."""

    as_of = models.DateField(
        "演示日期",
        help_text="看板未指定日期时按此日期显示",
    )
    note = models.CharField(
        "说明",
        max_length=200,
        blank=True,
    )
    updated_at = models.DateTimeField(
        "更新时间",
        auto_now=True,
    )

    objects = DemoSettingQuerySet.as_manager()

    class Meta:
        verbose_name = "演示设置"
        verbose_name_plural = "演示设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(pk=1),
                name="%(app_label)s_%(class)s_single_row",
            ),
        ]

    def __str__(self):
        return f"演示日期 {self.as_of:%Y-%m-%d}"
