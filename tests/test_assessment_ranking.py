"""考评 that ranks: a scripted year of work on the 湘潭 2022 plan (10 tasks, 12 lead units), loaded
with the five plans, scored by rules with points and caps; the expected scores and ranks are
worked out by hand below."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from deadlines.models import Deadline
from supervision.choices import AssessmentRuleKind as Kind
from supervision.choices import NoticeColour, NoticeStatus, PeriodKind
from supervision.models import (
    AssessmentPeriod,
    AssessmentRule,
    EscalationNotice,
    PlanPublication,
    TaskAcknowledgement,
)
from supervision.services import assessment_compute, assessment_publish
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task
from tasks.services import report_submit, task_complete_verify, task_reopen

from .conftest import XIANGTAN, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def at(day: date, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def report(task, unit, day: date):
    item = ProgressReport.objects.create(
        task=task, unit=unit, status=TaskStatus.IN_PROGRESS, progress=50, text="按月报送"
    )
    ProgressReport.objects.filter(pk=item.pk).update(created_at=at(day))
    return item


MONTHLY = [date(2022, 4, 25)] + [date(2022, month, 15) for month in range(5, 13)]


def notice(task, unit, colour, issued: date, answered: date | None = None):
    answer = report(task, unit, answered) if answered else None
    return EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=colour,
        reason="督办",
        status=NoticeStatus.ANSWERED if answered else NoticeStatus.ISSUED,
        proposed_on=issued,
        confirmed_at=at(issued),
        answer=answer,
        answered_at=at(answered) if answered else None,
    )


@pytest.fixture
def year_2022(imported_plans, office_user):
    """The plan was published Fri 22 April 2022: acknowledgements due Tue 26 April (Sun 24
    April was an official 调休 working day). It reports monthly by the month's last working
    day: 29 Apr, 31 May, 30 Jun, 29 Jul, 31 Aug, 30 Sep, 31 Oct, 30 Nov, 30 Dec.

    A  市市场监管局 (leads 7, 8): acknowledged in time, reported every month, finished task 7 on
       20 June and task 8 (with I, J, K and B) on 30 November, both on time.
    B  市行政审批局 (leads 1-4, 6, 8, 9): never acknowledged nor reported; a red notice on task 1
       (1 Sep) never answered; its completion request on task 2 sent back (10 → 12 Oct).
    C  市大数据…中心 (3), F 市司法局 (6): did nothing.
    D  市经研金融办, E 人民银行市中心支行 (5): task 5 was due 30 June (the office's correction)
       and is still open; E acknowledged late (5 May) but reported every month, D did nothing.
    G  市住房城乡建设局 (6, 10): acknowledged and reported, except in October and November; a
       yellow notice on task 10 (Mon 1 Aug, answer due Mon 8 Aug) answered on 15 Aug.
    H  市发改委 (6): acknowledged and reported every month; two blue, one yellow and two red
       notices on task 6, all answered the next working day.
    I, J, K (8, not A or B): never acknowledged nor reported; task 8 done on time.
    L  市自然资源规划局 (10): acknowledged late (10 May), reported every month.
    """
    for position, (kind, points, cap) in enumerate(RULES):
        AssessmentRule.objects.update_or_create(
            kind=kind,
            defaults={"name": kind.label, "points": points, "cap": cap, "position": position},
        )
    AssessmentRule.objects.exclude(kind__in=[kind for kind, _, _ in RULES]).update(is_active=False)
    plan = imported_plans[XIANGTAN]
    tasks = {task.number: task for task in plan.tasks.all()}
    leads = {number: task.lead_units for number, task in tasks.items()}
    units = {
        "A": leads[7][0],
        "B": leads[1][0],
        "C": leads[3][1],
        "D": leads[5][0],
        "E": leads[5][1],
        "F": leads[6][1],
        "G": leads[10][0],
        "H": leads[6][3],
        "I": leads[8][2],
        "J": leads[8][3],
        "K": leads[8][4],
        "L": leads[10][1],
    }
    assert units["B"] in leads[8] and units["G"] in leads[6]
    Deadline.objects.filter(task=tasks[5]).update(
        due_on=date(2022, 6, 30), original_due_on=date(2022, 6, 30)
    )
    PlanPublication.objects.create(plan=plan, published_at=at(date(2022, 4, 22), 9))

    def acknowledge(unit, numbers, day):
        for number in numbers:
            TaskAcknowledgement.objects.create(
                task=tasks[number], unit=unit, acknowledged_at=at(day)
            )

    acknowledge(units["A"], (7, 8), date(2022, 4, 25))
    acknowledge(units["G"], (6, 10), date(2022, 4, 25))
    acknowledge(units["H"], (6,), date(2022, 4, 25))
    acknowledge(units["E"], (5,), date(2022, 5, 5))
    acknowledge(units["L"], (10,), date(2022, 5, 10))

    for day in MONTHLY:
        for number in (7, 8):
            report(tasks[number], units["A"], day)
        report(tasks[5], units["E"], day)
        report(tasks[6], units["H"], day)
        report(tasks[10], units["L"], day)
        if day.month not in (10, 11):
            for number in (6, 10):
                report(tasks[number], units["G"], day)

    for number, day in ((7, date(2022, 6, 20)), (8, date(2022, 11, 30))):
        task = Task.objects.get(pk=tasks[number].pk)
        task_complete_verify(
            task=task, user=office_user, expected_version=task.version, completed_on=day
        )

    notice(tasks[1], units["B"], NoticeColour.RED, date(2022, 9, 1))
    notice(tasks[10], units["G"], NoticeColour.YELLOW, date(2022, 8, 1), date(2022, 8, 15))
    for colour, issued, answered in (
        (NoticeColour.BLUE, date(2022, 6, 1), date(2022, 6, 2)),
        (NoticeColour.RED, date(2022, 7, 1), date(2022, 7, 4)),
        (NoticeColour.YELLOW, date(2022, 8, 1), date(2022, 8, 2)),
        (NoticeColour.RED, date(2022, 9, 1), date(2022, 9, 2)),
        (NoticeColour.BLUE, date(2022, 10, 10), date(2022, 10, 11)),
    ):
        notice(tasks[6], units["H"], colour, issued, answered)

    b_user = make_user(units=[units["B"]])
    with freeze_time("2022-10-10 02:00:00"):
        task = Task.objects.get(pk=tasks[2].pk)
        report_submit(
            task=task,
            user=b_user,
            status=TaskStatus.COMPLETION_REQUESTED,
            progress=100,
            text="申请销号",
            expected_version=task.version,
        )
    with freeze_time("2022-10-12 02:00:00"):
        task = Task.objects.get(pk=tasks[2].pk)
        task_reopen(task=task, user=office_user, expected_version=task.version, reason="材料不全")

    period = AssessmentPeriod.objects.create(
        name="2022年度",
        kind=PeriodKind.YEAR,
        starts_on=date(2022, 1, 1),
        ends_on=date(2022, 12, 31),
    )
    return period, units, tasks


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
    assert page.count("(并列)") == 5
    assert "总分相同时依次比较:期末逾期任务较少、未按期报送次数较少" in page


def test_a_negative_cap_is_refused_and_nothing_is_saved(db):
    rule = AssessmentRule.objects.get(kind=Kind.NOTICE_RED)
    rule.cap = Decimal("-5")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "封顶分值不能为负数" in str(error.value)
    assert AssessmentRule.objects.get(pk=rule.pk).cap == Decimal("15.00")
