"""The review queue page (lead units in the portal, the office and leaders), the task
timeline's review steps, the workbench's counts per step, and progress reports sent back
(退回, issue 16) with their inbox message."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from deadlines.services import extension_request
from notifications.models import Notification
from reviews.choices import ReviewAction, ReviewKind, ReviewStage
from reviews.demo import demo_extension_in_review
from reviews.models import Review
from tasks.choices import TaskStatus
from tasks.events import EventKind
from tasks.models import ProgressReport
from tasks.services import report_submit
from units.models import Unit
from units.roles import LEADER_GROUP

from .conftest import XIANGTAN, XIANGXI, governed, make_user
from .test_workbench import _queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiangxi(imported_plans):
    plan = imported_plans[XIANGXI]
    lead = Unit.objects.get(name="州自然资源和规划局", region__code="433100")
    partner = Unit.objects.get(name="州住建局", region__code="433100")
    return {
        "plan": plan,
        "task": plan.tasks.get(number=8),
        "lead": lead,
        "partner": partner,
        "lead_user": make_user(units=[lead]),
        "partner_user": make_user(units=[partner]),
        "office": governed("433100"),
    }


def report(task, user, *, status=TaskStatus.IN_PROGRESS, text="已完成窗口整合"):
    task.refresh_from_db()
    return report_submit(
        task=task, user=user, status=status, progress=60, text=text, expected_version=task.version
    )


def test_lead_unit_decides_in_the_portal_and_a_return_needs_a_reason(xiangxi, client):
    task = xiangxi["task"]
    report(task, xiangxi["partner_user"], status=TaskStatus.COMPLETION_REQUESTED)
    review = Review.objects.get(task=task)
    client.force_login(xiangxi["lead_user"])
    page = client.get(reverse("reviews:queue"))
    content = page.content.decode()
    assert page.status_code == 200
    assert [r.pk for r in page.context["page"]] == [review.pk]
    assert "深化不动产登记改革" in content and "湘西州 · 州住建局" in content
    assert 'name="decision" value="return"' in content

    url = reverse("reviews:review-decide", args=[review.pk])
    response = client.post(url, {"decision": "return", "note": " ", "next": "//evil.example/"})
    assert response["Location"] == reverse("reviews:queue")  # never off-site
    response = client.post(url, {"decision": "return", "note": " "}, follow=True)
    assert "退回时请填写理由" in response.content.decode()
    review.refresh_from_db()
    assert review.stage == ReviewStage.LEAD_UNIT and review.steps.count() == 1

    response = client.post(url, {"decision": "approve", "note": "属实"}, follow=True)
    assert "当前:优化办初审" in response.content.decode()
    review.refresh_from_db()
    assert review.stage == ReviewStage.OFFICE
    assert list(client.get(reverse("reviews:queue")).context["page"]) == []

    # The requesting unit cannot decide at the office's step either.
    client.force_login(xiangxi["partner_user"])
    assert client.post(url, {"decision": "approve"}).status_code == 403


def test_office_then_leader_decide_on_the_queue_page(xiangxi, client):
    xiangxi["plan"].needs_leader_approval = True
    xiangxi["plan"].save()
    task = xiangxi["task"]
    report(task, xiangxi["lead_user"], status=TaskStatus.COMPLETION_REQUESTED)
    review = Review.objects.get(task=task)
    url = reverse("reviews:review-decide", args=[review.pk])
    leader = governed("433100", group=LEADER_GROUP)
    client.force_login(leader)
    assert list(client.get(reverse("reviews:queue")).context["page"]) == []
    assert client.post(url, {"decision": "approve"}).status_code == 403

    client.force_login(xiangxi["office"])
    assert [r.pk for r in client.get(reverse("reviews:queue")).context["page"]] == [review.pk]
    client.post(url, {"decision": "approve", "note": "材料齐全"})
    client.force_login(leader)
    page = client.get(reverse("reviews:queue"))
    assert [r.pk for r in page.context["page"]] == [review.pk]
    assert "材料齐全" in page.content.decode()
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "当前:已通过" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_office_queue_per_step_has_a_fixed_number_of_queries(
    imported_plans, xiangxi, client, django_assert_max_num_queries
):
    """Nine queries for 1 or 6 requests: session, user, groups+government, the regions
    governed, the pager's count, the reviews (+task, plan, deadline, unit, region, extension,
    report), their steps (+actor, unit), which of them I may decide, the bell."""
    office = xiangxi["office"]
    client.force_login(office)
    tasks = list(xiangxi["plan"].tasks.order_by("number"))
    lead_users = {}

    def ask(task):
        unit = task.lead_units[0]
        user = lead_users.setdefault(unit.pk, make_user(units=[unit]))
        extension_request(
            task=task, user=user, requested_due_on=date(2021, 3, 31), reason="系统对接"
        )

    ask(tasks[0])
    with django_assert_max_num_queries(9):
        one = client.get(reverse("reviews:queue"), {"stage": "office"})
    assert len(one.context["page"]) == 1
    for task in tasks[1:6]:
        ask(task)
    with django_assert_max_num_queries(9):
        six = client.get(reverse("reviews:queue"), {"stage": "office", "kind": "extension"})
    assert len(six.context["page"]) == 6
    assert all(review.can_decide for review in six.context["page"])
    bad = client.get(reverse("reviews:queue"), {"stage": "nowhere"})
    assert bad.status_code == 400 and "没有“nowhere”这个审核环节" in bad.content.decode()


def test_timeline_keeps_every_step_with_who_and_when(xiangxi, client):
    task = xiangxi["task"]
    extension = extension_request(
        task=task,
        user=xiangxi["partner_user"],
        requested_due_on=date(2021, 3, 31),
        reason="需与税务系统对接",
    )
    client.force_login(xiangxi["lead_user"])
    client.post(
        reverse("reviews:review-decide", args=[extension.review.pk]),
        {"decision": "return", "note": "请说明对接进度"},
    )
    client.force_login(xiangxi["partner_user"])
    page = client.get(reverse("portal:task-detail", args=[task.pk]))
    reviews = [e for e in page.context["timeline"] if e.kind == "review"]
    assert [e.title for e in reviews] == [
        "延期申请·牵头单位审核:退回",
        "延期申请:提交申请(待牵头单位审核)",
    ]
    assert reviews[0].who == f"湘西州 · 州自然资源和规划局 {xiangxi['lead_user'].username}"
    assert reviews[0].text == "请说明对接进度"
    content = page.content.decode()
    assert "牵头单位审核退回" in content and "答复并重新提交" in content
    step = extension.review.steps.get(action=ReviewAction.RETURNED)
    local = step.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{local:%Y-%m-%d %H:%M}" in content

    response = client.post(
        reverse("reviews:review-answer", args=[extension.review.pk]),
        {"answer": "接口3月开放", "requested_due_on": "2021-02-28"},
        follow=True,
    )
    assert "已答复并重新提交" in response.content.decode()
    extension.refresh_from_db()
    assert extension.requested_due_on == date(2021, 2, 28)
    assert extension.review.stage == ReviewStage.LEAD_UNIT


def test_workbench_counts_requests_per_step_and_links_to_the_queue(xiangxi, client):
    xiangxi["plan"].needs_leader_approval = True
    xiangxi["plan"].save()
    task = xiangxi["task"]
    report(task, xiangxi["partner_user"], status=TaskStatus.COMPLETION_REQUESTED)
    other = xiangxi["plan"].tasks.get(number=11)
    tax_user = make_user(units=[other.lead_units[0]])
    extension_request(task=other, user=tax_user, requested_due_on=date(2021, 1, 31), reason="x")
    extension_request(  # a responsible unit's: with the lead unit, not the office's yet
        task=task, user=xiangxi["partner_user"], requested_due_on=date(2021, 1, 31), reason="y"
    )
    client.force_login(xiangxi["office"])
    page = client.get(reverse("admin:index")).content.decode()
    assert _queue(page, "审核队列:牵头单位审核") == 2
    assert _queue(page, "审核队列:优化办初审") == 1
    assert _queue(page, "审核队列:领导审批") == 0
    assert _queue(page, "销号申请待核验") == 0  # still with the lead unit
    assert _queue(page, "延期申请待审批") == 1
    assert f"{reverse('reviews:queue')}?stage=lead_unit" in page
    # 襄阳's office counts none of 湘西's requests.
    client.force_login(governed("420600"))
    page = client.get(reverse("admin:index")).content.decode()
    assert _queue(page, "审核队列:牵头单位审核") == 0
    assert _queue(page, "审核队列:优化办初审") == 0


def test_report_sent_back_reaches_the_unit_and_shows_until_answered(xiangxi, client):
    task = xiangxi["task"]
    partner_report = report(task, xiangxi["partner_user"], text="推进中")
    lead_report = report(task, xiangxi["lead_user"], text="牵头单位报告")

    client.force_login(xiangxi["partner_user"])  # a responsible unit cannot send back the lead's
    url = reverse("portal:report-return", args=[lead_report.pk])
    assert client.post(url, {"reason": "不行"}).status_code == 403

    client.force_login(xiangxi["lead_user"])
    page = client.get(reverse("portal:task-detail", args=[task.pk]))
    assert page.context["returnable_report_ids"] == {partner_report.pk}
    url = reverse("portal:report-return", args=[partner_report.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "退回时请填写理由" in response.content.decode()
    assert ProgressReport.objects.get(pk=partner_report.pk).returned_at is None
    client.post(url, {"reason": "请补充办件数量"})

    message = Notification.objects.get(
        recipient=xiangxi["partner_user"], kind=EventKind.REPORT_RETURNED
    )
    assert message.title == f"进展报告被退回:{task}"
    assert message.body == "退回理由:请补充办件数量"
    assert not Notification.objects.filter(
        recipient=xiangxi["lead_user"], kind=EventKind.REPORT_RETURNED
    ).exists()
    client.force_login(xiangxi["partner_user"])
    content = client.get(reverse("portal:task-detail", args=[task.pk])).content.decode()
    assert "(已退回,待答复)" in content and "请补充办件数量" in content

    answer = report(task, xiangxi["partner_user"], text="本月办件1200件")
    partner_report.refresh_from_db()
    assert partner_report.answered_by == answer and not partner_report.is_returned
    content = client.get(reverse("portal:task-detail", args=[task.pk])).content.decode()
    assert "(已退回,待答复)" not in content and "的报告答复" in content
    # The office may send back any report, but not one already answered.
    client.force_login(xiangxi["office"])
    response = client.post(url, {"reason": "再补充"}, follow=True)
    assert "该报告已由新的报告答复" in response.content.decode()


def test_demo_leaves_one_extension_waiting_for_the_office_and_runs_once(
    imported_plans, office_user
):
    plan = imported_plans[XIANGTAN]
    task = plan.tasks.get(number=4)
    unit_user = make_user(units=[task.lead_units[0]])
    first = demo_extension_in_review(task=task, office=office_user, unit_user=unit_user)
    again = demo_extension_in_review(task=task, office=office_user, unit_user=unit_user)
    assert first.pk == again.pk and Review.objects.count() == 1
    assert (first.kind, first.stage) == (ReviewKind.EXTENSION, ReviewStage.OFFICE)
    assert list(first.steps.values_list("action", flat=True)) == [
        ReviewAction.SUBMITTED,
        ReviewAction.RETURNED,
        ReviewAction.RESUBMITTED,
    ]
    assert first.extension.requested_due_on == date(2023, 3, 31)
