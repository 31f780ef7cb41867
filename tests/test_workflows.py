"""Workflow services: progress reports, 销号, extensions, and the optimistic version check."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from deadlines.choices import DeadlineSource, ExtensionStatus
from deadlines.services import (
    deadline_extend,
    extension_approve,
    extension_reject,
    extension_request,
)
from tasks.choices import TaskStatus
from tasks.models import ProgressReport
from tasks.services import TaskVersionConflict, report_submit, task_complete_verify, task_reopen

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    lead, partner, stranger = (
        make_unit("州市场监督管理局"),
        make_unit("州税务局"),
        make_unit("州公安局"),
    )
    task = make_task(lead_units=[lead], responsible_units=[partner], due_on=date(2020, 6, 30))
    return {
        "task": task,
        "lead_user": make_user(units=[lead]),
        "partner_user": make_user(units=[partner]),
        "stranger": make_user(units=[stranger]),
        "lead": lead,
    }


def submit(task, user, **overrides):
    values = {"status": TaskStatus.IN_PROGRESS, "progress": 30, "text": "已完成方案起草"}
    values.update(overrides)
    return report_submit(task=task, user=user, expected_version=task.version, **values)


def test_report_moves_task_status_and_progress_and_names_the_unit(setting):
    task = setting["task"]
    report = submit(task, setting["lead_user"])
    task.refresh_from_db()
    assert (task.status, task.progress, task.version) == (TaskStatus.IN_PROGRESS, 30, 2)
    assert report.unit == setting["lead"]
    assert task.history.first().history_change_reason == "进展报告"


def test_responsible_unit_completion_request_goes_to_the_lead_unit_first(setting):
    """Issue 15 point 5: a responsible unit's 销号申请 is first checked by the lead unit."""
    from reviews.choices import ReviewStage

    task = setting["task"]
    submit(task, setting["partner_user"])
    task.refresh_from_db()
    submit(task, setting["partner_user"], status=TaskStatus.COMPLETION_REQUESTED)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETION_REQUESTED
    assert task.reviews.get().stage == ReviewStage.LEAD_UNIT


def test_unit_user_of_another_unit_cannot_report(setting):
    with pytest.raises(PermissionDenied):
        submit(setting["task"], setting["stranger"])
    assert not ProgressReport.objects.exists()


def test_report_without_text_or_with_bad_percent_is_rejected(setting):
    with pytest.raises(ValidationError):
        submit(setting["task"], setting["lead_user"], text="   ")
    with pytest.raises(ValidationError):
        submit(setting["task"], setting["lead_user"], progress=120)
    setting["task"].refresh_from_db()
    assert setting["task"].version == 1 and not ProgressReport.objects.exists()


def test_unit_cannot_close_a_task_itself(setting):
    with pytest.raises(ValidationError, match="销号"):
        submit(setting["task"], setting["lead_user"], status=TaskStatus.COMPLETED)


def test_second_editor_with_stale_version_gets_a_conflict(setting):
    task = setting["task"]
    stale_version = task.version
    submit(task, setting["lead_user"])
    with pytest.raises(TaskVersionConflict):
        report_submit(
            task=task,
            user=setting["partner_user"],
            status=TaskStatus.BLOCKED,
            progress=10,
            text="资金未到位",
            expected_version=stale_version,
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert ProgressReport.objects.count() == 1


def test_office_verifies_completion_and_can_reopen(setting, office_user):
    task = setting["task"]
    submit(task, setting["lead_user"], status=TaskStatus.COMPLETION_REQUESTED, progress=100)
    task.refresh_from_db()
    with pytest.raises(PermissionDenied):
        task_complete_verify(task=task, user=setting["lead_user"], expected_version=task.version)
    task_complete_verify(
        task=task, user=office_user, expected_version=task.version, completed_on=date(2020, 6, 20)
    )
    task.refresh_from_db()
    assert (task.status, task.completed_on) == (TaskStatus.COMPLETED, date(2020, 6, 20))
    task_reopen(task=task, user=office_user, expected_version=task.version, reason="材料不全")
    task.refresh_from_db()
    assert (task.status, task.completed_on) == (TaskStatus.IN_PROGRESS, None)


def test_extension_request_approved_keeps_the_original_date(setting, office_user):
    task = setting["task"]
    with pytest.raises(PermissionDenied):
        extension_request(
            task=task, user=setting["stranger"], requested_due_on=date(2020, 9, 30), reason="x"
        )
    extension = extension_request(
        task=task,
        user=setting["lead_user"],
        requested_due_on=date(2020, 9, 30),
        reason="需省级系统对接",
    )
    assert task.deadline.due_on == date(2020, 6, 30)  # nothing moves before approval
    extension_approve(extension=extension, user=office_user)
    task.deadline.refresh_from_db()
    assert (task.deadline.due_on, task.deadline.source) == (
        date(2020, 9, 30),
        DeadlineSource.MANUAL,
    )
    extension.refresh_from_db()
    assert (extension.status, extension.previous_due_on) == (
        ExtensionStatus.APPROVED,
        date(2020, 6, 30),
    )


def test_extension_must_be_later_and_reasoned_and_rejection_needs_a_note(setting, office_user):
    task = setting["task"]
    with pytest.raises(ValidationError):
        extension_request(
            task=task, user=setting["lead_user"], requested_due_on=date(2020, 5, 1), reason="x"
        )
    with pytest.raises(ValidationError):
        extension_request(
            task=task, user=setting["lead_user"], requested_due_on=date(2020, 8, 1), reason=" "
        )
    extension = extension_request(
        task=task, user=setting["lead_user"], requested_due_on=date(2020, 8, 1), reason="疫情影响"
    )
    with pytest.raises(ValidationError):
        extension_reject(extension=extension, user=office_user, note="")
    extension_reject(extension=extension, user=office_user, note="不符合延期条件")
    task.deadline.refresh_from_db()
    assert task.deadline.due_on == date(2020, 6, 30)


def test_office_extends_directly_and_the_old_date_is_recorded(setting, office_user):
    task = setting["task"]
    extension = deadline_extend(
        task=task, user=office_user, new_due_on=date(2020, 10, 31), reason="统一调整"
    )
    assert (extension.previous_due_on, extension.status) == (
        date(2020, 6, 30),
        ExtensionStatus.APPROVED,
    )
    assert task.deadline.history.count() == 2
