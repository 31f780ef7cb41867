"""Leaders refreshing the dashboard together while units report (issue 14, point 4).

    .venv/bin/python bench/dashboard_load.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_dashboard_load

On a PostgreSQL database of `--tasks` synthetic tasks (bench/generate.py; generated once
when the database does not exist, then reused), it starts gunicorn with production
settings (DJANGO_DEBUG=0, the database cache, 4 sync workers) on 127.0.0.1 only. Twenty
leaders log in, then refresh `/dashboard/` (today's figures) together every `--wave`
seconds (each within `--jitter` seconds of the others), while unit users submit progress
reports through the portal form at `--reports-per-second` (about 2 at month end): every
wave finds the figures changed by the reports since the last one. It prints p50/p95/max
of the dashboard (client and server side), of the reports, the machine's load average
before and after, and, measured in this process, what each part of the dashboard's
figures costs to compute (`dashboard_task_figures`, `dashboard_report_figures`).
Results: bench/results/dashboard-load-<tasks>.json (or --out).

`--app-root DIR` serves another checkout of the project (e.g. `git archive main` unpacked
in /tmp) against the same database: the same scenario before and after a change.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadtest  # noqa: E402
from bench.loadtest import CSRF_RE, Stats, StepFailed, call, hidden, log_in  # noqa: E402

ROOT = loadtest.ROOT
REPORTERS = 4


def database_exists(url: str) -> bool:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [loadtest.database_name(url)]
            )
            return cursor.fetchone() is not None
    finally:
        connection.close()


def prepare(args, env) -> dict | None:
    """Create and fill the database unless it exists; the accounts in either case."""
    dataset = None
    if not database_exists(args.database_url):
        loadtest.create_database(args.database_url, drop_existing=False)
        loadtest.manage(env, "migrate", "--no-input", "--verbosity", "0")
        loadtest.manage(env, "createcachetable")
        loadtest.manage(env, "load_policies")
        loadtest.setup_django(args.database_url)
        dataset = loadtest.generate_tasks(tasks=args.tasks, reports_per_task=10)
    else:
        loadtest.manage(env, "migrate", "--no-input", "--verbosity", "0")
        loadtest.manage(env, "createcachetable")
        loadtest.setup_django(args.database_url)
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username__startswith=loadtest.LEADER_PREFIX).exists():
        loadtest.seed_accounts(users=REPORTERS * 2, leaders=args.leaders)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return dataset


def reporter_accounts() -> list[dict]:
    """The first unit users with the tasks `loadtest.seed_accounts` gave them (its order)."""
    from django.contrib.auth import get_user_model

    from tasks.choices import TaskStatus
    from tasks.models import Task

    tasks = (
        Task.objects.exclude(status=TaskStatus.COMPLETED)
        .filter(task_units__isnull=False)
        .distinct()
        .order_by("plan_id", "number")
        .values_list("pk", flat=True)[:REPORTERS]
    )
    users = get_user_model().objects.filter(username__startswith=loadtest.USER_PREFIX)
    names = users.order_by("username").values_list("username", flat=True)[:REPORTERS]
    return [{"username": name, "task_id": task} for name, task in zip(names, tasks, strict=True)]


def part_costs(runs: int = 3) -> dict:
    """Milliseconds of each part of a leader's dashboard figures, computed here (no cache)."""
    from django.contrib.auth import get_user_model

    from dashboard.figures import (
        dashboard_query,
        dashboard_report_figures,
        dashboard_task_figures,
    )
    from tasks.models import Task

    leader = get_user_model().objects.filter(username__startswith=loadtest.LEADER_PREFIX).first()
    query, tasks = dashboard_query({}, base=Task.objects.visible_to(leader))
    options = {"unit_sort": "overdue", "unit_limit": 51}
    task_ms, report_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        task_part = dashboard_task_figures(tasks, query, **options)
        task_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        dashboard_report_figures(tasks, query, task_part, **options, overdue_limit=51)
        report_ms.append((time.perf_counter() - started) * 1000)
    return {
        "task_part_median_ms": round(statistics.median(task_ms), 1),
        "report_part_median_ms": round(statistics.median(report_ms), 1),
        "runs": runs,
    }


async def leader(base_url, username, stats, rng, start_at, args):
    async with httpx.AsyncClient(base_url=base_url, timeout=loadtest.REQUEST_TIMEOUT_S) as client:
        await log_in(client, stats, username)
        await call(client, stats, "warm_up", "GET", "/dashboard/", {200})
        loop = asyncio.get_running_loop()
        wave = 0
        while True:
            wave_at = start_at + wave * args.wave
            if wave_at - start_at >= args.duration:
                return
            await asyncio.sleep(max(0.0, wave_at + rng.uniform(0, args.jitter) - loop.time()))
            try:
                await call(client, stats, "dashboard", "GET", "/dashboard/", {200})
            except StepFailed:
                pass
            wave += 1


async def reporter(base_url, account, stats, rng, start_at, offset, args):
    """One unit user reporting on its task every REPORTERS / rate seconds."""
    period = REPORTERS / args.reports_per_second
    task_id = account["task_id"]
    async with httpx.AsyncClient(base_url=base_url, timeout=loadtest.REQUEST_TIMEOUT_S) as client:
        await log_in(client, stats, account["username"])
        loop = asyncio.get_running_loop()
        turn = 0
        while True:
            at = start_at + offset + turn * period
            if at - start_at >= args.duration:
                return
            await asyncio.sleep(max(0.0, at - loop.time()))
            turn += 1
            try:
                page = await call(client, stats, "task_page", "GET", f"/tasks/{task_id}/", {200})
                form = {
                    "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
                    "status": "in_progress",
                    "progress": str(rng.randint(10, 90)),
                    "confirm_lower": "on",  # a lower percent than the last report's
                    "text": "本月推进情况:已召开专题会议,完成阶段性工作。",
                    "version": hidden(page.text, "version"),
                    "token": hidden(page.text, "token"),
                }
                url = f"/tasks/{task_id}/report/"
                await call(client, stats, "report_submit", "POST", url, {302}, data=form)
            except StepFailed:
                pass


def write_reports_here(reporters, stats, start_at_wall: float, args) -> None:
    """The reports written by this process (`report_submit`, as the form does), not through
    gunicorn: the server's workers then serve the dashboard alone. The cache is shared
    (the database cache), so each report reaches the server's entries as it would."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tasks.choices import TaskStatus
    from tasks.models import Task
    from tasks.services import report_submit

    users = get_user_model().objects.in_bulk(
        [account["username"] for account in reporters], field_name="username"
    )
    rng = random.Random(args.seed)
    turn = 0
    try:
        while True:
            at = start_at_wall + turn / args.reports_per_second
            if at - start_at_wall >= args.duration:
                return
            time.sleep(max(0.0, at - time.time()))
            account = reporters[turn % len(reporters)]
            turn += 1
            task = Task.objects.get(pk=account["task_id"])
            started = time.monotonic()
            report_submit(
                task=task,
                user=users[account["username"]],
                status=TaskStatus.IN_PROGRESS,
                progress=max(task.progress, rng.randint(10, 90)),
                text="本月推进情况:已召开专题会议,完成阶段性工作。",
                expected_version=task.version,
            )
            stats.record("report_in_process", started)
    finally:
        connection.close()


async def scenario(base_url, leaders, reporters, args) -> Stats:
    stats = Stats()
    rng = random.Random(args.seed)
    loop = asyncio.get_running_loop()
    # Everyone logs in first (PBKDF2, seconds for 24 accounts on 2 cores): the waves
    # start together after that.
    start_at = loop.time() + 15
    jobs = [
        leader(base_url, name, stats, random.Random(rng.random()), start_at, args)
        for name in leaders
    ]
    if args.reports_in_process:
        wall_start = time.time() + (start_at - loop.time())
        jobs.append(asyncio.to_thread(write_reports_here, reporters, stats, wall_start, args))
    else:
        jobs += [
            reporter(
                base_url,
                account,
                stats,
                random.Random(rng.random()),
                start_at,
                index / args.reports_per_second,
                args,
            )
            for index, account in enumerate(reporters)
        ]
    await asyncio.gather(*jobs)
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tasks", type=int, default=100_000, help="when generating")
    parser.add_argument("--leaders", type=int, default=20)
    parser.add_argument("--reports-per-second", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=120, help="seconds of waves")
    parser.add_argument("--wave", type=float, default=10.0, help="seconds between refreshes")
    parser.add_argument("--jitter", type=float, default=1.0, help="spread of one wave (s)")
    parser.add_argument(
        "--reports-in-process",
        action="store_true",
        help="write the reports from this process, not through the server",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8118)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--label", default="", help="added to the results file name")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    name = loadtest.database_name(args.database_url)
    if not args.database_url.startswith(("postgres://", "postgresql://")) or name in (
        loadtest.PROTECTED_DATABASES
    ):
        parser.error("pick a dedicated PostgreSQL database (--database-url postgres://…)")

    env = loadtest.server_env(args.database_url, tempfile.mkdtemp(), tempfile.mkdtemp())
    # This process shares the server's cache (a report written here must reach its entries).
    os.environ["DJANGO_DB_CACHE"] = "1"
    dataset = prepare(args, env)
    from django.contrib.auth import get_user_model

    leaders = list(
        get_user_model()
        .objects.filter(username__startswith=loadtest.LEADER_PREFIX)
        .order_by("username")
        .values_list("username", flat=True)[: args.leaders]
    )
    reporters = reporter_accounts()
    costs = part_costs()
    print(f"figures at {name}: {costs}")

    # The served checkout's own static files (whitenoise's manifest).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=args.app_root,
        env=env,
        check=True,
    )
    log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
    process, log = loadtest.start_gunicorn(
        env,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_path=log_path,
        cwd=args.app_root,
    )
    load_before = os.getloadavg()
    started = datetime.now().astimezone()
    try:
        stats = asyncio.run(scenario(f"http://127.0.0.1:{args.port}", leaders, reporters, args))
    finally:
        loadtest.stop_gunicorn(process, log)
    load_after = os.getloadavg()
    result = {
        "scenario": {
            "leaders": len(leaders),
            "wave_s": args.wave,
            "jitter_s": args.jitter,
            "duration_s": args.duration,
            "reports_per_second": args.reports_per_second,
            "reporters": len(reporters),
            "reports_in_process": args.reports_in_process,
            "app_root": str(args.app_root),
        },
        "database": name,
        "dataset": dataset,
        "server": {"gunicorn_workers": args.workers, "debug": False, "cache": "database"},
        "started_at": started.isoformat(timespec="seconds"),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "cpu_count": os.cpu_count(),
        "figures_parts_ms": costs,
        "client": {
            kind: loadtest.summarise(values) for kind, values in sorted(stats.latencies.items())
        },
        "server_side": loadtest.server_timings(log_path),
        "errors": stats.errors[:20],
        "error_count": len(stats.errors),
    }
    out = args.out or loadtest.RESULTS_DIR / f"dashboard-load-{args.tasks}{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    dashboard = result["client"].get("dashboard", {})
    print(
        f"dashboard: {dashboard.get('count')} requests, p50 {dashboard.get('p50_ms')} ms, "
        f"p95 {dashboard.get('p95_ms')} ms, max {dashboard.get('max_ms')} ms; "
        f"reports {result['client'].get('report_submit', {}).get('count')}; "
        f"errors {len(stats.errors)}; load {result['load_average_before']} → "
        f"{result['load_average_after']} → {out.name}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
