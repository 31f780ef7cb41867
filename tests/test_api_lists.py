"""Every list endpoint costs the same number of queries for 1 row as for 50."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from deadlines.models import DeadlineExtension, Milestone
from tasks.models import ProgressReport, Section
from units.models import UnitAlias

from .conftest import make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

ROWS = 50

LIST_URLS = [
    "/api/plans/",
    "/api/sections/",
    "/api/tasks/",
    "/api/task-units/",
    "/api/reports/",
    "/api/units/",
    "/api/unit-aliases/",
    "/api/unit-memberships/",
    "/api/deadlines/",
    "/api/milestones/",
    "/api/extensions/",
    "/api/tasks/{task}/reports/",
    "/api/tasks/{task}/extensions/",
]


@pytest.fixture
def many_rows(office_user):
    """At least 50 rows behind every list endpoint."""
    plan = make_plan()
    first = None
    for number in range(1, ROWS + 1):
        section = Section.objects.create(
            plan=plan, numeral=str(number), title="标题", level=1, position=number
        )
        unit = make_unit()
        task = make_task(
            plan=plan, number=number, section=section, lead_units=[unit], responsible_units=[]
        )
        first = first or task
        make_user(units=[unit])
        UnitAlias.objects.create(unit=unit, name=f"别名{number}")
        Milestone.objects.create(deadline=task.deadline, due_on=date(2020, 3, 31), text="节点")
        for target in {task, first}:
            ProgressReport.objects.create(
                task=target,
                unit=unit,
                author=office_user,
                status="in_progress",
                progress=5,
                text="x",
            )
            DeadlineExtension.objects.create(
                deadline=target.deadline,
                requested_due_on=date(2020, 12, 31),
                reason="理由",
                unit=unit,
                requested_by=office_user,
            )
    make_plan()
    return {"task": first.pk}


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_query_count_is_the_same_for_1_and_50_rows(
    many_rows, office_user, django_assert_max_num_queries, url
):
    client = APIClient()
    client.force_authenticate(office_user)
    url = url.format(**many_rows)
    with CaptureQueriesContext(connection) as one_row:
        response = client.get(url, {"page_size": 1})
    assert response.status_code == 200 and len(response.data["results"]) == 1
    # session/auth + count + page + a fixed number of prefetches, whatever the page size
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url, {"page_size": 1000})
    assert len(response.data["results"]) >= 2
