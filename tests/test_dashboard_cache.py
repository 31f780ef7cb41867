"""Dashboard figures cached per (data generation, visible tasks and filters, as_of):
the cached numbers are exactly the uncached ones, and any change to a task, deadline or
report is seen at once (issue 14, point 4)."""

import threading
import time
from datetime import date

import pytest
from django.conf import settings as django_settings
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
    monkeypatch.setattr(figures_cache, "_new_generation", lambda token: replaced.append(token))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for task in Task.objects.all()[:50]:
                task.title += "(修订)"
                task.save()
    assert len(callbacks) >= 50 and replaced == ["tasks"]


# --- Two parts, two tokens (issue 14 point 4): a report recomputes only the report part.

TODAY_PARAMS = {}  # no as_of: today, so that the reports made in the test count


def page_figures(client, **params):
    response = client.get("/dashboard/", params)
    assert response.status_code == 200
    return response.context["figures"]


def assert_cached_equal_uncached(client, settings, **params):
    """The page's and the API's figures, from the cache, equal a computation with the
    cache off (the same views, nothing stored). `params` are the page's (sort=…)."""
    cached_page, cached_api = page_figures(client, **params), api_today(client)
    assert page_figures(client, **params) == cached_page  # served from the cache now
    settings.DASHBOARD_CACHE_SECONDS = 0
    try:
        assert page_figures(client, **params) == cached_page
        assert api_today(client) == cached_api
    finally:
        settings.DASHBOARD_CACHE_SECONDS = 300
    return cached_page


def api_today(client):
    response = client.get("/api/dashboard/")
    assert response.status_code == 200
    return response.json()


def open_overdue_task():
    return Task.objects.overdue(date.today()).exclude(status="completed").order_by("pk").first()


def reporter():
    return make_user(units=open_overdue_task().lead_units[:1])


def write_report(office_user, user=None):
    task = open_overdue_task()
    report_submit(
        task=task,
        user=user or reporter(),
        status=TaskStatus.IN_PROGRESS,
        progress=40,
        text="本月已召开推进会",
        expected_version=task.version,
    )


def write_extension(office_user):
    from deadlines.services import deadline_extend

    task = open_overdue_task()
    deadline_extend(
        task=task, user=office_user, new_due_on=date(2099, 12, 31), reason="汛期影响施工"
    )


def write_completion(office_user):
    task = open_overdue_task()
    task_complete_verify(
        task=task, user=office_user, expected_version=task.version, completed_on=date.today()
    )


def write_unit_link(office_user):
    from tasks.models import TaskUnit
    from units.choices import UnitRole

    from .conftest import make_unit

    TaskUnit.objects.create(
        task=open_overdue_task(), unit=make_unit("新增牵头单位"), role=UnitRole.LEAD, position=99
    )


def write_plan(office_user):
    from django.utils import timezone

    plan = open_overdue_task().plan
    plan.closed_at = timezone.now()  # archived: it leaves today's figures
    plan.save()


@pytest.mark.parametrize(
    "write", [write_report, write_extension, write_completion, write_unit_link, write_plan]
)
@pytest.mark.parametrize("params", [{}, {"sort": "silence"}])
def test_after_each_kind_of_write_the_cached_figures_are_the_uncached_ones(
    client, leader_user, office_user, imported_plans, settings, write, params
):
    client.force_login(leader_user)
    before = assert_cached_equal_uncached(client, settings, **params)
    write(office_user)
    after = assert_cached_equal_uncached(client, settings, **params)
    assert after != before


def captured(func) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        func()
    return [query["sql"] for query in context.captured_queries]


def test_a_report_recomputes_only_the_report_part(
    client, leader_user, office_user, imported_plans, django_assert_num_queries
):
    from dashboard.figures import dashboard_report_figures, dashboard_task_figures

    client.force_login(leader_user)
    user = reporter()  # a new account is a change of unit membership: before the figures
    page_figures(client)
    hit = captured(lambda: page_figures(client))  # both parts cached: neither computed
    query, tasks = dashboard_query({}, base=Task.objects.visible_to(leader_user))
    options = {"unit_sort": "overdue", "unit_limit": 51}
    task_part = dashboard_task_figures(tasks, query, **options)
    task_sql = captured(lambda: dashboard_task_figures(tasks, query, **options))

    write_report(office_user, user)
    report_sql = captured(
        lambda: dashboard_report_figures(tasks, query, task_part, **options, overdue_limit=51)
    )
    after = captured(lambda: page_figures(client))
    assert len(after) == len(hit) + len(report_sql)
    assert not set(task_sql) & set(after)
    assert set(report_sql) <= set(after)

    # A 销号 changes the counts: both parts are computed again.
    write_completion(office_user)
    after_completion = captured(lambda: page_figures(client))
    assert len(after_completion) == len(hit) + len(task_sql) + len(report_sql)


def test_a_reports_task_save_replaces_only_the_reports_token(imported_plans, office_user):
    from dashboard.cache import figures_generations

    user = reporter()
    before = figures_generations()
    write_report(office_user, user)
    after_report = figures_generations()
    assert after_report["tasks"] == before["tasks"]
    assert after_report["reports"] != before["reports"]

    task = Task.objects.get(pk=open_overdue_task().pk)
    task.title += "(修订)"
    task.save()
    assert figures_generations()["tasks"] != after_report["tasks"]

    # Completed through a save of its status (the admin): the counts change.
    done = figures_generations()
    task.status = TaskStatus.COMPLETED
    task.completed_on = date.today()
    task.save()
    assert figures_generations()["tasks"] != done["tasks"]


# --- Single-flight: one computation for many simultaneous misses.


def run_together(calls: int, func) -> list:
    results, barrier = [None] * calls, threading.Barrier(calls)

    def run(index):
        barrier.wait()
        results[index] = func()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def slow_computation(computed: list, seconds=0.3):
    def compute():
        computed.append(1)
        time.sleep(seconds)
        return {"total": len(computed)}

    return compute


def test_simultaneous_misses_compute_once():
    from dashboard.cache import single_flight

    computed = []
    results = run_together(4, lambda: single_flight("k", slow_computation(computed), timeout=60))
    assert computed == [1]
    assert results == [{"total": 1}] * 4


def test_a_waiter_that_waited_too_long_computes_itself(monkeypatch):
    from dashboard import cache as figures_cache

    monkeypatch.setattr(figures_cache, "WAIT_SECONDS", 0.2)
    cache.add("k:computing", 1, timeout=60)  # a holder that never finishes
    computed = []
    assert figures_cache.single_flight("k", slow_computation(computed, 0), timeout=60) == {
        "total": 1
    }
    assert computed == [1]


def test_a_waiter_takes_over_when_the_holder_fails():
    from dashboard.cache import single_flight

    computed = []

    def failing():
        computed.append("failed")
        time.sleep(0.2)
        raise RuntimeError("database went away")

    def first():
        try:
            return single_flight("k", failing, timeout=60)
        except RuntimeError:
            return "error"

    holder = threading.Thread(target=first)
    holder.start()
    time.sleep(0.05)  # the holder has the lock
    assert single_flight("k", slow_computation(computed, 0), timeout=60) == {"total": 2}
    holder.join()
    assert computed == ["failed", 1]


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs concurrent writers: the in-memory SQLite test database shares one cache"
    " between threads, where a table lock fails at once instead of waiting",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_misses_compute_once_on_the_database_cache(settings):
    """Production's cache (DJANGO_DB_CACHE): the lock is a row `cache.add` inserts."""
    from django.core.management import call_command
    from django.db import connection

    from dashboard.cache import single_flight

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_figures_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    computed = []

    def in_thread():
        try:
            return single_flight("k", slow_computation(computed), timeout=60)
        finally:
            connection.close()

    assert run_together(3, in_thread) == [{"total": 1}] * 3
    assert computed == [1]
