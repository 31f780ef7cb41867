"""Working-day arithmetic: weekends and public holidays are skipped, make-up days 调休 count.

Pure functions over plain sets of dates, so that the rules can be tested without a database;
`calendar()` reads the office-edited holiday list once.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself is not counted)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def calendar() -> WorkCalendar:
    """The calendar from the office's holiday list (节假日 and 调休 rows)."""
    from .models import Holiday

    holidays, makeup = set(), set()
    for day, is_workday in Holiday.objects.values_list("day", "is_workday"):
        (makeup if is_workday else holidays).add(day)
    return WorkCalendar(holidays=frozenset(holidays), makeup_workdays=frozenset(makeup))
