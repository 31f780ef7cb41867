"""A living history for the demo (`manage.py demo_history`, run by `make load`): the work done
on the four plans other than 湘潭's (whose year `supervision.demo` scripts), from each plan's
publication to the end of its year, written through the real services — 交办, 签收, monthly
reports, 延期 requests and approvals, 销号 requests, verifications and one sent back,
督办单 proposed, issued and answered, 领导批示 — with the clock set to each scripted
moment, so every timestamp, history row and message carries the date it happened on.

Deterministic: each lead unit gets a profile from a fixed random seed (units in name order),
and every date is relative to the plan's publication and its tasks' deadlines:

- diligent (认真): signs the day after publication, reports the day after and then on the
  20th of every month,
  asks for 销号 a week before the deadline (verified two days later, on time) and answers a
  督办单 the next working day;
- slow (拖延): signs ten days after publication (late), reports on the 20th of odd months
  only and 15 points behind schedule (quiet before an even month's deadline: a blue
  督办单), asks for 销号 two weeks after the deadline (verified five
  days later: completed late) and answers a 督办单 twelve days after it came (late);
- silent (沉默): does nothing; its tasks stay open and overdue.

A task's first lead unit decides its fate; co-leads report by their own profile until it is
complete. The office proposes 督办单 on the 1st and the 24th of each month
(`notices_propose`) and issues them the next day, up to 2 December 2021. The 2020 考评 period is published on 20 January 2021. The
history ends on 31 December 2021 (`HISTORY_END`).
"""

import heapq
import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from deadlines.choices import ExtensionStatus
from deadlines.models import DeadlineExtension
from deadlines.services import extension_approve, extension_request
from tasks.choices import TaskStatus
from tasks.models import Plan, Task, TaskUnit
from tasks.services import report_submit, task_complete_verify, task_reopen
from units.choices import UnitRole
from units.models import UnitMembership

from .choices import NoticeStatus, PeriodKind
from .models import AssessmentPeriod, EscalationNotice, InstructionReceipt
from .services import (
    assessment_publish,
    instruction_acknowledge,
    instruction_write,
    notice_answer,
    notice_issue,
    notices_propose,
    plan_publish,
    task_acknowledge,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = 20210630
HISTORY_PLANS = (
    "2020-xiangxi-work-plan.txt",
    "2020-xiangyang-implementation-plan.txt",
    "2021-hunan-task-division-plan.txt",
    "2021-lengshuitan-implementation-plan.txt",
)
# The dashboard's demo date: the 2020 plans are past their deadlines (done on time, late,
# or overdue) and their 考评 is published, 冷水滩's June tasks fall due within 15 days and
# 湖南's year is half gone.
DEMO_AS_OF = date(2021, 6, 18)
PERIOD = "2020年度(演示)"
PERIOD_PUBLISHED = date(2021, 1, 20)
# The history stops at the end of 2021, where 湘潭's scripted 2022 begins (an event in 2022
# would put its unit into that year's ranking): what falls later is left undone (a 销号 not
# yet verified stays requested). For the same reason no 督办单 is issued after 2 December
# (its answer would fall due in 2022): any proposed on 24 December would wait for the office.
HISTORY_END = date(2021, 12, 31)
LAST_PROPOSAL = date(2021, 12, 24)

DILIGENT, SLOW, SILENT = "diligent", "slow", "silent"
PROFILE_WEIGHTS = {DILIGENT: 4, SLOW: 3, SILENT: 3}
# The units of the demo accounts act, so that their pages show a history.
FIXED_PROFILES = {"州市场监督管理局": DILIGENT, "州行政审批服务局": SLOW, "区发改局": DILIGENT}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@contextmanager
def clock(moment: datetime):
    """Run services as if it were `moment`: Django's `timezone.now` (and so `localdate`,
    auto_now fields, simple_history's dates and the message centre) answers `moment`."""
    real_now = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


@dataclass
class History:
    """What the generator wrote, for the command's summary."""

    profiles: dict = field(default_factory=dict)  # unit id → profile
    reports: int = 0
    completed_on_time: list = field(default_factory=list)
    completed_late: list = field(default_factory=list)
    extensions: list = field(default_factory=list)
    notices_issued: int = 0
    notices_answered: int = 0
    instructions: list = field(default_factory=list)
    period: AssessmentPeriod | None = None


class Script:
    """A queue of (moment, action) run in time order; actions may schedule further ones."""

    def __init__(self):
        self._queue = []
        self._seq = 0

    def add(self, moment: datetime, action: Callable[[], None]):
        """Schedule `action` at `moment`; after `HISTORY_END` it is left undone."""
        if moment.date() > HISTORY_END:
            return
        heapq.heappush(self._queue, (moment, self._seq, action))
        self._seq += 1

    def run(self):
        while self._queue:
            moment, _, action = heapq.heappop(self._queue)
            with clock(moment):
                action()


def month_days(start: date, end: date, day: int, months=None) -> list[date]:
    """The `day` of each month after `start` up to `end` (months limited to `months`)."""
    result = []
    year, month = start.year, start.month
    while True:
        candidate = date(year, month, day)
        if candidate > end:
            return result
        if candidate > start and (months is None or month in months):
            result.append(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _fresh(task: Task) -> Task:
    """The task as saved now (services check its version), with its unit links."""
    return Task.objects.prefetch_related("task_units").get(pk=task.pk)


def _due(task: Task) -> date | None:
    """The date in force, or None for an ongoing (长期坚持) task or one without a deadline."""
    deadline = getattr(task, "deadline", None)
    if deadline is None or deadline.is_ongoing:
        return None
    return deadline.due_on


class HistoryWriter:
    """Schedules each plan's history on a `Script`, then runs it (`write`)."""

    def __init__(self, *, office, leader):
        self.office = office
        self.leader = leader
        self.history = History()
        self.script = Script()
        self.contacts = {}
        self.plans = list(Plan.objects.filter(source_file__in=HISTORY_PLANS).order_by("issued_on"))

    # Who acts for a unit: its first own user (a demo account), else a contact account.
    def contact(self, unit):
        if unit.pk not in self.contacts:
            User = get_user_model()
            user = (
                User.objects.filter(unit_memberships__unit=unit, is_staff=False, is_active=True)
                .order_by("username")
                .first()
            )
            if user is None:
                user = User(username=f"demo-unit-{unit.pk}", first_name=f"{unit.name}联络员")
                user.set_unusable_password()
                user.save()
                UnitMembership.objects.create(user=user, unit=unit)
            self.contacts[unit.pk] = user
        return self.contacts[unit.pk]

    def assign_profiles(self) -> dict:
        rng = random.Random(SEED)
        units = {
            link.unit.pk: link.unit
            for link in TaskUnit.objects.filter(
                task__plan__in=self.plans, role=UnitRole.LEAD, unit__is_collective=False
            ).select_related("unit")
        }
        # Sorted here, not by the database: PostgreSQL's collation may order Chinese names
        # unlike SQLite's, and the seed must give each unit the same profile on both.
        profiles = {}
        for unit in sorted(units.values(), key=lambda unit: (unit.name, unit.pk)):
            drawn = rng.choices(list(PROFILE_WEIGHTS), weights=list(PROFILE_WEIGHTS.values()))[0]
            profiles[unit.pk] = FIXED_PROFILES.get(unit.name, drawn)
        self.history.profiles = profiles
        return profiles

    def write(self) -> History:
        profiles = self.assign_profiles()
        rng = random.Random(SEED + 1)
        for plan in self.plans:
            self.plan_history(plan, profiles, rng)
        self.schedule_notices()
        self.script.add(at(PERIOD_PUBLISHED), self.publish_period)
        self.script.run()
        return self.history

    # --- one plan -------------------------------------------------------------------------

    def plan_history(self, plan: Plan, profiles: dict, rng: random.Random):
        published = plan.issued_on + timedelta(days=3)
        end = date(plan.year, 12, 31)
        self.script.add(at(published, 9), lambda: plan_publish(plan=plan, user=self.office))
        tasks = list(
            plan.tasks.select_related("deadline")
            .prefetch_related("task_units__unit")
            .order_by("number")
        )
        chosen = self.choose_specials(tasks, profiles, rng, published)
        for task in tasks:
            leads = [unit for unit in task.lead_units if not unit.is_collective]
            if not leads:
                continue
            for unit in leads:
                self.schedule_acknowledgement(task, unit, profiles[unit.pk], published)
            due = _due(task)
            fate = profiles[leads[0].pk]
            request_on = self.schedule_completion(task, leads[0], fate, due, published, chosen)
            for unit in leads:
                self.schedule_reports(
                    task, unit, profiles[unit.pk], published, due, request_on or end
                )
        self.schedule_instructions(plan, tasks, profiles, published)

    def choose_specials(self, tasks, profiles, rng, published) -> dict:
        """Per plan: one diligent task extended before its deadline, one slow task extended
        after it (late days stay on record) and one slow task whose 销号 is sent back."""

        def led_by(profile):
            return [
                task
                for task in tasks
                if task.lead_units
                and not task.lead_units[0].is_collective
                and profiles[task.lead_units[0].pk] == profile
                and _due(task) is not None
                and _due(task) >= published + timedelta(days=45)
                and _due(task) + timedelta(days=90) <= HISTORY_END
            ]

        diligent, slow = led_by(DILIGENT), led_by(SLOW)
        chosen = {}
        if diligent:
            chosen[rng.choice(diligent).pk] = "extended_in_time"
        if len(slow) >= 2:
            late, sent_back = rng.sample(slow, 2)
            chosen[late.pk] = "extended_late"
            chosen[sent_back.pk] = "sent_back"
        return chosen

    def schedule_acknowledgement(self, task, unit, profile, published):
        if profile == SILENT:
            return
        day = published + timedelta(days=1 if profile == DILIGENT else 10)
        user = self.contact(unit)
        self.script.add(
            at(day, 11), lambda: task_acknowledge(task=_fresh(task), unit=unit, user=user)
        )

    def schedule_reports(self, task, unit, profile, published, due, until):
        if profile == SILENT:
            return
        months = None if profile == DILIGENT else {1, 3, 5, 7, 9, 11}
        days = month_days(published, until - timedelta(days=1), 20, months)
        if profile == DILIGENT:  # the first report right after 签收, before the first due date
            days.insert(0, published + timedelta(days=2))
        for day in days:
            if due is not None:
                span = max((due - published).days, 1)
                elapsed = min(100, (day - published).days * 100 // span)
            else:
                elapsed = 50
            progress = elapsed + 10 if profile == DILIGENT else elapsed - 15
            progress = max(5, min(95, progress))
            self.script.add(at(day, 15), self._report_action(task, unit, progress))

    def _report_action(self, task, unit, progress):
        def action():
            current = _fresh(task)
            if current.status in (TaskStatus.COMPLETED, TaskStatus.COMPLETION_REQUESTED):
                return
            report_submit(
                task=current,
                user=self.contact(unit),
                status=TaskStatus.IN_PROGRESS,
                progress=progress,
                text=f"按月报送:已完成工作量约{progress}%,下步按计划推进。",
                expected_version=current.version,
                unit=unit,
            )
            self.history.reports += 1

        return action

    def schedule_completion(self, task, unit, fate, due, published, chosen):
        """Schedule the 销号 request and verification; returns the request date (or None)."""
        if fate == SILENT or due is None:
            return None
        special = chosen.get(task.pk)
        if special == "extended_in_time":
            new_due = due + timedelta(days=61)
            self.schedule_extension(
                task, unit, due - timedelta(days=20), due - timedelta(days=12), new_due
            )
            request_on, verify_on = new_due - timedelta(days=7), new_due - timedelta(days=5)
        elif special == "extended_late":
            # Asked three days before, approved ten days after the deadline: late on record.
            new_due = due + timedelta(days=90)
            self.schedule_extension(
                task, unit, due - timedelta(days=3), due + timedelta(days=10), new_due
            )
            request_on, verify_on = due + timedelta(days=40), due + timedelta(days=42)
        elif fate == DILIGENT:
            request_on = max(due - timedelta(days=7), published + timedelta(days=10))
            verify_on = request_on + timedelta(days=2)
        else:
            request_on, verify_on = due + timedelta(days=14), due + timedelta(days=19)
        if special == "sent_back":
            self.script.add(at(request_on, 16), self._request_action(task, unit))
            self.script.add(at(request_on + timedelta(days=2), 9), self._send_back_action(task))
            request_on, verify_on = request_on + timedelta(days=12), verify_on + timedelta(days=14)
        self.script.add(at(request_on, 16), self._request_action(task, unit))
        self.script.add(at(verify_on, 9), self._verify_action(task, verify_on, due))
        return request_on

    def schedule_extension(self, task, unit, asked_on, approved_on, new_due):
        def ask():
            extension_request(
                task=_fresh(task),
                user=self.contact(unit),
                requested_due_on=new_due,
                reason="涉及多部门系统对接,需延长办理时限",
            )

        def approve():
            extension = DeadlineExtension.objects.get(
                deadline__task=task, status=ExtensionStatus.PENDING, requested_due_on=new_due
            )
            extension_approve(extension=extension, user=self.office, note="同意延期")
            self.history.extensions.append(task)

        self.script.add(at(asked_on, 14), ask)
        self.script.add(at(approved_on, 10), approve)

    def _request_action(self, task, unit):
        def action():
            current = _fresh(task)
            report_submit(
                task=current,
                user=self.contact(unit),
                status=TaskStatus.COMPLETION_REQUESTED,
                progress=100,
                text="任务已完成,申请销号,佐证材料已上传。",
                expected_version=current.version,
                unit=unit,
            )
            self.history.reports += 1

        return action

    def _send_back_action(self, task):
        def action():
            current = _fresh(task)
            task_reopen(
                task=current,
                user=self.office,
                expected_version=current.version,
                reason="佐证材料不全,请补充后重新申请",
            )

        return action

    def _verify_action(self, task, verify_on, due):
        def action():
            current = _fresh(task)
            task_complete_verify(
                task=current,
                user=self.office,
                expected_version=current.version,
                completed_on=verify_on,
            )
            current = _fresh(task)
            if current.completed_late:
                self.history.completed_late.append(current)
            else:
                self.history.completed_on_time.append(current)

        return action

    # --- 督办单 ---------------------------------------------------------------------------

    def schedule_notices(self):
        first = min(plan.issued_on for plan in self.plans)
        day = date(first.year, first.month, 1)
        while day <= LAST_PROPOSAL:
            for proposal_day in (day, day.replace(day=24)):
                if proposal_day <= LAST_PROPOSAL:
                    self.script.add(at(proposal_day, 8), self._propose_action(proposal_day))
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)

    def _propose_action(self, day: date):
        def action():
            notices = notices_propose(as_of=day, user=self.office)
            plan_ids = {plan.pk for plan in self.plans}
            ours = [notice.pk for notice in notices if notice.task.plan_id in plan_ids]
            if ours and day < LAST_PROPOSAL:
                self.script.add(at(day + timedelta(days=1), 9), self._issue_action(ours))

        return action

    def _issue_action(self, notice_ids):
        def action():
            notices = list(
                EscalationNotice.objects.filter(pk__in=notice_ids, status=NoticeStatus.PROPOSED)
                .select_related("task")
                .order_by("pk")
            )
            self.history.notices_issued += notice_issue(notices=notices, user=self.office)
            today = timezone.localdate()
            for notice in notices:
                profile = self.history.profiles.get(notice.unit_id, SILENT)
                if profile == SILENT:
                    continue
                later = timedelta(days=1 if profile == DILIGENT else 12)
                self.script.add(at(today + later, 11), self._answer_action(notice.pk))

        return action

    def _answer_action(self, notice_id):
        def action():
            notice = EscalationNotice.objects.select_related("task", "unit").get(pk=notice_id)
            if notice.status != NoticeStatus.ISSUED:
                return  # closed by the task's 销号 meanwhile
            task = notice.task
            status = (
                TaskStatus.COMPLETION_REQUESTED
                if task.status == TaskStatus.COMPLETION_REQUESTED
                else TaskStatus.IN_PROGRESS
            )
            notice_answer(
                notice=notice,
                user=self.contact(notice.unit),
                status=status,
                progress=task.progress,
                text="已收到督办单,正在加快推进,将按时报告办理结果。",
                expected_version=task.version,
            )
            self.history.notices_answered += 1
            self.history.reports += 1

        return action

    # --- 领导批示 and 考评 -----------------------------------------------------------------

    def schedule_instructions(self, plan, tasks, profiles, published):
        """On each plan: a 批示 on the first task of a silent lead unit (never read) and one
        on the first task of a diligent one (read the next day, answered by its next report)."""
        for profile, text in (
            (SILENT, "此项工作进展迟缓,请牵头单位主要负责同志亲自过问,尽快拿出办理方案。"),
            (DILIGENT, "此项工作推进有力,请继续抓好落实,及时总结经验做法。"),
        ):
            task = next(
                (
                    task
                    for task in tasks
                    if task.lead_units
                    and profiles.get(task.lead_units[0].pk) == profile
                    and _due(task) is not None
                    and _due(task) >= published + timedelta(days=60)
                ),
                None,
            )
            if task is None:
                continue
            day = published + timedelta(days=45)
            self.script.add(at(day, 17), self._instruction_action(task, text, profile))

    def _instruction_action(self, task, text, profile):
        def action():
            instruction = instruction_write(user=self.leader, text=text, task=_fresh(task))
            self.history.instructions.append(instruction)
            if profile != DILIGENT:
                return
            for receipt in InstructionReceipt.objects.filter(instruction=instruction):
                if self.history.profiles.get(receipt.unit_id) == DILIGENT:
                    day = timezone.localdate() + timedelta(days=1)
                    self.script.add(at(day, 9), self._read_action(receipt))

        return action

    def _read_action(self, receipt):
        def action():
            instruction_acknowledge(receipt=receipt, user=self.contact(receipt.unit))

        return action

    def publish_period(self):
        period, _ = AssessmentPeriod.objects.get_or_create(
            name=PERIOD,
            defaults={
                "kind": PeriodKind.YEAR,
                "starts_on": date(2020, 1, 1),
                "ends_on": date(2020, 12, 31),
            },
        )
        if not period.is_frozen:
            assessment_publish(period=period, user=self.office, today=PERIOD_PUBLISHED)
        self.history.period = period


@transaction.atomic
def write_history(*, office, leader) -> History:
    """Write the history described above, all or nothing. Call it once, from a command:
    `clock` sets the process's clock, so no request may be served meanwhile."""
    return HistoryWriter(office=office, leader=leader).write()
