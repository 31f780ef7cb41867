from django.conf import settings
from django.db import models

from .choices import ImportOutcome, ImportVia


class ImportLog(models.Model):
    """One attempt to import a plan document (导入记录), kept for the office to audit.

    Written outside the import's transaction, so a failed import that rolled back
    still leaves its record and error here.
    """

    source_file = models.CharField(
        "文件",
        max_length=255,
    )
    via = models.CharField(
        "方式",
        max_length=20,
        choices=ImportVia.choices,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(
        "时间",
        auto_now_add=True,
    )
    outcome = models.CharField(
        "结果",
        max_length=20,
        choices=ImportOutcome.choices,
    )
    plan = models.ForeignKey(
        "tasks.Plan",
        verbose_name="方案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_logs",
    )
    tasks_total = models.PositiveIntegerField("任务数", default=0)
    tasks_created = models.PositiveIntegerField("新增任务", default=0)
    tasks_updated = models.PositiveIntegerField("更新任务", default=0)
    units_new = models.PositiveIntegerField("新增单位", default=0)
    warnings = models.JSONField("提示", default=list, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ("-started_at", "-id")

    def __str__(self):
        return f"{self.source_file} {self.get_outcome_display()}"

    @property
    def succeeded(self) -> bool:
        return self.outcome != ImportOutcome.FAILED
