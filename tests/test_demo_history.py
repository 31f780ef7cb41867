"""The living demo (`make load` → `manage.py demo_history`): a history of reports, 签收,
extensions, 销号, 督办单 and 批示 on the four plans other than 湘潭's, dated relative to each
plan, a published 2020 考评 whose ranking differs between units, and the dashboard opening on
the demo date. `make load` is run twice here (once for the whole module: it takes a while):
the second run changes nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import DemoSetting
from deadlines.choices import ExtensionStatus
from deadlines.models import DeadlineExtension
from notifications.models import Notification
from supervision.choices import NoticeColour, NoticeStatus
from supervision.demo_history import DEMO_AS_OF, HISTORY_PLANS, PERIOD
from supervision.models import (
    AssessmentPeriod,
    AssessmentScore,
    EscalationNotice,
    Instruction,
    InstructionReceipt,
    PlanPublication,
    TaskAcknowledgement,
)
from supervision.services import assessment_compute
from tasks.choices import TaskStatus
from tasks.models import Plan, ProgressReport, Task, TaskUnit
from units.choices import UnitRole

from .conftest import XIANGXI, XIANGYANG

# The `make load` steps after `migrate`, in the Makefile's order.
LOAD = ("load_policies", "prepare_demo", "create_demo_accounts", "demo_supervision", "demo_history")


def run_load() -> str:
    out = io.StringIO()
    for command in LOAD:
        call_command(command, verbosity=0, stdout=out, stderr=out)
    return out.getvalue()


def counts() -> dict:
    """Rows of everything the demo writes, with the history tables."""
    models = (
        Plan,
        Task,
        Task.history.model,
        ProgressReport,
        DeadlineExtension,
        EscalationNotice,
        EscalationNotice.history.model,
        TaskAcknowledgement,
        PlanPublication,
        Instruction,
        InstructionReceipt,
        AssessmentPeriod,
        AssessmentScore,
        Notification,
        get_user_model(),
        DemoSetting,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """`make load` twice on one database (rolled back at the end of the module)."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        first_output = run_load()
        first = counts()
        reports_at = list(ProgressReport.objects.order_by("pk").values_list("pk", "created_at"))
        second_output = run_load()
        yield {
            "first": first,
            "second": counts(),
            "reports_at": reports_at,
            "first_output": first_output,
            "second_output": second_output,
        }
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def history_tasks():
    return Task.objects.filter(plan__source_file__in=HISTORY_PLANS)


def test_a_second_make_load_changes_nothing(demo):
    assert "演示历史已存在" in demo["second_output"]
    assert demo["second"] == demo["first"]
    # Reports are not rewritten either: same rows, same dates.
    again = list(ProgressReport.objects.order_by("pk").values_list("pk", "created_at"))
    assert again == demo["reports_at"]


def test_the_history_is_dated_relative_to_each_plan_and_ends_with_2021(demo):
    first_ever = {}
    for source_file, created_at in ProgressReport.objects.filter(
        task__plan__source_file__in=HISTORY_PLANS
    ).values_list("task__plan__source_file", "created_at"):
        day = timezone.localdate(created_at)
        first_ever[source_file] = min(day, first_ever.get(source_file, day))
    # Published three days after the plan's date; the diligent units report two days later.
    assert first_ever == {
        "2020-xiangxi-work-plan.txt": date(2020, 2, 27),  # 成文 22 February 2020
        "2020-xiangyang-implementation-plan.txt": date(2020, 6, 24),  # 19 June 2020
        "2021-hunan-task-division-plan.txt": date(2021, 3, 15),  # 10 March 2021
        "2021-lengshuitan-implementation-plan.txt": date(2021, 2, 6),  # 1 February 2021
    }
    last = ProgressReport.objects.filter(task__plan__source_file__in=HISTORY_PLANS).latest(
        "created_at"
    )
    assert timezone.localdate(last.created_at) <= date(2021, 12, 31)
    # The message centre dates its messages when they happened, not when the demo ran.
    published = PlanPublication.objects.get(plan__source_file=XIANGXI)
    assert timezone.localdate(published.published_at) == date(2020, 2, 25)
    assert Notification.objects.filter(
        created_at__date=date(2020, 2, 25), kind="task_assigned"
    ).exists()


def test_silent_units_never_report_and_diligent_ones_report_every_month(demo):
    # 州政府办 (silent by the seed) leads seven 湘西 tasks and never wrote a report.
    assert not ProgressReport.objects.filter(unit__name="州政府办").exists()
    # 州人社局 (diligent) reported on its task 23 from 27 February to its 销号 request.
    months = {
        (at.year, at.month)
        for at in ProgressReport.objects.filter(
            unit__name="州人社局", task__plan__source_file=XIANGXI, task__number=23
        ).values_list("created_at", flat=True)
    }
    assert months == {(2020, month) for month in range(2, 13)}


def test_completions_on_time_and_late_with_their_mark(demo):
    extended = {
        (ext.deadline.task.plan.source_file, ext.deadline.task.number): ext
        for ext in DeadlineExtension.objects.select_related("deadline__task__plan")
        if ext.deadline.task.plan.source_file in HISTORY_PLANS
    }
    assert len(extended) == 6
    assert all(ext.status == ExtensionStatus.APPROVED for ext in extended.values())
    # 湘西 task 6: asked 20 days, approved 12 days before 30 June → no lateness, done in time.
    in_time = extended[(XIANGXI, 6)]
    assert timezone.localdate(in_time.decided_at) == date(2020, 6, 18)
    assert in_time.deadline.late_days_on_record == 0
    assert in_time.deadline.task.completed_on == date(2020, 8, 25)
    assert in_time.deadline.task.late_mark == ""
    # 襄阳 task 17: approved on 10 January for 31 December → ten days late stay on record.
    late = extended[(XIANGYANG, 17)]
    assert timezone.localdate(late.decided_at) == date(2021, 1, 10)
    assert late.deadline.late_days_on_record == 10
    assert late.deadline.task.late_mark == "逾期办结 10 天"
    completed = list(history_tasks().filter(status=TaskStatus.COMPLETED).select_related("deadline"))
    assert len(completed) == 93
    assert sum(task.completed_late for task in completed) == 32


def test_notices_of_each_colour_issued_through_the_service(demo):
    notices = EscalationNotice.objects.filter(task__plan__source_file__in=HISTORY_PLANS)
    # The 14 city governments 湖南's 55 collective tasks were handed down to (承办) never
    # report in the demo: each gets the yellow "no report" notice on each task, 14 × 55.
    handed_down = TaskUnit.objects.filter(
        task=OuterRef("task"), unit=OuterRef("unit"), collective_link__isnull=False
    )
    to_members = notices.filter(Exists(handed_down))
    assert to_members.count() == to_members.filter(colour="yellow").count() == 14 * 55
    assert to_members.values("unit").distinct().count() == 14
    to_leads = notices.exclude(Exists(handed_down))
    colours = {colour: to_leads.filter(colour=colour).count() for colour in NoticeColour.values}
    assert colours == {"blue": 20, "yellow": 82, "red": 79}
    assert to_leads.filter(status=NoticeStatus.ANSWERED).count() == 97
    # Of the members only 长沙市人民政府 (the demo account cszf, a diligent unit) answers.
    answered = to_members.filter(status=NoticeStatus.ANSWERED)
    assert set(answered.values_list("unit__name", flat=True)) == {"长沙市人民政府"}
    assert answered.count() == 55
    # Those proposed on 24 December 2021 (blue: 湖南's tasks due on the 31st whose slow
    # leads last reported on 20 November) wait for the office, as on its workbench.
    waiting = notices.filter(status=NoticeStatus.PROPOSED)
    assert set(waiting.values_list("proposed_on", "colour")) == {(date(2021, 12, 24), "blue")}
    assert waiting.count() == 13
    # Every notice has its history, dated the day it was proposed.
    first = notices.order_by("pk").first()
    created = first.history.earliest("history_date")
    assert timezone.localdate(created.history_date) == first.proposed_on
    assert Notification.objects.filter(kind="notice_issued").count() > 0


def test_instructions_are_read_and_answered_by_diligent_units_only(demo):
    instructions = Instruction.objects.filter(task__plan__source_file__in=HISTORY_PLANS)
    assert instructions.count() == 8  # two per plan
    receipts = InstructionReceipt.objects.filter(instruction__in=instructions)
    lead = TaskUnit.objects.filter(
        task=OuterRef("instruction__task"), unit=OuterRef("unit"), role=UnitRole.LEAD
    )
    lead_receipts = receipts.filter(Exists(lead))
    read = lead_receipts.filter(acknowledged_at__isnull=False)
    # The four praised tasks' diligent leads (five units: one task has two) read the next
    # day; their next report answers. The units reproached are silent and never read.
    assert (lead_receipts.count(), read.count()) == (12, 5)
    assert read.filter(answer__isnull=False).count() == 5
    # An instruction on a task handed down (承办) also reaches each member government, never
    # the collective label: every other receipt is a member's of its instruction's task.
    for instruction in instructions:
        members = set(
            TaskUnit.objects.filter(task=instruction.task, collective_link__isnull=False)
            .exclude(is_fanned_out=True)
            .values_list("unit_id", flat=True)
        )
        copies = set(
            receipts.filter(instruction=instruction)
            .exclude(pk__in=lead_receipts)
            .values_list("unit_id", flat=True)
        )
        assert copies == members
    assert receipts.exclude(pk__in=lead_receipts).count() > 0  # 湖南's tasks handed down
    assert (
        not receipts.filter(instruction__text__startswith="此项工作进展迟缓")
        .exclude(acknowledged_at=None)
        .exists()
    )


def test_the_published_2020_ranking_differs_between_units(demo):
    """Worked out from the script with the migrated rules (on time +5 up to 20; never signed
    −1 each up to 5; missed report −0.5 up to 20; overdue at the end −3 up to 30; days
    overdue −0.05 up to 15; blue −1, yellow −3 up to 10, red −5 up to 15; unanswered −2 up
    to 10)."""
    period = AssessmentPeriod.objects.get(name=PERIOD)
    assert period.is_frozen
    assert timezone.localdate(period.published_at) == date(2021, 1, 20)
    scores = {score.unit.name: score for score in assessment_compute(period=period)}
    assert len(scores) == 39  # lead units of the 湘西 and 襄阳 plans
    # 州发改委 (diligent): six of its 湘西 tasks done a week early in 2020 (its co-led task 7
    # waits for a slow lead until January) → 6 × 5 capped at 20, nothing lost.
    assert (scores["州发改委"].total, scores["州发改委"].rank) == (Decimal("120"), 1)
    # 州人社局 (diligent): tasks 16 and 23, both due 31 December, verified on 26 December.
    assert scores["州人社局"].total == Decimal("110")
    # 市地方金融局 (silent, first lead of 襄阳 task 20 due 31 December): never signed (−1) and
    # missed the month-end reports of June to November (−3); its co-leads kept the task
    # reported and ahead, so no notice.
    assert scores["市地方金融局"].total == Decimal("96")
    # 州政府办 (silent, first lead of 7 湘西 tasks): 7 unsigned (−5 cap), 70 missed reports
    # (−20 cap), tasks 37 (due 29 Feb) and 22 (31 May) overdue at the end (−6) by 306 + 214
    # days (−26 → cap 15), two red (−10), six yellow (−10 cap), two blue (−2: task 22 before
    # it fell due, task 33 on 24 December, its slow co-lead quiet since 20 November), nine
    # notices unanswered (−10 cap) → 22, last.
    assert (scores["州政府办"].total, scores["州政府办"].rank) == (Decimal("22"), 39)
    assert len({score.total for score in scores.values()}) == 23


def test_the_dashboard_opens_on_the_demo_date_with_figures_that_mean_something(
    demo, client, django_assert_num_queries
):
    assert DemoSetting.objects.demo_as_of() == DEMO_AS_OF == date(2021, 6, 18)
    client.force_login(get_user_model().objects.get(username="leader"))
    with CaptureQueriesContext(connection) as chosen:
        assert client.get("/dashboard/?as_of=2021-06-18").status_code == 200
    cache.clear()  # the figures are cached per date: count them again
    # The demo date costs one query (reading `DemoSetting`) over the same date chosen.
    with django_assert_num_queries(len(chosen) + 1):
        page = client.get("/dashboard/").content.decode()
    assert "演示数据:按 2021年6月18日 显示" in page
    # 153 tasks of the four plans issued by then (湘潭's 2022 plan is not yet issued).
    figures = {}
    for label in ("任务总数", "已销号", "已逾期", "15日内到期"):
        head = page.partition(f'<span class="label">{label}</span>')[0]
        figures[label] = int(head.rsplit('<span class="value">', 1)[1].split("<", 1)[0])
    assert figures == {"任务总数": 153, "已销号": 59, "已逾期": 22, "15日内到期": 7}
