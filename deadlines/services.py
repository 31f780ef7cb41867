"""Deadline workflows: 延期申请 by a lead unit, approval or rejection by the office."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tasks import events, rules
from tasks.models import Task
from units.choices import UnitRole

from .choices import DeadlineSource, ExtensionStatus
from .models import Deadline, DeadlineExtension


def extension_date_errors(deadline: Deadline, new_due_on: date) -> dict[str, str]:
    """A new date may be neither before the plan's original date nor on or before the
    date in force."""
    original = deadline.original_date
    if original and new_due_on < original:
        return {"requested_due_on": f"延期后的时限不能早于原定完成时限({original:%Y年%m月%d日})"}
    if deadline.due_on and new_due_on <= deadline.due_on:
        return {"requested_due_on": f"新的完成时限须晚于原时限({deadline.due_on:%Y年%m月%d日})"}
    return {}


def _validate_new_date(deadline: Deadline, new_due_on: date, reason: str) -> None:
    errors = extension_date_errors(deadline, new_due_on)
    if not (reason or "").strip():
        errors["reason"] = "请填写延期理由"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def extension_request(
    *, task: Task, user, requested_due_on: date, reason: str
) -> DeadlineExtension:
    """A unit of the task asks for a later date; nothing changes until its review chain
    (`reviews.services.review_chain`) approves it."""
    deadline = getattr(task, "deadline", None)
    if deadline is None:  # a task created over the API before /api/deadlines/ gave it one
        raise ValidationError({"requested_due_on": "该任务尚未设定完成时限"})
    if not rules.can_request_extension(user, task):
        raise PermissionDenied("只有该任务的牵头或责任单位可以申请延期")
    if deadline.is_ongoing:
        raise ValidationError({"requested_due_on": "长期坚持的任务无需延期"})
    _validate_new_date(deadline, requested_due_on, reason)
    if deadline.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError({"requested_due_on": "该任务已有待审批的延期申请"})
    # A user of a lead unit asks as the lead unit (whose request skips the lead's check).
    mine = rules.user_unit_ids(user)
    unit_ids = (mine & rules.task_unit_ids(task, UnitRole.LEAD)) or (
        mine & rules.task_unit_ids(task)
    )
    extension = DeadlineExtension.objects.create(
        deadline=deadline,
        previous_due_on=deadline.due_on,
        requested_due_on=requested_due_on,
        reason=reason.strip(),
        requested_by=user,
        unit_id=min(unit_ids) if unit_ids else None,
    )
    from reviews.services import extension_review_open

    extension_review_open(extension=extension, user=user)
    return extension


def _apply(extension: DeadlineExtension, user, note: str) -> None:
    """Move the deadline. Approved on or before the date in force, the move costs nothing;
    approved after it, the days already late stay on record (`late_days_on_record`)."""
    deadline = Deadline.objects.select_for_update().get(pk=extension.deadline_id)
    decided_on = timezone.localdate()
    if deadline.original_due_on is None:
        deadline.original_due_on = deadline.due_on
    if deadline.due_on and decided_on > deadline.due_on:
        deadline.late_days_on_record += (decided_on - deadline.due_on).days
    extension.previous_due_on = deadline.due_on
    extension.status = ExtensionStatus.APPROVED
    extension.decided_by = user
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension.save()
    deadline.due_on = extension.requested_due_on
    deadline.source = DeadlineSource.MANUAL
    deadline.text = f"延期至{extension.requested_due_on:%Y年%m月%d日}"
    deadline._change_reason = f"延期:{extension.reason}"
    deadline.save()


@transaction.atomic
def extension_approve(*, extension: DeadlineExtension, user, note: str = "") -> DeadlineExtension:
    """The office approves: the deadline moves; the old date stays on the extension.

    A request under review is approved here only where the office's 初审 is its last
    step (`review_settle_by_office`); longer chains are decided in the review queue.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以审批延期")
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError("该申请已处理")
    from reviews.choices import ReviewKind
    from reviews.services import review_settle_by_office

    review_settle_by_office(
        task=extension.deadline.task, kind=ReviewKind.EXTENSION, user=user, extension=extension
    )
    return extension_grant(extension=extension, user=user, note=note)


def extension_grant(*, extension: DeadlineExtension, user, note: str = "") -> DeadlineExtension:
    """Move the deadline as approved and tell the unit. Callers decide who may: the office
    (`extension_approve`) or the last step of the review chain."""
    _apply(extension, user, note)
    _announce_decision(extension, user, "已批准")
    return extension


def _announce_decision(extension: DeadlineExtension, user, verdict: str) -> None:
    task = extension.deadline.task
    events.announce(
        kind=events.EventKind.EXTENSION_DECIDED,
        unit_ids=[extension.unit_id] if extension.unit_id else events.lead_unit_ids(task),
        title=f"延期申请{verdict}:{task}(申请延至{extension.requested_due_on:%Y年%m月%d日})",
        body=extension.decision_note,
        url=reverse("portal:task-detail", args=[task.pk]),
        actor=user,
    )


@transaction.atomic
def extension_reject(*, extension: DeadlineExtension, user, note: str) -> DeadlineExtension:
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以审批延期")
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError("该申请已处理")
    if not (note or "").strip():
        raise ValidationError({"decision_note": "驳回时请填写意见"})
    from reviews.choices import ReviewKind
    from reviews.services import review_close_rejected

    review_close_rejected(
        task=extension.deadline.task,
        kind=ReviewKind.EXTENSION,
        user=user,
        note=note.strip(),
        extension=extension,
    )
    extension.status = ExtensionStatus.REJECTED
    extension.decided_by = user
    extension.decided_at = timezone.now()
    extension.decision_note = note.strip()
    extension.save()
    _announce_decision(extension, user, "已驳回")
    return extension


@transaction.atomic
def deadline_extend(*, task: Task, user, new_due_on: date, reason: str) -> DeadlineExtension:
    """The office moves a deadline directly; it is recorded as an approved extension."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以调整完成时限")
    deadline = task.deadline
    _validate_new_date(deadline, new_due_on, reason)
    extension = DeadlineExtension(
        deadline=deadline, requested_due_on=new_due_on, reason=reason.strip(), requested_by=user
    )
    _apply(extension, user, note="优化办直接调整")
    return extension


@transaction.atomic
def deadline_set(*, task: Task, user, new_due_on: date, reason: str) -> Deadline:
    """The office gives a dated deadline to a task that has none (e.g. added by hand).

    A task that already has one moves only through `deadline_extend`, which keeps the old date.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以调整完成时限")
    if Deadline.objects.filter(task=task).exists():
        raise ValidationError("该任务已有完成时限,请使用延期")
    deadline = Deadline(
        task=task,
        due_on=new_due_on,
        original_due_on=new_due_on,
        text=f"{new_due_on:%Y年%m月%d日}前完成",
        source=DeadlineSource.MANUAL,
    )
    deadline.full_clean()
    deadline._change_reason = (reason or "").strip() or "优化办设定完成时限"
    deadline.save()
    return deadline
