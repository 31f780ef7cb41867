"""The unit's 签收 / 督办 page, the admin actions, the Excel export and the task timeline."""

from datetime import date
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision.choices import NoticeColour, NoticeStatus, PeriodKind
from supervision.models import (
    AssessmentPeriod,
    EscalationNotice,
    PlanPublication,
    PublishablePlan,
    TaskAcknowledgement,
)
from supervision.timeline import task_events
from tests.conftest import make_plan, make_task, make_unit, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def published(db, office_user, client):
    unit = make_unit("甲局")
    plan = make_plan()
    tasks = [make_task(plan=plan, lead_units=[unit]) for _ in range(3)]
    client.force_login(office_user)
    response = client.post(
        reverse("admin:supervision_publishableplan_changelist"),
        {"action": "publish", "_selected_action": [plan.pk]},
    )
    assert response.status_code == 302
    client.logout()
    return plan, unit, tasks


def test_office_publishes_a_plan_from_the_admin(published, office_user):
    plan, _, _ = published
    assert PlanPublication.objects.get(plan=plan).published_by == office_user


def test_leader_cannot_publish(db, leader_user, client):
    plan = make_plan()
    client.force_login(leader_user)
    client.post(
        reverse("admin:supervision_publishableplan_changelist"),
        {"action": "publish", "_selected_action": [plan.pk]},
    )
    assert not PlanPublication.objects.exists()
    assert PublishablePlan.objects.count() == 1


def test_unit_acknowledges_a_task_on_its_page(published, client, django_assert_max_num_queries):
    _, unit, tasks = published
    user = make_user(units=[unit])
    client.force_login(user)
    # session, user, groups, units, pending links, holidays, last contact (prefill),
    # notices, answered notices, unread messages (the bell): the same for 1 or 50 tasks
    with django_assert_max_num_queries(10):
        page = client.get(reverse("supervision:home")).content.decode()
    assert page.count("签收期限") == 3
    response = client.post(
        reverse("supervision:acknowledge", args=[tasks[0].pk]),
        {"unit": unit.pk, "responsible_person": "张三", "phone": "0731-1234567"},
    )
    assert response.status_code == 302
    ack = TaskAcknowledgement.objects.get()
    assert (ack.task, ack.unit, ack.responsible_person, ack.acknowledged_by) == (
        tasks[0],
        unit,
        "张三",
        user,
    )
    assert client.get(reverse("supervision:home")).content.decode().count("签收期限") == 2
    assert [event["kind"] for event in task_events(tasks[0])] == ["published", "acknowledged"]
    assert "张三" in task_events(tasks[0])[1]["text"]


def test_responsible_unit_cannot_acknowledge(db, client, office_user):
    lead, helper = make_unit(), make_unit()
    task = make_task(lead_units=[lead], responsible_units=[helper])
    PlanPublication.objects.create(plan=task.plan, published_at="2020-06-01T10:00:00+08:00")
    client.force_login(make_user(units=[helper]))
    client.post(reverse("supervision:acknowledge", args=[task.pk]), {"unit": helper.pk})
    assert not TaskAcknowledgement.objects.exists()


def test_office_issues_proposed_notices_in_bulk_and_unit_answers(db, client, office_user):
    unit = make_unit()
    task = make_task(lead_units=[unit])
    notices = [
        EscalationNotice.objects.create(
            task=task, unit=unit, colour=colour, reason="测试", proposed_on=date(2020, 7, 1)
        )
        for colour in (NoticeColour.BLUE, NoticeColour.RED)
    ]
    client.force_login(office_user)
    client.post(
        reverse("admin:supervision_escalationnotice_changelist"),
        {"action": "issue", "_selected_action": [n.pk for n in notices]},
    )
    assert set(EscalationNotice.objects.values_list("status", flat=True)) == {NoticeStatus.ISSUED}

    client.force_login(make_user(units=[unit]))
    assert "回复督办单" in client.get(reverse("supervision:home")).content.decode()
    task.refresh_from_db()
    client.post(
        reverse("supervision:answer", args=[notices[1].pk]),
        {
            "status": "in_progress",
            "progress": 40,
            "text": "正在整改",
            "expected_version": task.version,
        },
    )
    notices[1].refresh_from_db()
    assert notices[1].status == NoticeStatus.ANSWERED
    assert notices[1].answer.text == "正在整改"
    # A stale version is refused rather than overwriting someone else's report.
    client.post(
        reverse("supervision:answer", args=[notices[0].pk]),
        {"status": "in_progress", "progress": 50, "text": "再次", "expected_version": task.version},
    )
    notices[0].refresh_from_db()
    assert notices[0].status == NoticeStatus.ISSUED


def test_scores_export_to_excel(db, client, leader_user):
    lead = make_unit("甲局")
    make_task(lead_units=[lead])
    period = AssessmentPeriod.objects.create(
        name="2020年度",
        kind=PeriodKind.YEAR,
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 12, 31),
    )
    client.force_login(leader_user)
    response = client.get(reverse("supervision:scores-xlsx"), {"period": period.pk})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["名次", "单位", "总分"] and "红色督办单" in header
    # Default rules: the task (due 2020-06-30) is overdue at the year end: -3, and 184 days
    # overdue × -0.05 = -9.2 (under the cap of 15): 100 - 3 - 9.2.
    assert [cell.value for cell in sheet[2]][:3] == [1, "甲局", 87.8]


@pytest.mark.parametrize(
    "model",
    [
        "publishableplan",
        "planpublication",
        "taskacknowledgement",
        "holiday",
        "escalationnotice",
        "assessmentrule",
        "assessmentperiod",
    ],
)
def test_office_admin_pages_open(client, published, office_user, model):
    client.force_login(office_user)
    assert client.get(reverse(f"admin:supervision_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:supervision_{model}_add")).status_code in (200, 403)


def test_excel_export_explains_the_rules_on_a_second_sheet(db, client, leader_user):
    make_task(lead_units=[make_unit("甲局")])
    period = AssessmentPeriod.objects.create(
        name="2020年度",
        kind=PeriodKind.YEAR,
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 12, 31),
    )
    client.force_login(leader_user)
    response = client.get(reverse("supervision:scores-xlsx"), {"period": period.pk})
    rules = load_workbook(BytesIO(response.content))["计分规则"]
    rows = {row[0]: row[1:] for row in rules.iter_rows(min_row=2, values_only=True)}
    assert rows["红色督办单"][:2] == ("红色督办单数", -5)
    assert rows["按期完成任务"][:2] == ("按期销号任务数", 5)


def test_answered_notice_stays_on_the_units_page_with_its_timestamps(db, client, office_user):
    unit = make_unit()
    task = make_task(lead_units=[unit])
    notice = EscalationNotice.objects.create(
        task=task, unit=unit, colour=NoticeColour.YELLOW, reason="进度滞后"
    )
    client.force_login(office_user)
    client.post(
        reverse("admin:supervision_escalationnotice_changelist"),
        {"action": "issue", "_selected_action": [notice.pk]},
    )
    user = make_user(units=[unit])
    client.force_login(user)
    TaskAcknowledgement.objects.create(
        task=task, unit=unit, acknowledged_at=notice.proposed_at, phone="13800000000"
    )
    task.refresh_from_db()
    client.post(
        reverse("supervision:answer", args=[notice.pk]),
        {
            "status": "in_progress",
            "progress": 30,
            "text": "已整改",
            "expected_version": task.version,
        },
    )
    notice.refresh_from_db()
    page = client.get(reverse("supervision:home")).content.decode()
    history = page.split("已回复督办单")[1]
    assert f"{notice.answered_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" in history
    assert reverse("supervision:notice-print", args=[notice.pk]) in history

    sheet = client.get(reverse("supervision:notice-print", args=[notice.pk])).content.decode()
    assert "已整改" in sheet and "推进中 30%" in sheet and "13800000000" in sheet
    assert 'id="print-notice"' in sheet and "supervision/print.js" in sheet


def test_issued_notice_cannot_be_edited_or_deleted_in_the_admin(db, client, office_user):
    unit = make_unit()
    notice = EscalationNotice.objects.create(
        task=make_task(lead_units=[unit]), unit=unit, colour=NoticeColour.RED, reason="逾期"
    )
    client.force_login(office_user)
    change_url = reverse("admin:supervision_escalationnotice_change", args=[notice.pk])
    assert 'name="reason"' in client.get(change_url).content.decode()  # a proposal is editable
    client.post(
        reverse("admin:supervision_escalationnotice_changelist"),
        {"action": "issue", "_selected_action": [notice.pk]},
    )
    assert 'name="reason"' not in client.get(change_url).content.decode()
    delete_url = reverse("admin:supervision_escalationnotice_delete", args=[notice.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert EscalationNotice.objects.filter(pk=notice.pk).exists()


def test_notice_only_goes_to_a_lead_unit(db):
    from django.core.exceptions import ValidationError

    lead, helper = make_unit(), make_unit()
    task = make_task(lead_units=[lead], responsible_units=[helper])
    notice = EscalationNotice(task=task, unit=helper, colour=NoticeColour.RED, reason="逾期")
    with pytest.raises(ValidationError):
        notice.full_clean()


def test_invalid_phone_is_refused_and_what_was_typed_is_kept(published, client):
    _, unit, tasks = published
    client.force_login(make_user(units=[unit]))
    response = client.post(
        reverse("supervision:acknowledge", args=[tasks[0].pk]),
        {"unit": unit.pk, "responsible_person": "王五", "phone": "abc"},
    )
    assert response.status_code == 400
    assert not TaskAcknowledgement.objects.exists()
    content = response.content.decode()
    assert "请填写有效的电话号码" in content
    assert 'value="王五"' in content and 'value="abc"' in content
    # the other tasks' cards stay blank
    assert content.count('value="王五"') == 1


@pytest.mark.parametrize(
    "phone", ["0743-8221234", "13800000000", "0743-8221234转801", "+86 138 0000 0000"]
)
def test_usual_phone_formats_are_accepted(published, client, phone):
    _, unit, tasks = published
    client.force_login(make_user(units=[unit]))
    response = client.post(
        reverse("supervision:acknowledge", args=[tasks[0].pk]),
        {"unit": unit.pk, "responsible_person": "王五", "phone": phone},
    )
    assert response.status_code == 302
    assert TaskAcknowledgement.objects.get().phone == phone


def test_next_acknowledgement_is_prefilled_with_the_last_contact(published, client):
    _, unit, tasks = published
    client.force_login(make_user(units=[unit]))
    client.post(
        reverse("supervision:acknowledge", args=[tasks[0].pk]),
        {"unit": unit.pk, "responsible_person": "张明", "phone": "0743-8221234"},
    )
    content = client.get(reverse("supervision:home")).content.decode()
    # the two remaining cards and the plan's 全部签收 form
    assert content.count('value="张明"') == 3 and content.count('value="0743-8221234"') == 3


def test_single_unit_user_is_not_asked_to_pick_the_unit(published, client):
    _, unit, _ = published
    client.force_login(make_user(units=[unit]))
    content = client.get(reverse("supervision:home")).content.decode()
    assert '<select name="unit"' not in content
    # three task cards and the plan's 全部签收 form
    assert content.count(f'<input type="hidden" name="unit" value="{unit.pk}">') == 4


def test_notice_answer_after_someone_else_reported_keeps_the_typed_text(db, client):
    unit = make_unit()
    task = make_task(lead_units=[unit])
    notice = EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=NoticeColour.RED,
        reason="逾期",
        status=NoticeStatus.ISSUED,
        confirmed_at=timezone.now(),
    )
    stale = task.version
    task.version += 1
    task.save()
    client.force_login(make_user(units=[unit]))
    response = client.post(
        reverse("supervision:answer", args=[notice.pk]),
        {
            "status": "in_progress",
            "progress": 60,
            "text": "已完成整改方案",
            "expected_version": stale,
        },
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "已完成整改方案" in content and "您的回复尚未保存" in content
    # the form now carries the current version: sending again is a deliberate save
    assert f'name="expected_version" value="{task.version}"' in content
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED


def test_blank_notice_answer_is_refused_on_the_page(db, client):
    unit = make_unit()
    task = make_task(lead_units=[unit])
    notice = EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=NoticeColour.RED,
        reason="逾期",
        status=NoticeStatus.ISSUED,
        confirmed_at=timezone.now(),
    )
    client.force_login(make_user(units=[unit]))
    response = client.post(
        reverse("supervision:answer", args=[notice.pk]),
        {"status": "in_progress", "progress": 60, "text": "  ", "expected_version": task.version},
    )
    assert response.status_code == 400
    assert 'value="60"' in response.content.decode()
    assert (
        "这个字段是必填项" in response.content.decode()
        or "该字段是必填项" in response.content.decode()
    )


def test_scores_page_without_periods_shows_no_empty_picker(db, client):
    client.force_login(make_user(units=[make_unit()]))
    content = client.get(reverse("supervision:scores")).content.decode()
    assert 'name="period"' not in content
    assert "暂无已发布的考评结果" in content


def test_notice_answer_lowering_progress_asks_for_confirmation_then_is_marked(db, client):
    """60% → 30% through a notice answer: refused until confirmed, then flagged on the timeline."""
    from portal.timeline import task_timeline
    from tasks.models import Task

    unit = make_unit()
    task = make_task(lead_units=[unit], progress=60, status="in_progress")
    user = make_user(units=[unit])
    from tasks.services import report_submit

    report_submit(
        task=task, user=user, status="in_progress", progress=60, text="六成", expected_version=1
    )
    task.refresh_from_db()
    notice = EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=NoticeColour.YELLOW,
        reason="进度滞后",
        status=NoticeStatus.ISSUED,
        confirmed_at=timezone.now(),
    )
    client.force_login(user)
    answer = {
        "status": "in_progress",
        "progress": 30,
        "text": "重新核定进度",
        "expected_version": task.version,
    }
    refused = client.post(reverse("supervision:answer", args=[notice.pk]), answer)
    assert refused.status_code == 400
    content = refused.content.decode()
    assert "进度将由60%降至30%" in content and 'name="confirm_lower"' in content
    assert Task.objects.get(pk=task.pk).progress == 60

    confirmed = client.post(
        reverse("supervision:answer", args=[notice.pk]), {**answer, "confirm_lower": "on"}
    )
    assert confirmed.status_code == 302
    task.refresh_from_db()
    assert task.progress == 30
    [latest, _] = [e for e in task_timeline(task) if e.kind == "report"]
    assert latest.title.endswith("(进度下调)") and "进度由60%下调至30%" in latest.notes
