"""Bulk actions on the task list: each goes through its service and tells the clerk what happened."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from deadlines.choices import DeadlineSource, ExtensionStatus
from deadlines.models import DeadlineExtension
from tasks.choices import TaskStatus
from tasks.models import Task, TaskUnit
from units.choices import UnitRole

from .conftest import make_task, make_unit

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:tasks_task_changelist")


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def run_action(client, action, tasks, **data):
    payload = {"action": action, "_selected_action": [t.pk for t in tasks], "apply": "1"}
    payload.update({f"version_{t.pk}": t.version for t in tasks})
    payload.update(data)
    return client.post(CHANGELIST, payload, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def lead_names(task) -> list[str]:
    return [
        link.unit.name for link in task.task_units.filter(role=UnitRole.LEAD).order_by("position")
    ]


def test_action_shows_an_intermediate_form_before_changing_anything(office_client):
    task = make_task(due_on=date(2022, 6, 30))
    response = office_client.post(
        CHANGELIST, {"action": "set_deadline", "_selected_action": [task.pk]}
    )
    assert response.status_code == 200
    assert "新的完成时限" in response.content.decode()
    assert "现完成时限:2022年06月30日" in response.content.decode()
    assert not DeadlineExtension.objects.exists()


def test_replace_lead_unit_keeps_responsible_units_and_is_recorded(office_client):
    old, new, partner = make_unit("旧牵头局"), make_unit("新牵头局"), make_unit("配合局")
    tasks = [make_task(lead_units=[old], responsible_units=[partner]) for _ in range(2)]

    response = run_action(office_client, "assign_lead_unit", tasks, unit=new.pk, replace="1")

    assert "已调整牵头单位 2 项。" in messages_of(response)
    for task in tasks:
        assert lead_names(task) == ["新牵头局"]
        assert task.responsible_units == [partner]
        link = task.task_units.get(unit=new)
        assert link.from_document is False
        assert TaskUnit.history.filter(task_id=task.pk, unit_id=old.pk, history_type="-").exists()


def test_add_lead_unit_keeps_existing_leads(office_client):
    old, new = make_unit("原牵头局"), make_unit("增加局")
    task = make_task(lead_units=[old])
    run_action(office_client, "assign_lead_unit", [task], unit=new.pk, replace="0")
    assert lead_names(task) == ["原牵头局", "增加局"]


def test_extend_deadline_keeps_the_old_date_and_the_reason(office_client):
    task = make_task(due_on=date(2022, 6, 30))

    response = run_action(
        office_client, "set_deadline", [task], new_due_on="2022-09-30", reason="疫情影响"
    )

    assert "已调整完成时限 1 项。" in messages_of(response)
    task.deadline.refresh_from_db()
    assert task.deadline.due_on == date(2022, 9, 30)
    assert task.deadline.source == DeadlineSource.MANUAL
    extension = DeadlineExtension.objects.get()
    assert (extension.previous_due_on, extension.reason, extension.status) == (
        date(2022, 6, 30),
        "疫情影响",
        ExtensionStatus.APPROVED,
    )


def test_earlier_deadline_is_refused_with_a_message(office_client):
    task = make_task(due_on=date(2022, 6, 30))
    response = run_action(
        office_client, "set_deadline", [task], new_due_on="2022-01-31", reason="调整"
    )
    assert any("不能早于原定完成时限" in m for m in messages_of(response))
    task.deadline.refresh_from_db()
    assert task.deadline.due_on == date(2022, 6, 30)


def test_ongoing_task_gets_no_date_from_the_bulk_action(office_client):
    task = make_task(is_ongoing=True)
    response = run_action(
        office_client, "set_deadline", [task], new_due_on="2022-09-30", reason="调整"
    )
    assert any("长期坚持的任务" in m for m in messages_of(response))
    assert not DeadlineExtension.objects.exists()


def test_set_deadline_gives_a_task_without_one_a_manual_date(office_client, office_user):
    task = make_task()
    task.deadline.delete()
    task = Task.objects.get(pk=task.pk)

    response = run_action(
        office_client, "set_deadline", [task], new_due_on="2022-09-30", reason="会议明确"
    )

    assert "已调整完成时限 1 项。" in messages_of(response)
    task = Task.objects.get(pk=task.pk)
    assert (task.deadline.due_on, task.deadline.source) == (
        date(2022, 9, 30),
        DeadlineSource.MANUAL,
    )
    record = task.deadline.history.get()
    assert (record.history_user, record.history_change_reason) == (office_user, "会议明确")


def test_mark_completed_and_reopen(office_client):
    task = make_task(status=TaskStatus.COMPLETION_REQUESTED)

    response = run_action(office_client, "mark_completed", [task])
    task.refresh_from_db()
    assert "已销号 1 项。" in messages_of(response)
    assert (task.status, task.progress, task.completed_on is not None) == (
        TaskStatus.COMPLETED,
        100,
        True,
    )

    response = run_action(office_client, "reopen", [task], reason="材料不全")
    task.refresh_from_db()
    assert "已重新打开 1 项。" in messages_of(response)
    assert (task.status, task.completed_on) == (TaskStatus.IN_PROGRESS, None)
    assert task.history.first().history_change_reason == "重新打开:材料不全"


def test_task_changed_since_the_form_was_opened_is_not_overwritten(office_client):
    stale, fresh = make_task(), make_task()
    stale_version = stale.version
    Task.objects.filter(pk=stale.pk).update(version=stale_version + 1)  # someone else saved

    response = run_action(office_client, "mark_completed", [stale, fresh])

    texts = messages_of(response)
    assert any("已被他人修改" in m for m in texts)
    assert "已销号 1 项。" in texts
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == TaskStatus.NOT_STARTED
    assert fresh.status == TaskStatus.COMPLETED


def test_leader_cannot_run_actions(client, leader_user):
    task = make_task()
    client.force_login(leader_user)
    run_action(client, "mark_completed", [task])
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


@pytest.mark.parametrize("action", ["assign_lead_unit", "set_deadline", "mark_completed", "reopen"])
def test_every_action_form_renders_for_the_selected_tasks(office_client, action):
    task = make_task(due_on=date(2022, 6, 30))
    response = office_client.post(CHANGELIST, {"action": action, "_selected_action": [task.pk]})
    assert response.status_code == 200
    assert 'name="apply"' in response.content.decode()


def test_lead_unit_form_shows_the_chosen_unit_again_when_incomplete(office_client):
    task = make_task(due_on=date(2022, 6, 30))
    unit = make_unit("州发展和改革委员会")
    response = office_client.post(
        CHANGELIST,
        {
            "action": "assign_lead_unit",
            "_selected_action": [task.pk],
            "apply": "1",
            "unit": unit.pk,
            "replace": "",
        },
    )
    assert response.status_code == 200
    assert f'<option value="{unit.pk}" selected>州发展和改革委员会</option>' in (
        response.content.decode()
    )
    assert lead_names(task) == []


def test_clearing_checked_import_warnings_takes_the_task_off_the_warnings_filter(
    office_client, imported_plans
):
    """湘西 task 3 has garbled text; once the clerk has checked it, it leaves the list."""
    from .conftest import XIANGXI

    flagged = imported_plans[XIANGXI].tasks.get(number=3)
    assert flagged.warnings
    listed = office_client.get(CHANGELIST, {"has_warnings": "yes"}).context["cl"].result_list
    assert flagged in listed

    response = run_action(office_client, "clear_warnings", [flagged])
    assert "已清除导入提示 1 项。" in messages_of(response)
    flagged.refresh_from_db()
    assert flagged.warnings == []
    assert "乱码" in flagged.history.first().history_change_reason  # kept in the history
    listed = office_client.get(CHANGELIST, {"has_warnings": "yes"}).context["cl"].result_list
    assert flagged not in listed
