"""Benchmark the dashboard, its API and the bulletin on a synthetic database.

    DATABASE_URL=... python bench/run.py --tasks 100 10000 100000

For each size it creates a throw-away database (never the one DATABASE_URL
names: SQLite in a temporary file, PostgreSQL as `bench_<name>`), fills it with
`bench.generate.generate_dataset` and measures, per URL: median and p95
response time through Django's test client (no network), the SQL query count,
Python's CPU time in the request, the time of the same SQL statements run alone
(the "bare SQL"), the ratio page / bare SQL and the peak Python memory of one
request. Results go to
bench/results/<vendor>-<tasks>.json and are printed as a table. With --keep the
generated database is kept and reused by the next --keep run of the same size
(generating 100,000 tasks takes minutes); pending migrations are applied to it.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")

AS_OF = "2021-05-01"
URLS = {
    "dashboard": f"/dashboard/?as_of={AS_OF}",
    "api": f"/api/dashboard/?as_of={AS_OF}",
    "bulletin_xlsx": f"/dashboard/bulletin.xlsx?as_of={AS_OF}",
    # Issue 14 point 5: the largest API page and the portal list (我的任务), each within
    # 3x its own SQL time.
    "api_tasks_1000": "/api/tasks/?page_size=1000",
    "portal_tasks": f"/?as_of={AS_OF}",
}
# Region-scoped (issue 12): the drill-down from the province to its cities, as the leader
# above; and a city office (UserGovernment 湘潭市) on its own dashboard, API and task list.
PROVINCE, CITY = "430000", "430300"
DRILL_DOWN_URLS = {
    "drill_down": "/dashboard/?as_of={as_of}&region={province}",
    "api_drill_down": "/api/dashboard/?as_of={as_of}&region={province}",
}
CITY_OFFICE_URLS = {
    "city_office_dashboard": "/dashboard/?as_of={as_of}",
    "city_office_api": "/api/dashboard/?as_of={as_of}",
    "city_office_tasks": "/api/tasks/?as_of={as_of}&overdue=true",
}
# One province at full scale (--shape province, `bench.generate.generate_province`): the
# offices of 湖南省, 湘潭市 and 冷水滩区 (UserGovernment) on their own dashboards, the
# province office's drill-down into 湘潭市 (region filter and its 下级政府 table), and the
# city office's task lists (portal page and API).
COUNTY = "431103"
PROVINCE_CASES = (
    ("province_office_dashboard", PROVINCE, "/dashboard/?as_of={as_of}"),
    ("province_office_api", PROVINCE, "/api/dashboard/?as_of={as_of}"),
    ("drill_down_to_city", PROVINCE, "/dashboard/?as_of={as_of}&region={city}"),
    ("city_office_dashboard", CITY, "/dashboard/?as_of={as_of}"),
    ("county_office_dashboard", COUNTY, "/dashboard/?as_of={as_of}"),
    ("city_office_task_list", CITY, "/?as_of={as_of}&overdue=true"),
    ("city_office_tasks_api", CITY, "/api/tasks/?as_of={as_of}&overdue=true"),
)


def postgres_available(settings_dict) -> bool:
    import psycopg2

    try:
        psycopg2.connect(
            dbname="postgres",
            user=settings_dict.get("USER") or None,
            password=settings_dict.get("PASSWORD") or None,
            host=settings_dict.get("HOST") or None,
            port=settings_dict.get("PORT") or None,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as error:
        print(f"PostgreSQL not available ({error.__class__.__name__}); skipped.")
        return False
    return True


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm-up: caches, prepared plans
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    statements = [query["sql"] for query in captured.captured_queries]
    timings, cpu_timings = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        cpu_timings.append((time.process_time() - cpu_start) * 1000)
        assert response.status_code == 200
    sql_timings = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            sql_timings.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median, sql_median = statistics.median(timings), statistics.median(sql_timings)
    return {
        "runs": runs,
        "median_ms": round(median, 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        # Python's own CPU time in the request (no waiting for the database or for a
        # core): on a loaded machine the wall-clock median says more about the neighbours.
        "python_cpu_median_ms": round(statistics.median(cpu_timings), 1),
        "queries": len(statements),
        "bare_sql_median_ms": round(sql_median, 1),
        "ratio_page_to_sql": round(median / sql_median, 2) if sql_median else None,
        "peak_python_memory_kb": round(peak / 1024),
        "response_bytes": len(response.content),
    }


def office_client(code: str):
    """A test client signed in as an office user (优化办) of the government `code`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from regions.models import Region
    from units.models import UserGovernment
    from units.roles import OFFICE_GROUP

    office, _ = get_user_model().objects.get_or_create(username=f"bench-office-{code}")
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    UserGovernment.objects.update_or_create(
        user=office, defaults={"region": Region.objects.get(code=code)}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    return client


def measure_province(args) -> dict:
    """The region-scoped cases of PROVINCE_CASES, uncached."""
    from django.conf import settings

    from regions.models import Region

    settings.DASHBOARD_CACHE_SECONDS = 0
    city = Region.objects.get(code=CITY).pk
    clients, urls = {}, {}
    for name, code, template in PROVINCE_CASES:
        client = clients.get(code) or clients.setdefault(code, office_client(code))
        url = template.format(as_of=AS_OF, city=city)
        urls[name] = {"url": url, "office": code, **measure(client, url, args.runs)}
    return urls


def run_size(args, tasks: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.generate import generate_dataset, generate_province
    from regions.models import Region
    from units.models import UserGovernment
    from units.roles import LEADER_GROUP, OFFICE_GROUP

    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(
            Path(tempfile.gettempdir()) / f"bench-{args.shape}-{tasks}.sqlite3"
        )
    else:
        settings_dict["TEST"]["NAME"] = f"bench_{args.shape}_{tasks}_{original_name}"
    sizes = reused_dataset(settings_dict, tasks) if args.keep else None
    reused = sizes is not None
    if sizes is None:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        start = time.perf_counter()
        if sizes is None and args.shape == "province":
            sizes = generate_province(tasks=tasks, units=args.units, reports_per_task=args.reports)
        elif sizes is None:
            sizes = generate_dataset(
                tasks=tasks, units=args.units, reports_per_task=args.reports, plans=args.plans
            )
        if connection.vendor == "postgresql":
            # Planner statistics for the rows just written (or a kept database that may
            # never have had them): without them PostgreSQL scans where an index would do.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        generated_s = time.perf_counter() - start
        call_command("migrate", verbosity=0)  # a kept database may predate new indexes
        if args.shape == "province":
            return {
                "vendor": connection.vendor,
                "shape": "province",
                "as_of": AS_OF,
                "dataset": sizes,
                "generate_seconds": None if reused else round(generated_s, 1),
                "cpu_count": os.cpu_count(),
                "urls": measure_province(args),
            }
        leader, _ = get_user_model().objects.get_or_create(username="bench-leader")
        leader.groups.add(Group.objects.get(name=LEADER_GROUP))
        client = Client(HTTP_HOST="localhost")
        client.force_login(leader)
        result = {
            "vendor": connection.vendor,
            "as_of": AS_OF,
            "dataset": sizes,
            # None when --keep reused a database generated by an earlier run.
            "generate_seconds": None if reused else round(generated_s, 1),
            "cpu_count": os.cpu_count(),
            "urls": {},
        }
        # The computation itself: no cached figures, and the bulletin answered in the
        # request (above EXPORT_IMMEDIATE_MAX_TASKS a background job does the same work).
        settings.DASHBOARD_CACHE_SECONDS = 0
        settings.EXPORT_IMMEDIATE_MAX_TASKS = 10**9
        for name, url in URLS.items():
            runs = args.runs if name != "bulletin_xlsx" else max(3, args.runs // 5)
            result["urls"][name] = {"url": url, **measure(client, url, runs)}
        province = Region.objects.get(code=PROVINCE).pk
        for name, template in DRILL_DOWN_URLS.items():
            url = template.format(as_of=AS_OF, province=province)
            result["urls"][name] = {"url": url, **measure(client, url, args.runs)}
        office, _ = get_user_model().objects.get_or_create(username="bench-city-office")
        office.groups.add(Group.objects.get(name=OFFICE_GROUP))
        UserGovernment.objects.update_or_create(
            user=office, defaults={"region": Region.objects.get(code=CITY)}
        )
        client.force_login(office)
        for name, template in CITY_OFFICE_URLS.items():
            url = template.format(as_of=AS_OF)
            result["urls"][name] = {"url": url, **measure(client, url, args.runs)}
        client.force_login(leader)
        # What leaders get at month end: the figures from the cache (issue 14).
        settings.DASHBOARD_CACHE_SECONDS = 300
        for name in ("dashboard", "api"):
            url = URLS[name]
            result["urls"][f"{name}_cached"] = {"url": url, **measure(client, url, args.runs)}
        return result
    finally:
        if args.keep:
            connection.close()
            settings_dict["NAME"] = original_name
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def reused_dataset(settings_dict, tasks: int):
    """With --keep: switch to an earlier run's database if it holds `tasks` tasks.

    Returns its sizes, or None (nothing usable: generate as usual)."""
    from django.db import DatabaseError, connection

    from tasks.models import Plan, ProgressReport, Task
    from units.models import Unit

    original_name = settings_dict["NAME"]
    connection.close()
    settings_dict["NAME"] = settings_dict["TEST"]["NAME"]
    try:
        if Task.objects.count() == tasks:
            return {
                "plans": Plan.objects.count(),
                "units": Unit.objects.count(),
                "tasks": tasks,
                "reports": ProgressReport.objects.count(),
            }
    except DatabaseError:
        pass
    connection.close()
    settings_dict["NAME"] = original_name
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--shape",
        choices=("spread", "province"),
        default="spread",
        help="spread: plans and units over the shipped regions (default); province: one "
        "province's 14 cities and 122 counties, region-scoped offices (issue 12)",
    )
    parser.add_argument(
        "--units", type=int, default=None, help="default 2,000; 8,000 for a province"
    )
    parser.add_argument(
        "--reports", type=int, default=None, help="progress reports per task (10; 5 for a province)"
    )
    parser.add_argument("--plans", type=int, default=None, help="default: one per 1,000 tasks")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--if-available", action="store_true", help="skip if the DB is down")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated database and reuse it on the next run with --keep",
    )
    args = parser.parse_args()
    province = args.shape == "province"
    args.units = args.units or (8000 if province else 2000)
    args.reports = args.reports if args.reports is not None else (5 if province else 10)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Measure as production runs: no debug cursor, no test-instrumented templates,
    # and no per-request log line on the terminal (it would bury the table).
    settings.DEBUG = False
    logging.disable(logging.INFO)
    if (
        args.if_available
        and connection.vendor == "postgresql"
        and not postgres_available(connection.settings_dict)
    ):
        return
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    for tasks in args.tasks:
        result = run_size(args, tasks)
        shape = "-province" if args.shape == "province" else ""
        path = out_dir / f"{result['vendor']}{shape}-{tasks}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\n{result['vendor']} {tasks:,} tasks ({result['dataset']}) → {path.name}")
        print(
            f"{'url':<27}{'median':>9}{'p95':>9}{'queries':>9}{'bare SQL':>10}{'ratio':>7}{'peak KB':>9}"
        )
        for name, row in result["urls"].items():
            print(
                f"{name:<27}{row['median_ms']:>9}{row['p95_ms']:>9}{row['queries']:>9}"
                f"{row['bare_sql_median_ms']:>10}{row['ratio_page_to_sql']!s:>7}"
                f"{row['peak_python_memory_kb']:>9}"
            )


if __name__ == "__main__":
    main()
