"""The review chain (审核) of 销号申请 and 延期申请: open, approve, send back (退回), answer.

A request's chain (`review_chain`): the task's lead unit checks a responsible unit's
request (a lead unit's own request skips it), then the office's 初审, then a leader's 审批
where the plan requires it (`Plan.needs_leader_approval`). Each decision is a `ReviewStep`
and is announced to the requesting unit; the last approval applies the request
(`task_complete_apply`, `extension_grant`). A request sent back waits for the unit's
answer, then starts the chain again.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from deadlines.models import DeadlineExtension
from tasks import events, rules
from tasks.models import Task
from units.choices import UnitRole
from units.roles import is_leader

from .choices import ReviewAction, ReviewKind, ReviewStage
from .models import Review, ReviewStep

_EVENT_KINDS = {
    ReviewKind.COMPLETION: events.EventKind.COMPLETION_DECIDED,
    ReviewKind.EXTENSION: events.EventKind.EXTENSION_DECIDED,
}


def review_chain(*, task: Task, unit_id: int | None) -> list[str]:
    """The steps a request by `unit_id` on `task` goes through, in order."""
    lead_ids = rules.task_unit_ids(task, UnitRole.LEAD)
    steps = []
    if unit_id is not None and unit_id not in lead_ids:
        steps.append(ReviewStage.LEAD_UNIT)
    steps.append(ReviewStage.OFFICE)
    if task.plan.needs_leader_approval:
        steps.append(ReviewStage.LEADER)
    return steps


def _next_step(review: Review) -> str | None:
    chain = review_chain(task=review.task, unit_id=review.unit_id)
    later = chain[chain.index(review.stage) + 1 :] if review.stage in chain else []
    return later[0] if later else None


def _acting_unit_id(review: Review, action: str, user) -> int | None:
    """The unit a step is recorded for: the requester's on submissions and answers, the
    checking lead unit's at the lead-unit step; none for the office and leaders."""
    if action in (ReviewAction.SUBMITTED, ReviewAction.RESUBMITTED):
        return review.unit_id
    if review.stage == ReviewStage.LEAD_UNIT:
        checking = rules.user_unit_ids(user) & rules.task_unit_ids(review.task, UnitRole.LEAD)
        return min(checking - {review.unit_id}, default=None)
    return None


def _step(review: Review, *, action: str, user, note: str = "") -> ReviewStep:
    step = ReviewStep(
        review=review,
        stage=review.stage,
        action=action,
        note=note,
        actor=user,
        unit_id=_acting_unit_id(review, action, user),
    )
    step.full_clean()
    step.save()
    return step


def _announce(review: Review, *, title: str, body: str = "", unit_ids=None, user=None) -> None:
    task = review.task
    if unit_ids is None:
        unit_ids = [review.unit_id] if review.unit_id else events.lead_unit_ids(task)
    events.announce(
        kind=_EVENT_KINDS[review.kind],
        unit_ids=unit_ids,
        title=f"{title}:{task}",
        body=body,
        url=reverse("portal:task-detail", args=[task.pk]),
        actor=user,
    )


def _announce_waiting(review: Review, user) -> None:
    """The lead units learn that a responsible unit's request waits for their check."""
    if review.stage == ReviewStage.LEAD_UNIT:
        lead_ids = rules.task_unit_ids(review.task, UnitRole.LEAD) - {review.unit_id}
        _announce(
            review,
            title=f"{review.get_kind_display()}待牵头单位审核({review.unit})",
            unit_ids=lead_ids,
            user=user,
        )


def _save(review: Review) -> Review:
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def review_open(
    *, kind: str, task: Task, unit_id: int | None, user, extension=None, report=None
) -> Review:
    """A unit's request enters its chain at the first step (a `submitted` step on record).

    A 销号申请 while one is sent back answers it (`review_resubmit`); while one is at a
    step, the new report is only a report and the open request goes on.
    """
    if kind == ReviewKind.COMPLETION:
        current = Review.objects.open().filter(task=task, kind=kind).first()
        if current is not None:
            if current.stage != ReviewStage.RETURNED:
                return current
            return review_resubmit(
                review=current, user=user, answer=report.text if report else "", report=report
            )
    review = Review(
        kind=kind,
        task=task,
        unit_id=unit_id,
        requested_by=user,
        extension=extension,
        report=report,
        stage=review_chain(task=task, unit_id=unit_id)[0],
    )
    _save(review)
    _step(review, action=ReviewAction.SUBMITTED, user=user)
    _announce_waiting(review, user)
    return review


def review_check_decider(review: Review, user) -> None:
    """Raise PermissionDenied unless `user` may decide `review` at its current step."""
    if review.stage == ReviewStage.LEAD_UNIT:
        if review.unit_id in rules.user_unit_ids(user):
            raise PermissionDenied("不能审核本单位提出的申请")
        if not rules.is_lead_of(user, review.task):
            raise PermissionDenied("只有该任务的牵头单位可以审核")
    elif review.stage == ReviewStage.OFFICE:
        if not Task.objects.managed_by(user).filter(pk=review.task_id).exists():
            raise PermissionDenied("只有负责该任务的优化办可以初审")
    elif review.stage == ReviewStage.LEADER:
        if not (
            is_leader(user) and Task.objects.visible_to(user).filter(pk=review.task_id).exists()
        ):
            raise PermissionDenied("只有领导可以审批")
    elif review.stage == ReviewStage.RETURNED:
        raise ValidationError("该申请已退回,等待申请单位答复")
    else:
        raise ValidationError("该申请已办结")


def _locked(review: Review) -> Review:
    locked = Review.objects.select_for_update().get(pk=review.pk)
    locked.task = Task.objects.select_related("plan").get(pk=locked.task_id)
    return locked


@transaction.atomic
def review_approve(*, review: Review, user, note: str = "") -> Review:
    """Approve at the current step: on to the next step, or, at the last, apply it."""
    review = _locked(review)
    review_check_decider(review, user)
    note = (note or "").strip()
    _step(review, action=ReviewAction.APPROVED, user=user, note=note)
    passed = review.get_stage_display()
    following = _next_step(review)
    if following is not None:
        review.stage = following
        _save(review)
        _announce(
            review,
            title=f"{review.get_kind_display()}已通过{passed},转{review.get_stage_display()}",
            body=note,
            user=user,
        )
        _announce_waiting(review, user)
        return review
    review.stage = ReviewStage.APPROVED
    _save(review)
    _apply(review, user, note)
    return review


def _apply(review: Review, user, note: str) -> None:
    """The last step approved: 销号 the task, or move its deadline (each announces it)."""
    from deadlines.services import extension_grant
    from tasks.services import task_complete_apply

    if review.kind == ReviewKind.COMPLETION:
        task_complete_apply(
            task=review.task,
            user=user,
            unit_ids={review.unit_id} | events.lead_unit_ids(review.task),
        )
    else:
        extension_grant(extension=review.extension, user=user, note=note)


@transaction.atomic
def review_return(*, review: Review, user, reason: str) -> Review:
    """Send the request back (退回) to the unit with a reason it must answer."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写理由"})
    review = _locked(review)
    review_check_decider(review, user)
    _step(review, action=ReviewAction.RETURNED, user=user, note=reason)
    review.returned_from = review.stage
    review.stage = ReviewStage.RETURNED
    _save(review)
    if review.kind == ReviewKind.COMPLETION:
        from tasks.services import task_completion_sent_back

        task_completion_sent_back(task=review.task, reason=reason)
    _announce(
        review,
        title=f"{review.get_kind_display()}被退回({review.get_returned_from_display()})",
        body=f"退回理由:{reason}",
        user=user,
    )
    return review


@transaction.atomic
def review_resubmit(
    *, review: Review, user, answer: str, requested_due_on: date | None = None, report=None
) -> Review:
    """The unit answers the reason it was sent back for; the request starts its chain again.

    A 延期申请 may ask for another date with its answer; a 销号申请 is answered by a new
    report asking 销号 (`report_submit` calls this with that report).
    """
    answer = (answer or "").strip()
    review = _locked(review)
    if review.stage != ReviewStage.RETURNED:
        raise ValidationError("该申请未被退回,无需答复")
    own_units = rules.user_unit_ids(user)
    if review.unit_id is not None and review.unit_id not in own_units:
        if report is None or report.unit_id is None:
            raise PermissionDenied("只有申请单位可以答复退回意见")
        review.unit_id = report.unit_id  # another unit of the task asks 销号 again
    errors = {}
    if not answer:
        errors["answer"] = "请填写对退回理由的答复"
    extension = review.extension
    if review.kind == ReviewKind.EXTENSION and requested_due_on is not None:
        from deadlines.services import extension_date_errors

        date_errors = extension_date_errors(extension.deadline, requested_due_on)
        if date_errors:
            errors["requested_due_on"] = date_errors["requested_due_on"]
    if errors:
        raise ValidationError(errors)
    if extension is not None and requested_due_on is not None:
        extension.requested_due_on = requested_due_on
        extension.full_clean()
        extension.save(update_fields=["requested_due_on"])
    if report is not None:
        review.report = report
    review.stage = review_chain(task=review.task, unit_id=review.unit_id)[0]
    _save(review)
    _step(review, action=ReviewAction.RESUBMITTED, user=user, note=answer)
    _announce_waiting(review, user)
    return review


@transaction.atomic
def review_settle_by_office(*, task: Task, kind: str, user, extension=None) -> Review | None:
    """The office's one-click decision (admin 销号, 批准延期) on a request under review.

    Allowed where the office's step is the last one of the chain (no leader 审批 and the
    lead unit's check done); then the review is closed as approved and the caller applies
    it. Returns None for a request without a review (recorded before review chains).
    """
    reviews = Review.objects.open().filter(task=task, kind=kind)
    if extension is not None:
        reviews = reviews.filter(extension=extension)
    review = reviews.select_for_update().first()
    if review is None:
        return None
    if review.stage == ReviewStage.RETURNED and kind == ReviewKind.COMPLETION:
        review.stage = ReviewStage.OFFICE  # the office 销号 the task itself meanwhile
    if review.stage != ReviewStage.OFFICE:
        raise ValidationError(
            f"该{review.get_kind_display()}处于“{review.get_stage_display()}”环节,请在审核队列中处理"
        )
    if _next_step(review) is not None:
        raise ValidationError(f"该{review.get_kind_display()}初审后还须领导审批,请在审核队列中处理")
    _step(review, action=ReviewAction.APPROVED, user=user)
    review.stage = ReviewStage.APPROVED
    return _save(review)


@transaction.atomic
def review_close_rejected(*, task: Task, kind: str, user, note: str, extension=None) -> None:
    """The office turns a request down for good (驳回延期, reopening a 销号申请)."""
    reviews = Review.objects.open().filter(task=task, kind=kind)
    if extension is not None:
        reviews = reviews.filter(extension=extension)
    for review in reviews.select_for_update():
        _step(review, action=ReviewAction.REJECTED, user=user, note=note)
        review.stage = ReviewStage.REJECTED
        _save(review)


def extension_review_open(*, extension: DeadlineExtension, user) -> Review:
    return review_open(
        kind=ReviewKind.EXTENSION,
        task=extension.deadline.task,
        unit_id=extension.unit_id,
        user=user,
        extension=extension,
    )
