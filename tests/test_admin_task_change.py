"""The task page: parse check beside the raw text, inlines, autocomplete, and full history."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from deadlines.models import Milestone
from deadlines.services import deadline_extend
from tasks.models import Task
from tasks.services import task_complete_verify, task_lead_assign, task_reopen

from .conftest import HUNAN, make_task, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def test_change_page_shows_source_text_beside_parsed_units_and_deadline(
    office_client, imported_plans
):
    task = Task.objects.filter(plan=imported_plans[HUNAN]).order_by("number").first()
    response = office_client.get(reverse("admin:tasks_task_change", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="parse-check"' in html
    assert task.source_text.splitlines()[0][:20] in html
    assert task.lead_units[0].name in html
    assert f"<dd>{'、'.join(u.name for u in task.responsible_units)}</dd>" in html
    assert "admin/js/autocomplete.js" in html  # units are picked by autocomplete
    assert "进展报告" in html and "完成时限" in html


def test_unit_autocomplete_finds_units_by_chinese_name(office_client):
    make_unit("湘潭市行政审批服务局")
    make_unit("湘潭市公安局")
    response = office_client.get(
        reverse("admin:autocomplete"),
        {"term": "审批", "app_label": "tasks", "model_name": "taskunit", "field_name": "unit"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["湘潭市行政审批服务局"]


def test_history_shows_who_changed_units_and_deadline(office_client, office_user):
    task = make_task(due_on=date(2022, 6, 30), lead_units=[make_unit("原牵头局")])
    task_lead_assign(
        task=task,
        user=office_user,
        unit=make_unit("新牵头局"),
        replace=True,
        expected_version=task.version,
    )
    deadline_extend(task=task, user=office_user, new_due_on=date(2022, 9, 30), reason="疫情影响")
    Milestone.objects.create(deadline=task.deadline, due_on=date(2022, 8, 31), text="完成试点")
    # History rows written outside a request have no user; record one as the middleware would.
    Task.history.filter(id=task.pk).update(history_user=office_user)

    response = office_client.get(reverse("admin:tasks_task_history", args=[task.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "单位变更记录" in html and "新牵头局" in html and "原牵头局" in html
    assert "2022年09月30日" in html and "延期:疫情影响" in html
    assert "时间节点变更记录" in html and "完成试点" in html and "2022年08月31日" in html
    assert office_user.username in html
    assert response.context["revert_disabled"]  # reverting would bypass the services


def test_admin_edit_is_recorded_with_the_user(office_client, office_user):
    task = make_task()
    office_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]),
        {
            "plan": task.plan_id,
            "section": "",
            "number": task.number,
            "title": "改过的标题",
            "body": task.body,
            "expected_version": task.version,
            "task_units-TOTAL_FORMS": "0",
            "task_units-INITIAL_FORMS": "0",
            "deadline-TOTAL_FORMS": "1",
            "deadline-INITIAL_FORMS": "1",
            "deadline-0-id": task.deadline.pk,
            "deadline-0-task": task.pk,
            "deadline-0-text": "",
            "reports-TOTAL_FORMS": "0",
            "reports-INITIAL_FORMS": "0",
            "subtasks-TOTAL_FORMS": "0",
            "subtasks-INITIAL_FORMS": "0",
        },
    )
    record = task.history.first()
    assert (record.title, record.history_user) == ("改过的标题", office_user)
    task.refresh_from_db()
    assert task.version == 2


def test_admin_edit_over_a_newer_version_is_refused(office_client):
    task = make_task()
    Task.objects.filter(pk=task.pk).update(version=5)  # a unit reported meanwhile
    response = office_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]),
        {
            "plan": task.plan_id,
            "number": task.number,
            "title": "覆盖",
            "body": "x",
            "expected_version": 1,
        },
    )
    assert "该任务已被他人更新" in response.content.decode()
    task.refresh_from_db()
    assert task.title != "覆盖"


def test_unit_report_landing_during_admin_save_is_not_overwritten(office_client, monkeypatch):
    """The report commits after the form's clean() but before save_model: the admin loses.

    In production the report comes from another connection and commits on its own; in this
    one-connection test the admin's request transaction would roll it back with the admin's
    failed save, so the request runs without it (the losing save writes nothing anyway).
    """
    import contextlib
    import types

    from django.contrib.admin import options

    from tasks.admin.task_admin import TaskAdminForm
    from tasks.services import report_submit

    from .conftest import make_user

    unit = make_unit("竞态牵头局")
    task = make_task(lead_units=[unit])
    unit_user = make_user(units=[unit])
    clean = TaskAdminForm.clean

    reported = []

    def clean_then_unit_reports(form):
        cleaned = clean(form)
        if reported:
            return cleaned
        reported.append(True)
        report_submit(
            task=Task.objects.get(pk=task.pk),
            user=unit_user,
            status="in_progress",
            progress=60,
            text="已完成六成",
            expected_version=1,
        )
        return cleaned

    monkeypatch.setattr(TaskAdminForm, "clean", clean_then_unit_reports)
    no_atomic = types.SimpleNamespace(atomic=lambda using=None: contextlib.nullcontext())
    monkeypatch.setattr(options, "transaction", no_atomic)
    response = office_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]),
        {
            "plan": task.plan_id,
            "section": "",
            "number": task.number,
            "title": "办公室改的标题",
            "body": task.body,
            "expected_version": 1,
            "task_units-TOTAL_FORMS": "0",
            "task_units-INITIAL_FORMS": "0",
            "deadline-TOTAL_FORMS": "1",
            "deadline-INITIAL_FORMS": "1",
            "deadline-0-id": task.deadline.pk,
            "deadline-0-task": task.pk,
            "deadline-0-text": "",
            "reports-TOTAL_FORMS": "0",
            "reports-INITIAL_FORMS": "0",
            "subtasks-TOTAL_FORMS": "0",
            "subtasks-INITIAL_FORMS": "0",
        },
    )

    task.refresh_from_db()
    assert (task.status, task.progress, task.version) == ("in_progress", 60, 2)
    assert task.title != "办公室改的标题"
    html = response.content.decode()
    assert response.status_code == 200
    assert "该任务已被他人更新" in html and "办公室改的标题" in html  # the input is kept
    assert len({record.version for record in task.history.all()}) == task.history.count()


def test_history_is_in_chinese_with_status_labels(office_client, office_user):
    task = make_task()
    task_complete_verify(task=task, user=office_user, expected_version=task.version)
    task.refresh_from_db()
    task_reopen(task=task, user=office_user, expected_version=task.version)

    html = office_client.get(reverse("admin:tasks_task_history", args=[task.pk])).content.decode()

    assert "变更内容" in html and "Changes" not in html
    assert "已销号" in html and "推进中" in html
    assert "completed" not in html and "in_progress" not in html


def test_import_warnings_read_as_text_not_as_a_list(office_client):
    task = make_task()
    Task.objects.filter(pk=task.pk).update(warnings=["未识别到牵头单位或责任单位,请核对原文"])
    html = office_client.get(reverse("admin:tasks_task_change", args=[task.pk])).content.decode()
    assert "未识别到牵头单位或责任单位,请核对原文" in html
    assert "[&quot;" not in html and '["' not in html


def test_model_rules_hold_in_the_admin_as_in_the_api():
    """Cross-field rules live on the models, so every form (admin, API) applies them."""
    from django.core.exceptions import ValidationError

    from deadlines.models import Deadline
    from tasks.models import Section

    from .conftest import make_plan

    task = make_task(due_on=date(2021, 6, 30))
    other_plan_section = Section.objects.create(
        plan=make_plan(), position=1, level=1, numeral="一", title="别的方案的标题"
    )
    task.section = other_plan_section
    with pytest.raises(ValidationError, match="章节须属于任务所在方案"):
        task.full_clean()
    ongoing_with_date = Deadline(task=task, due_on=date(2021, 6, 30), is_ongoing=True)
    with pytest.raises(ValidationError, match="长期坚持的任务不设完成时限"):
        ongoing_with_date.clean()


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs two concurrent connections (PostgreSQL; SQLite locks the file)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_admin_save_and_unit_report_on_postgresql(monkeypatch):
    """The audit's race with two real connections: the report commits while the admin's
    POST sits between clean() and save_model(). PostgreSQL only (SQLite locks the file)."""
    import threading

    from django.db import connections
    from django.test import Client
    from rest_framework.test import APIClient

    from tasks.admin.task_admin import TaskAdminForm

    from .conftest import make_user

    # A superuser, not the 优化办 group: earlier live-server tests flush the rows that
    # data migrations made, and this transactional test sees the flushed database.
    office_user = make_user(is_staff=True, username="并发办公室")
    office_user.is_superuser = True
    office_user.save(update_fields=["is_superuser"])
    unit = make_unit("并发牵头局")
    task = make_task(lead_units=[unit])
    unit_user = make_user(units=[unit])
    cleaned, reported = threading.Event(), threading.Event()
    clean = TaskAdminForm.clean

    def clean_then_wait(form):
        result = clean(form)
        if not cleaned.is_set():
            cleaned.set()
            reported.wait(timeout=10)
        return result

    monkeypatch.setattr(TaskAdminForm, "clean", clean_then_wait)
    responses = {}

    def admin_post():
        client = Client()
        client.force_login(office_user)
        responses["admin"] = client.post(
            reverse("admin:tasks_task_change", args=[task.pk]),
            {
                "plan": task.plan_id,
                "section": "",
                "number": task.number,
                "title": "办公室改的标题",
                "body": task.body,
                "expected_version": 1,
                "task_units-TOTAL_FORMS": "0",
                "task_units-INITIAL_FORMS": "0",
                "deadline-TOTAL_FORMS": "1",
                "deadline-INITIAL_FORMS": "1",
                "deadline-0-id": task.deadline.pk,
                "deadline-0-task": task.pk,
                "deadline-0-text": "",
                "reports-TOTAL_FORMS": "0",
                "reports-INITIAL_FORMS": "0",
                "subtasks-TOTAL_FORMS": "0",
                "subtasks-INITIAL_FORMS": "0",
            },
        )
        connections.close_all()

    admin = threading.Thread(target=admin_post)
    admin.start()
    assert cleaned.wait(timeout=10)
    api = APIClient()
    api.force_authenticate(unit_user)
    report = api.post(
        f"/api/tasks/{task.pk}/reports/",
        {"status": "in_progress", "progress": 60, "text": "已完成六成", "version": 1},
        format="json",
    )
    reported.set()
    admin.join(timeout=20)

    assert report.status_code == 201
    task.refresh_from_db()
    assert (task.status, task.progress, task.version) == ("in_progress", 60, 2)
    assert "该任务已被他人更新" in responses["admin"].content.decode()
