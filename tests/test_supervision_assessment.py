"""Assessment (考评) on a small known data set, and freezing of a published period."""

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from supervision.choices import AssessmentRuleKind, NoticeColour, NoticeStatus, PeriodKind
from supervision.models import (
    AssessmentPeriod,
    AssessmentRule,
    AssessmentScore,
    EscalationNotice,
    PlanPublication,
    TaskAcknowledgement,
)
from supervision.services import assessment_compute, assessment_publish
from tasks.choices import TaskStatus
from tasks.models import ProgressReport
from tests.conftest import make_plan, make_task, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2020, 12, 31)


def at(day: date, hour=10):
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def report(task, unit, day):
    item = ProgressReport.objects.create(
        task=task, unit=unit, status=TaskStatus.IN_PROGRESS, progress=50, text="进展"
    )
    ProgressReport.objects.filter(pk=item.pk).update(created_at=at(day))


def notice(task, unit, colour, confirmed_on=None, status=NoticeStatus.ISSUED):
    return EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=colour,
        reason="测试",
        status=status,
        proposed_on=confirmed_on or date(2020, 7, 1),
        confirmed_at=at(confirmed_on) if confirmed_on else None,
    )


@pytest.fixture
def known_data(db):
    """Unit A: one task done on time, reports in July (twice) and August, acknowledged in time.

    Unit B: task 2 overdue with a red and a blue notice (plus one only proposed), one report
    in September, acknowledged late; task 3 done after its deadline and never acknowledged.
    Plan published Wed 1 July 2020, so acknowledgements were due Mon 6 July.
    """
    AssessmentRule.objects.all().delete()
    for position, (kind, points) in enumerate(
        [
            (AssessmentRuleKind.ON_TIME_COMPLETION, "5"),
            (AssessmentRuleKind.MONTHLY_REPORT, "1"),
            (AssessmentRuleKind.NOTICE_BLUE, "-1"),
            (AssessmentRuleKind.NOTICE_YELLOW, "-3"),
            (AssessmentRuleKind.NOTICE_RED, "-5"),
            (AssessmentRuleKind.LATE_ACKNOWLEDGEMENT, "-1"),
        ]
    ):
        AssessmentRule.objects.create(
            name=AssessmentRuleKind(kind).label, kind=kind, points=points, position=position
        )
    unit_a, unit_b, helper = make_unit("甲局"), make_unit("乙局"), make_unit("丙局")
    plan = make_plan(issued_on=date(2020, 6, 20))
    PlanPublication.objects.create(plan=plan, published_at=at(date(2020, 7, 1)))
    task1 = make_task(
        plan=plan,
        due_on=date(2020, 8, 31),
        lead_units=[unit_a],
        responsible_units=[helper],
        status=TaskStatus.COMPLETED,
        completed_on=date(2020, 8, 15),
    )
    task2 = make_task(plan=plan, due_on=date(2020, 7, 15), lead_units=[unit_b])
    make_task(  # task 3
        plan=plan,
        due_on=date(2020, 9, 10),
        lead_units=[unit_b],
        status=TaskStatus.COMPLETED,
        completed_on=date(2020, 9, 20),
    )
    for day in (date(2020, 7, 5), date(2020, 7, 20), date(2020, 8, 10)):
        report(task1, unit_a, day)
    report(task2, unit_b, date(2020, 9, 1))
    report(task2, unit_b, date(2020, 10, 8))  # after the period
    notice(task2, unit_b, NoticeColour.RED, date(2020, 7, 16))
    notice(task2, unit_b, NoticeColour.BLUE, date(2020, 7, 10))
    notice(task2, unit_b, NoticeColour.YELLOW, status=NoticeStatus.PROPOSED)
    TaskAcknowledgement.objects.create(
        task=task1, unit=unit_a, acknowledged_at=at(date(2020, 7, 3))
    )
    TaskAcknowledgement.objects.create(
        task=task2, unit=unit_b, acknowledged_at=at(date(2020, 7, 8))
    )
    period = AssessmentPeriod.objects.create(
        name="2020年第三季度",
        kind=PeriodKind.QUARTER,
        starts_on=date(2020, 7, 1),
        ends_on=date(2020, 9, 30),
    )
    return period, unit_a, unit_b


def by_unit(scores):
    return {score.unit.name: score for score in scores}


def test_scores_on_the_known_data_set(known_data):
    period, _, _ = known_data
    scores = by_unit(assessment_compute(period=period, today=TODAY))
    assert set(scores) == {"甲局", "乙局"}  # 丙局 only helps, it leads nothing
    # 甲局: 100 + 1 on-time × 5 + 2 report-months × 1 = 107
    assert scores["甲局"].total == Decimal("107")
    assert scores["甲局"].rank == 1
    # 乙局: 100 + 1 report-month − 1 blue − 5 red − 2 late acknowledgements = 93
    assert scores["乙局"].total == Decimal("93")
    assert scores["乙局"].rank == 2
    breakdown = {item["kind"]: (item["count"], item["score"]) for item in scores["乙局"].breakdown}
    assert breakdown == {
        "on_time_completion": (0, "0.00"),
        "monthly_report": (1, "1.00"),
        "notice_blue": (1, "-1.00"),
        "notice_yellow": (0, "0.00"),
        "notice_red": (1, "-5.00"),
        "late_acknowledgement": (2, "-2.00"),
    }


def test_inactive_rules_do_not_count(known_data):
    period, _, _ = known_data
    AssessmentRule.objects.exclude(kind=AssessmentRuleKind.NOTICE_RED).update(is_active=False)
    scores = by_unit(assessment_compute(period=period, today=TODAY))
    assert (scores["甲局"].total, scores["乙局"].total) == (Decimal("100"), Decimal("95"))


def test_published_period_is_frozen(known_data, office_user):
    period, _, unit_b = known_data
    assert assessment_publish(period=period, user=office_user, today=TODAY) == 2
    period.refresh_from_db()
    assert period.is_frozen

    # Later changes to data or rules do not move a published score.
    AssessmentRule.objects.filter(kind=AssessmentRuleKind.NOTICE_RED).update(points=-50)
    report(make_task(lead_units=[unit_b]), unit_b, date(2020, 8, 1))
    scores = by_unit(assessment_compute(period=period, today=TODAY))
    assert scores["乙局"].total == Decimal("93")
    assert AssessmentScore.objects.get(period=period, unit=unit_b).total == Decimal("93")

    with pytest.raises(ValidationError):
        assessment_publish(period=period, user=office_user, today=TODAY)
    assert AssessmentScore.objects.filter(period=period).count() == 2


def test_equal_totals_are_broken_by_the_stated_rules(known_data):
    period, _, _ = known_data
    AssessmentRule.objects.update(is_active=False)
    scores = assessment_compute(period=period, today=TODAY)
    # Both at 100: 乙局 has an overdue task at the period end, 甲局 none.
    assert [(s.unit.name, s.total, s.rank, s.tied) for s in scores] == [
        ("甲局", Decimal("100"), 1, False),
        ("乙局", Decimal("100"), 2, False),
    ]


def test_units_equal_on_every_tie_break_share_a_rank(db):
    AssessmentRule.objects.update(is_active=False)
    plan = make_plan(issued_on=date(2020, 6, 20))
    for name in ("丁局", "戊局"):
        make_task(plan=plan, due_on=date(2020, 12, 31), lead_units=[make_unit(name)])
    period = AssessmentPeriod.objects.create(
        name="2020年第三季度",
        kind=PeriodKind.QUARTER,
        starts_on=date(2020, 7, 1),
        ends_on=date(2020, 9, 30),
    )
    scores = assessment_compute(period=period, today=TODAY)
    assert [(s.unit.name, s.rank, s.tied) for s in scores] == [("丁局", 1, True), ("戊局", 1, True)]


def test_dashboard_shows_the_latest_published_ranking_with_its_breakdown(
    known_data, office_user, leader_user, client
):
    period, _, _ = known_data
    client.force_login(leader_user)
    before = client.get("/dashboard/", {"as_of": "2020-12-31"}).content.decode()
    assert "暂无已发布的考评结果" in before  # a period still being computed is not shown

    assessment_publish(period=period, user=office_user, today=TODAY)
    page = client.get("/dashboard/", {"as_of": "2020-12-31"}).content.decode()
    ranking = page.split("考评排名(按规则计分)")[1].split("</section>")[0]
    assert "2020年第三季度" in ranking
    assert ranking.index("甲局") < ranking.index("乙局")
    assert "<td>107.00</td>" in ranking and "<td>93.00</td>" in ranking
    assert "<td>-5.00</td>" in ranking  # 乙局's red notice, rule by rule


def test_a_year_ranks_the_lead_units_of_that_years_plans_only(imported_plans):
    def ranked(year):
        period = AssessmentPeriod.objects.create(
            name=f"{year}年度",
            kind=PeriodKind.YEAR,
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
        )
        return {score.unit.name for score in assessment_compute(period=period)}

    in_2022 = ranked(2022)
    assert "市行政审批局" in in_2022  # leads 湘潭 2022 tasks
    assert "州市场监督管理局" not in in_2022  # leads only 湘西 2020 tasks
    assert "州市场监督管理局" in ranked(2020)


def test_a_second_active_rule_for_the_same_thing_is_refused(known_data):
    # A clerk adding "红色督办单" next to the default one would count every red notice twice.
    duplicate = AssessmentRule(name="红色督办单扣分", kind=AssessmentRuleKind.NOTICE_RED, points=-5)
    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()
    assert "已有启用的同类规则" in str(refused.value)
    # An inactive one (kept for the record) is fine, and so is editing the rule itself.
    duplicate.is_active = False
    duplicate.full_clean()
    AssessmentRule.objects.get(kind=AssessmentRuleKind.NOTICE_RED, is_active=True).full_clean()


def test_admin_refuses_a_duplicate_rule_with_a_message(known_data, office_user, client):
    client.force_login(office_user)
    response = client.post(
        reverse("admin:supervision_assessmentrule_add"),
        {
            "name": "红色督办单扣分",
            "kind": AssessmentRuleKind.NOTICE_RED,
            "points": "-5",
            "is_active": "on",
            "position": "9",
        },
    )
    assert response.status_code == 200
    assert "已有启用的同类规则" in response.content.decode()
    assert AssessmentRule.objects.filter(kind=AssessmentRuleKind.NOTICE_RED).count() == 1


def test_published_scores_read_in_chinese_in_the_admin(known_data, office_user, client):
    period, _, _ = known_data
    assessment_publish(period=period, user=office_user, today=TODAY)
    client.force_login(office_user)
    page = client.get(
        reverse("admin:supervision_assessmentperiod_change", args=[period.pk])
    ).content.decode()
    assert "红色督办单数:1次 × -5.00 = -5.00" in page  # 乙局, rule by rule
    assert "notice_red" not in page and "&quot;kind&quot;" not in page


def test_excel_file_is_named_after_the_period(known_data, leader_user, client):
    period, _, _ = known_data
    client.force_login(leader_user)
    response = client.get(reverse("supervision:scores-xlsx"), {"period": period.pk})
    disposition = response["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('考评排名-2020年第三季度.xlsx')}" in disposition
    assert f'filename="scores-{period.pk}.xlsx"' in disposition
