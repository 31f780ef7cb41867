"""Several machines in miniature (issue 14 point 7): two app processes and one worker
share one PostgreSQL and one Redis and nothing else.

A leader logs in through app A and asks for the monthly bulletin as a background job;
the RQ worker runs it; app B, given the same session cookie, shows the job finished and
serves its file. This holds only if sessions, the job rows, the queue and the export
files are shared, as deploy/ sets them up across machines.

Needs PostgreSQL at MULTI_APP_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432)
and Redis at MULTI_APP_REDIS_URL (default redis://127.0.0.1:6379/8); skipped with the
reason when either does not answer. Each run works on its own database, copied from a
migrated template that is kept between runs (see `_ensure_template`), and dropped after.
"""

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("MULTI_APP_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("MULTI_APP_REDIS_URL", "redis://127.0.0.1:6379/8")
PASSWORD = "multi-app-Passw0rd-2026"
TEMPLATE_PREFIX = "reform_multi_app_tpl_"
FIXTURE_PLAN = "fixtures/policies/2022-xiangtan-ten-key-tasks.txt"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _postgres_maintenance():
    """A connection to the server's `postgres` database, or None when it does not answer."""
    import psycopg2

    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/postgres"))
    try:
        connection = psycopg2.connect(url, connect_timeout=3)
    except psycopg2.OperationalError:
        return None
    connection.autocommit = True
    return connection


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _migrations_fingerprint() -> str:
    """Changes whenever a migration file (or the fixture plan) changes."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")) + [ROOT / FIXTURE_PLAN]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _ensure_template(maintenance, env: dict) -> str:
    """A migrated database with one leader and one plan, built once per migration state.

    Migrating from nothing takes 10–40 s; copying a template takes a second. The template
    (reform_multi_app_tpl_<fingerprint>) is kept for the next run, like pytest-django's
    --reuse-db; templates of older migration states are dropped.
    """
    name = f"{TEMPLATE_PREFIX}{_migrations_fingerprint()}"
    with maintenance.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [TEMPLATE_PREFIX])
        try:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [TEMPLATE_PREFIX.replace("_", r"\_") + "%"],
            )
            existing = {row[0] for row in cursor.fetchall()}
            for old in existing - {name}:
                cursor.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            if name not in existing:
                _build_template(cursor, name, env)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [TEMPLATE_PREFIX])
    return name


def _build_template(cursor, name: str, env: dict) -> None:
    building = f"{name}_building"
    cursor.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    cursor.execute(f'CREATE DATABASE "{building}"')
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{building}"))
    setup = (
        "from django.contrib.auth.models import Group, User\n"
        "from django.core.management import call_command\n"
        "from units.roles import LEADER_GROUP\n"
        f"u = User.objects.create_user('multi_leader', password='{PASSWORD}', is_staff=True)\n"
        "u.groups.add(Group.objects.get(name=LEADER_GROUP))\n"
        f"call_command('load_policies', '{FIXTURE_PLAN}', verbosity=0, stdout=open('/dev/null', 'w'))\n"
    )
    try:
        for args in (("migrate", "--no-input", "--verbosity", "0"), ("shell", "-c", setup)):
            subprocess.run(
                [str(BIN / "python"), "manage.py", *args],
                cwd=ROOT,
                env={**env, "DATABASE_URL": url},
                check=True,
                timeout=180,
                capture_output=True,
            )
    except BaseException:
        cursor.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        raise
    cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')


@pytest.fixture
def shared_services(tmp_path):
    """A fresh PostgreSQL database (copied from the template), the Redis URL, shared folders."""
    maintenance = _postgres_maintenance()
    if maintenance is None:
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL} (MULTI_APP_POSTGRES_URL)")
    if not _redis_answers():
        maintenance.close()
        pytest.skip(f"Redis does not answer at {REDIS_URL} (MULTI_APP_REDIS_URL)")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",  # static files without collectstatic; everything else as deployed
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",
        "REDIS_URL": REDIS_URL,
        "TASKS_BACKEND": "rq",
        "FILE_STORAGE": "local",
        "EXPORT_ROOT": str(tmp_path / "shared-exports"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "shared-attachments"),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    name = f"reform_multi_app_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        # One run at a time on this server: the Redis queue is shared, and a worker of
        # another run would take this run's jobs (released when the connection closes).
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('reform_multi_app_run'))")
        template = _ensure_template(maintenance, env)
        with maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
        yield env
    finally:
        with maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.close()


class Processes:
    """Child processes in their own sessions, always stopped (with their children)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the child holds its own copy
        self.running.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                # Idle servers stop at once; a worker blocked on Redis may not: kill it.
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@pytest.fixture
def processes(tmp_path):
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    started = Processes(log_dir)
    try:
        yield started
    finally:
        started.stop_all()
        shutil.rmtree(log_dir, ignore_errors=True)


def _wait_for_health(httpx, base_url: str, process, name: str, processes: Processes) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{processes.log(name)[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{name} did not answer /healthz in 40 s:\n{processes.log(name)[-3000:]}")


def test_job_started_through_one_app_process_is_finished_and_downloadable_through_the_other(
    shared_services, processes
):
    import httpx

    env = shared_services
    apps = {}
    for name in ("app_a", "app_b"):
        port = _free_port()
        process = processes.start(
            name,
            [
                str(BIN / "gunicorn"),
                "reform.wsgi:application",
                "--config",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env,
        )
        apps[name] = (f"http://127.0.0.1:{port}", process)
    worker = processes.start("worker", [str(BIN / "python"), "manage.py", "jobs_worker"], env)
    for name, (base_url, process) in apps.items():
        _wait_for_health(httpx, base_url, process, name, processes)
    url_a, url_b = apps["app_a"][0], apps["app_b"][0]

    with httpx.Client(base_url=url_a, timeout=20) as app_a:
        login_page = app_a.get("/accounts/login/")
        token = CSRF_RE.search(login_page.text).group(1)
        logged_in = app_a.post(
            "/accounts/login/",
            data={"username": "multi_leader", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert logged_in.status_code == 302, logged_in.text[:500]
        started = app_a.get("/dashboard/bulletin.xlsx?background=1&as_of=2022-12-31")
        assert started.status_code == 302
        job_path = urlsplit(started.headers["location"]).path
        assert re.fullmatch(r"/exports/\d+/", job_path), job_path
        cookies = dict(app_a.cookies)
    assert "sessionid" in cookies

    # App B has never seen this user: only the shared session table lets it answer.
    with httpx.Client(base_url=url_b, timeout=20, cookies=cookies) as app_b:
        deadline = time.monotonic() + 30
        status = {}
        while time.monotonic() < deadline:
            assert worker.poll() is None, processes.log("worker")[-3000:]
            status = app_b.get(f"{job_path}status/").json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.3)
        assert status.get("status") == "done", (status, processes.log("worker")[-3000:])
        assert status["percent"] == 100 and status["error"] == ""
        page = app_b.get(job_path)
        assert page.status_code == 200 and "已完成" in page.text
        download = app_b.get(status["download_url"])
        assert download.status_code == 200
        assert download.content[:2] == b"PK"  # an .xlsx (zip) file
        assert "filename*=UTF-8''" in download.headers["content-disposition"]
        # Without the session cookie app B refuses the file.
        anonymous = httpx.get(f"{url_b}{status['download_url']}", timeout=20)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["location"]

    # The file lies in the shared exports folder both apps and the worker were given.
    files = list(Path(env["EXPORT_ROOT"]).rglob("*.xlsx"))
    assert len(files) == 1 and files[0].stat().st_size == len(download.content)
