"""Month-end load test: unit users log in and report, leaders refresh the dashboard.

The scenario the office fears: a few hundred unit users all report in the same week.
This script builds a fresh PostgreSQL database (the five plans, one account per
simulated user), starts gunicorn with production settings on 127.0.0.1 only, and then
runs, within a bounded time:

- N unit users (default 200), each arriving at a random moment of the ramp: open the
  login page, log in with its CSRF token, open 我的任务, open one of its unit's tasks
  and submit one progress report through the portal form. A share of them double-click
  the submit button (the same form sent twice at once).
- M leaders (default 20), logged in, refreshing the dashboard until the unit users are
  done.
- K office users (default 0; `--office`), each asking for the monthly bulletin as a
  background export (`/dashboard/bulletin.xlsx?background=1`), following the redirect
  to the job page, polling its status until the job is finished and downloading the
  file, again and again until the unit users are done. A jobs worker
  (`manage.py jobs_worker`) runs beside gunicorn for them.

With `--tasks N` the database also gets N synthetic tasks (bench/generate.py: one plan
per 1,000 tasks, 2,000 units, `--reports-per-task` reports each) before the accounts
are made, so the same people work on a database of a province's size.

It reports p50/p95/max latency per request kind and overall, the errors, the server's
own timings from the request log, and then checks in the database that every report
was stored exactly once (no lost and no duplicated report). Results go to
bench/results/loadtest-<database>-<users>u-<leaders>l.json, or
bench/results/loadtest-<tasks>.json with --tasks.

    make loadtest                                       # 200 users, 20 leaders
    make loadtest LOADTEST_TASKS=100000                 # 500 users, 20 leaders, 10 office
    .venv/bin/python bench/loadtest.py --users 20 --leaders 2 --ramp 30   # a short run

Traffic goes only to the gunicorn this script starts on a loopback address; every loop
is bounded in count and time (`--duration`, default 300 s), and the server is stopped
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/reform_loadtest"
PASSWORD = "load-test-Passw0rd-2026"
USER_PREFIX = "load_unit_"
LEADER_PREFIX = "load_leader_"
OFFICE_PREFIX = "load_office_"
# Names that belong to other people's databases; never dropped by this script.
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test", "test_test", "reform"}
TARGET = {"errors": 0, "lost_reports": 0, "duplicated_reports": 0, "p95_ms": 500}
REQUEST_TIMEOUT_S = 30


# --- set-up -------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def create_database(url: str, *, drop_existing: bool) -> None:
    """Create the load-test database, refusing to drop one it was not allowed to."""
    import psycopg2
    from psycopg2 import sql

    name = database_name(url)
    if not name or name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to use database {name!r}: pick a dedicated name")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                if not drop_existing:
                    raise SystemExit(
                        f"database {name!r} exists; pass --drop-existing to rebuild it"
                    )
                cursor.execute(
                    sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
                )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def server_env(database_url: str, media_root: str, export_root: str) -> dict[str, str]:
    """Production settings over plain http on loopback (an intranet without TLS)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_HTTPS="0",
        PRIVATE_MEDIA_ROOT=media_root,
        EXPORT_ROOT=export_root,
        # The worker runs on the database queue: no Redis needed for the load test.
        TASKS_BACKEND="db",
        REDIS_URL="",
        # Every unit user logs in from 127.0.0.1; the lockout is per user name, so
        # it is not hit, but keep the default limit visible in the results.
        DJANGO_LOGIN_FAILURE_LIMIT=os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=600
    )


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["TASKS_BACKEND"] = "db"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate_tasks(*, tasks: int, reports_per_task: int) -> dict:
    """Fill the database with `tasks` synthetic tasks (bench/generate.py); returns its sizes."""
    from bench.generate import generate_dataset

    started = time.monotonic()
    sizes = generate_dataset(tasks=tasks, units=2000, reports_per_task=reports_per_task)
    sizes["generate_s"] = round(time.monotonic() - started, 1)
    print(
        f"generated {sizes['tasks']} tasks, {sizes['units']} units, {sizes['reports']} reports "
        f"in {sizes['generate_s']:.0f} s"
    )
    return sizes


def seed_accounts(*, users: int, leaders: int, office: int = 0) -> list[dict]:
    """One account per simulated unit user, each on its own reportable task when possible.

    Returns [{username, task_id}] for the unit users. Every account gets the same
    (properly hashed) password: hashing once keeps the set-up fast while the server
    still verifies the full PBKDF2 hash at each login, as in production.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from tasks.choices import TaskStatus
    from tasks.models import Task
    from units.choices import UnitRole
    from units.models import UnitMembership
    from units.roles import LEADER_GROUP, OFFICE_GROUP

    User = get_user_model()
    hashed = make_password(PASSWORD)
    tasks = list(
        Task.objects.exclude(status=TaskStatus.COMPLETED)
        .filter(task_units__isnull=False)
        .distinct()
        .order_by("plan_id", "number")
        .prefetch_related("task_units")[:users]
    )
    if not tasks:
        raise SystemExit("no reportable task after load_policies")
    accounts = []
    with transaction.atomic():
        for index in range(users):
            task = tasks[index % len(tasks)]
            links = sorted(task.task_units.all(), key=lambda link: link.role != UnitRole.LEAD)
            user = User.objects.create(
                username=f"{USER_PREFIX}{index:04d}", password=hashed, first_name="压测单位用户"
            )
            UnitMembership.objects.create(user=user, unit_id=links[0].unit_id)
            accounts.append({"username": user.username, "task_id": task.pk})
        leader_group = Group.objects.get(name=LEADER_GROUP)
        for index in range(leaders):
            leader = User.objects.create(
                username=f"{LEADER_PREFIX}{index:03d}",
                password=hashed,
                first_name="压测领导",
                is_staff=True,
            )
            leader.groups.add(leader_group)
        office_group = Group.objects.get(name=OFFICE_GROUP)
        for index in range(office):
            staff = User.objects.create(
                username=f"{OFFICE_PREFIX}{index:03d}",
                password=hashed,
                first_name="压测优化办",
                is_staff=True,
            )
            staff.groups.add(office_group)
    print(
        f"seeded {users} unit users on {len(tasks)} distinct tasks, "
        f"{leaders} leaders and {office} office users"
    )
    return accounts


def start_gunicorn(env, *, host: str, port: int, workers: int, log_path: Path, cwd=ROOT):
    """gunicorn serving the checkout at `cwd` (this one by default)."""
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 -- closed in stop_gunicorn
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "reform.wsgi:application",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(f"http://{host}:{port}/healthz", timeout=2).status_code == 200:
                return process, log
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_gunicorn(process, log)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def start_worker(env, *, log_path: Path):
    """The background jobs worker (`manage.py jobs_worker`, database queue) for the exports."""
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 -- closed in stop_gunicorn
    process = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "jobs_worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def stop_gunicorn(process, log) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    log.close()


# --- the simulated people ----------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    submitted: dict[str, str] = field(default_factory=dict)  # username → token
    failed_users: list[str] = field(default_factory=list)
    double_clicks: int = 0
    conflicts_retried: int = 0
    dashboard_refreshes: int = 0
    exports_requested: int = 0
    jobs_finished: int = 0
    jobs_failed: int = 0
    jobs_unfinished: int = 0
    export_wait_s: list[float] = field(default_factory=list)  # request → file ready

    def record(self, kind: str, started: float) -> None:
        self.latencies.setdefault(kind, []).append((time.monotonic() - started) * 1000)


class StepFailed(Exception):
    pass


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not match:
        raise StepFailed(f"no hidden field {name!r} in the page")
    return match.group(1)


async def call(client, stats: Stats, kind: str, method: str, url: str, expect, **kwargs):
    started = time.monotonic()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        stats.record(kind, started)
        stats.errors.append({"kind": kind, "url": url, "error": type(exc).__name__})
        raise StepFailed(kind) from exc
    stats.record(kind, started)
    if response.status_code not in expect:
        stats.errors.append({"kind": kind, "url": url, "status": response.status_code})
        raise StepFailed(f"{kind}: HTTP {response.status_code}")
    return response


async def log_in(client, stats: Stats, username: str) -> None:
    page = await call(client, stats, "login_page", "GET", "/accounts/login/", {200})
    await call(
        client,
        stats,
        "login",
        "POST",
        "/accounts/login/",
        {302},
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
        },
    )


async def think(rng: random.Random, low: float, high: float) -> None:
    await asyncio.sleep(rng.uniform(low, high))


async def unit_user(base_url, account, start_at, stats, rng, *, double_click: bool, think_s):
    await asyncio.sleep(start_at)
    username, task_id = account["username"], account["task_id"]
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        try:
            await log_in(client, stats, username)
            await think(rng, *think_s)
            await call(client, stats, "task_list", "GET", "/", {200})
            await think(rng, *think_s)
            for _attempt in range(3):
                page = await call(client, stats, "task_page", "GET", f"/tasks/{task_id}/", {200})
                token = hidden(page.text, "token")
                form = {
                    "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
                    "status": "in_progress",
                    "progress": str(rng.randint(10, 90)),
                    "text": f"{username} 本月推进情况:已召开专题会议,完成阶段性工作。",
                    "version": hidden(page.text, "version"),
                    "token": token,
                }
                await think(rng, *think_s)
                url = f"/tasks/{task_id}/report/"
                # 409: a colleague on the same task saved first; reload and send again.
                posts = [call(client, stats, "report_submit", "POST", url, {302, 409}, data=form)]
                if double_click:
                    stats.double_clicks += 1
                    posts.append(
                        call(client, stats, "report_submit", "POST", url, {302, 409}, data=form)
                    )
                responses = await asyncio.gather(*posts)
                if any(response.status_code == 302 for response in responses):
                    stats.submitted[username] = token
                    return
                stats.conflicts_retried += 1
            raise StepFailed("three version conflicts in a row")
        except StepFailed:
            stats.failed_users.append(username)


async def leader(base_url, username, stats, rng, units_done: asyncio.Event, interval_s: float):
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        await asyncio.sleep(rng.uniform(0, interval_s))
        try:
            await log_in(client, stats, username)
        except StepFailed:
            return
        while not units_done.is_set():
            try:
                await call(client, stats, "dashboard", "GET", "/dashboard/", {200})
                stats.dashboard_refreshes += 1
            except StepFailed:
                pass
            try:
                await asyncio.wait_for(units_done.wait(), rng.uniform(0.5, 1.5) * interval_s)
            except TimeoutError:
                pass


EXPORT_FIRST_AS_OF = date(2020, 6, 30)
JOB_PATH_RE = re.compile(r"^/exports/(\d+)/$")


async def export_once(client, stats: Stats, as_of: str, *, poll_s: float, limit_s: float) -> None:
    """Ask for the bulletin as a background job, wait on its page until done, download it."""
    stats.exports_requested += 1
    started = time.monotonic()
    response = await call(
        client,
        stats,
        "export_request",
        "GET",
        f"/dashboard/bulletin.xlsx?background=1&as_of={as_of}",
        {302},
    )
    match = JOB_PATH_RE.match(urlsplit(response.headers["location"]).path)
    if not match:
        stats.errors.append({"kind": "export_request", "error": "no job page in the redirect"})
        raise StepFailed("export_request")
    job_url = f"/exports/{match.group(1)}/"
    await call(client, stats, "export_page", "GET", job_url, {200})
    while time.monotonic() - started < limit_s:
        status = (
            await call(client, stats, "export_poll", "GET", f"{job_url}status/", {200})
        ).json()
        if status["status"] == "done":
            await call(client, stats, "export_download", "GET", status["download_url"], {200})
            stats.jobs_finished += 1
            stats.export_wait_s.append(time.monotonic() - started)
            return
        if status["status"] == "failed":
            stats.jobs_failed += 1
            stats.errors.append({"kind": "export_job", "url": job_url, "error": status["error"]})
            return
        await asyncio.sleep(poll_s)
    stats.jobs_unfinished += 1
    stats.errors.append({"kind": "export_job", "url": job_url, "error": f"not done in {limit_s} s"})


async def office_user(base_url, index, stats, rng, units_done: asyncio.Event, args):
    """Office staff downloading bulletins through the job pages until the unit users are done.

    Each asks for a bulletin as of a date of its own, so the jobs are distinct (two people
    asking for the same one would join one job). A request that fails (a timed-out poll)
    ends that export for this person, as if they gave up; the job still runs, and
    `jobs_in_database` counts it.
    """
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        await asyncio.sleep(rng.uniform(0, args.ramp / 4))
        try:
            await log_in(client, stats, f"{OFFICE_PREFIX}{index:03d}")
        except StepFailed:
            return
        round_ = 0
        while not units_done.is_set() and round_ < args.exports_per_office:
            # A date of its own per person and round: distinct jobs, none joined.
            as_of = (EXPORT_FIRST_AS_OF + timedelta(days=37 * index + 101 * round_)).isoformat()
            round_ += 1
            try:
                await export_once(
                    client, stats, as_of, poll_s=args.export_poll, limit_s=args.duration
                )
            except StepFailed:
                pass
            try:
                await asyncio.wait_for(units_done.wait(), rng.uniform(5, 15))
            except TimeoutError:
                pass


async def run_scenario(base_url, accounts, leaders, args) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(args.seed)
    units_done = asyncio.Event()
    unit_jobs = [
        unit_user(
            base_url,
            account,
            rng.uniform(0, args.ramp),
            stats,
            random.Random(rng.random()),
            double_click=rng.random() < args.double_click,
            think_s=(0.5, args.think),
        )
        for account in accounts
    ]
    leader_jobs = [
        asyncio.create_task(
            leader(
                base_url,
                f"{LEADER_PREFIX}{index:03d}",
                stats,
                random.Random(rng.random()),
                units_done,
                args.leader_interval,
            )
        )
        for index in range(leaders)
    ]
    office_jobs = [
        asyncio.create_task(
            office_user(base_url, index, stats, random.Random(rng.random()), units_done, args)
        )
        for index in range(args.office)
    ]
    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*unit_jobs), timeout=args.duration)
    except TimeoutError:
        stats.errors.append({"kind": "scenario", "error": f"not finished in {args.duration} s"})
    elapsed = time.monotonic() - started
    units_done.set()
    await asyncio.wait_for(asyncio.gather(*leader_jobs), timeout=REQUEST_TIMEOUT_S + 5)
    # An office user waits for the export it is polling, bounded by --duration.
    await asyncio.wait_for(asyncio.gather(*office_jobs), timeout=args.duration + 60)
    return stats, elapsed


# --- results ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1) if values else 0.0,
        "mean_ms": round(statistics.fmean(values), 1) if values else 0.0,
    }


SERVER_KINDS = (
    ("POST", re.compile(r"^/accounts/login/$"), "login"),
    ("GET", re.compile(r"^/accounts/login/$"), "login_page"),
    ("GET", re.compile(r"^/$"), "task_list"),
    ("GET", re.compile(r"^/tasks/\d+/$"), "task_page"),
    ("POST", re.compile(r"^/tasks/\d+/report/$"), "report_submit"),
    ("GET", re.compile(r"^/dashboard/$"), "dashboard"),
    ("GET", re.compile(r"^/dashboard/bulletin\.xlsx$"), "export_request"),
    ("GET", re.compile(r"^/exports/\d+/$"), "export_page"),
    ("GET", re.compile(r"^/exports/\d+/status/$"), "export_poll"),
    ("GET", re.compile(r"^/exports/\d+/download/$"), "export_download"),
)


def server_kind(method: str, path: str) -> str:
    for kind_method, pattern, kind in SERVER_KINDS:
        if method == kind_method and pattern.match(path):
            return kind
    return "other"


def server_timings(log_path: Path) -> dict:
    """The app's own per-request durations, from the JSON request log gunicorn printed.

    Per request kind as well: the difference to the client's times is the time a request
    waited for a free gunicorn worker.
    """
    durations, statuses, per_kind = [], {}, {}
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("path") == "/healthz":
            continue
        durations.append(entry["duration_ms"])
        statuses[str(entry["status"])] = statuses.get(str(entry["status"]), 0) + 1
        kind = server_kind(entry.get("method", ""), entry["path"])
        per_kind.setdefault(kind, []).append(entry["duration_ms"])
    return {
        **summarise(durations),
        "statuses": statuses,
        "requests": {kind: summarise(values) for kind, values in sorted(per_kind.items())},
    }


def verify_reports(accounts: list[dict], stats: Stats) -> dict:
    """Every report a user submitted is in the database exactly once; nothing extra."""
    from django.db.models import Count

    from tasks.models import ProgressReport

    per_author = dict(
        ProgressReport.objects.filter(author__username__startswith=USER_PREFIX)
        .values_list("author__username")
        .annotate(n=Count("pk"))
    )
    stored_tokens = set(
        str(token)
        for token in ProgressReport.objects.filter(
            author__username__startswith=USER_PREFIX
        ).values_list("submission_token", flat=True)
    )
    lost = [
        name
        for name, token in stats.submitted.items()
        if str(uuid.UUID(token)) not in stored_tokens
    ]
    duplicated = {name: n for name, n in per_author.items() if n > 1}
    unexpected = [name for name in per_author if name not in stats.submitted]
    return {
        "users": len(accounts),
        "reports_submitted": len(stats.submitted),
        "reports_stored": sum(per_author.values()),
        "lost": lost,
        "duplicated": duplicated,
        "stored_without_confirmation": unexpected,
        "ok": not lost and not duplicated and not unexpected,
    }


def jobs_in_database() -> dict:
    """Export jobs by final status, as the database holds them after the run: a job the
    worker finished counts even when its office user had given up polling."""
    from django.db.models import Count

    from jobs.models import Job

    return dict(Job.objects.values_list("status").annotate(n=Count("pk")).order_by())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--drop-existing", action="store_true", help="rebuild the database")
    parser.add_argument("--users", type=int, default=200, help="unit users (one report each)")
    parser.add_argument("--leaders", type=int, default=20, help="leaders on the dashboard")
    parser.add_argument("--ramp", type=float, default=240, help="seconds over which users arrive")
    parser.add_argument("--duration", type=float, default=300, help="hard limit for the users")
    parser.add_argument("--think", type=float, default=3.0, help="max seconds between steps")
    parser.add_argument("--leader-interval", type=float, default=10.0, help="dashboard refresh")
    parser.add_argument("--double-click", type=float, default=0.1, help="share sending twice")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8117)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--tasks", type=int, default=0, help="synthetic tasks added to the five plans (0: none)"
    )
    parser.add_argument("--reports-per-task", type=int, default=10, help="with --tasks")
    parser.add_argument("--office", type=int, default=0, help="office users exporting bulletins")
    parser.add_argument("--exports-per-office", type=int, default=3, help="exports per person")
    parser.add_argument("--export-poll", type=float, default=2.0, help="job page poll (s)")
    parser.add_argument("--out", type=Path, help="results file (default under bench/results/)")
    args = parser.parse_args(argv)

    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error("--host must be a loopback address: this test never leaves the machine")
    if not 1 <= args.users <= 1000 or not 0 <= args.leaders <= 100:
        parser.error("--users must be 1..1000 and --leaders 0..100")
    if not 0 <= args.office <= 100 or not 0 <= args.tasks <= 1_000_000:
        parser.error("--office must be 0..100 and --tasks 0..1000000")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the load test runs on PostgreSQL (--database-url postgres://…)")
    if args.ramp + 2 * args.think > args.duration:
        parser.error("--ramp plus think times must fit in --duration")

    media_root = tempfile.mkdtemp(prefix="reform-loadtest-media-")
    export_root = tempfile.mkdtemp(prefix="reform-loadtest-exports-")
    env = server_env(args.database_url, media_root, export_root)
    print(f"creating {database_name(args.database_url)} and loading the five plans …")
    create_database(args.database_url, drop_existing=args.drop_existing)
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    manage(env, "load_policies")
    setup_django(args.database_url)
    dataset = None
    if args.tasks:
        print(f"generating {args.tasks} synthetic tasks (bench/generate.py) …")
        dataset = generate_tasks(tasks=args.tasks, reports_per_task=args.reports_per_task)
    accounts = seed_accounts(users=args.users, leaders=args.leaders, office=args.office)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    connection.close()

    log_path = RESULTS_DIR / f"loadtest-{os.getpid()}.log.tmp"
    worker_log_path = RESULTS_DIR / f"loadtest-{os.getpid()}-worker.log.tmp"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    process, log = start_gunicorn(
        env, host=args.host, port=args.port, workers=args.workers, log_path=log_path
    )
    worker, worker_log = (
        start_worker(env, log_path=worker_log_path) if args.office else (None, None)
    )
    print(
        f"gunicorn ({args.workers} workers) on {args.host}:{args.port}; "
        f"{args.users} unit users over {args.ramp:.0f} s, {args.leaders} leaders, "
        f"{args.office} office users exporting …"
    )
    started_at = datetime.now().astimezone()
    load_before = os.getloadavg()
    try:
        stats, elapsed = asyncio.run(
            run_scenario(f"http://{args.host}:{args.port}", accounts, args.leaders, args)
        )
    finally:
        stop_gunicorn(process, log)
        if worker is not None:
            stop_gunicorn(worker, worker_log)
    load_after = os.getloadavg()
    connection.close()  # the server's connections are gone; start a fresh one
    verification = verify_reports(accounts, stats)
    jobs_stored = jobs_in_database()
    all_latencies = [ms for values in stats.latencies.values() for ms in values]
    overall = summarise(all_latencies)
    errors = len(stats.errors)
    result = {
        "scenario": {
            "unit_users": args.users,
            "leaders": args.leaders,
            "ramp_s": args.ramp,
            "duration_limit_s": args.duration,
            "think_max_s": args.think,
            "leader_refresh_s": args.leader_interval,
            "double_click_share": args.double_click,
            "seed": args.seed,
            "tasks_added": args.tasks,
            "office_users": args.office,
            "exports_per_office_max": args.exports_per_office,
            "export_poll_s": args.export_poll,
        },
        "dataset": dataset,
        "server": {
            "gunicorn_workers": args.workers,
            "worker_class": "sync",
            "database": "postgresql",
            "debug": False,
            "jobs_workers": 1 if args.office else 0,
            "tasks_backend": "db",
        },
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # Other work on the machine shows here: 1-, 5- and 15-minute load averages
            # when the scenario started and ended (2 cores: above 2 means waiting).
            "load_average_before": [round(value, 2) for value in load_before],
            "load_average_after": [round(value, 2) for value in load_after],
        },
        "started_at": started_at.isoformat(timespec="seconds"),
        "wall_s": round(elapsed, 1),
        "requests": {kind: summarise(values) for kind, values in sorted(stats.latencies.items())},
        "overall": overall,
        # Logins verify a PBKDF2 hash (~0.3 s of CPU each, by design); shown apart so
        # that the cost of the pages themselves is visible too.
        "overall_without_login": summarise(
            [ms for kind, values in stats.latencies.items() if kind != "login" for ms in values]
        ),
        "server_side": server_timings(log_path),
        "errors": errors,
        "error_samples": stats.errors[:20],
        "users_failed": len(stats.failed_users),
        "double_clicks": stats.double_clicks,
        "conflicts_retried": stats.conflicts_retried,
        "dashboard_refreshes": stats.dashboard_refreshes,
        "exports": {
            "requested": stats.exports_requested,
            "jobs_finished": stats.jobs_finished,
            "jobs_failed": stats.jobs_failed,
            "jobs_unfinished": stats.jobs_unfinished,
            "jobs_in_database": jobs_stored,
            "wait_s": {
                key.replace("_ms", "_s"): round(value / 1000, 1) if key != "count" else value
                for key, value in summarise([s * 1000 for s in stats.export_wait_s]).items()
            },
        },
        "verification": verification,
        "target": TARGET,
    }
    result["passed"] = (
        errors == TARGET["errors"]
        and not stats.failed_users
        and verification["ok"]
        and overall["p95_ms"] < TARGET["p95_ms"]
        and stats.jobs_finished == stats.exports_requested
    )
    default_name = (
        f"loadtest-{args.tasks}.json"
        if args.tasks
        else f"loadtest-postgresql-{args.users}u-{args.leaders}l.json"
    )
    out = args.out or RESULTS_DIR / default_name
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if result["passed"]:  # a failed run keeps the server's and worker's logs (*.tmp)
        log_path.unlink(missing_ok=True)
        worker_log_path.unlink(missing_ok=True)

    server = result["server_side"]["requests"]
    print(f"\n{'request':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'server p95':>12}")
    for kind, row in {**result["requests"], "ALL": overall}.items():
        server_p95 = server[kind]["p95_ms"] if kind in server else result["server_side"]["p95_ms"]
        print(
            f"{kind:<16}{row['count']:>7}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}"
            f"{server_p95:>12}"
        )
    print(
        f"\nerrors {errors}, users failed {len(stats.failed_users)}, "
        f"reports submitted {verification['reports_submitted']}, stored "
        f"{verification['reports_stored']}, lost {len(verification['lost'])}, duplicated "
        f"{len(verification['duplicated'])}, double clicks {stats.double_clicks}, "
        f"wall {elapsed:.0f} s"
    )
    if args.office:
        print(
            f"exports requested {stats.exports_requested}, jobs finished {stats.jobs_finished}, "
            f"failed {stats.jobs_failed}, unfinished {stats.jobs_unfinished}; "
            f"jobs in the database by status: {jobs_stored}"
        )
    print(f"load average before {load_before}, after {load_after}")
    print(f"{'PASSED' if result['passed'] else 'FAILED'} → {out}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
