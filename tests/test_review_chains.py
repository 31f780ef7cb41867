"""Review chains (issue 15 point 5): 销号申请 and 延期申请 go through the lead unit's check
(for a responsible unit's request), the office's 初审 and, where the plan requires it, a
leader's 审批; each step approves or sends back (退回) with a reason the unit answers."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from deadlines.choices import ExtensionStatus
from deadlines.services import extension_approve, extension_request
from notifications.models import Notification
from reviews.choices import ReviewAction, ReviewKind, ReviewStage
from reviews.models import Review, ReviewStep
from reviews.services import review_approve, review_resubmit, review_return
from tasks.choices import TaskStatus
from tasks.events import EventKind
from tasks.services import report_submit, task_complete_verify
from units.models import Unit
from units.roles import LEADER_GROUP

from .conftest import XIANGXI, governed, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(imported_plans):
    """湘西 task 8 (深化不动产登记改革): lead 州自然资源和规划局, responsible 州住建局 and 州税务局."""
    plan = imported_plans[XIANGXI]
    task = plan.tasks.get(number=8)
    lead = Unit.objects.get(name="州自然资源和规划局", region__code="433100")
    partner = Unit.objects.get(name="州住建局", region__code="433100")
    return {
        "plan": plan,
        "task": task,
        "lead": lead,
        "partner": partner,
        "lead_user": make_user(units=[lead]),
        "partner_user": make_user(units=[partner]),
        "office": governed("433100"),
        "leader": governed("433100", group=LEADER_GROUP),
    }


def ask_completion(task, user, text="已完成不动产登记一窗受理改革"):
    task.refresh_from_db()
    report_submit(
        task=task,
        user=user,
        status=TaskStatus.COMPLETION_REQUESTED,
        progress=100,
        text=text,
        expected_version=task.version,
    )
    return Review.objects.get(task=task, kind=ReviewKind.COMPLETION)


def steps_of(review):
    return list(review.steps.order_by("pk").values_list("stage", "action"))


def test_full_chain_of_a_responsible_units_completion_request(chain):
    chain["plan"].needs_leader_approval = True
    chain["plan"].save()
    task = chain["task"]
    review = ask_completion(task, chain["partner_user"])
    assert review.stage == ReviewStage.LEAD_UNIT and review.unit == chain["partner"]

    review = review_approve(review=review, user=chain["lead_user"], note="情况属实")
    assert review.stage == ReviewStage.OFFICE
    review = review_approve(review=review, user=chain["office"])
    assert review.stage == ReviewStage.LEADER
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETION_REQUESTED  # not 销号 before the leader
    review = review_approve(review=review, user=chain["leader"], note="同意销号")

    task.refresh_from_db()
    assert review.stage == ReviewStage.APPROVED
    assert (task.status, task.progress) == (TaskStatus.COMPLETED, 100)
    assert steps_of(review) == [
        (ReviewStage.LEAD_UNIT, ReviewAction.SUBMITTED),
        (ReviewStage.LEAD_UNIT, ReviewAction.APPROVED),
        (ReviewStage.OFFICE, ReviewAction.APPROVED),
        (ReviewStage.LEADER, ReviewAction.APPROVED),
    ]
    lead_step = review.steps.get(action=ReviewAction.APPROVED, stage=ReviewStage.LEAD_UNIT)
    assert (lead_step.unit, lead_step.actor, lead_step.note) == (
        chain["lead"],
        chain["lead_user"],
        "情况属实",
    )
    # The requesting unit hears of each decision: two steps passed, then 销号.
    titles = list(
        Notification.objects.filter(recipient=chain["partner_user"])
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert len(titles) == 3
    assert titles[0].startswith("销号申请已通过牵头单位审核,转优化办初审")
    assert titles[1].startswith("销号申请已通过优化办初审,转领导审批")
    assert titles[2].startswith("任务已销号")
    # The lead unit was told a request waits for its check.
    assert Notification.objects.filter(
        recipient=chain["lead_user"], title__startswith="销号申请待牵头单位审核"
    ).exists()


def test_full_chain_of_an_extension_request_moves_the_deadline_at_the_last_step(chain):
    chain["plan"].needs_leader_approval = True
    chain["plan"].save()
    task = chain["task"]
    extension = extension_request(
        task=task,
        user=chain["partner_user"],
        requested_due_on=date(2021, 3, 31),
        reason="需与税务系统对接",
    )
    review = extension.review
    assert review.stage == ReviewStage.LEAD_UNIT
    for user in (chain["lead_user"], chain["office"]):
        review = review_approve(review=review, user=user)
        task.deadline.refresh_from_db()
        assert task.deadline.due_on == date(2020, 12, 31)
    review_approve(review=review, user=chain["leader"])
    task.deadline.refresh_from_db()
    extension.refresh_from_db()
    assert task.deadline.due_on == date(2021, 3, 31)
    assert (extension.status, extension.previous_due_on) == (
        ExtensionStatus.APPROVED,
        date(2020, 12, 31),
    )


@pytest.mark.parametrize(
    "stage, deciders",
    [
        (ReviewStage.LEAD_UNIT, ()),
        (ReviewStage.OFFICE, ("lead_user",)),
        (ReviewStage.LEADER, ("lead_user", "office")),
    ],
)
def test_send_back_at_each_step_needs_a_reason_and_tells_the_unit(chain, stage, deciders):
    chain["plan"].needs_leader_approval = True
    chain["plan"].save()
    review = ask_completion(chain["task"], chain["partner_user"])
    for decider in deciders:
        review = review_approve(review=review, user=chain[decider])
    assert review.stage == stage
    returner = {
        ReviewStage.LEAD_UNIT: chain["lead_user"],
        ReviewStage.OFFICE: chain["office"],
        ReviewStage.LEADER: chain["leader"],
    }[stage]
    steps_before = review.steps.count()
    with pytest.raises(ValidationError, match="退回时请填写理由"):
        review_return(review=review, user=returner, reason="   ")
    review.refresh_from_db()
    assert review.stage == stage and review.steps.count() == steps_before  # nothing half-saved

    review = review_return(review=review, user=returner, reason="缺少验收材料")
    task = chain["task"]
    task.refresh_from_db()
    assert (review.stage, review.returned_from) == (ReviewStage.RETURNED, stage)
    assert task.status == TaskStatus.IN_PROGRESS
    step = review.steps.order_by("pk").last()
    assert (step.stage, step.action, step.note, step.actor) == (
        stage,
        ReviewAction.RETURNED,
        "缺少验收材料",
        returner,
    )
    message = Notification.objects.filter(recipient=chain["partner_user"]).order_by("pk").last()
    assert message.kind == EventKind.COMPLETION_DECIDED
    assert message.title.startswith(f"销号申请被退回({ReviewStage(stage).label})")
    assert message.body == "退回理由:缺少验收材料"


def test_resubmitted_completion_request_answers_the_reason_and_starts_again(chain):
    review = ask_completion(chain["task"], chain["partner_user"])
    review = review_approve(review=review, user=chain["lead_user"])
    review_return(review=review, user=chain["office"], reason="请附验收报告")

    again = ask_completion(chain["task"], chain["partner_user"], text="已补充验收报告(附件)")
    assert again.pk == review.pk and again.stage == ReviewStage.LEAD_UNIT
    last = again.steps.order_by("pk").last()
    assert (last.action, last.note, last.unit) == (
        ReviewAction.RESUBMITTED,
        "已补充验收报告(附件)",
        chain["partner"],
    )
    review_approve(review=again, user=chain["lead_user"])
    review_approve(review=again, user=chain["office"])
    chain["task"].refresh_from_db()
    assert chain["task"].status == TaskStatus.COMPLETED
    assert Review.objects.filter(task=chain["task"]).count() == 1


def test_returned_extension_is_answered_with_a_reason_and_a_valid_date(chain):
    task = chain["task"]
    extension = extension_request(
        task=task, user=chain["partner_user"], requested_due_on=date(2021, 6, 30), reason="疫情"
    )
    review = review_return(review=extension.review, user=chain["lead_user"], reason="延期过长")
    with pytest.raises(ValidationError, match="请填写对退回理由的答复"):
        review_resubmit(review=review, user=chain["partner_user"], answer=" ")
    with pytest.raises(ValidationError, match="不能早于原定完成时限"):
        review_resubmit(
            review=review,
            user=chain["partner_user"],
            answer="缩短延期",
            requested_due_on=date(2020, 11, 30),
        )
    with pytest.raises(PermissionDenied):
        review_resubmit(review=review, user=chain["lead_user"], answer="代为答复")
    review.refresh_from_db()
    assert review.stage == ReviewStage.RETURNED
    review = review_resubmit(
        review=review,
        user=chain["partner_user"],
        answer="改为延至3月底",
        requested_due_on=date(2021, 3, 31),
    )
    extension.refresh_from_db()
    assert review.stage == ReviewStage.LEAD_UNIT
    assert extension.requested_due_on == date(2021, 3, 31)
    assert extension.status == ExtensionStatus.PENDING


def test_extension_to_a_date_before_the_original_deadline_is_refused(chain):
    with pytest.raises(ValidationError, match="不能早于原定完成时限"):
        extension_request(
            task=chain["task"],
            user=chain["partner_user"],
            requested_due_on=date(2020, 10, 31),
            reason="提前",
        )
    assert not Review.objects.exists()


def test_a_unit_cannot_approve_its_own_request_at_the_lead_step(chain):
    both = make_user(units=[chain["lead"], chain["partner"]])
    review = ask_completion(chain["task"], chain["partner_user"])
    for user in (both, chain["partner_user"], chain["office"], chain["leader"]):
        with pytest.raises(PermissionDenied):
            review_approve(review=review, user=user)
        with pytest.raises(PermissionDenied):
            review_return(review=review, user=user, reason="不行")
    assert ReviewStep.objects.filter(review=review).count() == 1
    assert not Review.objects.awaiting(both).exists()
    assert list(Review.objects.awaiting(chain["lead_user"])) == [review]


def test_office_and_leader_decide_only_their_own_step(chain):
    chain["plan"].needs_leader_approval = True
    chain["plan"].save()
    review = ask_completion(chain["task"], chain["lead_user"])
    assert review.stage == ReviewStage.OFFICE  # a lead unit's own request skips its check
    with pytest.raises(PermissionDenied):
        review_approve(review=review, user=chain["leader"])
    review = review_approve(review=review, user=chain["office"])
    with pytest.raises(PermissionDenied):
        review_approve(review=review, user=chain["office"])
    assert review_approve(review=review, user=chain["leader"]).stage == ReviewStage.APPROVED


def test_another_regions_office_sees_nothing_and_cannot_decide(chain, client):
    review = ask_completion(chain["task"], chain["lead_user"])
    xiangyang = governed("420600")
    province = governed("430000")
    assert not Review.objects.visible_to(xiangyang).exists()
    assert not Review.objects.awaiting(xiangyang).exists()
    with pytest.raises(PermissionDenied):
        review_approve(review=review, user=xiangyang)
    client.force_login(xiangyang)
    page = client.get(reverse("reviews:queue"), {"stage": "office"})
    assert page.status_code == 200 and len(page.context["page"]) == 0
    response = client.post(
        reverse("reviews:review-decide", args=[review.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    # 湖南省's office governs 湘西州 and may take the 初审.
    assert list(Review.objects.awaiting(province)) == [review]


def test_one_click_office_path_where_the_office_is_the_last_step(chain):
    task = chain["task"]
    review = ask_completion(task, chain["lead_user"])
    task.refresh_from_db()
    task_complete_verify(task=task, user=chain["office"], expected_version=task.version)
    review.refresh_from_db()
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED and review.stage == ReviewStage.APPROVED

    extension = extension_request(
        task=chain["plan"].tasks.get(number=11),
        user=make_user(units=[Unit.objects.get(name="州税务局", region__code="433100")]),
        requested_due_on=date(2021, 1, 31),
        reason="系统升级",
    )
    extension_approve(extension=extension, user=chain["office"])
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
    assert extension.review.stage == ReviewStage.APPROVED


def test_one_click_office_path_refused_while_the_chain_goes_on(chain):
    chain["plan"].needs_leader_approval = True
    chain["plan"].save()
    task = chain["task"]
    ask_completion(task, chain["lead_user"])
    task.refresh_from_db()
    with pytest.raises(ValidationError, match="领导审批"):
        task_complete_verify(task=task, user=chain["office"], expected_version=task.version)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETION_REQUESTED

    extension = extension_request(
        task=task, user=chain["partner_user"], requested_due_on=date(2021, 1, 31), reason="疫情"
    )
    with pytest.raises(ValidationError, match="牵头单位审核"):
        extension_approve(extension=extension, user=chain["office"])
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING
