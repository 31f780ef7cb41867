"""Background jobs (issue 14): exports run by the worker with a progress page, joined,
failed with a reason, retried, listed under 我的导出 and pruned after N days."""

from datetime import date, timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobs import exports, services
from jobs.choices import JobKind, JobStatus
from jobs.models import Job
from tasks.ledger import ledger_workbook
from tasks.models import Task

from .conftest import HUNAN, make_user

AS_OF = date(2021, 12, 31)


@pytest.fixture(autouse=True)
def export_storage(settings, tmp_path):
    """Job files in a temporary folder; every export goes through a job."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        },
    }
    settings.EXPORT_IMMEDIATE_MAX_TASKS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    """What `make run`'s worker does, until the queue is empty.

    In this process and inside the test's transaction, so the worker's
    close_old_connections() is disabled: outside autocommit it would close the test's
    connection (on PostgreSQL), which a real worker never has.
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("jobs_worker", batch=True, verbosity=0, stdout=open("/dev/null", "w"))


def sheets_of(content: bytes) -> dict:
    workbook = load_workbook(BytesIO(content))
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in workbook}


def start_bulletin(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/dashboard/bulletin.xlsx", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 302
    return Job.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])


def test_bulletin_export_is_queued_then_done_by_the_worker_with_the_same_workbook(
    client, leader_user, imported_plans, django_capture_on_commit_callbacks
):
    client.force_login(leader_user)
    job = start_bulletin(client, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.QUEUED and job.kind == JobKind.BULLETIN
    assert job.task_result_id  # enqueued on the database backend
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert (status["status"], status["download_url"]) == ("queued", None)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "排队中" in page and "jobs/progress.js" in page and "<progress" in page

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.total == job.done > 0  # rows of the three tables
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["percent"] == 100 and status["download_url"]
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert "bulletin-2021-12-31.xlsx" in download["Content-Disposition"]
    from_job = sheets_of(b"".join(download.streaming_content))
    # The same workbook as the immediate download.
    client.get("/")  # nothing cached between the two
    from dashboard.bulletin import bulletin_bytes, bulletin_figures
    from dashboard.figures import dashboard_query

    query, tasks = dashboard_query({"as_of": AS_OF.isoformat()})
    assert from_job == sheets_of(bulletin_bytes(bulletin_figures(tasks, query)))
    assert len(from_job["逾期任务"]) - 1 == Task.objects.overdue(AS_OF).count()


def test_progress_is_written_while_the_job_runs(office_user, imported_plans, monkeypatch, settings):
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr("tasks.ledger.LEDGER_CHUNK", 50)
    seen = []
    real = exports.EXPORTERS[JobKind.LEDGER]

    def spying_exporter(*, job, path, progress):
        def spy(done, total=None):
            progress(done, total)
            row = Job.objects.get(pk=job.pk)
            seen.append((row.status, row.done, row.total))

        return real(job=job, path=path, progress=spy)

    monkeypatch.setitem(exports.EXPORTERS, JobKind.LEDGER, spying_exporter)
    ids = list(Task.objects.order_by("plan", "number").values_list("pk", flat=True))
    job = services.job_start(
        kind=JobKind.LEDGER,
        params={"title": "全部任务", "task_ids": ids},
        user=office_user,
        title="全部任务",
    )
    assert services.job_run(job.pk) == JobStatus.DONE
    total = len(ids)
    assert seen == [("running", min(done, total), total) for done in range(50, total + 50, 50)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", total, total)


def test_ledger_job_writes_the_same_rows_as_the_immediate_ledger(
    client, office_user, imported_plans, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    plan = imported_plans[HUNAN]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("admin:tasks_task_ledger"), {"plan": plan.pk})
    assert response.status_code == 302
    job = Job.objects.get()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.filename == f"{plan.title}.xlsx"
    with job.file.open("rb") as handle:
        streamed = load_workbook(handle).active
    immediate = ledger_workbook(
        title=plan.title, tasks=Task.objects.filter(plan=plan).order_by("-pk")
    ).active
    rows = [list(r) for r in streamed.iter_rows(values_only=True)]
    assert rows[0][0] == plan.title
    assert len(rows) == 2 + plan.tasks.count()
    key = sorted  # the admin list's order differs from -pk; the rows must be the same
    assert key(map(tuple, rows[2:]), key=str) == key(
        (tuple(r) for r in immediate.iter_rows(min_row=3, values_only=True)), key=str
    )


def test_a_second_request_for_the_same_export_joins_the_running_job(
    client, leader_user, imported_plans, django_capture_on_commit_callbacks
):
    other_leader = make_user(group="领导", is_staff=True)
    client.force_login(leader_user)
    first = start_bulletin(client, django_capture_on_commit_callbacks)
    client.force_login(other_leader)
    second = start_bulletin(client, django_capture_on_commit_callbacks)
    assert first == second and Job.objects.count() == 1
    assert set(first.requesters.all()) == {leader_user, other_leader}
    assert first.title in client.get(reverse("jobs:list")).content.decode()
    # A different as_of is another export.
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/dashboard/bulletin.xlsx", {"as_of": "2021-06-30"})
    assert Job.objects.count() == 2
    # Once done, a new request starts a fresh job (the data may have changed).
    run_worker()
    third = start_bulletin(client, django_capture_on_commit_callbacks)
    assert third != first


def test_other_users_cannot_see_or_download_a_job(
    client, leader_user, imported_plans, django_capture_on_commit_callbacks
):
    client.force_login(leader_user)
    job = start_bulletin(client, django_capture_on_commit_callbacks)
    run_worker()
    unit_user = make_user()
    client.force_login(unit_user)
    for name in ("detail", "status", "download"):
        assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert job.title not in client.get(reverse("jobs:list")).content.decode()


def test_a_failed_job_says_why_and_can_be_retried(
    client, office_user, imported_plans, monkeypatch, django_capture_on_commit_callbacks
):
    real = exports.EXPORTERS[JobKind.LEDGER]

    def broken(**kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setitem(exports.EXPORTERS, JobKind.LEDGER, broken)
    client.force_login(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("admin:tasks_task_ledger"))
    job = Job.objects.get()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "磁盘已满" in job.error and not job.file
    page = client.get(job.get_absolute_url()).content.decode()
    assert "导出失败" in page and "磁盘已满" in page and "重试" in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

    monkeypatch.setitem(exports.EXPORTERS, JobKind.LEDGER, real)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.QUEUED, "")
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert job.done == job.total == Task.objects.count()
    # Only a failed job can be retried.
    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_scores_export_runs_as_a_job(
    client, office_user, imported_plans, django_capture_on_commit_callbacks
):
    from supervision.models import AssessmentPeriod

    period = AssessmentPeriod.objects.create(
        name="2021年度", starts_on=date(2021, 1, 1), ends_on=date(2021, 12, 31)
    )
    client.force_login(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("supervision:scores-xlsx"), {"period": period.pk})
    assert response.status_code == 302
    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.DONE and job.filename == "考评排名-2021年度.xlsx"
    with job.file.open("rb") as handle:
        sheet = load_workbook(handle)["考评排名"]
    assert sheet["A1"].value == "名次" and sheet.max_row > 3


def test_prune_deletes_finished_jobs_and_files_older_than_the_keep_days(
    office_user, imported_plans, settings
):
    ids = list(Task.objects.values_list("pk", flat=True)[:5])
    jobs = []
    for _ in range(2):
        job = services.job_start(
            kind=JobKind.LEDGER,
            params={"title": "t", "task_ids": ids},
            user=office_user,
            title="t",
        )
        services.job_run(job.pk)
        job.refresh_from_db()
        jobs.append(job)
    old, recent = jobs
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    storage = old.file.storage
    assert storage.exists(old.file.name)
    settings.JOB_FILES_KEEP_DAYS = 7
    call_command("prune_jobs", stdout=open("/dev/null", "w"))
    assert list(Job.objects.all()) == [recent]
    assert not storage.exists(old.file.name) and storage.exists(recent.file.name)


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_bulletin_job_runs_on_the_rq_backend_against_redis(
    client, leader_user, imported_plans, settings, django_capture_on_commit_callbacks
):
    import django_rq
    from django_tasks_rq import Job as RQJob
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=RQJob)
    queue.empty()
    client.force_login(leader_user)
    job = start_bulletin(client, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.QUEUED
    assert queue.job_ids == [job.task_result_id]  # on Redis, not in the database table

    # A worker in this process (no fork), so it sees the test's database transaction.
    worker = SimpleWorker([queue], connection=queue.connection, job_class=RQJob)
    worker.work(burst=True)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.total == job.done > 0
    from jobs.tasks import run_job

    assert run_job.get_result(job.task_result_id).return_value == "done"
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert "逾期任务" in sheets_of(b"".join(download.streaming_content))
