"""The 责任分解表 workbook: cells, layout for A4 landscape, the download and who may get it."""

import io
from datetime import date, datetime
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tasks.choices import TaskStatus
from tasks.ledger import HEADERS, XLSX_CONTENT_TYPE, ledger_response, ledger_workbook
from tasks.models import ProgressReport, Task

from .conftest import XIANGTAN, make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


def open_workbook(response):
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def small_plan():
    lead, partner = make_unit("市行政审批局"), make_unit("市司法局")
    plan = make_plan(title="湘潭市十项重点工作")
    first = make_task(
        plan=plan,
        number=1,
        lead_units=[lead],
        responsible_units=[partner],
        due_on=date(2022, 6, 30),
    )
    make_task(plan=plan, number=2, is_ongoing=True, status=TaskStatus.COMPLETED)
    ProgressReport.objects.create(
        task=first, status=TaskStatus.IN_PROGRESS, progress=10, text="旧的进展"
    )
    ProgressReport.objects.create(
        task=first, status=TaskStatus.IN_PROGRESS, progress=40, text="已出台实施方案"
    )
    return plan


def test_workbook_has_title_header_and_one_row_per_task(small_plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # tasks, their units, milestones: not per task
        sheet = ledger_workbook(
            title=small_plan.title, tasks=small_plan.tasks.order_by("number")
        ).active

    assert sheet["A1"].value == "湘潭市十项重点工作"
    assert "A1:J1" in {str(r) for r in sheet.merged_cells.ranges}
    assert tuple(c.value for c in sheet[2]) == HEADERS
    assert [c.value for c in sheet[3]] == [
        1,
        "任务1的内容。",
        "市行政审批局",
        "市司法局",
        datetime(2022, 6, 30),  # a real Excel date, shown as 2022年06月30日
        "已出台实施方案",
        "未开始",
        None,  # 完成情况 / 存在问题 / 下步计划: for the unit to fill in
        None,
        None,
    ]
    assert [c.value for c in sheet[4]][4:7] == ["长期坚持", None, "已销号"]
    assert sheet.max_row == 4


def test_workbook_is_printable_on_a4_landscape_with_frozen_wrapped_header(small_plan):
    sheet = ledger_workbook(title="t", tasks=list(small_plan.tasks.all())).active
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$2:$2"
    assert sheet["B3"].alignment.wrap_text
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_list_of_tasks_keeps_its_order(small_plan):
    tasks = list(small_plan.tasks.order_by("-number"))
    sheet = ledger_workbook(title="t", tasks=tasks).active
    assert [sheet["A3"].value, sheet["A4"].value] == [2, 1]


def test_response_is_xlsx_with_a_chinese_file_name(small_plan):
    response = ledger_response(title="t", tasks=small_plan.tasks.all(), filename="台账.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"filename*=UTF-8''{quote('台账.xlsx')}" in response["Content-Disposition"]


def test_plan_ledger_download_for_signed_in_staff(client, office_user, imported_plans):
    plan = imported_plans[XIANGTAN]
    url = reverse("tasks:plan-ledger", args=[plan.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page

    client.force_login(office_user)
    response = client.get(url)
    sheet = open_workbook(response)
    assert sheet["A1"].value == plan.title
    assert sheet.max_row == 2 + plan.tasks.count()
    assert sheet["C3"].value == "市行政审批局"


def test_unit_user_gets_only_their_units_tasks(client, small_plan):
    user = make_user(units=[Task.objects.get(plan=small_plan, number=1).lead_units[0]])
    client.force_login(user)
    sheet = open_workbook(client.get(reverse("tasks:plan-ledger", args=[small_plan.pk])))
    assert [row[0].value for row in sheet.iter_rows(min_row=3)] == [1]


def test_unit_user_of_another_plan_gets_not_found_office_gets_empty_ledger(client, office_user):
    empty = make_plan(title="空方案")
    client.force_login(make_user(units=[make_unit()]))
    assert client.get(reverse("tasks:plan-ledger", args=[empty.pk])).status_code == 404
    client.force_login(office_user)
    assert open_workbook(client.get(reverse("tasks:plan-ledger", args=[empty.pk]))).max_row == 2


def test_admin_exports_the_filtered_task_list(client, office_user, small_plan):
    make_task(plan=make_plan(), number=7)
    client.force_login(office_user)
    response = client.get(
        reverse("admin:tasks_task_ledger"), {"plan": small_plan.pk, "status": "completed"}
    )
    sheet = open_workbook(response)
    assert sheet["A1"].value == "湘潭市十项重点工作"
    assert [row[0].value for row in sheet.iter_rows(min_row=3)] == [2]


def test_admin_action_exports_selected_plans(client, office_user, small_plan):
    client.force_login(office_user)
    response = client.post(
        reverse("admin:tasks_plan_changelist"),
        {"action": "export_ledger", "_selected_action": [small_plan.pk]},
    )
    assert open_workbook(response).max_row == 4


def test_api_serves_the_same_plan_ledger_with_the_same_visibility(client, small_plan):
    url = f"/api/plans/{small_plan.pk}/ledger.xlsx/"
    assert client.get(url).status_code == 403  # anonymous

    unit_user = make_user(units=[Task.objects.get(plan=small_plan, number=1).lead_units[0]])
    client.force_login(unit_user)
    response = client.get(url)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = open_workbook(response)
    assert [row[0].value for row in sheet.iter_rows(min_row=3)] == [1]

    client.force_login(make_user(units=[make_unit()]))
    assert client.get(url).status_code == 404


def test_work_column_leaves_out_the_unit_bracket_that_has_columns_of_its_own(
    client, office_user, imported_plans
):
    from .conftest import XIANGXI

    plan = imported_plans[XIANGXI]
    client.force_login(office_user)
    sheet = open_workbook(client.get(reverse("tasks:plan-ledger", args=[plan.pk])))
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == 4)
    assert row[1].endswith("建立应用“互联网+监管”系统,厘清部门法定监管职责。")
    assert "牵头单位" not in row[1] and "6月底完成" not in row[1]
    assert row[2] == "州行政审批服务局、州市场监督管理局"
    assert row[4] == datetime(2020, 6, 30)
