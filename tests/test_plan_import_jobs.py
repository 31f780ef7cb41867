"""Big plan uploads are imported by a background job (issue 14, point 1): the preview stays
immediate, the confirmed import runs in the worker with a progress page, all or nothing,
logged like an import in the request, failed with a reason and retried."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse

from jobs import services
from jobs.choices import JobKind, JobStatus
from jobs.models import Job
from ops.choices import ImportOutcome, ImportVia
from ops.models import ImportLog
from ops.services import plan_import_job_start
from regions.models import Region
from tasks.importer import extract_source
from tasks.models import Plan, Section, Task, TaskUnit
from units.roles import OFFICE_GROUP

from .conftest import XIANGTAN
from .test_jobs import export_storage, run_worker  # noqa: F401 (fixture, worker)

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:tasks_plan_upload")
TEXT = (settings.POLICY_FIXTURES_DIR / XIANGTAN).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def big_means_more_than_five(settings):
    """湘潭's plan has 10 tasks: above 5 it is a big plan."""
    settings.IMPORT_IMMEDIATE_MAX_TASKS = 5


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Plan, Section, Task, TaskUnit))


def upload_and_confirm(client, django_capture_on_commit_callbacks):
    document = SimpleUploadedFile(XIANGTAN, TEXT.encode("utf-8"), content_type="text/plain")
    preview = client.post(UPLOAD, {"document": document})
    assert preview.status_code == 200 and "确认导入" in preview.content.decode()
    assert row_counts() == (0, 0, 0, 0)  # the preview is immediate and writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(UPLOAD, {"confirm": "1", "hash": preview.context["digest"]})


def test_a_big_upload_is_imported_by_the_worker_with_a_progress_page(
    client, office_user, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    response = upload_and_confirm(client, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.kind, job.status, job.title) == (
        JobKind.PLAN_IMPORT,
        JobStatus.QUEUED,
        f"导入方案 {XIANGTAN}",
    )
    assert row_counts() == (0, 0, 0, 0) and "plan_upload" not in client.session
    page = client.get(job.get_absolute_url()).content.decode()
    assert "方案共 10 项任务,正在后台导入" in page and "排队中" in page

    run_worker()
    job.refresh_from_db()
    plan = Plan.objects.get()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 10, 10)
    assert job.result == f"已导入《{plan.title}》:新增任务 10 项,更新 0 项。"
    assert (plan.source_file, plan.tasks.count(), plan.region.code) == (XIANGTAN, 10, "430300")
    log = ImportLog.objects.get()
    assert (log.via, log.user, log.plan, log.tasks_created) == (
        ImportVia.ADMIN,
        office_user,
        plan,
        10,
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.result in page and "10 / 10 项任务" in page


def test_progress_is_written_task_by_task(office_user, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    seen = []
    real = services.Progress.__call__

    def spy(self, done, total=None):
        real(self, done, total)
        row = Job.objects.get(pk=self.job.pk)
        seen.append((row.status, row.done, row.total))

    monkeypatch.setattr(services.Progress, "__call__", spy)
    job = plan_import_job_start(
        user=office_user,
        source=extract_source(TEXT.encode("utf-8"), XIANGTAN),
        year=None,
        source_file=XIANGTAN,
        region=Region.objects.get(code="430300"),
    )
    assert services.job_run(job.pk) == JobStatus.DONE
    assert seen == [("running", 0, None)] + [("running", done, 10) for done in range(11)]


def test_a_small_upload_is_still_imported_at_once(client, office_user, settings):
    settings.IMPORT_IMMEDIATE_MAX_TASKS = 10
    client.force_login(office_user)
    document = SimpleUploadedFile(XIANGTAN, TEXT.encode("utf-8"), content_type="text/plain")
    digest = client.post(UPLOAD, {"document": document}).context["digest"]
    response = client.post(UPLOAD, {"confirm": "1", "hash": digest})
    plan = Plan.objects.get()
    assert response.url == reverse("admin:tasks_plan_change", args=[plan.pk])
    assert plan.tasks.count() == 10 and not Job.objects.exists()


def test_a_failure_halfway_writes_nothing_is_logged_and_the_retry_imports(
    client, office_user, monkeypatch, django_capture_on_commit_callbacks
):
    import tasks.services

    real = tasks.services._sync_deadline
    calls = []

    def fails_on_the_sixth_task(task, parsed_task, year_end):
        calls.append(parsed_task.number)
        if len(calls) == 6:
            raise OSError("磁盘已满")
        return real(task, parsed_task, year_end)

    monkeypatch.setattr(tasks.services, "_sync_deadline", fails_on_the_sixth_task)
    client.force_login(office_user)
    upload_and_confirm(client, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "磁盘已满" in job.error
    assert row_counts() == (0, 0, 0, 0)  # five tasks were written, then rolled back
    assert ImportLog.objects.get().outcome == ImportOutcome.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "执行失败" in page and "磁盘已满" in page and "重试" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("jobs:retry", args=[job.pk]))
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == (JobStatus.DONE, 2, 10, 10)
    assert row_counts()[2] == 10


def test_a_second_confirmation_starts_no_second_import(
    client, office_user, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    upload_and_confirm(client, django_capture_on_commit_callbacks)
    again = client.post(UPLOAD, {"confirm": "1", "hash": "x"}, follow=True)
    assert "预览已过期" in again.content.decode()
    assert Job.objects.count() == 1


def test_an_office_that_lost_its_role_before_the_worker_ran_imports_nothing(
    client, office_user, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    upload_and_confirm(client, django_capture_on_commit_callbacks)
    office_user.groups.remove(office_user.groups.get(name=OFFICE_GROUP))
    run_worker()
    job = Job.objects.get()
    assert (job.status, job.error) == (JobStatus.FAILED, "发起人已无权导入方案")
    assert row_counts() == (0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_progress_is_seen_while_the_import_transaction_runs(
    shipped_regions, office_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: the progress is written with the import")
    import tasks.services

    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    real = tasks.services._sync_deadline
    seen_from_outside = []

    def look_from_another_connection(task, parsed_task, year_end):
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT done, total FROM jobs_job WHERE id = %s", [job.pk])
                seen_from_outside.append(cursor.fetchone())
                cursor.execute("SELECT count(*) FROM tasks_task")
                seen_from_outside.append(cursor.fetchone())
        finally:
            other.close()
        return real(task, parsed_task, year_end)

    monkeypatch.setattr(tasks.services, "_sync_deadline", look_from_another_connection)
    job = plan_import_job_start(
        user=office_user,
        source=extract_source(TEXT.encode("utf-8"), XIANGTAN),
        year=None,
        source_file=XIANGTAN,
        region=shipped_regions["430300"],
    )
    assert services.job_run(job.pk) == JobStatus.DONE
    # Before each task's deadline is written: the job's progress, and no task yet
    # (the import's transaction is not committed).
    assert seen_from_outside[0::2] == [(done, 10) for done in range(10)]
    assert seen_from_outside[1::2] == [(0,)] * 10
