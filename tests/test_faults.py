"""Faults: the database failing in the middle of an import or of a request."""

import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from deadlines.models import Deadline
from ops.choices import ImportOutcome, ImportVia
from ops.models import ImportLog
from ops.services import plan_import_logged
from tasks import services as task_services
from tasks.importer import parse_document, read_document
from tasks.models import Plan, Section, Task, TaskUnit
from units.models import Unit

from .conftest import POLICIES_DIR, XIANGTAN, make_user

IMPORTED_MODELS = (Plan, Section, Task, TaskUnit, Deadline, Unit, Task.history.model)


def _row_counts():
    return {model.__name__: model.objects.count() for model in IMPORTED_MODELS}


def _fail_on_call(n, real):
    """A stand-in for an import step that works n-1 times, then loses the database."""
    calls = {"count": 0}

    def step(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] >= n:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    return step


def _import(text, source_file=XIANGTAN):
    return plan_import_logged(
        parsed=parse_document(text),
        source_file=source_file,
        source_text=text,
        via=ImportVia.COMMAND,
    )


def test_database_failure_mid_import_leaves_nothing_half_written(db):
    text = read_document(POLICIES_DIR / XIANGTAN)
    before = _row_counts()
    failing = _fail_on_call(6, task_services._sync_deadline)
    with mock.patch.object(task_services, "_sync_deadline", failing):
        with pytest.raises(OperationalError):
            _import(text)
    assert _row_counts() == before
    log = ImportLog.objects.get()
    assert log.outcome == ImportOutcome.FAILED
    assert "server closed the connection" in log.error


def test_database_failure_mid_reimport_keeps_the_previous_version(db):
    text = read_document(POLICIES_DIR / XIANGTAN)
    _import(text)
    titles_before = list(Task.objects.order_by("number").values_list("number", "title"))
    before = _row_counts()
    changed = text.replace("优化", "深度优化")
    assert changed != text
    failing = _fail_on_call(3, task_services._sync_task_units)
    with mock.patch.object(task_services, "_sync_task_units", failing):
        with pytest.raises(OperationalError):
            _import(changed)
    assert _row_counts() == before
    assert list(Task.objects.order_by("number").values_list("number", "title")) == titles_before
    assert Plan.objects.get().source_text == text
    assert list(ImportLog.objects.values_list("outcome", flat=True)) == [
        ImportOutcome.FAILED,
        ImportOutcome.CREATED,
    ]


def test_import_succeeds_after_the_database_comes_back(db):
    text = read_document(POLICIES_DIR / XIANGTAN)
    failing = _fail_on_call(2, task_services._sync_deadline)
    with mock.patch.object(task_services, "_sync_deadline", failing):
        with pytest.raises(OperationalError):
            _import(text)
    result = _import(text)
    assert result.outcome == "created"
    assert Task.objects.count() == 10


@pytest.fixture
def error_client(office_user):
    """A client that shows error pages as a browser would, instead of raising."""
    client = Client(raise_request_exception=False)
    client.force_login(office_user)
    return client


def _database_down():
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("could not connect to server: Connection refused"),
    )


def test_request_with_the_database_down_gets_a_chinese_503_page(error_client):
    with _database_down():
        response = error_client.get("/admin/tasks/task/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "系统暂时不可用" in html
    assert "没有保存" in html
    assert "Traceback" not in html
    assert "Connection refused" not in html
    assert response["Retry-After"] == "60"


def test_database_lost_in_the_middle_of_a_request_gets_the_503_page(error_client, db):
    make_user(username="someone")
    failing = _fail_on_call(3, CursorWrapper.execute)
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", failing):
        response = error_client.get("/admin/auth/user/")
    assert response.status_code == 503
    assert "系统暂时不可用" in response.content.decode()


def test_api_request_with_the_database_down_gets_503_not_a_traceback(error_client):
    with _database_down():
        response = error_client.get("/api/tasks/")
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()


def test_unexpected_error_gets_a_chinese_500_page(error_client):
    with mock.patch(
        "django.contrib.admin.sites.AdminSite.each_context",
        side_effect=RuntimeError("boom: secret"),
    ):
        response = error_client.get("/admin/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错了" in html
    assert "secret" not in html
    assert "Traceback" not in html


def test_request_log_still_written_when_the_database_is_down(error_client, caplog):
    logger = logging.getLogger("ops.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="ops.requests")
    try:
        with _database_down():
            error_client.get("/admin/tasks/task/")
    finally:
        logger.removeHandler(caplog.handler)
    entries = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ops.requests"]
    assert entries[-1]["status"] == 503
    assert entries[-1]["path"] == "/admin/tasks/task/"


def test_connection_already_closed_gets_the_503_page_not_the_500(error_client):
    """InterfaceError is not a DatabaseError in the DB-API hierarchy; users see the same page."""
    from django.db import InterfaceError

    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = error_client.get("/admin/tasks/task/")
    assert response.status_code == 503
    assert "系统暂时不可用" in response.content.decode()
    assert response["Retry-After"] == "60"


def test_api_answers_json_when_the_database_is_down(error_client):
    with _database_down():
        response = error_client.get("/api/tasks/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "60"


def test_unexpected_api_error_is_json_500(error_client):
    with mock.patch("tasks.api.views.TaskViewSet.list", side_effect=RuntimeError("boom: secret")):
        response = error_client.get("/api/tasks/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "服务器内部错误,请稍后重试或联系优化办",
        "code": "server_error",
        "errors": {},
    }


def test_api_body_over_the_size_limit_is_json(error_client, settings):
    from .conftest import make_task

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    task = make_task()
    response = error_client.post(
        f"/api/tasks/{task.pk}/reports/",
        '{"text": "' + "x" * 4096 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_unknown_api_url_is_a_json_404(error_client):
    response = error_client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
