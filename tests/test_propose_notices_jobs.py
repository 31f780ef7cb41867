"""propose_notices as a background job (issue 14, point 1): started from the workbench,
proposes exactly what the command proposes, within the office's governments, once."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.choices import JobKind, JobStatus
from jobs.models import Job
from supervision.choices import NoticeStatus
from supervision.models import EscalationNotice
from supervision.services import notice_proposals
from units.roles import LEADER_GROUP

from .conftest import XIANGYANG, governed, make_user
from .test_jobs import export_storage, run_worker  # noqa: F401 (fixture, worker)

pytestmark = pytest.mark.django_db


def start(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("supervision:propose-start"))
    assert response.status_code == 302
    job = Job.objects.order_by("-pk").first()
    assert response.url == job.get_absolute_url()
    return job


def test_the_workbench_button_proposes_todays_notices_in_a_job(
    client, office_user, plans, django_capture_on_commit_callbacks
):
    expected = len(notice_proposals(as_of=timezone.localdate()))
    assert expected > 100  # the five plans' tasks are long overdue
    client.force_login(office_user)
    assert "生成督办单建议" in client.get(reverse("admin:index")).content.decode()
    job = start(client, django_capture_on_commit_callbacks)
    assert (job.kind, job.status) == (JobKind.PROPOSE_NOTICES, JobStatus.QUEUED)
    assert not EscalationNotice.objects.exists()  # nothing is written in the request
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, expected, expected)
    assert job.result == (
        f"{timezone.localdate():%Y-%m-%d} 生成督办单建议 {expected} 份,"
        "请在“待确认督办单”中确认后下发。"
    )
    notices = EscalationNotice.objects.all()
    assert notices.count() == expected
    assert set(notices.values_list("status", flat=True)) == {NoticeStatus.PROPOSED}
    assert (
        f"{expected} / {expected} 份督办单" in client.get(job.get_absolute_url()).content.decode()
    )

    # Proposing again the same day adds nothing (idempotent), in a new job.
    again = start(client, django_capture_on_commit_callbacks)
    run_worker()
    again.refresh_from_db()
    assert again.pk != job.pk and again.result.startswith(
        f"{timezone.localdate():%Y-%m-%d} 生成督办单建议 0 份"
    )
    assert EscalationNotice.objects.count() == expected


def test_a_governed_office_proposes_for_its_governments_tasks_only(
    client, plans, django_capture_on_commit_callbacks
):
    client.force_login(governed("420600"))  # 襄阳市
    job = start(client, django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    proposed = EscalationNotice.objects.all()
    assert proposed.count() == job.total > 0
    assert set(proposed.values_list("task__plan__source_file", flat=True)) == {XIANGYANG}


def test_only_the_office_may_start_it(client, plans, django_capture_on_commit_callbacks):
    client.force_login(make_user(group=LEADER_GROUP, is_staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("supervision:propose-start")).status_code == 403
    assert client.get(reverse("supervision:propose-start")).status_code == 405
    assert not Job.objects.exists() and not EscalationNotice.objects.exists()
