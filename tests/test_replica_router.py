"""The optional read replica (ops/replica.py): the dashboard and export jobs read the task
data from "replica", writes always go to "default", and nothing else reads the replica."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from jobs.models import Job
from ops.replica import REPLICA, ReplicaRouter, replica_reads
from tasks.models import Plan, Task
from units.models import Unit

REPLICA_SETTINGS = {**django_settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}


@pytest.fixture
def with_replica(monkeypatch):
    """DATABASES as DATABASE_REPLICA_URL makes it (no real second server in the suite)."""
    monkeypatch.setitem(django_settings.DATABASES, REPLICA, REPLICA_SETTINGS)


def test_reads_of_task_data_inside_replica_reads_go_to_the_replica(with_replica):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Task) == "replica"
        assert router.db_for_read(Plan) == "replica"
        assert router.db_for_read(Unit) == "replica"


def test_reads_outside_replica_reads_go_to_default(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Task) == "default"
    with replica_reads():
        pass
    assert router.db_for_read(Task) == "default"  # the block ended: back to default


def test_writes_always_go_to_default_even_inside_replica_reads(with_replica):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(Task) == "default"
        assert router.db_for_write(Job) == "default"


def test_sessions_users_and_jobs_are_never_read_from_the_replica(with_replica):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(get_user_model()) == "default"
        assert router.db_for_read(Job) == "default"


def test_without_a_replica_configured_everything_reads_default():
    assert REPLICA not in django_settings.DATABASES
    with replica_reads():
        assert ReplicaRouter().db_for_read(Task) == "default"


def test_only_default_is_migrated(with_replica):
    router = ReplicaRouter()
    assert router.allow_migrate("default", "tasks") is True
    assert router.allow_migrate("replica", "tasks") is False


class RecordingRouter(ReplicaRouter):
    """Notes what ReplicaRouter decided, then uses default (the suite has one database)."""

    reads: list[tuple[str, str]] = []

    def db_for_read(self, model, **hints):
        self.reads.append((model._meta.label, super().db_for_read(model, **hints)))
        return "default"


@pytest.fixture
def recording_router(settings, with_replica):
    RecordingRouter.reads = []
    settings.DATABASE_ROUTERS = ["tests.test_replica_router.RecordingRouter"]
    return RecordingRouter


def test_dashboard_reads_its_tasks_from_the_replica(client, leader_user, recording_router):
    from .conftest import make_plan, make_task

    make_task(plan=make_plan())
    client.force_login(leader_user)
    recording_router.reads.clear()  # only the request's reads
    assert client.get("/dashboard/", {"as_of": "2021-05-01"}).status_code == 200
    decisions = dict(recording_router.reads)
    assert decisions["tasks.Task"] == "replica"
    assert ("tasks.Task", "default") not in recording_router.reads


def test_portal_pages_keep_reading_default(client, leader_user, recording_router):
    client.force_login(leader_user)
    recording_router.reads.clear()
    assert client.get("/").status_code == 200
    assert recording_router.reads  # the page did read through the router
    assert all(alias == "default" for _, alias in recording_router.reads)


def test_export_job_reads_tasks_from_the_replica_and_writes_its_row_to_default(
    settings, tmp_path, leader_user, recording_router
):
    from jobs.choices import JobKind, JobStatus
    from jobs.services import job_run

    from .conftest import make_plan, make_task

    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    make_task(plan=make_plan())
    job = Job.objects.create(
        kind=JobKind.BULLETIN,
        title="月度通报",
        params={"query": {"as_of": "2021-05-01"}},
        scope_key="x",
        params_key="y",
        user=leader_user,
    )
    recording_router.reads.clear()
    assert job_run(job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file
    assert ("tasks.Task", "replica") in recording_router.reads
    assert ("tasks.Task", "default") not in recording_router.reads
    assert all(alias == "default" for label, alias in recording_router.reads if label == "jobs.Job")
