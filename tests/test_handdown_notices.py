"""督办单 for handed-down tasks (issue 12): each member government a collective name was
handed down to (承办) gets its own notice, judged on its own latest report; the collective
label never gets one. On 湖南's plan, 各市州人民政府 fanned out to its 14 cities."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Notification
from supervision.choices import NoticeColour
from supervision.models import EscalationNotice, PlanPublication
from supervision.services import notice_issue, notices_propose, plan_publish
from tasks.assignments import tasks_fan_out
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task
from units.models import Unit

from .conftest import HUNAN, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def city_government(city: str) -> Unit:
    return Unit.objects.get(name=f"{city}人民政府", region__name=city)


def report(task, unit, *, on: date, status=TaskStatus.IN_PROGRESS, progress=50):
    """A report by `unit` on `task` made on `on` at 10:00 (Asia/Shanghai)."""
    created = ProgressReport.objects.create(
        task=task, unit=unit, status=status, progress=progress, text="进展"
    )
    ProgressReport.objects.filter(pk=created.pk).update(
        created_at=datetime(on.year, on.month, on.day, 10, tzinfo=SHANGHAI)
    )


@pytest.fixture
def handed_down(regional_plans, office_user):
    """Task 1 of 湖南's plan (省政务局 leads; 各市州人民政府 按职责分工负责) handed down to
    the 14 cities; the plan published on 2021-03-01."""
    plan = regional_plans[HUNAN]
    task = Task.objects.get(plan=plan, number=1)
    shizhou = Unit.objects.get(name="各市州人民政府", is_collective=True)
    assert len(tasks_fan_out(tasks=[task], collective=shizhou, user=office_user)) == 14
    plan_publish(plan=plan, user=office_user)
    PlanPublication.objects.filter(plan=plan).update(
        published_at=datetime(2021, 3, 1, 9, tzinfo=SHANGHAI)
    )
    return task


def notices_of(task, day) -> dict[str, str]:
    """{unit full name: colour} of the notices proposed on `day` for `task`."""
    return {
        notice.unit.full_name: notice.colour
        for notice in notices_propose(as_of=day)
        if notice.task_id == task.pk
    }


def test_overdue_handed_down_task_notices_the_lead_and_each_member_not_the_label(handed_down):
    task = handed_down
    assert task.deadline.due_on == date(2021, 12, 31)
    # 长沙 reported its part done (申请销号): its own standing, no notice for it.
    report(
        task,
        city_government("长沙市"),
        on=date(2021, 12, 20),
        status=TaskStatus.COMPLETION_REQUESTED,
        progress=100,
    )
    report(task, city_government("湘潭市"), on=date(2021, 12, 28), progress=60)

    notices = notices_of(task, date(2022, 1, 10))

    assert len(notices) == 14  # 省政务局 and 13 of the 14 cities
    assert set(notices.values()) == {NoticeColour.RED}
    assert "湖南省 · 省政务局" in notices
    assert "湘潭市 · 湘潭市人民政府" in notices  # reported, but not done and overdue
    assert "长沙市 · 长沙市人民政府" not in notices
    assert not any("各市州" in name for name in notices)
    # Proposing again the same day proposes nothing new (idempotent per member).
    assert notices_of(task, date(2022, 1, 10)) == {}
    assert EscalationNotice.objects.filter(task=task).count() == 14


def test_before_the_deadline_each_member_is_judged_on_its_own_reports(handed_down):
    task = handed_down
    # 2021-10-15: 228 of 305 days from publication to the deadline gone (74%).
    report(task, city_government("长沙市"), on=date(2021, 10, 5), progress=80)
    report(task, city_government("株洲市"), on=date(2021, 10, 6), progress=50)
    report(task, city_government("岳阳市"), on=date(2021, 8, 6), progress=90)  # before September

    notices = notices_of(task, date(2021, 10, 15))

    # 长沙 and 株洲 reported in time and are on pace (80% and 50% + 30 ≥ 74%): no notice,
    # though the 11 cities that never reported get one; 岳阳 is on pace but missed
    # September's report. The lead is judged on the task (progress 0, far behind).
    assert "长沙市 · 长沙市人民政府" not in notices
    assert "株洲市 · 株洲市人民政府" not in notices
    assert notices["岳阳市 · 岳阳市人民政府"] == NoticeColour.YELLOW
    assert len(notices) == 13
    assert set(notices.values()) == {NoticeColour.YELLOW}


def test_issued_member_notices_reach_the_member_governments_inbox(handed_down, office_user):
    task = handed_down
    changsha = city_government("长沙市")
    changsha_user = make_user(units=[changsha])
    notices_propose(as_of=date(2022, 1, 10))

    member_notices = EscalationNotice.objects.filter(task=task, unit=changsha)
    assert notice_issue(notices=list(member_notices), user=office_user) == 1

    inbox = Notification.objects.filter(recipient=changsha_user)
    assert [n.title for n in inbox if "督办单" in n.title] == [f"督办单(红色(逾期催办)):{task}"]


def test_a_notice_may_go_to_a_member_but_never_to_the_label(handed_down):
    task = handed_down
    EscalationNotice(task=task, unit=city_government("郴州市"), colour=NoticeColour.RED).clean()
    label = Unit.objects.get(name="各市州人民政府", is_collective=True)
    with pytest.raises(ValidationError, match="督办单只能发给该任务的牵头单位或承办单位"):
        EscalationNotice(task=task, unit=label, colour=NoticeColour.RED).clean()


def test_publishing_tells_each_member_how_many_tasks_it_carries(regional_plans, office_user):
    plan = regional_plans[HUNAN]
    shizhou = Unit.objects.get(name="各市州人民政府", is_collective=True)
    tasks = list(plan.tasks.filter(task_units__unit=shizhou).distinct())
    tasks_fan_out(tasks=tasks, collective=shizhou, user=office_user)
    changsha_user = make_user(units=[city_government("长沙市")])
    zhuzhou_user = make_user(units=[city_government("株洲市")])

    plan_publish(plan=plan, user=office_user)

    title = f"方案已交办:《{plan.title}》,贵单位{{}}任务,请及时签收"
    # 长沙市人民政府 leads task 3 itself (长沙市、岳阳市、郴州市人民政府牵头) and carries the 55.
    assert Notification.objects.get(recipient=changsha_user).title == title.format(
        "牵头1项、承办55项"
    )
    assert Notification.objects.get(recipient=zhuzhou_user).title == title.format("承办55项")
    assert not Notification.objects.filter(title__contains="各市州").exists()


def test_member_notices_count_in_each_members_assessment(handed_down, office_user):
    from supervision.choices import AssessmentRuleKind
    from supervision.models import AssessmentPeriod
    from supervision.services import assessment_compute

    task = handed_down
    notices_propose(as_of=date(2022, 1, 10))
    notice_issue(notices=list(EscalationNotice.objects.filter(task=task)), user=office_user)
    period = AssessmentPeriod.objects.create(
        name="2022年第一季度", kind="quarter", starts_on=date(2022, 1, 1), ends_on=date(2022, 3, 31)
    )

    # Issued on 2022-01-11 (the office's confirmation date counts).
    EscalationNotice.objects.filter(task=task).update(
        confirmed_at=datetime(2022, 1, 11, 9, tzinfo=SHANGHAI)
    )
    scores = {score.unit.full_name: score for score in assessment_compute(period=period)}

    def red_notices(name):
        (item,) = [
            item for item in scores[name].breakdown if item["kind"] == AssessmentRuleKind.NOTICE_RED
        ]
        return item["count"], [entry["task"] for entry in item["items"]]

    members = [name for name in scores if name.endswith("人民政府") and " · " in name]
    assert len([name for name in members if red_notices(name)[0] == 1]) == 14
    assert red_notices("长沙市 · 长沙市人民政府") == (1, [task.pk])
    assert red_notices("湖南省 · 省政务局") == (1, [task.pk])
    assert not any("各市州" in name for name in scores)
