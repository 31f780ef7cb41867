"""Delays stay on record: the original deadline is kept, late extensions do not erase lateness,
and a task completed late shows `逾期办结 N 天` in the portal, admin, API, ledger and bulletin."""

import importlib
from datetime import date
from io import BytesIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from deadlines.choices import ExtensionStatus
from deadlines.models import Deadline, DeadlineExtension
from deadlines.services import deadline_extend, extension_approve, extension_request
from tasks.choices import TaskStatus
from tasks.ledger import ledger_read, ledger_workbook
from tasks.models import Task
from tasks.services import task_complete_verify

from .conftest import XIANGXI, make_user


def xiangxi_task(plans, number) -> Task:
    return Task.objects.select_related("deadline").get(plan=plans[XIANGXI], number=number)


def extend(task, office_user, *, requested_on, approved_on, to):
    """A lead unit asks on `requested_on`; the office approves on `approved_on`."""
    unit_user = make_user(units=task.lead_units[:1])
    with freeze_time(f"{requested_on} 02:00:00"):
        extension = extension_request(
            task=task, user=unit_user, requested_due_on=to, reason="汛期影响施工"
        )
    with freeze_time(f"{approved_on} 02:00:00"):
        extension_approve(extension=extension, user=office_user)
    return Task.objects.select_related("deadline").get(pk=task.pk)


def complete(task, office_user, on: date) -> Task:
    task_complete_verify(
        task=task, user=office_user, expected_version=task.version, completed_on=on
    )
    return Task.objects.select_related("deadline").get(pk=task.pk)


@pytest.fixture
def late_and_on_time(imported_plans, office_user):
    """湘西 2020 plan, tasks 1-3 and 12 (tasks 1-3 due 2020-06-30, task 12 due 2020-12-31):

    1: extension asked and approved before the deadline, done before the new one: on time;
    2: extension approved 10 days after the deadline, done before the new one: 10 days late;
    3: no extension, done on 2020-07-20: 20 days late;
    12: approved 2021-01-05 (5 days late) to 2021-03-31, done 2021-04-10: 5 + 10 = 15 days late.
    """
    plans = imported_plans
    on_time = extend(
        xiangxi_task(plans, 1),
        office_user,
        requested_on="2020-06-15",
        approved_on="2020-06-20",
        to=date(2020, 9, 30),
    )
    late_extension = extend(
        xiangxi_task(plans, 2),
        office_user,
        requested_on="2020-06-25",
        approved_on="2020-07-10",
        to=date(2020, 9, 30),
    )
    twice_late = extend(
        xiangxi_task(plans, 12),
        office_user,
        requested_on="2021-01-04",
        approved_on="2021-01-05",
        to=date(2021, 3, 31),
    )
    return {
        1: complete(on_time, office_user, date(2020, 9, 15)),
        2: complete(late_extension, office_user, date(2020, 9, 15)),
        3: complete(xiangxi_task(plans, 3), office_user, date(2020, 7, 20)),
        12: complete(twice_late, office_user, date(2021, 4, 10)),
    }


def test_extension_approved_before_the_deadline_costs_nothing(late_and_on_time):
    task = late_and_on_time[1]
    assert task.deadline.original_due_on == date(2020, 6, 30)
    assert task.deadline.due_on == date(2020, 9, 30)
    assert (task.days_late(), task.completed_late, task.late_mark) == (0, False, "")


def test_extension_approved_after_the_deadline_keeps_the_days_already_late(late_and_on_time):
    task = late_and_on_time[2]
    assert (task.deadline.original_due_on, task.deadline.due_on) == (
        date(2020, 6, 30),
        date(2020, 9, 30),
    )
    assert task.deadline.late_days_on_record == 10
    assert (task.days_late(), task.completed_late, task.late_mark) == (10, True, "逾期办结 10 天")


def test_days_late_add_up_before_and_after_a_late_extension(late_and_on_time):
    assert late_and_on_time[3].late_mark == "逾期办结 20 天"
    task = late_and_on_time[12]
    assert task.deadline.original_due_on == date(2020, 12, 31)
    assert (task.deadline.late_days_on_record, task.days_late()) == (5, 15)


def test_an_open_task_counts_late_days_up_to_the_day_asked(imported_plans, office_user):
    task = xiangxi_task(imported_plans, 4)  # due 2020-06-30
    with freeze_time("2020-07-03 02:00:00"):
        deadline_extend(task=task, user=office_user, new_due_on=date(2020, 8, 31), reason="调整")
    task = Task.objects.select_related("deadline").get(pk=task.pk)
    assert task.days_late(as_of=date(2020, 8, 1)) == 3
    assert task.days_late(as_of=date(2020, 9, 2)) == 3 + 2
    assert task.completed_late is False


def test_extension_to_a_date_before_the_original_deadline_is_refused(imported_plans, office_user):
    task = xiangxi_task(imported_plans, 5)
    with pytest.raises(ValidationError) as error:
        deadline_extend(task=task, user=office_user, new_due_on=date(2020, 6, 1), reason="提前")
    assert "不能早于原定完成时限(2020年06月30日)" in str(error.value)
    assert not DeadlineExtension.objects.filter(deadline__task=task).exists()
    assert Deadline.objects.get(task=task).due_on == date(2020, 6, 30)


def test_portal_list_and_page_show_the_late_mark(late_and_on_time, office_user, client):
    client.force_login(office_user)
    listing = client.get(reverse("portal:task-list"), {"plan": late_and_on_time[2].plan_id})
    text = listing.content.decode()
    assert text.count("逾期办结 10 天") == 1
    assert text.count("逾期办结 20 天") == 1
    page = client.get(reverse("portal:task-detail", args=[late_and_on_time[2].pk])).content
    page = page.decode()
    assert "逾期办结 10 天" in page
    assert "原定完成时限 2020年6月30日" in page
    assert "延期批准前已逾期 10 天" in page
    on_time = client.get(reverse("portal:task-detail", args=[late_and_on_time[1].pk]))
    assert "逾期办结" not in on_time.content.decode()


def test_admin_list_and_change_page_show_the_late_mark(late_and_on_time, office_user, client):
    client.force_login(office_user)
    task = late_and_on_time[12]
    change = client.get(reverse("admin:tasks_task_change", args=[task.pk])).content.decode()
    assert "逾期办结 15 天" in change
    assert "延期批准前已逾期 5 天" in change
    listing = client.get(reverse("admin:tasks_task_changelist"), {"q": task.title}).content
    assert "逾期办结 15 天" in listing.decode()


def test_api_gives_days_late_and_completed_late(late_and_on_time, office_user, client):
    client.force_login(office_user)
    rows = {
        number: client.get(f"/api/tasks/{task.pk}/").json()
        for number, task in late_and_on_time.items()
    }
    assert {n: (r["days_late"], r["completed_late"]) for n, r in rows.items()} == {
        1: (0, False),
        2: (10, True),
        3: (20, True),
        12: (15, True),
    }
    assert rows[2]["original_due_on"] == "2020-06-30"
    assert rows[2]["due_on"] == "2020-09-30"


def test_ledger_marks_late_tasks_and_reads_the_mark_back(late_and_on_time):
    plan = late_and_on_time[2].plan
    tasks = Task.objects.filter(plan=plan).order_by("number")
    workbook = ledger_workbook(title="台账", tasks=tasks)
    statuses = {row[0]: row[6] for row in workbook.active.iter_rows(min_row=3, values_only=True)}
    assert statuses[1] == "已销号"
    assert statuses[2] == "已销号(逾期办结 10 天)"
    assert statuses[3] == "已销号(逾期办结 20 天)"
    buffer = BytesIO()
    workbook.save(buffer)
    preview = ledger_read(plan=plan, data=buffer.getvalue())
    assert preview.errors == []


def test_bulletin_lists_the_month_completions_with_their_mark(
    late_and_on_time, office_user, client
):
    client.force_login(office_user)
    page = client.get(reverse("dashboard:bulletin"), {"as_of": "2020-09-30"}).content.decode()
    assert page.count("逾期办结 10 天") == 1
    xlsx = client.get(reverse("dashboard:bulletin-xlsx"), {"as_of": "2020-09-30"})
    sheet = load_workbook(BytesIO(xlsx.content))["本月销号"]
    marks = {row[1]: row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert marks == {1: None, 2: "逾期办结 10 天"}


def test_data_migration_fills_the_original_date_and_the_late_days(imported_plans, office_user):
    task = xiangxi_task(imported_plans, 6)  # due 2020-06-30
    with freeze_time("2026-07-01 02:00:00"):  # six years late, as in the issue
        deadline_extend(task=task, user=office_user, new_due_on=date(2026, 12, 31), reason="补")
    Deadline.objects.update(original_due_on=None, late_days_on_record=0)
    migration = importlib.import_module("deadlines.migrations.0003_original_due_on_and_late_days")
    migration.fill_original_dates(apps, None)
    deadline = Deadline.objects.get(task=task)
    assert deadline.original_due_on == date(2020, 6, 30)
    assert deadline.late_days_on_record == (date(2026, 7, 1) - date(2020, 6, 30)).days
    untouched = Deadline.objects.get(task=xiangxi_task(imported_plans, 7))
    assert (untouched.original_due_on, untouched.late_days_on_record) == (date(2020, 12, 31), 0)
    assert DeadlineExtension.objects.filter(status=ExtensionStatus.APPROVED).count() == 1
    assert Task.objects.get(pk=task.pk).status != TaskStatus.COMPLETED
