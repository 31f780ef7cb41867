"""The overdue rule, shared by the queryset and the in-memory check."""

from datetime import date

import pytest

from tasks.choices import TaskStatus
from tasks.models import Task

from .conftest import make_plan, make_task

pytestmark = pytest.mark.django_db

AS_OF = date(2020, 7, 1)


def overdue_numbers(plan) -> set[int]:
    return set(Task.objects.filter(plan=plan).overdue(AS_OF).values_list("number", flat=True))


def test_overdue_rule_on_boundaries_ongoing_and_completion():
    plan = make_plan()
    make_task(plan=plan, number=1, due_on=date(2020, 6, 30))  # due yesterday: overdue
    make_task(plan=plan, number=2, due_on=date(2020, 7, 1))  # due today: not yet
    make_task(plan=plan, number=3, is_ongoing=True)  # ongoing: never
    make_task(
        plan=plan, number=4, due_on=date(2020, 6, 30), status=TaskStatus.COMPLETION_REQUESTED
    )  # requested, not verified: still open
    make_task(
        plan=plan,
        number=5,
        due_on=date(2020, 6, 30),
        status=TaskStatus.COMPLETED,
        completed_on=date(2020, 6, 20),
    )  # verified before as_of
    make_task(
        plan=plan,
        number=6,
        due_on=date(2020, 6, 30),
        status=TaskStatus.COMPLETED,
        completed_on=date(2020, 7, 15),
    )  # verified only after as_of: overdue when replayed at as_of

    assert overdue_numbers(plan) == {1, 4, 6}
    in_memory = {t.number for t in Task.objects.filter(plan=plan) if t.is_overdue(AS_OF)}
    assert in_memory == {1, 4, 6}


def test_xiangxi_tasks_due_by_end_of_june_are_overdue_on_first_of_july(imported_plans):
    plan = imported_plans["2020-xiangxi-work-plan.txt"]
    due_by_june = set(
        plan.tasks.filter(deadline__due_on__lte=date(2020, 6, 30)).values_list("number", flat=True)
    )
    assert {1, 2, 3, 37} <= due_by_june
    assert overdue_numbers(plan) == due_by_june
