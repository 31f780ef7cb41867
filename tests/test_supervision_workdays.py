"""Acknowledgement deadlines in working days: weekends skipped, the office's holiday list used."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supervision.models import Holiday, PlanPublication
from supervision.selectors import unacknowledged_for_unit, unacknowledged_overdue
from supervision.workdays import WorkCalendar
from tests.conftest import make_plan, make_task, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = frozenset(date(2026, 10, day) for day in range(1, 8))
MAKEUP_DAYS = frozenset({date(2026, 9, 27), date(2026, 10, 10)})


def test_three_working_days_after_a_friday_end_on_wednesday():
    assert WorkCalendar().add_working_days(date(2026, 1, 2), 3) == date(2026, 1, 7)


def test_a_weekend_start_counts_from_monday():
    assert WorkCalendar().add_working_days(date(2026, 1, 3), 1) == date(2026, 1, 5)


def test_holidays_are_skipped_and_makeup_saturday_counts():
    calendar = WorkCalendar(holidays=NATIONAL_DAY, makeup_workdays=MAKEUP_DAYS)
    # Wed 30 Sep + 3: Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (调休上班).
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 9, 27))


def test_working_days_between_counts_after_start_up_to_end():
    calendar = WorkCalendar(holidays=NATIONAL_DAY)
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert calendar.working_days_between(date(2026, 10, 9), date(2026, 10, 9)) == 0


@pytest.fixture
def published_task(db):
    unit = make_unit()
    plan = make_plan(year=2026)
    task = make_task(plan=plan, due_on=date(2026, 12, 31), lead_units=[unit])
    PlanPublication.objects.create(
        plan=plan, published_at=datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    )
    return task, unit


def test_unacknowledged_list_uses_the_edited_holiday_list(published_task):
    task, unit = published_task
    # Without holidays the deadline is Mon 5 Oct, so on 9 Oct the task is late.
    assert [item.task for item in unacknowledged_overdue(date(2026, 10, 9))] == [task]

    for day in NATIONAL_DAY:
        Holiday.objects.create(day=day, name="国庆节")
    Holiday.objects.create(day=date(2026, 10, 10), name="国庆调休", is_workday=True)

    # Now the deadline is Sat 10 Oct (调休): not late on the 9th nor the 10th, late on the 11th.
    assert unacknowledged_overdue(date(2026, 10, 10)) == []
    late = unacknowledged_for_unit(unit, date(2026, 10, 11))
    assert [(item.task, item.due_on) for item in late] == [(task, date(2026, 10, 10))]


def test_other_units_digest_does_not_list_the_task(published_task):
    assert unacknowledged_for_unit(make_unit(), date(2026, 12, 1)) == []


def test_unpublished_plans_need_no_acknowledgement(db):
    unit = make_unit()
    make_task(due_on=date(2026, 12, 31), lead_units=[unit])
    assert unacknowledged_for_unit(unit, date(2026, 12, 1)) == []
