"""Dashboard figures cached per (data generation, visible tasks and filters, as_of):
the cached numbers are exactly the uncached ones, and any change to a task, deadline or
report is seen at once (issue 14, point 4)."""

from datetime import date

import pytest
from django.core.cache import cache

from dashboard.cache import figures_generation
from dashboard.figures import dashboard_figures, dashboard_query
from deadlines.models import Deadline
from tasks.choices import TaskStatus
from tasks.models import Task
from tasks.services import report_submit, task_complete_verify

from .conftest import HUNAN, make_user

AS_OF = "2021-12-31"


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.DASHBOARD_CACHE_SECONDS = 300


def uncached(params, user=None):
    base = Task.objects.visible_to(user) if user else None
    query, tasks = dashboard_query(params, base=base)
    return dashboard_figures(tasks, query, overdue_limit=500)


def api(client, **params):
    response = client.get("/api/dashboard/", {"as_of": AS_OF, **params})
    assert response.status_code == 200
    return response.json()


def page_numbers(client, **params):
    response = client.get("/dashboard/", {"as_of": AS_OF, **params})
    assert response.status_code == 200
    return response.context["figures"]


def test_cached_figures_equal_the_uncached_computation(
    client, leader_user, imported_plans, django_assert_max_num_queries
):
    client.force_login(leader_user)
    plan = imported_plans[HUNAN]
    for params in ({}, {"plan": str(plan.pk)}, {"issuer": plan.issuer}):
        first = page_numbers(client, **params)
        # session, user, groups, filter options, and the red notices unanswered (holiday
        # list + notices: computed outside the cache, as they change with every answer)
        with django_assert_max_num_queries(10):
            second = page_numbers(client, **params)
        expected = uncached({"as_of": AS_OF, **params}, leader_user)
        expected_page = dashboard_figures(
            dashboard_query({"as_of": AS_OF, **params})[1],
            dashboard_query({"as_of": AS_OF, **params})[0],
            unit_limit=51,
            overdue_limit=51,
        )
        assert first == second == expected_page
        assert first["totals"] == expected["totals"]
    body = api(client)
    assert body == api(client)
    assert body["totals"] == uncached({"as_of": AS_OF})["totals"]
    assert body["totals"]["overdue"] == Task.objects.overdue(date(2021, 12, 31)).count()


def test_filters_and_dates_never_share_an_entry(client, leader_user, imported_plans):
    client.force_login(leader_user)
    plan = imported_plans[HUNAN]
    everything = api(client)["totals"]["total"]
    one_plan = api(client, plan=plan.pk)["totals"]["total"]
    assert everything == uncached({"as_of": AS_OF}, leader_user)["totals"]["total"]
    assert one_plan == plan.tasks.count() < everything
    earlier = api(client, as_of="2020-01-01")["totals"]
    assert earlier["overdue"] != api(client)["totals"]["overdue"]


def test_a_report_a_deadline_or_a_completion_invalidates_the_cached_figures(
    client, leader_user, office_user, imported_plans
):
    client.force_login(leader_user)
    before = api(client)
    generation = figures_generation()
    task = Task.objects.overdue(date(2021, 12, 31)).order_by("pk").first()

    # A completion verified by the office: one fewer overdue task, at once.
    task_complete_verify(
        task=task, user=office_user, expected_version=task.version, completed_on=date(2021, 6, 1)
    )
    assert figures_generation() != generation
    after = api(client)
    assert after["totals"]["overdue"] == before["totals"]["overdue"] - 1
    assert after == {**api(client)}  # and cached again
    assert after["totals"] == uncached({"as_of": AS_OF})["totals"]

    # A deadline moved into the future: another task leaves the overdue count.
    other = Task.objects.overdue(date(2021, 12, 31)).order_by("pk").first()
    deadline = Deadline.objects.get(task=other)
    deadline.due_on = date(2022, 6, 30)
    deadline.save()
    moved = api(client)
    assert moved["totals"]["overdue"] == after["totals"]["overdue"] - 1

    # A report (dated today): the unit's last report on today's dashboard.
    today = date.today().isoformat()
    before_report = api(client, as_of=today)
    unit = other.lead_units[0]
    report_submit(
        task=other,
        user=make_user(units=[unit]),
        status=TaskStatus.IN_PROGRESS,
        progress=50,
        text="按计划推进",
        expected_version=Task.objects.get(pk=other.pk).version,
    )
    after_report = api(client, as_of=today)
    row = next(row for row in after_report["by_unit"] if row["unit_id"] == unit.pk)
    assert after_report != before_report and row["days_since_report"] == 0
    assert after_report == api(client, as_of=today)  # cached again, unchanged


def test_with_the_cache_off_nothing_is_stored(client, leader_user, imported_plans, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client.force_login(leader_user)
    cache.clear()
    api(client)
    assert [key for key in cache._cache if "figures:" in key and "generation" not in key] == []


def test_a_transaction_saving_many_rows_replaces_the_shared_generation_once(
    imported_plans, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from dashboard import cache as figures_cache

    replaced = []
    monkeypatch.setattr(figures_cache, "_new_generation", lambda: replaced.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for task in Task.objects.all()[:50]:
                task.save()
    assert len(callbacks) >= 50 and replaced == [1]
