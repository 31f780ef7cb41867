"""Progress reports, completion requests and 延期申请 through the portal's forms."""

import uuid
from datetime import date

import pytest

from deadlines.choices import ExtensionStatus
from deadlines.services import extension_approve
from tasks.choices import TaskStatus
from tasks.models import ProgressReport

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    lead, partner = make_unit("州市场监督管理局"), make_unit("州税务局")
    task = make_task(lead_units=[lead], responsible_units=[partner], due_on=date(2030, 6, 30))
    return {
        "task": task,
        "lead_user": make_user(units=[lead]),
        "partner_user": make_user(units=[partner]),
    }


def report_data(task, **overrides):
    data = {
        "status": TaskStatus.IN_PROGRESS,
        "progress": 40,
        "text": "已完成方案起草,正在征求意见。",
        "version": task.version,
        "token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_lead_unit_report_is_stored_and_shown_in_timeline(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/report/", report_data(task), follow=True)
    assert response.redirect_chain[-1][0] == f"/tasks/{task.pk}/#top"
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.IN_PROGRESS, 40)
    report = ProgressReport.objects.get(task=task)
    assert report.unit.name == "州市场监督管理局"
    assert "已完成方案起草" in response.content.decode()
    assert "进展报告已提交" in response.content.decode()


def test_responsible_unit_may_report_progress(client, setting):
    task = setting["task"]
    client.force_login(setting["partner_user"])
    response = client.post(f"/tasks/{task.pk}/report/", report_data(task))
    assert response.status_code == 302
    assert ProgressReport.objects.get(task=task).unit.name == "州税务局"


def test_report_without_text_is_rejected_and_keeps_what_was_typed(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/report/", report_data(task, text="", progress=65))
    assert response.status_code == 400
    form = response.context["report_form"]
    assert "text" in form.errors
    assert form["progress"].value() == "65"
    assert 'value="65"' in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("progress", [-1, 101, "abc"])
def test_report_with_out_of_range_percent_is_rejected(client, setting, progress):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/report/", report_data(task, progress=progress))
    assert response.status_code == 400
    assert "progress" in response.context["report_form"].errors


def test_unit_cannot_close_a_task_by_itself(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(
        f"/tasks/{task.pk}/report/", report_data(task, status=TaskStatus.COMPLETED)
    )
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


def test_lead_unit_completion_request_waits_for_the_office(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    client.post(
        f"/tasks/{task.pk}/report/",
        report_data(task, status=TaskStatus.COMPLETION_REQUESTED, progress=100),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETION_REQUESTED
    assert task.completed_on is None


def test_responsible_unit_completion_request_waits_for_the_lead_unit(client, setting):
    task = setting["task"]
    client.force_login(setting["partner_user"])
    page = client.get(f"/tasks/{task.pk}/")
    choices = dict(page.context["report_form"].fields["status"].choices)
    assert TaskStatus.COMPLETION_REQUESTED in choices
    response = client.post(
        f"/tasks/{task.pk}/report/",
        report_data(task, status=TaskStatus.COMPLETION_REQUESTED),
        follow=True,
    )
    assert "销号申请已提交,等待牵头单位审核" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETION_REQUESTED


def test_second_editor_with_stale_version_is_told_to_reload(client, setting):
    task = setting["task"]
    stale = report_data(task, text="第二个人的报告")
    client.force_login(setting["partner_user"])
    assert client.post(f"/tasks/{task.pk}/report/", report_data(task)).status_code == 302
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/report/", stale)
    assert response.status_code == 409
    content = response.content.decode()
    assert "该任务已被他人更新" in content and "您的报告尚未保存" in content
    assert "第二个人的报告" in content  # what was typed is kept
    assert ProgressReport.objects.count() == 1
    task.refresh_from_db()
    form = response.context["report_form"]
    assert form["version"].value() == task.version  # a deliberate resubmit is possible
    assert client.post(f"/tasks/{task.pk}/report/", form.data).status_code == 302
    assert ProgressReport.objects.count() == 2


def test_double_submitted_report_is_stored_once(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    data = report_data(task)
    first = client.post(f"/tasks/{task.pk}/report/", data)
    second = client.post(f"/tasks/{task.pk}/report/", data)
    assert first.status_code == second.status_code == 302
    assert ProgressReport.objects.filter(task=task).count() == 1


@pytest.mark.parametrize("twin_claimed_the_version", [False, True])
def test_double_click_whose_twin_commits_mid_request_shows_the_stored_report(
    client, setting, monkeypatch, twin_claimed_the_version
):
    """Seen in the month-end load test: the twin request commits after this one checked
    for its token, so this one fails validation (token taken) or the version check."""
    from tasks import services

    task = setting["task"]
    user = setting["lead_user"]
    data = report_data(task)
    pick_unit = services._pick_unit

    def twin_commits_meanwhile(user_, task_, unit):
        chosen = pick_unit(user_, task_, unit)
        ProgressReport.objects.create(
            task=task_,
            unit=chosen,
            author=user_,
            status=TaskStatus.IN_PROGRESS,
            progress=40,
            text="双击的第一次提交",
            submission_token=data["token"],
        )
        if twin_claimed_the_version:
            type(task_).objects.filter(pk=task_.pk).update(version=task_.version + 1)
        return chosen

    monkeypatch.setattr(services, "_pick_unit", twin_commits_meanwhile)
    client.force_login(user)
    response = client.post(f"/tasks/{task.pk}/report/", data)
    assert response.status_code == 302
    assert ProgressReport.objects.filter(task=task).count() == 1


def test_lead_unit_extension_request_is_pending_until_the_office_decides(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(
        f"/tasks/{task.pk}/extension/",
        {"requested_due_on": "2030-09-30", "reason": "需等待省级系统对接"},
        follow=True,
    )
    assert "延期申请已提交" in response.content.decode()
    extension = task.deadline.extensions.get()
    assert extension.status == ExtensionStatus.PENDING
    assert extension.previous_due_on == date(2030, 6, 30)
    task.deadline.refresh_from_db()
    assert task.deadline.due_on == date(2030, 6, 30)
    assert "等待优化办审批" in client.get(f"/tasks/{task.pk}/").content.decode()


def test_approved_extension_shows_new_date_and_keeps_the_original_in_the_timeline(
    client, setting, office_user
):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    client.post(
        f"/tasks/{task.pk}/extension/",
        {"requested_due_on": "2030-09-30", "reason": "需等待省级系统对接"},
    )
    extension_approve(extension=task.deadline.extensions.get(), user=office_user, note="同意")
    content = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "2030年9月30日" in content
    assert "延期申请:2030-06-30 → 2030-09-30(已批准)" in content
    assert "原文:延期至" not in content and "原时限见下方记录" in content


def test_timeline_dates_are_beijing_time_at_half_past_midnight(client, setting, office_user):
    """Decided and reported at 00:30 in Beijing (16:30 UTC the day before): shown as local."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from deadlines.models import DeadlineExtension

    task = setting["task"]
    client.force_login(setting["lead_user"])
    client.post(
        f"/tasks/{task.pk}/extension/",
        {"requested_due_on": "2030-09-30", "reason": "需等待省级系统对接"},
    )
    extension = task.deadline.extensions.get()
    extension_approve(extension=extension, user=office_user, note="同意")
    half_past_midnight = datetime(2030, 7, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    DeadlineExtension.objects.filter(pk=extension.pk).update(decided_at=half_past_midnight)
    client.post(f"/tasks/{task.pk}/report/", report_data(task, text="零点半报送"))
    ProgressReport.objects.filter(task=task).update(created_at=half_past_midnight)

    content = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f"已批准({office_user.username},2030-07-01)同意" in content
    assert "2030-07-01 00:30" in content
    assert "2030-06-30 16:30" not in content


def test_extension_to_an_earlier_date_is_rejected_with_the_form_kept(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(
        f"/tasks/{task.pk}/extension/", {"requested_due_on": "2030-01-31", "reason": "理由"}
    )
    assert response.status_code == 400
    assert "requested_due_on" in response.context["extension_form"].errors
    assert "理由" in response.content.decode()
    assert not task.deadline.extensions.exists()


def test_responsible_unit_extension_request_waits_for_the_lead_unit(client, setting):
    task = setting["task"]
    client.force_login(setting["partner_user"])
    assert client.get(f"/tasks/{task.pk}/").context["can_extend"] is True
    response = client.post(
        f"/tasks/{task.pk}/extension/",
        {"requested_due_on": "2030-09-30", "reason": "理由"},
        follow=True,
    )
    assert "延期申请已提交,等待牵头单位审核" in response.content.decode()


def test_task_page_shows_units_deadline_and_status_changes(client, setting, office_user):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    client.post(f"/tasks/{task.pk}/report/", report_data(task))
    client.force_login(office_user)
    content = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "州市场监督管理局" in content and "州税务局" in content
    assert "2030年6月30日" in content
    assert "未开始 → 推进中" in content


def test_task_page_query_count_does_not_grow_with_the_timeline(
    client, setting, django_assert_max_num_queries
):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    for _ in range(10):
        task.refresh_from_db()
        client.post(f"/tasks/{task.pk}/report/", report_data(task))
    # session, user, groups, task (+plan, section, deadline), task_units (+unit),
    # milestones, memberships, reports, history, extensions, pending extension,
    # supervision events (publication, acknowledgements, notices), what waits for this
    # task on /supervision/ (acknowledgement, notices), confirmed downstream tasks,
    # 领导批示 on the page and on the timeline (each with its receipts), unread messages (the bell),
    # sub-tasks, their history (timeline) and the accounts offered in the sub-task form,
    # requests under review and their steps on the timeline
    with django_assert_max_num_queries(27):
        response = client.get(f"/tasks/{task.pk}/")
    assert len([e for e in response.context["timeline"] if e.kind == "report"]) == 10


def test_task_timeline_shows_publication_acknowledgement_and_issued_notice(client, setting):
    from django.utils import timezone

    from supervision.models import EscalationNotice, PlanPublication, TaskAcknowledgement

    task = setting["task"]
    lead_unit = task.lead_units[0]
    PlanPublication.objects.create(plan=task.plan, published_at=timezone.now())
    TaskAcknowledgement.objects.create(
        task=task, unit=lead_unit, acknowledged_at=timezone.now(), responsible_person="李四"
    )
    EscalationNotice.objects.create(task=task, unit=lead_unit, colour="red", reason="已逾期")
    EscalationNotice.objects.create(
        task=task, unit=lead_unit, colour="yellow", reason="进度滞后", confirmed_at=timezone.now()
    )
    client.force_login(setting["lead_user"])
    content = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "优化办交办方案" in content
    assert "签收(责任人:李四)" in content
    assert "进度滞后" in content
    assert "下发黄色(进度滞后)督办单" in content
    assert (
        "红色(逾期催办)督办单" not in content
    )  # proposed by the system, not yet issued by the office


def test_completion_request_is_confirmed_as_such(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(
        f"/tasks/{task.pk}/report/",
        report_data(task, status=TaskStatus.COMPLETION_REQUESTED, progress=100),
        follow=True,
    )
    content = response.content.decode()
    assert "销号申请已提交,等待优化办核实后销号" in content
    assert "进展报告已提交" not in content
    assert "已申请销号,等待优化办核实" in content


def test_extension_to_a_date_already_past_is_refused(client, setting):
    """The task is due in 2030 but a mistyped year (2023) is no extension at all."""
    task = setting["task"]
    task.deadline.due_on = date(2020, 6, 30)
    task.deadline.save()
    client.force_login(setting["lead_user"])
    response = client.post(
        f"/tasks/{task.pk}/extension/", {"requested_due_on": "2023-09-30", "reason": "理由"}
    )
    assert response.status_code == 400
    assert "不能早于今天" in response.context["extension_form"].errors["requested_due_on"][0]
    assert not task.deadline.extensions.exists()


def test_task_without_a_deadline_yet_opens_and_takes_reports(client, setting):
    """A task the office added by hand or through the API has no deadline at first."""
    task = setting["task"]
    task.deadline.delete()
    task.refresh_from_db()
    client.force_login(setting["lead_user"])
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert page.context["extension_form"] is None  # nothing to extend yet
    response = client.post(f"/tasks/{task.pk}/report/", report_data(task))
    assert response.status_code == 302
    assert ProgressReport.objects.filter(task=task).count() == 1


def test_portal_report_lowering_progress_needs_confirmation(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    client.post(f"/tasks/{task.pk}/report/", report_data(task, progress=60))
    task.refresh_from_db()
    assert task.progress == 60

    lowered = report_data(task, progress=30, text="核减进度")
    refused = client.post(f"/tasks/{task.pk}/report/", lowered)
    assert refused.status_code == 400
    content = refused.content.decode()
    assert "进度将由60%降至30%" in content and 'name="confirm_lower"' in content
    assert "核减进度" in content  # the input is kept
    task.refresh_from_db()
    assert task.progress == 60

    response = client.post(f"/tasks/{task.pk}/report/", {**lowered, "confirm_lower": "on"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.progress == 30
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "进展报告:推进中 30%(进度下调)" in page and "进度由60%下调至30%" in page
