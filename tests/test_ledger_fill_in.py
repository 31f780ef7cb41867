"""Ledgers people can fill in: 状态 as a drop-down, real Excel dates, the usual status
synonyms, and a re-import that skips the rows of tasks 销号 meanwhile instead of refusing."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tasks.choices import TaskStatus
from tasks.ledger import ledger_apply, ledger_read, ledger_workbook

from .conftest import XIANGTAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiangtan(imported_plans):
    return imported_plans[XIANGTAN]


def _exported(plan):
    buffer = io.BytesIO()
    ledger_workbook(title=plan.title, tasks=plan.tasks.order_by("number")).save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_status_column_is_a_drop_down_of_the_statuses(xiangtan):
    sheet = _exported(xiangtan).active
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"未开始,推进中,申请销号,受阻,已销号"'
    assert str(validation.sqref) == f"G3:G{2 + xiangtan.tasks.count()}"


def test_deadlines_are_real_excel_dates(xiangtan):
    sheet = _exported(xiangtan).active
    first = xiangtan.tasks.order_by("number").first()
    cell = sheet["E3"]
    assert cell.value == datetime.combine(first.deadline.due_on, datetime.min.time())
    assert cell.number_format == 'yyyy"年"mm"月"dd"日"'


@pytest.mark.parametrize("word", ["已完成", "完成", "已办结"])
def test_done_synonyms_become_a_completion_request(xiangtan, word):
    workbook = _exported(xiangtan)
    workbook.active["F3"], workbook.active["G3"] = "已全部完成", word
    preview = ledger_read(plan=xiangtan, data=_bytes(workbook))
    assert preview.errors == []
    (change,) = preview.changes
    assert change.new_status == TaskStatus.COMPLETION_REQUESTED
    assert change.notes == ["按“申请销号”记录,销号须优化办核实"]


def test_reimport_skips_a_task_completed_meanwhile_and_applies_the_rest(xiangtan, office_user):
    workbook = _exported(xiangtan)
    sheet = workbook.active
    sheet["F3"], sheet["G3"] = "已印发方案", "推进中"
    sheet["F4"], sheet["G4"] = "正在推进", "进行中"
    done = xiangtan.tasks.get(number=1)
    done.status, done.completed_on = TaskStatus.COMPLETED, date(2022, 6, 1)
    done.save()

    preview = ledger_read(plan=xiangtan, data=_bytes(workbook))

    assert preview.errors == []
    assert preview.skipped == ["第3行:任务1已销号,本行未导入(如需继续报送请先重新打开)"]
    reports = ledger_apply(preview=preview, user=office_user)
    assert [(r.task.number, r.status) for r in reports] == [(2, TaskStatus.IN_PROGRESS)]


def test_all_plans_ledger_starts_with_the_plan_column(imported_plans):
    from tasks.models import Task

    tasks = Task.objects.order_by("plan_id", "number")
    sheet = ledger_workbook(title="全部方案", tasks=tasks).active
    header = [cell.value for cell in sheet[2]]
    assert header[:2] == ["方案", "序号"]
    assert header[-3:] == ["完成情况", "存在问题", "下步计划"]
    plans = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert plans == {plan.title for plan in imported_plans.values()}
    assert sheet.max_row == 2 + tasks.count()


def test_all_plans_ledger_reimports_into_one_plan_and_joins_the_extra_columns(
    imported_plans, office_user
):
    from tasks.models import Task

    xiangtan = imported_plans[XIANGTAN]
    workbook = ledger_workbook(title="全部方案", tasks=Task.objects.order_by("plan_id", "number"))
    sheet = workbook.active
    header = [cell.value for cell in sheet[2]]
    col = {name: index for index, name in enumerate(header)}
    rows = list(sheet.iter_rows(min_row=3))
    target = next(r for r in rows if r[0].value == xiangtan.title and r[1].value == 2)
    other = next(r for r in rows if r[0].value != xiangtan.title)
    target[col["状态"]].value = "推进中"
    target[col["完成情况"]].value = "完成60%"
    target[col["存在问题"]].value = "资金缺口"
    target[col["下步计划"]].value = "6月底前完成招标"
    other[col["进展情况"]].value = "别的方案"

    preview = ledger_read(plan=xiangtan, data=_bytes(workbook))

    assert preview.errors == []
    others = Task.objects.exclude(plan=xiangtan).count()
    assert preview.skipped == [f"第3行等{others}行属于其他方案,未导入(请按方案分别上传)"]
    (change,) = preview.changes
    assert change.text == "完成情况:完成60%\n存在问题:资金缺口\n下步计划:6月底前完成招标"
    (report,) = ledger_apply(preview=preview, user=office_user)
    assert report.task.number == 2 and report.text == change.text
