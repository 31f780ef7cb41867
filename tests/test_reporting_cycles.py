"""Reporting cycles (报送周期): rules read from the plans' wording, due dates on the official
calendar, and "not reported" everywhere following the rule."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from dashboard.figures import DashboardQuery, by_unit
from portal.services import unit_digest
from supervision.workdays import WorkCalendar
from tasks.choices import ReportingCycle
from tasks.importer.reporting import reporting_rule
from tasks.models import Plan, ProgressReport, Task
from tasks.reporting import ReportingRule

from .conftest import LENGSHUITAN, XIANGXI, make_plan, make_task, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICIAL = WorkCalendar(official=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("于每月25日前向区优化办报送工作进度。", ("monthly", 25, False)),
        ("各单位每月5日前报送上月工作进展。", ("monthly", 5, False)),
        ("每月十日前报送", ("monthly", 10, False)),
        ("每季度末报送工作进展情况", ("quarterly", None, False)),
        ("每季度首月10日前报送上季度情况", ("quarterly", 10, False)),
        ("每半年报告一次工作情况", ("half_yearly", None, False)),
        ("每月前5个工作日内上报上月进展", ("monthly", 5, True)),
    ],
)
def test_reporting_wording_is_read_as_a_rule(text, expected):
    rule = reporting_rule(text)
    assert (rule.cycle, rule.day, rule.working_days) == expected


@pytest.mark.parametrize(
    "text",
    ["每季度召开一次联席会议,研究解决问题", "加强统筹谋划、协调督促", "每月32日前报送"],
)
def test_text_without_a_reporting_rule_gives_none(text):
    assert reporting_rule(text) is None


def test_monthly_due_dates_move_back_off_official_holidays():
    rule = ReportingRule(ReportingCycle.MONTHLY, 5)
    dates = rule.due_dates(date(2020, 9, 1), date(2020, 11, 30), OFFICIAL)
    # 5 Sep is a Saturday -> Fri 4 Sep; 5 Oct is in the National Day holiday (1-8 Oct)
    # -> Wed 30 Sep; 5 Nov is a Thursday.
    assert dates == [date(2020, 9, 4), date(2020, 9, 30), date(2020, 11, 5)]


def test_working_day_rule_counts_the_official_makeup_saturday():
    rule = ReportingRule(ReportingCycle.MONTHLY, 5, working_days=True)
    # October 2020: 1-8 holidays; working days Fri 9, Sat 10 (调休), Mon 12, Tue 13, Wed 14.
    assert rule.due_dates(date(2020, 10, 1), date(2020, 10, 31), OFFICIAL) == [date(2020, 10, 14)]


def test_quarterly_and_half_yearly_due_dates_are_period_ends():
    quarterly = ReportingRule(ReportingCycle.QUARTERLY)
    assert quarterly.due_dates(date(2020, 1, 1), date(2020, 12, 31), OFFICIAL) == [
        date(2020, 3, 31),
        date(2020, 6, 30),
        date(2020, 9, 30),
        date(2020, 12, 31),
    ]
    half = ReportingRule(ReportingCycle.HALF_YEARLY)
    # 2021-06-30 is a Wednesday; 2021-12-31 a Friday.
    assert half.due_dates(date(2021, 1, 1), date(2021, 12, 31), OFFICIAL) == [
        date(2021, 6, 30),
        date(2021, 12, 31),
    ]
    assert (
        ReportingRule(ReportingCycle.NONE).due_dates(date(2021, 1, 1), date(2021, 12, 31), OFFICIAL)
        == []
    )


def test_importer_sets_the_lengshuitan_plan_to_monthly_by_the_25th(imported_plans):
    lengshuitan = imported_plans[LENGSHUITAN]
    assert (
        lengshuitan.reporting_cycle,
        lengshuitan.reporting_day,
        lengshuitan.reporting_in_working_days,
    ) == ("monthly", 25, False)
    assert "每月25日前" in lengshuitan.reporting_text
    assert str(lengshuitan.reporting_rule) == "每月25日前报送"
    # 湘西 only holds a quarterly meeting: no reporting wording, the default monthly rule.
    xiangxi = imported_plans[XIANGXI]
    assert (xiangxi.reporting_cycle, xiangxi.reporting_day, xiangxi.reporting_text) == (
        "monthly",
        None,
        "",
    )
    assert not Task.objects.exclude(reporting_cycle="").exists()


def report_on(task, unit, day: date):
    report = ProgressReport.objects.create(
        task=task, unit=unit, status="in_progress", progress=10, text="进展"
    )
    ProgressReport.objects.filter(pk=report.pk).update(
        created_at=datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    )


@pytest.fixture
def three_rules(db):
    """One unit leads three tasks, each last reported on 2021-04-20:
    monthly by the 5th (plan rule), quarterly (task rule) and none (task rule)."""
    unit = make_unit("区发改局")
    plan = make_plan(year=2021, reporting_cycle=ReportingCycle.MONTHLY, reporting_day=5)
    monthly = make_task(plan=plan, due_on=date(2021, 12, 31), lead_units=[unit])
    quarterly = make_task(
        plan=plan,
        due_on=date(2021, 12, 31),
        lead_units=[unit],
        reporting_cycle=ReportingCycle.QUARTERLY,
    )
    never = make_task(
        plan=plan, due_on=date(2021, 12, 31), lead_units=[unit], reporting_cycle="none"
    )
    for task in (monthly, quarterly, never):
        report_on(task, unit, date(2021, 4, 20))
    return unit, monthly, quarterly, never


def test_not_reported_follows_each_tasks_rule(three_rules):
    unit, monthly, quarterly, _ = three_rules
    # Due dates: Fri 2 Apr (5 Apr is 清明), Fri 30 Apr (5 May is in the May Day holiday),
    # Fri 4 Jun (5 Jun is a Saturday). On 4 June the report due that day is not yet
    # missing, and the 20 April report came after 2 April: up to date.
    assert list(Task.objects.not_reported(date(2021, 6, 4))) == []
    # 7 June: 4 June has passed with nothing since 30 April.
    assert list(Task.objects.not_reported(date(2021, 6, 7))) == [monthly]
    # 1 July: the quarter ended 30 June; the 20 April report came after 31 March, so the
    # quarterly task is up to date; after 30 September it is not.
    assert list(Task.objects.not_reported(date(2021, 7, 1))) == [monthly]
    assert set(Task.objects.not_reported(date(2021, 10, 8))) == {monthly, quarterly}
    report_on(monthly, unit, date(2021, 6, 8))
    assert list(Task.objects.not_reported(date(2021, 6, 9))) == []


def test_reminders_and_bulletin_count_by_the_rule(three_rules):
    unit, monthly, quarterly, _ = three_rules
    digest = unit_digest(unit, as_of=date(2021, 10, 8))
    assert {task.pk for task in digest.unreported} == {monthly.pk, quarterly.pk}
    rows = by_unit(Task.objects.all(), DashboardQuery(as_of=date(2021, 10, 8)), reporting=True)
    assert [(row["unit__name"], row["not_reported"]) for row in rows] == [("区发改局", 2)]


def test_portal_list_marks_tasks_not_reported(three_rules, client, office_user):
    _, monthly, _, _ = three_rules
    client.force_login(office_user)
    page = client.get("/", {"as_of": "2021-06-07"}).content.decode()
    assert page.count("未按期报送</strong>") == 1
    assert 'title="每月5日前报送"' in page


def test_a_reporting_day_without_a_cycle_or_out_of_range_is_refused(db):
    plan = make_plan(reporting_cycle=ReportingCycle.NONE, reporting_day=5)
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "未设定报送周期时不能填写报送日" in str(error.value)
    plan.reporting_cycle, plan.reporting_day = ReportingCycle.MONTHLY, 32
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "报送日应在1至31之间" in str(error.value)
    assert Plan.objects.get(pk=plan.pk).reporting_day == 5  # nothing saved by clean()
