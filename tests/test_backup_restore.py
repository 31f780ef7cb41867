"""`manage.py backup` / `restore`: a backup restored into an empty database is the same data."""

import json
from datetime import datetime

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection

from ops.models import ImportLog
from tasks.choices import TaskStatus
from tasks.models import Plan, ProgressReport, Task
from tasks.services import report_submit

from .conftest import HUNAN, make_user

BACKED_UP_APPS = {"auth", "authtoken", "units", "tasks", "deadlines", "ops", "admin"}


def _normalise(value):
    # The JSON serializer keeps datetimes to the millisecond.
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every backed-up table (history tables included), in pk order."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label not in BACKED_UP_APPS or model._meta.proxy:
            continue
        if model._meta.label == "auth.Permission":
            continue  # rebuilt by migrate with its own ids; compared by codename below
        rows = model.objects.order_by("pk").values()
        snapshot[model._meta.label] = [{k: _normalise(v) for k, v in row.items()} for row in rows]
    snapshot["group permissions"] = sorted(
        Group.permissions.through.objects.values_list("group__name", "permission__codename")
    )
    return snapshot


@pytest.fixture
def data_with_history(imported_plans):
    """Five plans plus progress reports from a unit user, which also write history rows."""
    task = Task.objects.filter(plan=imported_plans[HUNAN]).order_by("number").first()
    user = make_user(username="reporter", units=[task.lead_units[0]])
    for progress in (30, 60):
        task.refresh_from_db()
        report_submit(
            task=task,
            user=user,
            status=TaskStatus.IN_PROGRESS,
            progress=progress,
            text=f"已完成{progress}%,<b>附表</b>另报",
            expected_version=task.version,
        )
    return task


def _call(*args):
    call_command(*args, stdout=open("/dev/null", "w"))


def _empty_database():
    """Flush inside the test's transaction; PostgreSQL first checks the deferred FKs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _call("flush", "--no-input")


def test_backup_restored_into_an_empty_database_gives_the_same_data(data_with_history, tmp_path):
    before = _snapshot()
    assert ProgressReport.objects.count() == 2
    assert len(before["tasks.HistoricalTask"]) > Task.objects.count()
    assert before["ops.ImportLog"]
    backup = tmp_path / "backup.json"

    _call("backup", "--out", str(backup))
    _empty_database()
    assert not Plan.objects.exists()
    assert not Task.history.exists()
    _call("restore", str(backup))

    after = _snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label


def test_backup_file_holds_plans_reports_and_history(data_with_history, tmp_path):
    backup = tmp_path / "backup.json"
    _call("backup", "--out", str(backup))
    models = {row["model"] for row in json.loads(backup.read_text(encoding="utf-8"))}
    assert {
        "tasks.plan",
        "tasks.task",
        "tasks.progressreport",
        "tasks.historicaltask",
        "deadlines.deadline",
        "units.unit",
        "auth.user",
        "auth.group",
        "ops.importlog",
    } <= models
    assert not {"sessions.session", "contenttypes.contenttype", "axes.accessattempt"} & models
    assert not list(tmp_path.glob("*.partial"))


def test_restore_refuses_a_database_that_already_has_data(imported_plans, tmp_path):
    backup = tmp_path / "backup.json"
    _call("backup", "--out", str(backup))
    with pytest.raises(CommandError, match="空库"):
        _call("restore", str(backup))
    assert ImportLog.objects.count() == 5


def test_restore_of_a_broken_file_writes_nothing(db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"model": "tasks.plan", "pk": 1, "fields": {"title": "x"}}, {', "utf-8")
    with pytest.raises(Exception):  # noqa: B017 - loaddata's error type varies by failure
        _call("restore", str(broken))
    assert not Plan.objects.exists()


def test_backup_refuses_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match="目录不存在"):
        _call("backup", "--out", str(tmp_path / "no-such-dir" / "backup.json"))
