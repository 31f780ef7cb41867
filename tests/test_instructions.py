"""领导批示: a leader's instruction on a task or a plan, acknowledged and answered by the lead units."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from supervision.models import Instruction, InstructionReceipt
from supervision.services import instruction_acknowledge, instruction_write
from tasks.choices import TaskStatus
from tasks.models import Task
from tasks.services import report_submit

from .conftest import LENGSHUITAN, make_user


@pytest.fixture
def task4(imported_plans):
    """冷水滩 2021 task 4, led by two units."""
    task = Task.objects.get(plan=imported_plans[LENGSHUITAN], number=4)
    return task


def test_leader_instruction_reaches_every_lead_unit(task4, leader_user):
    instruction = instruction_write(user=leader_user, text="请加快推进,月底前见成效。", task=task4)
    receipts = InstructionReceipt.objects.filter(instruction=instruction)
    assert sorted(r.unit_id for r in receipts) == sorted(u.pk for u in task4.lead_units)
    assert len(task4.lead_units) >= 1
    assert all(r.acknowledged_at is None and r.answer is None for r in receipts)


def test_lead_unit_acknowledges_then_answers_in_its_next_report(task4, leader_user, client):
    instruction_write(user=leader_user, text="请加快推进。", task=task4)
    unit = task4.lead_units[0]
    unit_user = make_user(units=[unit])
    client.force_login(unit_user)
    page = client.get(reverse("portal:task-detail", args=[task4.pk])).content.decode()
    assert page.index('id="instructions"') < page.index('<div class="body">')  # at the top
    assert "请加快推进。" in page and "确认已阅" in page

    receipt = InstructionReceipt.objects.get(unit=unit)
    # A report before acknowledging does not count as the answer.
    task = Task.objects.get(pk=task4.pk)
    report_submit(
        task=task, user=unit_user, status="in_progress", progress=20, text="推进中",
        expected_version=task.version, unit=unit,
    )  # fmt: skip
    receipt.refresh_from_db()
    assert receipt.answer is None

    response = client.post(
        reverse("supervision:instruction-acknowledge", args=[receipt.pk]), {"task": task4.pk}
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.acknowledged_by == unit_user

    task = Task.objects.get(pk=task4.pk)
    report = report_submit(
        task=task, user=unit_user, status="in_progress", progress=60, text="已按批示落实",
        expected_version=task.version, unit=unit,
    )  # fmt: skip
    receipt.refresh_from_db()
    assert receipt.answer == report
    page = client.get(reverse("portal:task-detail", args=[task4.pk])).content.decode()
    assert "进展报告中答复" in page
    assert "领导批示(" in page  # on the timeline


def test_plan_instruction_is_answered_by_a_report_on_any_of_its_tasks(task4, leader_user):
    plan = task4.plan
    instruction = instruction_write(user=leader_user, text="全区各单位要压实责任。", plan=plan)
    units = {r.unit_id for r in instruction.receipts.all()}
    assert len(units) > 1  # every lead unit of the plan's tasks
    unit = task4.lead_units[0]
    receipt = instruction.receipts.get(unit=unit)
    unit_user = make_user(units=[unit])
    instruction_acknowledge(receipt=receipt, user=unit_user)
    task = Task.objects.get(pk=task4.pk)
    report_submit(
        task=task, user=unit_user, status="in_progress", progress=30, text="已部署",
        expected_version=task.version, unit=unit,
    )  # fmt: skip
    receipt.refresh_from_db()
    assert receipt.answered_at is not None


def test_bad_instructions_are_refused_and_nothing_is_saved(task4, leader_user, office_user):
    unit_user = make_user(units=task4.lead_units[:1])
    with pytest.raises(PermissionDenied):
        instruction_write(user=unit_user, text="越权", task=task4)
    with pytest.raises(ValidationError, match="请填写批示内容"):
        instruction_write(user=leader_user, text="  ", task=task4)
    Task.objects.filter(plan=task4.plan).update(
        status=TaskStatus.COMPLETED, completed_on=date(2021, 12, 31)
    )
    with pytest.raises(ValidationError, match="已全部办结,不能再作批示"):
        instruction_write(user=leader_user, text="再接再厉", plan=task4.plan)
    with pytest.raises(ValidationError, match="已销号,不能再作批示"):
        instruction_write(user=leader_user, text="再接再厉", task=Task.objects.get(pk=task4.pk))
    assert not Instruction.objects.exists() and not InstructionReceipt.objects.exists()


def test_leader_writes_on_the_task_page_and_errors_are_shown(task4, leader_user, client):
    client.force_login(leader_user)
    url = reverse("supervision:instruction-create", args=[task4.pk])
    response = client.post(url, {"text": "", "scope": "task"}, follow=True)
    assert "批示未保存:请填写批示内容" in response.content.decode()
    client.post(url, {"text": "请于下月底前办结。", "scope": "task"})
    assert Instruction.objects.get().task == task4


def test_api_and_bulletin_show_instructions(task4, leader_user, client):
    instruction_write(user=leader_user, text="请于下月底前办结。", task=task4)
    client.force_login(leader_user)
    rows = client.get("/api/supervision/instructions/").json()["results"]
    assert [(row["task"], row["text"]) for row in rows] == [(task4.pk, "请于下月底前办结。")]
    assert len(rows[0]["receipts"]) == len(task4.lead_units)
    today = timezone.localdate().isoformat()
    page = client.get(reverse("dashboard:bulletin"), {"as_of": today}).content.decode()
    assert "五、领导批示(1 件)" in page and "请于下月底前办结。" in page
    unit_user = make_user(units=task4.lead_units[:1])
    client.force_login(unit_user)
    assert len(client.get("/api/supervision/instructions/").json()["results"]) == 1
    client.force_login(make_user())
    assert client.get("/api/supervision/instructions/").json()["results"] == []


def test_instruction_on_a_handed_down_task_reaches_each_member_not_the_collective_label(
    regional_plans, office_user, leader_user, client
):
    """湖南 task 1 (省政务局 leads; 各市州人民政府 handed down to the 14 cities): each city's
    government gets its own copy and a message, as the lead unit does; the label gets none."""
    from notifications.models import Notification
    from tasks.assignments import tasks_fan_out
    from units.models import Unit

    from .conftest import HUNAN

    task = Task.objects.get(plan=regional_plans[HUNAN], number=1)
    shizhou = Unit.objects.get(name="各市州人民政府", is_collective=True)
    members = tasks_fan_out(tasks=[task], collective=shizhou, user=office_user)
    assert len(members) == 14
    lead_ids = {unit.pk for unit in task.lead_units}
    assert [unit.name for unit in task.lead_units] == ["省政务局"]

    instruction = instruction_write(user=leader_user, text="各市州要压实责任。", task=task)

    addressed = set(instruction.receipts.values_list("unit_id", flat=True))
    assert addressed == lead_ids | {link.unit_id for link in members}
    assert len(addressed) == 15 and shizhou.pk not in addressed

    xiangtan = Unit.objects.get(name="湘潭市人民政府", region__name="湘潭市")
    city_user = make_user(units=[xiangtan])
    instruction_write(user=leader_user, text="请湘潭市月底前报送进展。", task=task)
    message = Notification.objects.get(recipient=city_user, kind="instruction")
    assert message.body == "请湘潭市月底前报送进展。"
    assert message.url == reverse("portal:task-detail", args=[task.pk])

    client.force_login(city_user)
    page = client.get(reverse("portal:task-detail", args=[task.pk])).content.decode()
    assert "请湘潭市月底前报送进展。" in page and "确认已阅" in page
    receipt = InstructionReceipt.objects.get(
        instruction__text="请湘潭市月底前报送进展。", unit=xiangtan
    )
    response = client.post(
        reverse("supervision:instruction-acknowledge", args=[receipt.pk]), {"task": task.pk}
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.acknowledged_by == city_user
