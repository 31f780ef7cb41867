"""A year of supervision on the 湘潭 2022 plan, for the demo (`manage.py demo_supervision`) and
the 考评 ranking test (tests/test_assessment_ranking.py), whose hand-worked scores explain it.

The plan was published Fri 22 April 2022: acknowledgements due Tue 26 April (Sun 24 April was
an official 调休 working day). It reports monthly by the month's last working day.

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

from datetime import date, datetime
from zoneinfo import ZoneInfo

from deadlines.models import Deadline
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task
from tasks.services import report_submit, task_complete_verify, task_reopen
from units.models import UnitMembership

from .choices import NoticeColour, NoticeStatus, PeriodKind
from .models import AssessmentPeriod, EscalationNotice, PlanPublication, TaskAcknowledgement

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHLY = [date(2022, 4, 25)] + [date(2022, month, 15) for month in range(5, 13)]


def at(day: date, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _report(task, unit, day: date):
    item = ProgressReport.objects.create(
        task=task, unit=unit, status=TaskStatus.IN_PROGRESS, progress=50, text="按月报送"
    )
    ProgressReport.objects.filter(pk=item.pk).update(created_at=at(day))
    return item


def _notice(task, unit, colour, issued: date, answered: date | None = None):
    answer = _report(task, unit, answered) if answered else None
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


def script_year_2022(*, plan, office, unit_user, period_name="2022年度"):
    """Write the year described above on `plan` (the 湘潭 2022 plan); `unit_user` is made a
    member of B to file its completion request. Returns (period, units by letter, tasks)."""
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
    Deadline.objects.filter(task=tasks[5]).update(
        due_on=date(2022, 6, 30), original_due_on=date(2022, 6, 30)
    )
    PlanPublication.objects.get_or_create(
        plan=plan, defaults={"published_at": at(date(2022, 4, 22), 9), "published_by": office}
    )
    for letter, numbers, day in (
        ("A", (7, 8), date(2022, 4, 25)),
        ("G", (6, 10), date(2022, 4, 25)),
        ("H", (6,), date(2022, 4, 25)),
        ("E", (5,), date(2022, 5, 5)),
        ("L", (10,), date(2022, 5, 10)),
    ):
        for number in numbers:
            TaskAcknowledgement.objects.create(
                task=tasks[number], unit=units[letter], acknowledged_at=at(day)
            )
    for day in MONTHLY:
        for number in (7, 8):
            _report(tasks[number], units["A"], day)
        _report(tasks[5], units["E"], day)
        _report(tasks[6], units["H"], day)
        _report(tasks[10], units["L"], day)
        if day.month not in (10, 11):
            for number in (6, 10):
                _report(tasks[number], units["G"], day)
    for number, day in ((7, date(2022, 6, 20)), (8, date(2022, 11, 30))):
        task = Task.objects.get(pk=tasks[number].pk)
        task_complete_verify(
            task=task, user=office, expected_version=task.version, completed_on=day
        )
    _notice(tasks[1], units["B"], NoticeColour.RED, date(2022, 9, 1))
    _notice(tasks[10], units["G"], NoticeColour.YELLOW, date(2022, 8, 1), date(2022, 8, 15))
    for colour, issued, answered in (
        (NoticeColour.BLUE, date(2022, 6, 1), date(2022, 6, 2)),
        (NoticeColour.RED, date(2022, 7, 1), date(2022, 7, 4)),
        (NoticeColour.YELLOW, date(2022, 8, 1), date(2022, 8, 2)),
        (NoticeColour.RED, date(2022, 9, 1), date(2022, 9, 2)),
        (NoticeColour.BLUE, date(2022, 10, 10), date(2022, 10, 11)),
    ):
        _notice(tasks[6], units["H"], colour, issued, answered)

    # B asks to close task 2 on 10 October; the office sends it back on 12 October.
    UnitMembership.objects.get_or_create(user=unit_user, unit=units["B"])
    task = Task.objects.get(pk=tasks[2].pk)
    request = report_submit(
        task=task,
        user=unit_user,
        status=TaskStatus.COMPLETION_REQUESTED,
        progress=100,
        text="申请销号",
        expected_version=task.version,
        unit=units["B"],
    )
    ProgressReport.objects.filter(pk=request.pk).update(created_at=at(date(2022, 10, 10)))
    task = Task.objects.get(pk=tasks[2].pk)
    task_reopen(task=task, user=office, expected_version=task.version, reason="材料不全")
    reopened, requested = list(Task.history.filter(id=task.pk).order_by("-history_date")[:2])
    Task.history.filter(history_id=requested.history_id).update(history_date=at(date(2022, 10, 10)))
    Task.history.filter(history_id=reopened.history_id).update(history_date=at(date(2022, 10, 12)))

    period, _ = AssessmentPeriod.objects.get_or_create(
        name=period_name,
        defaults={
            "kind": PeriodKind.YEAR,
            "starts_on": date(2022, 1, 1),
            "ends_on": date(2022, 12, 31),
        },
    )
    return period, units, tasks
