"""The dashboard costs the same number of SQL queries for 20 tasks and for 300."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate import generate_dataset

pytestmark = pytest.mark.django_db

URLS = [
    "/dashboard/?as_of=2021-05-01",
    "/api/dashboard/?as_of=2021-05-01",
    "/dashboard/bulletin/?as_of=2021-05-01",
    "/dashboard/bulletin.xlsx?as_of=2021-05-01",
]


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow_with_tasks(leader_user, client, url, django_assert_num_queries):
    client.force_login(leader_user)
    generate_dataset(tasks=20, units=8, reports_per_task=2, plans=2, seed=1)
    small = query_count(client, url)
    generate_dataset(tasks=300, units=40, reports_per_task=3, plans=5, seed=2)
    # session + user + groups, then one query per figure: plans and months (and totals),
    # units, overdue list + its lead-unit prefetch, and the filter choices.
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_dashboard_page_query_budget(leader_user, client, django_assert_max_num_queries):
    client.force_login(leader_user)
    generate_dataset(tasks=50, units=10, reports_per_task=2, plans=3)
    # session, user, groups (with the government), overdue list + its lead-unit prefetch, counts per plan and month
    # (summed for by_plan, by_month and totals) + the plans' names,
    # by_unit (table, also the chart) + its 未按期报送 counts (the cached report part,
    # apart from the counts) + its units' last reports,
    # filter choices: plans, issuers, lead units,
    # the latest published assessment period and its stored scores (supervision ranking),
    # and 下级政府: the regions below, the counts by the child governments' plans and by
    # their units, the reporting rules in use and the holiday list (未按期报送 per unit),
    # the bell's unread-message count, and the red notices unanswered (the holiday list
    # and the notices, outside the figures cache)
    with django_assert_max_num_queries(22):
        assert client.get("/dashboard/?as_of=2021-05-01").status_code == 200
