"""考评 that ranks: a scripted year of work on the 湘潭 2022 plan (10 tasks, 12 lead units; the
script and who did what are in `supervision.demo`), loaded with the five plans, scored by rules
with points and caps; the expected scores and ranks are worked out by hand below."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from deadlines.choices import ExtensionStatus
from deadlines.models import DeadlineExtension
from supervision.choices import AssessmentRuleKind as Kind
from supervision.choices import PeriodKind
from supervision.demo import script_year_2022
from supervision.models import (
    AssessmentPeriod,
    AssessmentRule,
    Instruction,
)
from supervision.services import assessment_compute, assessment_publish

from .conftest import XIANGTAN, make_user

TODAY = date(2026, 12, 7)

RULES = [  # kind, points, cap
    (Kind.ON_TIME_COMPLETION, "5", "20"),
    (Kind.OVERDUE_AT_END, "-5", "20"),
    (Kind.DAYS_OVERDUE, "-0.1", "10"),
    (Kind.MISSED_REPORT, "-1", "10"),
    (Kind.NOTICE_BLUE, "-1", "10"),
    (Kind.NOTICE_YELLOW, "-2", "10"),
    (Kind.NOTICE_RED, "-3", "10"),
    (Kind.NOTICE_ANSWERED_LATE, "-1", "10"),
    (Kind.NOTICE_UNANSWERED, "-2", "10"),
    (Kind.LATE_ACKNOWLEDGEMENT, "-1", "5"),
    (Kind.SENT_BACK, "-2", "6"),
]


@pytest.fixture
def year_2022(imported_plans, office_user):
    """The year described in `supervision.demo`, scored by the rules above."""
    for position, (kind, points, cap) in enumerate(RULES):
        AssessmentRule.objects.update_or_create(
            kind=kind,
            defaults={"name": kind.label, "points": points, "cap": cap, "position": position},
        )
    AssessmentRule.objects.exclude(kind__in=[kind for kind, _, _ in RULES]).update(is_active=False)
    return script_year_2022(
        plan=imported_plans[XIANGTAN], office=office_user, unit_user=make_user()
    )


# letter: (total, rank, tied) — how each total comes about:
EXPECTED = {
    "A": (Decimal("110"), 1, False),  # 100 + 2 on time × 5
    "L": (Decimal("99"), 2, False),  # 100 − 1 late 签收
    "I": (Decimal("97"), 3, True),  # 100 + 5 (task 8) − 1 late 签收 − 7 missed (Apr–Oct)
    "J": (Decimal("97"), 3, True),
    "K": (Decimal("97"), 3, True),
    "G": (Decimal("93"), 6, False),  # 100 − 4 missed (Oct, Nov × 2 tasks) − 2 yellow − 1 late
    "H": (Decimal("90"), 7, False),  # 100 − 2 blue − 2 yellow − 6 red; no missed report
    "C": (Decimal("90"), 8, True),  # 100 − 1 late 签收 − 9 missed: behind H on missed reports
    "F": (Decimal("90"), 8, True),
    "E": (Decimal("84"), 10, False),  # 100 − 1 late 签收 − 5 overdue − 184 days × 0.1 capped 10
    "B": (Decimal("83"), 11, False),  # 100 + 5 − 5 (7 late, cap) − 10 (60 missed, cap) − 3 red
    # − 2 unanswered − 2 sent back
    "D": (Decimal("75"), 12, False),  # 100 − 1 − 9 missed − 5 overdue − 10 days (capped)
}


def test_a_scripted_year_scores_and_ranks_as_worked_out(year_2022):
    period, units, _ = year_2022
    scores = {score.unit.pk: score for score in assessment_compute(period=period, today=TODAY)}
    assert len(scores) == 12
    got = {
        letter: (scores[unit.pk].total, scores[unit.pk].rank, scores[unit.pk].tied)
        for letter, unit in units.items()
    }
    assert got == EXPECTED


def test_the_breakdown_lists_each_point_with_its_task(year_2022):
    period, units, tasks = year_2022
    scores = {score.unit.pk: score for score in assessment_compute(period=period, today=TODAY)}
    d = {item["kind"]: item for item in scores[units["D"].pk].breakdown}
    assert (d["days_overdue"]["count"], d["days_overdue"]["score"]) == (184, "-10.00")
    assert [entry["task"] for entry in d["days_overdue"]["items"]] == [tasks[5].pk]
    assert "第5项" in d["days_overdue"]["items"][0]["label"]
    b = {item["kind"]: item for item in scores[units["B"].pk].breakdown}
    assert (b["missed_report"]["count"], b["missed_report"]["score"]) == (60, "-10.00")
    assert {entry["task"]: entry["count"] for entry in b["missed_report"]["items"]} == {
        tasks[1].pk: 9,
        tasks[2].pk: 8,  # its completion request on 10 Oct was a report for October
        tasks[3].pk: 9,
        tasks[4].pk: 9,
        tasks[6].pk: 9,
        tasks[8].pk: 7,
        tasks[9].pk: 9,
    }
    assert [entry["task"] for entry in b["sent_back"]["items"]] == [tasks[2].pk]
    assert [entry["task"] for entry in b["notice_unanswered"]["items"]] == [tasks[1].pk]


def test_a_published_year_does_not_change_when_rules_change(year_2022, office_user, client):
    period, units, _ = year_2022
    assessment_publish(period=period, user=office_user, today=TODAY)
    period.refresh_from_db()
    AssessmentRule.objects.filter(kind=Kind.MISSED_REPORT).update(points="-5", cap=None)
    frozen = {s.unit.pk: (s.total, s.rank, s.tied) for s in assessment_compute(period=period)}
    assert {letter: frozen[unit.pk] for letter, unit in units.items()} == EXPECTED
    open_period = AssessmentPeriod.objects.create(
        name="2022年度(重算)",
        kind=PeriodKind.YEAR,
        starts_on=date(2022, 1, 1),
        ends_on=date(2022, 12, 31),
    )
    recomputed = {s.unit.pk: s.total for s in assessment_compute(period=open_period, today=TODAY)}
    assert recomputed[units["C"].pk] == Decimal("54")  # 100 − 1 − 9 × 5, no cap any more
    client.force_login(office_user)
    page = client.get("/supervision/scores/", {"period": period.pk}).content.decode()
    assert page.count('<small class="muted">并列</small>') == 5
    assert "总分相同时依次比较:期末逾期任务较少、未按期报送次数较少" in page


def test_the_ranking_pages_and_shows_the_details_of_the_unit_asked_for(
    year_2022, office_user, client, monkeypatch
):
    """A province ranks thousands of units: 100 rows a page, and the 得分明细 of one unit
    at a time (the names link to it); the Excel export keeps everything."""
    from supervision import views

    period, units, _ = year_2022
    monkeypatch.setattr(views, "SCORES_PAGE_ROWS", 2)
    client.force_login(office_user)
    first = client.get("/supervision/scores/", {"period": period.pk})
    ranked = first.context["ranked"]
    assert ranked > 5 and len(first.context["page"]) == 2
    assert f"第 1 / {(ranked + 1) // 2} 页" in first.content.decode()
    assert first.context["details"] == [] and "点击排名表中的单位名称" in first.content.decode()
    last = client.get("/supervision/scores/", {"period": period.pk, "page": "999"})
    assert [row.rank for row in last.context["page"]] == [
        row.rank for row in last.context["rows"][-len(last.context["page"]) :]
    ]
    a = units["A"]
    detail = client.get("/supervision/scores/", {"period": period.pk, "unit": a.pk})
    assert [row.unit for row in detail.context["details"]] == [a]
    content = detail.content.decode()
    assert f"第1名 {a.full_name}:" in content
    assert content.count('<details class="score-items" open>') == 1
    assert f"unit={a.pk}#details" in first.content.decode()
    # Published, the stored rows are read without their breakdowns and the rows shown get
    # theirs: the same table and the same 得分明细 as before publishing.
    assessment_publish(period=period, user=office_user, today=TODAY)

    def details_block(response):
        return re.search(r"<details.*?</details>", response.content.decode(), re.S).group(0)

    def table(response):
        return re.search(r"<tbody>.*?</tbody>", response.content.decode(), re.S).group(0)

    published = client.get("/supervision/scores/", {"period": period.pk, "unit": a.pk})
    assert details_block(published) == details_block(detail)
    assert "<li>" in details_block(published)  # the tasks behind the points
    assert table(published) == table(detail)


def test_a_negative_cap_is_refused_and_nothing_is_saved(db):
    rule = AssessmentRule.objects.get(kind=Kind.NOTICE_RED)
    rule.cap = Decimal("-5")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "封顶分值不能为负数" in str(error.value)
    assert AssessmentRule.objects.get(pk=rule.pk).cap == Decimal("15.00")


def test_demo_command_shows_a_ranking_a_late_task_an_extension_and_an_instruction(imported_plans):
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=io.StringIO())
    call_command("demo_supervision", stdout=out)
    text = out.getvalue()
    # Default rules (migration supervision/0004): first 市市场监管局, last 市行政审批局.
    assert "第1名 市市场监管局" in text
    assert "逾期办结 10 天" in text
    assert DeadlineExtension.objects.filter(status=ExtensionStatus.PENDING).count() == 1
    assert Instruction.objects.count() == 1
    scores = assessment_compute(period=AssessmentPeriod.objects.get(name="2022年度(演示)"))
    assert len({score.total for score in scores}) > 5  # units differ
    again = io.StringIO()
    call_command("demo_supervision", stdout=again)
    assert "已存在" in again.getvalue()


def test_demo_command_without_demo_accounts_reports_and_writes_nothing(imported_plans):
    err = io.StringIO()
    call_command("demo_supervision", stdout=io.StringIO(), stderr=err)
    assert "督办演示数据未生成:请先导入方案" in err.getvalue()
    assert not AssessmentPeriod.objects.exists()
