"""Acknowledgement deadlines in working days: weekends skipped, the office's holiday list used."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supervision.choices import NoticeColour, NoticeStatus
from supervision.models import EscalationNotice, Holiday, PlanPublication
from supervision.selectors import (
    notice_answer_due_on,
    unacknowledged_for_unit,
    unacknowledged_overdue,
)
from supervision.workdays import WorkCalendar, calendar, official_working_day, official_years
from tests.conftest import make_plan, make_task, make_unit, make_user

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


def test_unacknowledged_list_follows_the_official_calendar(published_task):
    task, unit = published_task
    # Published Wed 30 Sep 2026: 1-7 Oct are the official National Day holidays and Sat
    # 10 Oct is the official 调休 working day, so the third working day is Sat 10 Oct.
    assert unacknowledged_overdue(date(2026, 10, 9)) == []
    assert unacknowledged_overdue(date(2026, 10, 10)) == []
    late = unacknowledged_for_unit(unit, date(2026, 10, 11))
    assert [(item.task, item.due_on) for item in late] == [(task, date(2026, 10, 10))]


def test_office_overrides_win_over_the_official_calendar(published_task):
    task, unit = published_task
    # The office cancels the 调休 Saturday and closes Friday 9 Oct: the working days are
    # Thu 8, Mon 12, Tue 13 Oct, so the deadline moves to Tue 13 Oct.
    Holiday.objects.create(day=date(2026, 10, 10), name="本地不调休")
    Holiday.objects.create(day=date(2026, 10, 9), name="本地放假")
    assert unacknowledged_overdue(date(2026, 10, 13)) == []
    late = unacknowledged_for_unit(unit, date(2026, 10, 14))
    assert [(item.task, item.due_on) for item in late] == [(task, date(2026, 10, 13))]
    # A Sunday the office declares a working day counts.
    Holiday.objects.create(day=date(2026, 10, 11), name="加班", is_workday=True)
    assert [item.due_on for item in unacknowledged_overdue(date(2026, 10, 14))] == [
        date(2026, 10, 12)
    ]


def test_official_calendar_knows_spring_festival_and_its_makeup_sunday():
    calendar = WorkCalendar(official=True)
    # 2020: Spring Festival holiday from 24 Jan; Sun 19 Jan was a 调休 working day.
    assert calendar.is_working_day(date(2020, 1, 19))
    assert not calendar.is_working_day(date(2020, 1, 24))
    assert calendar.add_working_days(date(2020, 1, 22), 2) == date(2020, 2, 3)
    # The pure weekday calendar knows none of this.
    assert not WorkCalendar().is_working_day(date(2020, 1, 19))


def test_a_year_without_official_data_falls_back_to_weekdays_and_overrides():
    first, last = official_years()
    assert (first, last) == (2004, 2026)
    beyond = date(last + 2, 1, 3)  # 2028-01-03 is a Monday
    assert official_working_day(beyond) is None
    assert WorkCalendar(official=True).is_working_day(beyond)
    closed = WorkCalendar(official=True, holidays=frozenset({beyond}))
    assert not closed.is_working_day(beyond)


def test_holiday_admin_explains_the_official_calendar(admin_client):
    page = admin_client.get("/admin/supervision/holiday/").content.decode()
    assert "国务院办公厅公布的节假日安排(2004–2026年)" in page


def test_other_units_digest_does_not_list_the_task(published_task):
    assert unacknowledged_for_unit(make_unit(), date(2026, 12, 1)) == []


def test_unpublished_plans_need_no_acknowledgement(db):
    unit = make_unit()
    make_task(due_on=date(2026, 12, 31), lead_units=[unit])
    assert unacknowledged_for_unit(unit, date(2026, 12, 1)) == []


def test_notice_answer_deadline_counts_official_working_days(published_task, client):
    task, unit = published_task
    notice = EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=NoticeColour.RED,
        reason="逾期",
        status=NoticeStatus.ISSUED,
        confirmed_at=datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI),
    )
    # Five working days after Wed 30 Sep: Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13 Oct.
    assert notice_answer_due_on(notice, calendar()) == date(2026, 10, 13)
    client.force_login(make_user(units=[unit]))
    assert "请于2026-10-13前回复" in client.get("/supervision/").content.decode()
    printed = client.get(f"/supervision/notices/{notice.pk}/print/").content.decode()
    assert "于2026年10月13日前(收到后5个工作日内)" in printed
