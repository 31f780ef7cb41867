"""The supervision API: a task's 交办/签收/督办 events and the plan publications."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supervision.choices import NoticeColour
from supervision.models import EscalationNotice, Holiday, PlanPublication, TaskAcknowledgement
from supervision.services import notice_issue
from tests.conftest import make_plan, make_task, make_unit, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shared_task(db, office_user):
    """One task led by two units; each got an issued red notice, and 甲局 a proposed blue one."""
    unit_a, unit_b = make_unit("甲局"), make_unit("乙局")
    plan = make_plan()
    task = make_task(plan=plan, lead_units=[unit_a, unit_b])
    PlanPublication.objects.create(plan=plan, published_at=datetime(2020, 7, 3, 9, tzinfo=SHANGHAI))
    TaskAcknowledgement.objects.create(
        task=task,
        unit=unit_a,
        acknowledged_at=datetime(2020, 7, 6, 9, tzinfo=SHANGHAI),
        responsible_person="王五",
    )
    red = [
        EscalationNotice.objects.create(
            task=task, unit=unit, colour=NoticeColour.RED, reason=f"{unit.name}逾期"
        )
        for unit in (unit_a, unit_b)
    ]
    notice_issue(notices=red, user=office_user)
    EscalationNotice.objects.create(task=task, unit=unit_a, colour=NoticeColour.BLUE, reason="临近")
    return task, make_user(units=[unit_a])


def test_unit_sees_its_own_issued_notices_among_the_task_events(client, shared_task):
    task, user_a = shared_task
    client.force_login(user_a)
    events = client.get(f"/api/supervision/tasks/{task.pk}/events/").json()
    assert [event["kind"] for event in events] == ["published", "acknowledged", "notice_issued"]
    assert "王五" in events[1]["text"]
    assert "甲局逾期" in events[2]["text"]  # 乙局's notice and the proposed blue one are not shown


def test_leader_sees_every_event_including_proposed_notices(client, shared_task, leader_user):
    task, _ = shared_task
    client.force_login(leader_user)
    kinds = [e["kind"] for e in client.get(f"/api/supervision/tasks/{task.pk}/events/").json()]
    assert kinds.count("notice_issued") == 2 and kinds.count("notice_proposed") == 3


def test_task_events_of_another_units_task_are_not_found(client, shared_task):
    task, _ = shared_task
    client.force_login(make_user(units=[make_unit("丙局")]))
    assert client.get(f"/api/supervision/tasks/{task.pk}/events/").status_code == 404


def test_publication_reports_the_acknowledgement_deadline_in_working_days(client, shared_task):
    task, user_a = shared_task
    client.force_login(user_a)
    # Published Friday 3 July 2020: Mon 6, Tue 7, Wed 8 are the three working days.
    [row] = client.get("/api/supervision/publications/").json()["results"]
    assert (row["plan"], row["acknowledgement_due_on"]) == (task.plan_id, "2020-07-08")
    Holiday.objects.create(day=date(2020, 7, 7), name="测试假日")
    [row] = client.get("/api/supervision/publications/").json()["results"]
    assert row["acknowledgement_due_on"] == "2020-07-09"
