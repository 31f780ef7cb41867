"""send_reminders as a background job (issue 14, point 1): the office starts it from the
workbench, follows its progress, a second click joins it, failures name the units and a
retry sends only to them; a governed office reminds only its government's units."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.choices import JobKind, JobStatus
from jobs.models import Job
from portal.models import ReminderLog
from regions.models import Region
from units.roles import LEADER_GROUP

from .conftest import governed, make_plan, make_task, make_unit, make_user
from .test_jobs import export_storage, run_worker  # noqa: F401 (fixture, worker)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminded_units():
    """Three units with e-mail users and open tasks: two in 湘潭市, one in 湘西州."""
    today = timezone.localdate()
    xiangtan, xiangxi = Region.objects.get(code="430300"), Region.objects.get(code="433100")
    units = {
        "xt_approval": make_unit("市行政审批局", region=xiangtan),
        "xt_market": make_unit("市市场监督管理局", region=xiangtan),
        "xx_market": make_unit("州市场监督管理局", region=xiangxi),
    }
    plan = make_plan(title="优化营商环境工作方案")
    for number, (key, unit) in enumerate(units.items(), start=1):
        make_task(plan=plan, number=number, lead_units=[unit], due_on=today - timedelta(days=3))
        user = make_user(units=[unit])
        user.email = f"{key}@example.gov.cn"
        user.save()
    make_user(units=[make_unit("无邮箱单位", region=xiangtan)])  # no address: not counted
    return units


def start(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:reminders-start"))
    assert response.status_code == 302
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    return job


def test_the_workbench_button_runs_todays_reminders_as_a_job_with_progress(
    client, office_user, reminded_units, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    workbench = client.get(reverse("admin:index")).content.decode()
    assert reverse("portal:reminders-start") in workbench and "发送今日提醒" in workbench
    job = start(client, django_capture_on_commit_callbacks)
    assert (job.kind, job.status) == (JobKind.REMINDERS, JobStatus.QUEUED)
    assert len(mail.outbox) == 0  # nothing is sent in the request
    page = client.get(job.get_absolute_url()).content.decode()
    assert "排队中" in page and "data-job-status-url" in page

    run_worker()
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 3, 3)
    assert job.result == f"{timezone.localdate():%Y-%m-%d} 已向 3 个单位发送提醒。"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "xt_approval@example.gov.cn",
        "xt_market@example.gov.cn",
        "xx_market@example.gov.cn",
    ]
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert (status["percent"], status["count_label"], status["download_url"]) == (
        100,
        "个单位",
        None,
    )
    assert status["result"] == job.result
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.result in page and reverse("jobs:download", args=[job.pk]) not in page
    assert "3 / 3 个单位" in client.get(reverse("jobs:list")).content.decode()


def test_progress_is_written_unit_by_unit(office_user, reminded_units, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    seen = []
    real = services.Progress.__call__

    def spy(self, done, total=None):
        real(self, done, total)
        row = Job.objects.get(pk=self.job.pk)
        seen.append((row.status, row.done, row.total))

    monkeypatch.setattr(services.Progress, "__call__", spy)
    job = services.job_start(
        kind=JobKind.REMINDERS,
        params={"as_of": timezone.localdate().isoformat(), "days": 15, "region_ids": None},
        user=office_user,
        title="发送提醒",
    )
    assert services.job_run(job.pk) == JobStatus.DONE
    assert seen == [("running", done, 3) for done in (0, 1, 2, 3)]


def test_a_second_click_joins_the_running_job_and_nobody_gets_two_mails(
    client, office_user, reminded_units, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    job = start(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("portal:reminders-start"))
    assert again.url == job.get_absolute_url()
    assert Job.objects.count() == 1
    run_worker()
    assert len(mail.outbox) == 3
    # Started again after it finished: a new job, but today's units are already reminded.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:reminders-start"))
    run_worker()
    latest = Job.objects.order_by("-pk").first()
    assert latest.pk != job.pk and latest.status == JobStatus.DONE
    assert latest.result.endswith("已向 0 个单位发送提醒。")
    assert len(mail.outbox) == 3


def test_a_governed_office_reminds_only_its_governments_units(
    client, reminded_units, django_capture_on_commit_callbacks
):
    client.force_login(governed("430300"))  # 湘潭市
    job = start(client, django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.total) == (JobStatus.DONE, 2)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "xt_approval@example.gov.cn",
        "xt_market@example.gov.cn",
    ]


def test_a_failed_unit_fails_the_job_with_its_name_and_the_retry_sends_only_to_it(
    client, office_user, reminded_units, monkeypatch, django_capture_on_commit_callbacks
):
    import portal.services

    real_send_mail = portal.services.send_mail

    def refuses_approval(subject, body, sender, recipients):
        if "xt_approval@example.gov.cn" in recipients:
            raise ValueError("recipient refused")
        return real_send_mail(subject, body, sender, recipients)

    monkeypatch.setattr(portal.services, "send_mail", refuses_approval)
    client.force_login(office_user)
    job = start(client, django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "已向 2 个单位发送提醒;1 个单位发送失败" in job.error
    assert "湘潭市 · 市行政审批局(ValueError: recipient refused)" in job.error
    page = client.get(job.get_absolute_url()).content.decode()
    assert "执行失败" in page and "重试" in page
    assert ReminderLog.objects.count() == 2

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("jobs:retry", args=[job.pk]))
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 2, "")
    assert job.result.endswith("已向 1 个单位发送提醒。")
    assert [m.to[0] for m in mail.outbox][-1] == "xt_approval@example.gov.cn"
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("role", ["leader", "unit"])
def test_only_the_office_may_start_reminders(
    client, role, reminded_units, django_capture_on_commit_callbacks
):
    user = (
        make_user(group=LEADER_GROUP, is_staff=True)
        if role == "leader"
        else make_user(units=[reminded_units["xt_market"]])
    )
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:reminders-start"))
    assert response.status_code == 403
    assert not Job.objects.exists() and len(mail.outbox) == 0
    assert client.get(reverse("portal:reminders-start")).status_code == 405
    if role == "leader":
        workbench = client.get(reverse("admin:index")).content.decode()
        assert "发送今日提醒" not in workbench


def test_the_command_still_sends_and_skips_units_the_job_reminded(office_user, reminded_units):
    from io import StringIO

    from django.core.management import call_command

    job = services.job_start(
        kind=JobKind.REMINDERS,
        params={
            "as_of": timezone.localdate().isoformat(),
            "days": 15,
            "region_ids": [Region.objects.get(code="433100").pk],
        },
        user=office_user,
        title="发送提醒",
    )
    services.job_run(job.pk)
    assert [m.to[0] for m in mail.outbox] == ["xx_market@example.gov.cn"]
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "已向 2 个单位发送提醒" in out.getvalue()
    assert len(mail.outbox) == 3
