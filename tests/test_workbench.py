"""The office workbench (admin index): every queue with its count and link, per-plan 签收 and
reporting progress, a constant number of queries; and where each role lands after login."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines.services import extension_request
from supervision.models import EscalationNotice, PlanPublication
from supervision.services import notice_issue, notices_propose, plan_publish, task_acknowledge
from tasks.choices import TaskStatus
from tasks.models import Task, TaskUnit
from tasks.services import report_submit
from units.choices import UnitRole

from .conftest import HUNAN, XIANGXI, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _lead_user(task):
    unit = task.task_units.filter(role=UnitRole.LEAD).first().unit
    return make_user(units=[unit]), unit


def _queue(page: str, label: str) -> int:
    """The count shown on the workbench tile labelled `label`."""
    head, _, _ = page.partition(f'<span class="queue-label">{label}</span>')
    return int(head.rsplit('<span class="queue-count">', 1)[1].split("<", 1)[0])


def test_workbench_counts_every_queue_of_the_real_plans(imported_plans, office_user, client):
    xiangxi = imported_plans[XIANGXI]
    task = xiangxi.tasks.order_by("number").first()
    user, unit = _lead_user(task)
    report_submit(
        task=task,
        user=user,
        status=TaskStatus.COMPLETION_REQUESTED,
        progress=100,
        text="已完成",
        expected_version=task.version,
    )
    other = xiangxi.tasks.order_by("number")[1]
    other_user, _ = _lead_user(other)
    extension_request(
        task=other, user=other_user, requested_due_on=date(2020, 12, 31), reason="疫情影响"
    )
    plan_publish(plan=xiangxi, user=office_user)
    PlanPublication.objects.filter(plan=xiangxi).update(
        published_at=datetime(2020, 3, 2, 9, tzinfo=SHANGHAI)
    )
    proposed = notices_propose(as_of=date(2020, 12, 1))
    assert proposed

    client.force_login(office_user)
    page = client.get(reverse("admin:index")).content.decode()

    assert _queue(page, "销号申请待核验") == 1
    assert _queue(page, "延期申请待审批") == 1
    assert _queue(page, "督办单待确认") == len(proposed)
    leads = TaskUnit.objects.filter(task__plan=xiangxi, role=UnitRole.LEAD)
    assert (
        _queue(page, "超时未签收任务") == leads.exclude(task__status=TaskStatus.COMPLETED).count()
    )
    assert _queue(page, "督办单待单位回复") == 0
    assert _queue(page, "导入提示待核对") == Task.objects.exclude(warnings=[]).count()
    no_lead = Task.objects.exclude(task_units__role=UnitRole.LEAD).count()
    assert _queue(page, "无牵头单位任务") == no_lead
    assert reverse("supervision:proposed") in page
    assert f"?status={TaskStatus.COMPLETION_REQUESTED}" in page
    # Per plan: the published plan shows 0 signed out of its lead links; the others are not published.
    assert xiangxi.title in page and "未交办" in page


def test_workbench_plan_row_shows_signed_and_reported(imported_plans, office_user):
    from dashboard.workbench import plan_progress

    hunan = imported_plans[HUNAN]
    plan_publish(plan=hunan, user=office_user)
    task = hunan.tasks.filter(task_units__role=UnitRole.LEAD).order_by("number").first()
    user, unit = _lead_user(task)
    task_acknowledge(task=task, unit=unit, user=user, responsible_person="张三")
    report_submit(
        task=task,
        user=user,
        status=TaskStatus.IN_PROGRESS,
        progress=30,
        text="推进中",
        expected_version=task.version,
    )
    today = date.today()
    row = next(row for row in plan_progress(today) if row.plan == hunan)
    assert row.leads_signed == 1
    assert row.leads_total > 1
    assert row.reported_tasks == 1
    assert row.open_tasks == hunan.tasks.count()


def test_workbench_query_count_does_not_grow_with_plans(imported_plans, office_user, client):
    client.force_login(office_user)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("admin:index"))
    for plan in imported_plans.values():
        plan_publish(plan=plan, user=office_user)
    notices_propose(as_of=date(2021, 12, 1))
    notice_issue(notices=EscalationNotice.objects.all()[:5], user=office_user)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("admin:index"))
    assert len(after) == len(before)
    assert len(after) <= 16


def test_unit_user_cannot_open_the_workbench(imported_plans, client):
    task = imported_plans[XIANGXI].tasks.first()
    user, _ = _lead_user(task)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize(
    ("role", "landing"),
    [("office", "/admin/"), ("leader", "/dashboard/"), ("unit", "/")],
)
def test_login_lands_each_role_on_its_desk(role, landing, client, office_user, leader_user, db):
    from .conftest import make_unit

    user = {"office": office_user, "leader": leader_user}.get(role) or make_user(
        units=[make_unit()]
    )
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_office_of_one_government_sees_only_its_plans(regional_plans, client):
    from regions.models import Region
    from units.models import UserGovernment
    from units.roles import OFFICE_GROUP

    from .conftest import XIANGTAN

    office = make_user(group=OFFICE_GROUP, is_staff=True)
    UserGovernment.objects.create(user=office, region=Region.objects.get(code="430300"))
    client.force_login(office)
    page = client.get(reverse("admin:index")).content.decode()
    table = page.split("各方案签收与报送")[1].split("</table>")[0]
    assert regional_plans[XIANGTAN].title in table
    assert regional_plans[XIANGXI].title not in table
