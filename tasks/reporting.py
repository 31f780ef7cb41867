"""Reporting cycles (报送周期): when a task's lead units must have reported, and whether they did.

A rule is a cycle (monthly / quarterly / half-yearly / none) and an optional day: with no
day, the report is due by the last day of each period (每季度末报送); with day N, by day N of
the month after the period (每月5日前报送: May's report by 5 June), or by its Nth working day
when the rule counts working days (前5个工作日). Due dates that fall on a rest day move back
to the working day before. Dates are plain Python here; `supervision.workdays` supplies the
official calendar.

"Not reported" as of a day: no report since the due date before the latest one that has
passed (ended) — a unit that reported after the last due date but before the next is up to date.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from .choices import ReportingCycle

PERIOD_MONTHS = {
    ReportingCycle.MONTHLY: 1,
    ReportingCycle.QUARTERLY: 3,
    ReportingCycle.HALF_YEARLY: 6,
}


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _nth_working_day(year: int, month: int, n: int, calendar) -> date:
    day = date(year, month, 1) - timedelta(days=1)
    return calendar.add_working_days(day, n)


@dataclass(frozen=True)
class ReportingRule:
    cycle: str = ReportingCycle.MONTHLY
    day: int | None = None
    working_days: bool = False

    def __str__(self) -> str:
        if self.cycle == ReportingCycle.NONE:
            return ReportingCycle.NONE.label
        label = ReportingCycle(self.cycle).label
        if self.day is None:
            return {
                ReportingCycle.MONTHLY: "每月底前报送",
                ReportingCycle.QUARTERLY: "每季度末报送",
                ReportingCycle.HALF_YEARLY: "每半年末报送",
            }[self.cycle]
        unit = "个工作日内" if self.working_days else "日前"
        after = "" if self.cycle == ReportingCycle.MONTHLY else "(下一周期首月)"
        return f"{label}{after}{'前' if self.working_days else ''}{self.day}{unit}报送"

    @property
    def requires_reports(self) -> bool:
        return self.cycle in PERIOD_MONTHS

    def _due_for_period_end(self, year: int, month: int, calendar) -> date:
        if self.day is None:
            return calendar.last_working_day_on_or_before(_month_end(year, month))
        next_year, next_month = year + month // 12, month % 12 + 1
        if self.working_days:
            return _nth_working_day(next_year, next_month, self.day, calendar)
        last = _month_end(next_year, next_month).day
        due = date(next_year, next_month, min(self.day, last))
        return calendar.last_working_day_on_or_before(due)

    def due_dates(self, start: date, end: date, calendar) -> list[date]:
        """Due dates from `start` to `end` inclusive, in order."""
        if not self.requires_reports:
            return []
        step = PERIOD_MONTHS[self.cycle]
        dates = []
        year, month = start.year - 1, 12  # periods ending from December of the year before
        while True:
            if month % step == 0:
                due = self._due_for_period_end(year, month, calendar)
                if due > end:
                    break
                if due >= start:
                    dates.append(due)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dates

    def last_due_passed(self, as_of: date, calendar) -> date | None:
        """The latest due date that has ended before `as_of`; None when no report is due."""
        if not self.requires_reports:
            return None
        passed = self.due_dates(date(as_of.year - 2, 1, 1), as_of - timedelta(days=1), calendar)
        return passed[-1] if passed else None

    def window_start(self, as_of: date, calendar) -> date | None:
        """Reports made after this day count as reporting on time as of `as_of`: the due
        date before the latest one passed (a due date passes at its end, so on the day
        itself the report is not yet missing); None when no report is due."""
        if not self.requires_reports:
            return None
        yesterday = as_of - timedelta(days=1)
        passed = self.due_dates(date(as_of.year - 2, 1, 1), yesterday, calendar)
        if len(passed) < 2:
            return None
        return passed[-2]
