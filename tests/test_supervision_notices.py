"""Notice (督办单) proposal rules on hand-built timelines, and the issue → answer cycle."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from supervision.choices import NoticeColour, NoticeStatus
from supervision.models import EscalationNotice, PlanPublication
from supervision.notice_rules import notice_colour
from supervision.services import notice_answer, notice_cancel, notice_issue, notices_propose
from supervision.timeline import task_events
from tasks.choices import TaskStatus
from tasks.models import ProgressReport
from tasks.services import task_complete_verify, task_reopen
from tests.conftest import make_plan, make_task, make_unit, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = date(2020, 6, 20)


def colour(**overrides):
    values = {
        "as_of": AS_OF,
        "due_on": AS_OF + timedelta(days=30),
        "start_on": AS_OF - timedelta(days=10),
        "progress": 50,
        "last_report_on": AS_OF - timedelta(days=3),
        "is_overdue": False,
    }
    values.update(overrides)
    proposal = notice_colour(**values)
    return proposal.colour if proposal else None


def test_overdue_task_is_red():
    assert colour(due_on=AS_OF - timedelta(days=1), is_overdue=True) == NoticeColour.RED


def test_blue_from_seven_days_before_the_deadline_to_the_deadline_itself():
    old = {"last_report_on": AS_OF - timedelta(days=14), "progress": 90}
    assert colour(due_on=AS_OF + timedelta(days=7), **old) == NoticeColour.BLUE
    assert colour(due_on=AS_OF, **old) == NoticeColour.BLUE
    assert colour(due_on=AS_OF + timedelta(days=8), **old) is None


def test_a_report_within_fourteen_days_prevents_blue():
    recent = AS_OF - timedelta(days=13)
    assert colour(due_on=AS_OF + timedelta(days=7), last_report_on=recent) is None


def test_no_report_for_over_a_month_is_yellow():
    assert colour(last_report_on=AS_OF - timedelta(days=31)) == NoticeColour.YELLOW
    assert colour(last_report_on=AS_OF - timedelta(days=30)) is None


def test_never_reported_counts_from_the_start():
    assert colour(last_report_on=None, start_on=AS_OF - timedelta(days=31)) == NoticeColour.YELLOW


def test_progress_far_behind_elapsed_time_is_yellow():
    # 100 of 200 days elapsed (50%): 19% is more than 30 points behind, 20% is not.
    start = AS_OF - timedelta(days=100)
    due = AS_OF + timedelta(days=100)
    assert colour(start_on=start, due_on=due, progress=19) == NoticeColour.YELLOW
    assert colour(start_on=start, due_on=due, progress=20) is None


@pytest.fixture
def lead(db):
    return make_unit("市场监管局")


def propose(day):
    return notices_propose(as_of=day)


def overdue_task(unit, **fields):
    plan = make_plan(issued_on=date(2020, 6, 1))
    return make_task(plan=plan, due_on=date(2020, 6, 30), lead_units=[unit], **fields)


def test_red_only_after_the_due_date(lead):
    task = overdue_task(lead, progress=90)
    ProgressReport.objects.create(
        task=task, unit=lead, status=TaskStatus.IN_PROGRESS, progress=90, text="推进中"
    )
    ProgressReport.objects.filter(task=task).update(
        created_at=datetime(2020, 6, 25, 9, 0, tzinfo=SHANGHAI)
    )
    assert propose(date(2020, 6, 30)) == []
    [notice] = propose(date(2020, 7, 1))
    assert (notice.task, notice.unit, notice.colour) == (task, lead, NoticeColour.RED)
    assert notice.status == NoticeStatus.PROPOSED


def test_notices_go_to_lead_units_only(lead):
    other = make_unit()
    plan = make_plan(issued_on=date(2020, 6, 1))
    make_task(plan=plan, due_on=date(2020, 6, 30), lead_units=[lead], responsible_units=[other])
    assert [n.unit for n in propose(date(2020, 7, 1))] == [lead]


def test_completed_task_gets_no_notice(lead):
    overdue_task(lead, status=TaskStatus.COMPLETED, completed_on=date(2020, 7, 5))
    assert propose(date(2020, 7, 10)) == []


def test_task_without_due_date_is_only_yellow_for_not_reporting():
    quiet = {"due_on": None, "start_on": AS_OF - timedelta(days=400), "progress": 0}
    assert colour(last_report_on=AS_OF - timedelta(days=30), **quiet) is None
    assert colour(last_report_on=AS_OF - timedelta(days=31), **quiet) == NoticeColour.YELLOW
    # no deadline, so neither red (even if flagged) nor the elapsed-share rule applies
    assert colour(last_report_on=AS_OF, is_overdue=True, **quiet) is None


def test_ongoing_task_is_noticed_yellow_a_month_after_publication_without_report(lead):
    plan = make_plan(issued_on=date(2020, 1, 1))
    task = make_task(plan=plan, is_ongoing=True, lead_units=[lead])
    PlanPublication.objects.create(plan=plan, published_at=datetime(2020, 6, 1, 9, tzinfo=SHANGHAI))
    # Monthly by the month's end (the default rule): June's report is due Tue 30 June.
    assert propose(date(2020, 6, 30)) == []
    [notice] = propose(date(2020, 7, 1))
    assert (notice.task, notice.colour) == (task, NoticeColour.YELLOW)
    assert propose(date(2020, 9, 1)) == []  # still the same yellow: not proposed twice


def test_ongoing_task_reporting_monthly_gets_no_notice(lead):
    plan = make_plan(issued_on=date(2020, 1, 1))
    task = make_task(plan=plan, is_ongoing=True, lead_units=[lead])
    PlanPublication.objects.create(plan=plan, published_at=datetime(2020, 6, 1, 9, tzinfo=SHANGHAI))
    ProgressReport.objects.create(
        task=task, unit=lead, status=TaskStatus.IN_PROGRESS, progress=10, text="持续推进"
    )
    ProgressReport.objects.filter(task=task).update(
        created_at=datetime(2020, 6, 28, 9, 0, tzinfo=SHANGHAI)
    )
    # The 28 June report was June's; July's is due Fri 31 July, missed from 1 August.
    assert propose(date(2020, 7, 31)) == []
    assert [n.colour for n in propose(date(2020, 8, 1))] == [NoticeColour.YELLOW]


def test_proposing_twice_is_idempotent(lead):
    overdue_task(lead)
    assert len(propose(date(2020, 7, 1))) == 1
    assert propose(date(2020, 7, 1)) == []
    assert propose(date(2020, 7, 2)) == []
    assert EscalationNotice.objects.count() == 1


def test_a_cancelled_notice_does_not_block_a_new_one(lead, office_user):
    overdue_task(lead)
    [notice] = propose(date(2020, 7, 1))
    notice_cancel(notices=[notice], user=office_user)
    assert len(propose(date(2020, 7, 2))) == 1


def test_reopened_task_can_be_noticed_again(lead, office_user):
    task = overdue_task(lead)
    [first] = propose(date(2020, 7, 1))
    task_complete_verify(
        task=task, user=office_user, expected_version=task.version, completed_on=date(2020, 7, 3)
    )
    assert propose(date(2020, 7, 4)) == []
    task.refresh_from_db()
    task_reopen(task=task, user=office_user, expected_version=task.version, reason="材料不全")
    [second] = propose(date(2020, 7, 5))
    assert second.pk != first.pk and second.colour == NoticeColour.RED


def test_propose_notices_command(lead, django_assert_max_num_queries):
    tasks = [overdue_task(lead), overdue_task(make_unit("市财政局"))]
    out = StringIO()
    # The proposal's reads and writes, then one query for the tasks and one for the units
    # (with their governments) of the lines printed, whatever their number.
    with django_assert_max_num_queries(15):
        call_command("propose_notices", "--as-of", "2020-07-01", stdout=out)
    assert EscalationNotice.objects.filter(colour=NoticeColour.RED).count() == 2
    for task in tasks:
        [unit] = task.lead_units
        assert f"红色(逾期催办) {task} → {unit.full_name}" in out.getvalue()


def test_issue_answer_cycle_keeps_every_timestamp(lead, office_user):
    task = overdue_task(lead)
    unit_user = make_user(units=[lead])
    [notice] = propose(date(2020, 7, 1))
    assert notice_issue(notices=[notice], user=office_user) == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.confirmed_at is not None

    task.refresh_from_db()
    report = notice_answer(
        notice=notice,
        user=unit_user,
        status=TaskStatus.IN_PROGRESS,
        progress=60,
        text="已召开专题会议推进",
        expected_version=task.version,
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ANSWERED
    assert notice.answer == report and report.unit == lead
    assert notice.history.count() == 3
    kinds = [event["kind"] for event in task_events(task)]
    assert kinds == ["notice_issued", "notice_answered"]


def test_blue_counts_from_publication_for_a_task_never_reported(lead, office_user):
    plan = make_plan(issued_on=date(2020, 1, 1))
    task = make_task(plan=plan, due_on=date(2020, 6, 25), lead_units=[lead], progress=90)
    PlanPublication.objects.create(plan=plan, published_at=datetime(2020, 6, 1, 9, tzinfo=SHANGHAI))
    assert propose(date(2020, 6, 17)) == []  # 8 days left
    [notice] = propose(date(2020, 6, 18))  # 7 days left, no report since publication
    assert (notice.task, notice.colour) == (task, NoticeColour.BLUE)


def test_verified_completion_closes_the_tasks_open_notices(lead, office_user, client):
    """A notice no longer waits for an answer (待回复) once its task is 销号."""
    task = overdue_task(lead)
    unit_user = make_user(units=[lead])
    [notice] = propose(date(2020, 7, 1))
    notice_issue(notices=[notice], user=office_user)
    other = overdue_task(lead)
    [proposed] = [n for n in propose(date(2020, 7, 2)) if n.task == other]

    task.refresh_from_db()
    task_complete_verify(task=task, user=office_user, expected_version=task.version)
    other.refresh_from_db()
    task_complete_verify(task=other, user=office_user, expected_version=other.version)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.closed_at is not None
    assert notice.history.first().history_change_reason == "任务已销号,督办单办结"
    proposed.refresh_from_db()
    assert proposed.status == NoticeStatus.CANCELLED  # never reached the unit
    assert [e["kind"] for e in task_events(task)][-1] == "notice_closed"
    assert EscalationNotice.objects.counted().filter(pk=notice.pk).exists()
    client.force_login(unit_user)
    page = client.get("/supervision/").content.decode()
    assert "待回复督办单(0)" in page
