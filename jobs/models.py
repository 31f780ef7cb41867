"""Background jobs (后台任务): an export or other heavy work a user asked for.

An export leaves a file to download; other work (sending the reminders) leaves a
summary in `result`.

The work itself runs as a task of Django's tasks framework (`jobs.tasks.run_job`, on
the database or the RQ backend); this row is what the user's progress page and
"我的导出" read, whatever the backend: status, rows done of total, the file, the error.
"""

import hashlib
import json

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse

from .choices import JobKind, JobStatus


def export_storage():
    """Finished files live in the "exports" storage (EXPORT_ROOT, or shared storage)."""
    return storages["exports"]


def params_key(kind: str, params: dict, scope_key: str) -> str:
    """Identity of an export: the same kind, parameters and visible tasks give the same file."""
    canonical = json.dumps([kind, params, scope_key], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Jobs that do work instead of writing a file (jobs.runners), with what their progress
# counts; an export counts rows.
WORK_COUNT_LABELS = {
    JobKind.REMINDERS: "个单位",
    JobKind.PLAN_IMPORT: "项任务",
    JobKind.PROPOSE_NOTICES: "份督办单",
}


class JobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))

    def requested_by(self, user):
        """Jobs `user` asked for, or joined while they ran."""
        return self.filter(requesters=user)


class Job(models.Model):
    """One background job: what was asked, by whom, how far it got and its result."""

    kind = models.CharField(
        "类型",
        max_length=20,
        choices=JobKind.choices,
    )
    title = models.CharField(
        "名称",
        max_length=200,
    )
    params = models.JSONField(
        "参数",
        default=dict,
        blank=True,
    )
    scope_key = models.CharField(
        "可见范围",
        max_length=64,
        help_text="Hash of the tasks the requesting user may see: joined only within one scope.",
    )
    params_key = models.CharField(
        "导出标识",
        max_length=64,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        on_delete=models.CASCADE,
        related_name="jobs_started",
    )
    requesters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="请求人",
        related_name="jobs",
        blank=True,
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
    )
    done = models.PositiveIntegerField(
        "已完成行数",
        default=0,
    )
    total = models.PositiveIntegerField(
        "总行数",
        null=True,
        blank=True,
    )
    file = models.FileField(
        "文件",
        storage=export_storage,
        upload_to="jobs/%Y/%m/",
        blank=True,
    )
    filename = models.CharField(
        "文件名",
        max_length=255,
        blank=True,
    )
    error = models.TextField(
        "失败原因",
        blank=True,
    )
    result = models.TextField(
        "结果",
        blank=True,
        help_text="What a job without a file did, e.g. how many units were reminded.",
    )
    attempts = models.PositiveSmallIntegerField(
        "执行次数",
        default=0,
    )
    task_result_id = models.CharField(
        "队列任务编号",
        max_length=64,
        blank=True,
    )
    created_at = models.DateTimeField(
        "提交时间",
        auto_now_add=True,
    )
    started_at = models.DateTimeField(
        "开始时间",
        null=True,
        blank=True,
    )
    finished_at = models.DateTimeField(
        "结束时间",
        null=True,
        blank=True,
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                name="%(app_label)s_%(class)s_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def count_label(self) -> str:
        """What `done / total` counts on the progress page."""
        return WORK_COUNT_LABELS.get(self.kind, "行")

    @property
    def is_export(self) -> bool:
        """An export leaves a file to download; other work leaves `result`."""
        return self.kind not in WORK_COUNT_LABELS

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    def as_status(self) -> dict:
        """What the progress page polls."""
        return {
            "id": self.pk,
            "status": self.status,
            "status_label": self.get_status_display(),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error": self.error,
            "result": self.result,
            "count_label": self.count_label,
            "download_url": reverse("jobs:download", args=[self.pk])
            if self.status == JobStatus.DONE and self.file
            else None,
        }
