"""Starting, running, retrying and pruning background jobs.

`job_start` is called by a view: it joins an identical job that is still queued or
running, or creates one and enqueues `jobs.tasks.run_job` once the row is committed.
`job_run` is what the worker executes (on any backend): it marks the job running,
calls the kind's exporter with a progress callback and stores the file (or, for work
without a file, the kind's runner and stores its summary), and records success or the
reason of failure on the row.
"""

import hashlib
import logging
import os
import tempfile
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from ops.replica import replica_reads
from tasks.models import Task

from .choices import JobStatus
from .exports import EXPORTERS
from .models import Job, params_key
from .runners import ONE_TRANSACTION_KINDS, RUNNERS

logger = logging.getLogger(__name__)

# A queued or running job older than this is not joined: its worker may have died.
JOIN_WINDOW = timedelta(hours=1)
# Progress is written at most this often (seconds): one UPDATE, not one per row.
PROGRESS_INTERVAL = 0.5


def scope_key(user) -> str:
    """Identity of the tasks `user` may see: users with the same scope share an export."""
    sql = str(Task.objects.visible_to(user).query)
    return hashlib.sha256(sql.encode()).hexdigest()


def _enqueue(job: Job) -> None:
    from .tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_result_id=result.id)


@transaction.atomic
def job_start(*, kind: str, params: dict, user, title: str) -> Job:
    """Start the export `kind` with `params` for `user`, or join the identical one running.

    Identical means the same kind, parameters and visible tasks; the user is added to its
    requesters, so it appears under their "我的导出".
    """
    if kind not in EXPORTERS and kind not in RUNNERS:
        raise ValidationError(f"未知的后台任务类型:{kind}")
    scope = scope_key(user)
    key = params_key(kind, params, scope)
    job = (
        Job.objects.active()
        .filter(params_key=key, created_at__gte=timezone.now() - JOIN_WINDOW)
        .order_by("-created_at")
        .first()
    )
    if job is None:
        job = Job.objects.create(
            kind=kind, title=title, params=params, scope_key=scope, params_key=key, user=user
        )
        transaction.on_commit(lambda: _enqueue(job))
    job.requesters.add(user)
    return job


@transaction.atomic
def job_retry(*, job: Job, user) -> Job:
    """Run a failed job again, as the same job (its page and list entry stay)."""
    if not job.requesters.filter(pk=user.pk).exists():
        raise PermissionDenied("只能重试您自己的后台任务")
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED,
        done=0,
        total=None,
        error="",
        result="",
        started_at=None,
        finished_at=None,
        created_at=timezone.now(),
    )
    if not updated:
        raise ValidationError("只有失败的任务可以重试")
    job.refresh_from_db()
    transaction.on_commit(lambda: _enqueue(job))
    return job


class Progress:
    """`progress(done, total)` for an exporter or runner: writes to the job row, throttled.

    Work done inside one transaction (a plan import) would hide its progress until the
    end: with `outside_transaction` the row is written on a connection of its own, so
    the progress page sees it meanwhile. Only on PostgreSQL: SQLite allows one writer, so
    there the writes wait for the work's own transaction (the bar then jumps at the end).
    """

    def __init__(self, job: Job, *, outside_transaction: bool = False):
        self.job = job
        self.last_write = 0.0
        self.side = None
        if outside_transaction and connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self.last_write < PROGRESS_INTERVAL:
            return
        self.last_write = now
        done = min(done, total or done)
        if self.side is None:
            Job.objects.filter(pk=self.job.pk).update(done=done, total=total)
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET done = %s, total = %s WHERE id = %s",
                [done, total, self.job.pk],
            )
            if cursor.rowcount:
                return
        # The job row itself is not committed yet (a job started and run in one
        # transaction, as in tests): write it with the work.
        Job.objects.filter(pk=self.job.pk).update(done=done, total=total)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def job_run(job_id: int) -> str:
    """Execute job `job_id` (the worker's entry point); returns its final status.

    Never raises for a failure of the export itself: the reason is stored on the job,
    which the user sees and may retry. A job that is not queued (done, or taken by
    another worker) is left alone.
    """
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return Job.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    try:
        if job.kind in RUNNERS:
            progress = Progress(job, outside_transaction=job.kind in ONE_TRANSACTION_KINDS)
            try:
                done = {"result": RUNNERS[job.kind](job=job, progress=progress)}
            finally:
                progress.close()
        else:
            done = _export(job)
    except Exception as exc:  # any failure is the job's result, shown to the user
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        if isinstance(exc, ValidationError):
            reason = ";".join(exc.messages)
        else:
            reason = f"内部错误({type(exc).__name__}: {exc}),请重试或联系管理员"
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            error=reason,
            finished_at=timezone.now(),
        )
        return JobStatus.FAILED
    Job.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now(), **done)
    return JobStatus.DONE


def _export(job: Job) -> dict:
    """Write the kind's file and store it; returns the job's file fields."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        # The export reads the task data from the replica when there is one; its
        # progress and result are written to the job row on "default".
        with replica_reads():
            filename = EXPORTERS[job.kind](job=job, path=path, progress=Progress(job))
        with open(path, "rb") as data:
            job.file.save(filename, File(data), save=False)
    finally:
        os.unlink(path)
    return {"file": job.file.name, "filename": filename}


def jobs_prune(*, days: int | None = None, now=None) -> int:
    """Delete finished jobs (and their files) older than `days` (JOB_FILES_KEEP_DAYS)."""
    days = settings.JOB_FILES_KEEP_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Job.objects.filter(status__in=(JobStatus.DONE, JobStatus.FAILED), finished_at__lt=cutoff)
    count = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
