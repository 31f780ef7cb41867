"""Request logs as JSON lines, /healthz, and the admin-visible import log."""

import json
import logging
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from ops.choices import ImportOutcome, ImportVia
from ops.models import ImportLog
from tasks.models import Plan

from .conftest import POLICIES_DIR, XIANGTAN, make_user


@pytest.fixture
def request_log(caplog):
    """Capture the ops.requests logger, which does not propagate to the root logger."""
    logger = logging.getLogger("ops.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="ops.requests")
    yield caplog
    logger.removeHandler(caplog.handler)


def _entries(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ops.requests"]


def test_each_request_is_logged_as_one_json_line(client, request_log, db):
    client.get("/healthz?token=secret-value")
    (entry,) = _entries(request_log)
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["user_id"] is None


def test_request_log_names_the_signed_in_user(client, request_log, office_user):
    client.force_login(office_user)
    client.get("/api/plans/")
    assert _entries(request_log)[-1]["user_id"] == office_user.pk


def test_request_log_never_contains_passwords_or_query_strings(client, request_log, db):
    make_user(username="alice")
    client.post("/admin/login/?next=/admin/", {"username": "alice", "password": "hunter2-secret"})
    client.get("/healthz?token=secret-value")
    logged = " ".join(r.getMessage() for r in request_log.records)
    assert "hunter2-secret" not in logged
    assert "secret-value" not in logged
    assert "csrf" not in logged.lower()


def test_healthz_is_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_with_json_when_the_database_is_down(client, db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "refused" not in response.content.decode()


def test_load_policies_records_each_import(db):
    call_command("load_policies", str(POLICIES_DIR / XIANGTAN), stdout=open("/dev/null", "w"))
    log = ImportLog.objects.get()
    plan = Plan.objects.get()
    assert log.source_file == XIANGTAN
    assert log.via == ImportVia.COMMAND
    assert log.outcome == ImportOutcome.CREATED
    assert log.plan == plan
    assert log.tasks_total == log.tasks_created == plan.tasks.count() == 10
    assert log.succeeded


def test_reimporting_an_unchanged_plan_is_logged_as_unchanged(db):
    path = str(POLICIES_DIR / XIANGTAN)
    call_command("load_policies", path, stdout=open("/dev/null", "w"))
    call_command("load_policies", path, stdout=open("/dev/null", "w"))
    assert list(ImportLog.objects.values_list("outcome", flat=True)) == [
        ImportOutcome.UNCHANGED,
        ImportOutcome.CREATED,
    ]


def test_dry_run_is_not_logged(db):
    call_command(
        "load_policies", "--dry-run", str(POLICIES_DIR / XIANGTAN), stdout=open("/dev/null", "w")
    )
    assert not ImportLog.objects.exists()


def test_unreadable_document_is_logged_as_failed(db, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_policies", str(empty), stdout=open("/dev/null", "w"))
    log = ImportLog.objects.get()
    assert log.outcome == ImportOutcome.FAILED
    assert log.source_file == "empty.txt"
    assert log.error
    assert not Plan.objects.exists()


def test_office_staff_can_read_import_logs_in_admin_but_not_edit(client, office_user):
    call_command("load_policies", str(POLICIES_DIR / XIANGTAN), stdout=open("/dev/null", "w"))
    log = ImportLog.objects.get()
    client.force_login(office_user)
    listing = client.get("/admin/ops/importlog/")
    assert listing.status_code == 200
    assert XIANGTAN in listing.content.decode()
    detail = client.get(f"/admin/ops/importlog/{log.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/ops/importlog/add/").status_code == 403


def test_server_error_is_logged_to_stderr_as_json_with_its_traceback(office_user, settings):
    """With DEBUG off, a 500 left no trace: django.request only went to mail_admins."""
    import io

    from django.test import Client

    settings.DEBUG = False
    [handler] = [
        h for h in logging.getLogger("django.request").handlers if h.get_name() == "stderr_json"
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    client = Client(raise_request_exception=False)
    client.force_login(office_user)
    try:
        with mock.patch(
            "django.contrib.admin.sites.AdminSite.each_context",
            side_effect=RuntimeError("boom in the admin"),
        ):
            response = client.get("/admin/?token=secret-value")
    finally:
        handler.setStream(previous)
    assert response.status_code == 500
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["status"]) == ("ERROR", "django.request", 500)
    assert (entry["method"], entry["path"]) == ("GET", "/admin/")
    assert entry["exception"] == "RuntimeError"
    assert "Traceback (most recent call last)" in entry["traceback"]
    assert "boom in the admin" in entry["traceback"]
    assert "secret-value" not in line


def test_healthz_is_503_when_the_connection_was_closed(client, db):
    from django.db import InterfaceError

    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
