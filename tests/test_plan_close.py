"""归档: a plan closes when its year is over and its tasks are 销号 or carried over (结转);
closed plans leave today's figures and stay readable."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks.choices import TaskStatus
from tasks.models import Plan, Task
from tasks.services import plan_close, report_submit
from units.choices import UnitRole

from .conftest import LENGSHUITAN, XIANGTAN, XIANGXI, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def test_closing_with_unfinished_tasks_names_them_and_writes_nothing(imported_plans, office_user):
    plan = imported_plans[XIANGXI]
    first = plan.tasks.order_by("number").first()
    with pytest.raises(ValidationError) as error:
        plan_close(plan=plan, user=office_user, today=TODAY)
    assert f"第{first.number}项“{first.title}”" in error.value.messages[0]
    assert f"等{plan.tasks.count()}项" in error.value.messages[0]
    plan.refresh_from_db()
    assert plan.closed_at is None


def test_a_plan_of_the_current_year_cannot_close(imported_plans, office_user):
    plan = imported_plans[XIANGTAN]
    with pytest.raises(ValidationError, match="2022年.*尚未结束"):
        plan_close(plan=plan, user=office_user, today=date(2022, 12, 1))


def test_plan_with_every_task_completed_closes(imported_plans, office_user):
    plan = imported_plans[LENGSHUITAN]
    plan.tasks.update(status=TaskStatus.COMPLETED, completed_on=date(2021, 12, 1))
    assert plan_close(plan=plan, user=office_user, today=TODAY) == []
    plan.refresh_from_db()
    assert plan.is_closed and plan.closed_by == office_user
    with pytest.raises(ValidationError, match="已于"):
        plan_close(plan=plan, user=office_user, today=TODAY)


def test_unfinished_tasks_are_carried_over_to_the_new_plan(imported_plans, office_user):
    old = imported_plans[XIANGXI]
    new = imported_plans[XIANGTAN]
    done = old.tasks.order_by("number").first()
    done.status, done.completed_on = TaskStatus.COMPLETED, date(2020, 6, 1)
    done.save()
    unfinished = list(old.tasks.exclude(pk=done.pk).order_by("number"))
    before = new.tasks.count()
    copies = plan_close(plan=old, user=office_user, carry_to=new, today=TODAY)
    assert len(copies) == len(unfinished)
    assert new.tasks.count() == before + len(unfinished)
    source, copy = unfinished[0], copies[0]
    source.refresh_from_db()
    assert source.carried_to == copy
    assert copy.number == before + 1 and copy.title == source.title
    assert {(link.unit_id, link.role) for link in copy.task_units.all()} == {
        (link.unit_id, link.role) for link in source.task_units.all()
    }
    assert copy.deadline.due_on == source.deadline.due_on
    done.refresh_from_db()
    assert done.carried_to is None


def test_carrying_over_into_the_same_plan_is_refused(imported_plans, office_user):
    plan = imported_plans[XIANGXI]
    with pytest.raises(ValidationError, match="同一方案"):
        plan_close(plan=plan, user=office_user, carry_to=plan, today=TODAY)
    assert not Task.objects.filter(carried_to__isnull=False).exists()


def test_closed_plan_leaves_the_default_dashboard_and_stays_readable(
    imported_plans, office_user, leader_user, client
):
    plan = imported_plans[LENGSHUITAN]
    plan.tasks.exclude(number=1).update(status=TaskStatus.COMPLETED, completed_on=date(2021, 12, 1))
    open_task = plan.tasks.get(number=1)
    client.force_login(leader_user)
    before = client.get("/api/dashboard/?as_of=2021-05-01&plan_closed=false").json()["totals"]
    plan_close(plan=plan, user=office_user, carry_to=imported_plans[XIANGTAN], today=TODAY)

    figures = client.get("/api/dashboard/?as_of=2021-05-01").json()["totals"]
    # the closed plan left (its carried-over task belongs to the 2022 plan, not yet
    # counted on this 2021 date)
    assert figures["total"] == before["total"] - plan.tasks.count()
    closed = client.get("/api/dashboard/?as_of=2021-05-01&plan_closed=true").json()["totals"]
    assert closed["total"] == plan.tasks.count()
    chosen = client.get(f"/api/dashboard/?as_of=2021-05-01&plan={plan.pk}").json()["totals"]
    assert chosen["total"] == plan.tasks.count()
    page = client.get("/dashboard/?as_of=2021-05-01").content.decode()
    assert "plan_closed=false" in page and "进行中的方案" in page

    assert client.get(reverse("portal:task-detail", args=[open_task.pk])).status_code == 200
    lead = open_task.task_units.filter(role=UnitRole.LEAD).first().unit
    with pytest.raises(ValidationError, match="已归档"):
        report_submit(
            task=open_task,
            user=make_user(units=[lead]),
            status=TaskStatus.IN_PROGRESS,
            progress=50,
            text="继续推进",
            expected_version=open_task.version,
        )


def test_office_closes_a_plan_from_the_admin_with_carry_over(imported_plans, office_user, client):
    old, new = imported_plans[XIANGXI], imported_plans[XIANGTAN]
    client.force_login(office_user)
    url = reverse("admin:tasks_plan_changelist")
    form = client.post(url, {"action": "close_plans", "_selected_action": [old.pk]})
    assert "未完成任务结转到" in form.content.decode()
    response = client.post(
        url,
        {"action": "close_plans", "_selected_action": [old.pk], "carry_to": new.pk, "apply": "1"},
    )
    assert response.status_code == 302
    assert Plan.objects.get(pk=old.pk).is_closed
    assert new.tasks.count() == 10 + old.tasks.count()
    page = client.get(reverse("admin:index")).content.decode()
    assert old.title not in page.split("各方案签收与报送")[1].split("</table>")[0]
