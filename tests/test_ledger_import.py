"""Uploading a filled-in ledger: preview of changes and row errors, then all rows or none."""

import io
import zipfile
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.choices import TaskStatus
from tasks.ledger import ledger_apply, ledger_read, ledger_workbook
from tasks.models import ProgressReport, Task

from .conftest import make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:tasks_plan_ledger_import")


@pytest.fixture
def plan():
    plan = make_plan(title="测试方案")
    lead = make_unit("州行政审批局")
    for number in (1, 2, 3):
        make_task(plan=plan, number=number, lead_units=[lead], due_on=date(2022, 6, 30))
    return plan


def filled_ledger(plan, rows: dict[int, dict]) -> bytes:
    """The exported ledger with some cells filled in, keyed by task number and column letter."""
    workbook = ledger_workbook(title=plan.title, tasks=plan.tasks.order_by("number"))
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=3):
        for column, value in rows.get(row[0].value, {}).items():
            sheet[f"{column}{row[0].row}"] = value
    for extra in rows.get("extra", []):
        sheet.append(extra)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_rows_become_changes_unchanged_rows_are_skipped(plan):
    data = filled_ledger(
        plan, {1: {"F": "已完成初稿", "G": "推进中"}, 2: {"G": "受阻", "F": "资金未到位"}}
    )

    preview = ledger_read(plan=plan, data=data)

    assert preview.errors == []
    assert preview.unchanged == 1
    assert [(c.number, c.new_status, c.text) for c in preview.changes] == [
        (1, TaskStatus.IN_PROGRESS, "已完成初稿"),
        (2, TaskStatus.BLOCKED, "资金未到位"),
    ]
    assert not ProgressReport.objects.exists()


def test_bad_rows_are_reported_by_row(plan):
    data = filled_ledger(
        plan,
        {
            1: {"G": "差不多了", "F": "x"},
            2: {"E": "六月底", "F": "y"},
            "extra": [[99, "不存在的任务", None, None, None, "进展", "推进中"], ["abc"]],
        },
    )
    errors = ledger_read(plan=plan, data=data).errors
    assert any(e.startswith("第3行") and "状态“差不多了”无法识别" in e for e in errors)
    assert any(e.startswith("第4行") and "完成时限“六月底”不是有效日期" in e for e in errors)
    assert any(e.startswith("第6行") and "没有序号为99的任务" in e for e in errors)
    assert any(e.startswith("第7行") for e in errors)


def test_completion_and_deadline_changes_are_not_applied_silently(plan):
    data = filled_ledger(
        plan, {1: {"G": "已销号", "F": "完成"}, 2: {"E": "2022-12-31", "F": "推进"}}
    )
    preview = ledger_read(plan=plan, data=data)
    assert any("不能通过台账销号" in e for e in preview.errors)
    change = preview.changes[0]
    assert change.number == 2 and change.notes == ["完成时限的修改未应用,请走延期程序"]


def test_apply_creates_progress_reports_and_moves_status(plan, office_user):
    data = filled_ledger(plan, {1: {"F": "已完成初稿"}, 3: {"G": "受阻", "F": "等待上级批复"}})
    reports = ledger_apply(preview=ledger_read(plan=plan, data=data), user=office_user)
    assert len(reports) == 2
    task3 = Task.objects.get(plan=plan, number=3)
    assert (task3.status, task3.reports.get().text) == (TaskStatus.BLOCKED, "等待上级批复")
    assert Task.objects.get(plan=plan, number=1).reports.get().author == office_user


def test_a_row_whose_task_changed_after_the_preview_is_skipped_with_its_reason(plan, office_user):
    data = filled_ledger(plan, {1: {"F": "一"}, 3: {"F": "三"}})
    preview = ledger_read(plan=plan, data=data)
    Task.objects.filter(plan=plan, number=3).update(version=99)

    reports = ledger_apply(preview=preview, user=office_user)

    assert [report.task.number for report in reports] == [1]
    assert preview.skipped == ["第5行:任务3在预览后已被他人更新,本行未导入"]
    assert not Task.objects.get(plan=plan, number=3).reports.exists()


def test_admin_upload_previews_then_applies(client, office_user, plan):
    client.force_login(office_user)
    data = filled_ledger(plan, {2: {"F": "已召开推进会"}})
    workbook = SimpleUploadedFile("台账.xlsx", data)

    preview = client.post(IMPORT, {"plan": plan.pk, "workbook": workbook})

    assert "已召开推进会" in preview.content.decode()
    assert not ProgressReport.objects.exists()
    response = client.post(IMPORT, {"confirm": "1"}, follow=True)
    assert "已根据台账记录 1 条进展报告。" in [str(m) for m in get_messages(response.wsgi_request)]
    assert ProgressReport.objects.get().text == "已召开推进会"
    # The clerk lands on that plan's tasks, where the new reports show.
    assert response.redirect_chain[-1][0].endswith(f"?plan={plan.pk}")


def test_admin_upload_with_errors_cannot_be_applied(client, office_user, plan):
    client.force_login(office_user)
    data = filled_ledger(plan, {1: {"F": "a"}, 2: {"G": "乱写", "F": "b"}})
    preview = client.post(IMPORT, {"plan": plan.pk, "workbook": SimpleUploadedFile("l.xlsx", data)})
    html = preview.content.decode()
    assert "错误行" in html and "确认保存" not in html
    client.post(IMPORT, {"confirm": "1"})
    assert not ProgressReport.objects.exists()


def test_non_xlsx_upload_is_refused(client, office_user, plan):
    client.force_login(office_user)
    response = client.post(
        IMPORT, {"plan": plan.pk, "workbook": SimpleUploadedFile("l.xlsx", b"not a zip")}
    )
    assert "文件无法读取" in response.content.decode()


def test_zip_bomb_is_refused_before_it_is_expanded(plan):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(ValidationError, match="解压后过大"):
        ledger_read(plan=plan, data=buffer.getvalue())


def sheet_replaced(plan, sheet_xml: bytes) -> bytes:
    """The exported ledger with its first sheet's XML swapped for `sheet_xml`."""
    original = zipfile.ZipFile(io.BytesIO(filled_ledger(plan, {})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in original.infolist():
            content = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml
            archive.writestr(entry, content)
    return buffer.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [
<!ENTITY a "lollollollollollollollollollol">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize("sheet_xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_ledger_whose_sheet_declares_entities_is_unreadable_not_a_500(
    client, office_user, plan, sheet_xml
):
    with pytest.raises(ValidationError, match="文件无法读取"):
        ledger_read(plan=plan, data=sheet_replaced(plan, sheet_xml))
    client.force_login(office_user)
    client.raise_request_exception = False
    upload = SimpleUploadedFile("台账.xlsx", sheet_replaced(plan, sheet_xml))
    response = client.post(IMPORT, {"plan": plan.pk, "workbook": upload})
    assert response.status_code in (200, 400)
    assert "文件无法读取" in response.content.decode()
    assert "root:" not in response.content.decode()
