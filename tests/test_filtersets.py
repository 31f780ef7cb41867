"""TaskFilterSet on the real plans: the one definition of each filter."""

from datetime import date

import pytest

from tasks.filtersets import TaskFilterSet
from tasks.models import Task
from units.models import Unit

from .conftest import HUNAN, LENGSHUITAN, XIANGXI

pytestmark = pytest.mark.django_db


def numbers(params) -> list[int]:
    filterset = TaskFilterSet(params, queryset=Task.objects.order_by("number"))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("number", flat=True))


def test_lead_unit_filter_in_one_plan(imported_plans):
    unit = Unit.objects.get(name="州市场监督管理局")
    result = numbers({"plan": imported_plans[XIANGXI].pk, "lead_unit": unit.pk})
    assert result == [4, 13, 17, 24, 25, 26, 27]


def test_overdue_as_of_a_date_in_lengshuitan(imported_plans):
    plan = imported_plans[LENGSHUITAN].pk
    # due end of April 2021: tasks 1-6, 8, 9, 13, 18, 19; task 4 is ongoing
    assert numbers({"plan": plan, "overdue": "true", "as_of": "2021-05-01"}) == [
        1, 2, 3, 5, 6, 8, 9, 13, 18, 19,
    ]  # fmt: skip
    assert 4 in numbers({"plan": plan, "overdue": "false", "as_of": "2021-05-01"})


def test_has_lead_false_finds_tasks_without_lead(imported_plans):
    result = numbers({"plan": imported_plans[HUNAN].pk, "has_lead": "false"})
    assert 12 in result and 3 not in result


def test_due_window_and_ordering(imported_plans):
    plan = imported_plans[XIANGXI].pk
    result = numbers({"plan": plan, "due_before": "2020-03-01"})
    assert result == [37]
    filterset = TaskFilterSet({"plan": plan, "ordering": "-due_on"}, queryset=Task.objects.all())
    assert filterset.qs.first().deadline.due_on == date(2020, 12, 31)


def test_bad_date_is_a_form_error_not_an_exception(imported_plans):
    filterset = TaskFilterSet({"due_before": "2020-13-45"}, queryset=Task.objects.all())
    assert not filterset.is_valid()
    assert "due_before" in filterset.errors
