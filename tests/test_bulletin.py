"""The monthly bulletin (月通报): workbook contents, printable page and command."""

from datetime import date, datetime, time
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from tasks.choices import TaskStatus
from tasks.models import ProgressReport

from .conftest import make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db

AS_OF = date(2021, 5, 31)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def month_of_work():
    """One unit behind (two overdue, one silent this month), one that finished in May."""
    behind, done = make_unit("落后局"), make_unit("完成局")
    plan = make_plan(title="五月方案")
    late = make_task(plan=plan, number=1, due_on=date(2021, 3, 31), lead_units=[behind])
    make_task(plan=plan, number=2, due_on=date(2021, 5, 20), lead_units=[behind])
    for number, due_on, completed_on in (
        (3, date(2021, 5, 31), date(2021, 5, 10)),  # completed this month
        (4, date(2021, 4, 30), date(2021, 4, 28)),  # completed last month
    ):
        make_task(
            plan=plan,
            number=number,
            due_on=due_on,
            lead_units=[done],
            status=TaskStatus.COMPLETED,
            completed_on=completed_on,
        )
    report = ProgressReport.objects.create(
        task=late, unit=behind, status=TaskStatus.IN_PROGRESS, progress=30, text="推进中"
    )
    ProgressReport.objects.filter(pk=report.pk).update(created_at=at(date(2021, 5, 12)))
    return plan


def read(content: bytes):
    workbook = load_workbook(BytesIO(content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook
    }


def test_bulletin_workbook_lists_units_overdue_and_month_completions(
    month_of_work, leader_user, client
):
    client.force_login(leader_user)
    response = client.get("/dashboard/bulletin.xlsx", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    assert "bulletin-2021-05-31.xlsx" in response["Content-Disposition"]
    sheets = read(response.content)
    assert list(sheets) == ["概况", "单位情况", "逾期任务", "本月销号", "领导批示"]
    summary = {row[0]: row[1] for row in sheets["概况"] if row and row[0]}
    assert (summary["任务总数"], summary["已销号"], summary["已逾期"]) == (4, 2, 2)
    units = {row[0]: row[1:6] for row in sheets["单位情况"][1:]}
    # led, completed, overdue, not reported this month, on-time rate
    assert units["落后局"] == [2, 0, 2, 1, 0]
    assert units["完成局"] == [2, 2, 0, 0, 100]
    overdue = sheets["逾期任务"][1:]
    assert [(row[2], row[5]) for row in overdue] == [("任务1", 61), ("任务2", 11)]
    assert overdue[0][6].date() == date(2021, 5, 12)
    assert overdue[1][6] == "从未报送"
    assert [row[2] for row in sheets["本月销号"][1:]] == ["任务3"]


def test_printable_bulletin_page(month_of_work, office_user, client):
    client.force_login(office_user)
    response = client.get("/dashboard/bulletin/", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    content = response.content.decode()
    assert "改革任务推进情况通报" in content
    assert "任务1" in content and "任务3" in content
    assert "任务4" not in content


def test_bulletin_command_writes_the_workbook(month_of_work, tmp_path):
    out = tmp_path / "may.xlsx"
    call_command(
        "bulletin", "--as-of", "2021-05-31", "--out", str(out), stdout=open("/dev/null", "w")
    )
    sheets = read(out.read_bytes())
    assert [row[2] for row in sheets["逾期任务"][1:]] == ["任务1", "任务2"]


def test_bulletin_command_rejects_a_bad_date(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("bulletin", "--as-of", "31/05/2021", "--out", str(tmp_path / "x.xlsx"))


def test_a_filtered_bulletin_says_which_plan_it_covers(month_of_work, leader_user, client):
    """A printed or downloaded bulletin of one plan read as if it covered every plan."""
    other = make_plan(title="另一方案")
    make_task(plan=other, number=1, due_on=date(2021, 3, 31), lead_units=[make_unit("别的局")])
    client.force_login(leader_user)
    params = {"as_of": AS_OF.isoformat(), "plan": month_of_work.pk}
    page = client.get("/dashboard/bulletin/", params).content.decode()
    assert "统计范围:方案:五月方案" in page
    sheets = read(client.get("/dashboard/bulletin.xlsx", params).content)
    summary = {row[0]: row[1] for row in sheets["概况"] if row and row[0]}
    assert summary["统计范围"] == "方案:五月方案"
    assert summary["任务总数"] == 4
    unfiltered = read(client.get("/dashboard/bulletin.xlsx", {"as_of": AS_OF.isoformat()}).content)
    assert {row[0]: row[1] for row in unfiltered["概况"] if row}["统计范围"] == "全部方案"


def test_bulletin_page_has_a_print_button_wired_by_a_static_script(
    month_of_work, client, office_user
):
    client.force_login(office_user)
    page = client.get("/dashboard/bulletin/", {"as_of": AS_OF.isoformat()}).content.decode()
    assert "data-print" in page and "supervision/print.js" in page
