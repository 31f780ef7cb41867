"""Writes that touch several models: importing a parsed plan, reports, 销号."""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from deadlines.choices import DeadlineSource
from deadlines.models import Deadline, Milestone
from regions.models import Region
from units.choices import UnitRole
from units.models import Unit

from . import events, rules
from .attachments import attachment_validate
from .choices import TaskStatus
from .importer import KnownRegion, is_collective_unit_name, unit_government
from .importer.document import WARNING_NO_LEAD
from .importer.government import RegionIndex
from .importer.parsed import ParsedPlan, ParsedTask
from .importer.reporting import reporting_rule
from .models import Plan, ProgressReport, Section, Task, TaskUnit
from .signals import task_completed


@dataclass
class PlanImportResult:
    """What an import did (or, for a dry run, would do) to one document."""

    source_file: str
    title: str
    outcome: str  # "created", "updated" or "unchanged"
    dry_run: bool
    plan_id: int | None = None
    tasks_total: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0
    tasks_missing: list[int] = field(default_factory=list)
    units_new: int = 0
    units_existing: int = 0
    deadlines_document: int = 0
    deadlines_default: int = 0
    deadlines_ongoing: int = 0
    milestones: int = 0
    warnings: list[str] = field(default_factory=list)
    region: Region | None = None  # the plan's government


def content_hash(source_text: str) -> str:
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


def known_regions() -> RegionIndex:
    """Every region in the database, as the importer's plain `KnownRegion` rows.

    `index.pks` maps each row's code (a region without a GB/T code gets "#<id>") to its id.
    """
    rows = Region.objects.values_list(
        "code", "name", "short_name", "abbreviation", "level", "parent__code", "parent_id", "pk"
    )
    rows = [
        (code or f"#{pk}", name, short, abbreviation, level, parent_code, parent_id, pk)
        for code, name, short, abbreviation, level, parent_code, parent_id, pk in rows
    ]
    index = RegionIndex(
        KnownRegion(
            code=code,
            name=name,
            short_name=short_name,
            abbreviation=abbreviation,
            level=level,
            parent_code=parent_code or (f"#{parent_id}" if parent_id else ""),
        )
        for code, name, short_name, abbreviation, level, parent_code, parent_id, _ in rows
    )
    index.pks = {row[0]: row[-1] for row in rows}
    return index


def _region_by_known_code(code: str) -> Region:
    return (
        Region.objects.get(pk=int(code[1:]))
        if code.startswith("#")
        else Region.objects.get(code=code)
    )


def plan_region_of(parsed: ParsedPlan) -> Region | None:
    """The region the importer read from the document, or None when undetermined."""
    return _region_by_known_code(parsed.region_code) if parsed.region_code else None


class _UnitResolver:
    """Finds or creates units by name (or alias) once per import, counting new ones.

    With the plan's region, each name is resolved in its own government: relative
    names in the plan's, names carrying a known place in that place's (see
    `importer.government.unit_government`).
    """

    def __init__(self, region: Region | None = None, plan: Plan | None = None):
        self._by_name: dict[str, Unit] = {}
        self.plan = plan
        self.new_ids: set[int] = set()
        self.used_ids: set[int] = set()
        self.region = region
        if region is not None:
            self._index = known_regions()
            self._plan_region = next(
                known
                for code, known in self._index.by_code.items()
                if self._index.pks[code] == region.pk
            )

    def region_id_for(self, name: str) -> int | None:
        """The id of the government `name` means in this plan (None without a plan region)."""
        if self.region is None:
            return None
        return self._index.pks[unit_government(name, self._plan_region, self._index).code]

    def get(self, name: str) -> Unit:
        unit = self._by_name.get(name)
        if unit is None:
            region_id = self.region_id_for(name)
            unit = Unit.objects.resolve(name, region=region_id)
            if unit is None and region_id is not None:
                unit = self._adopt(name, region_id)
            if unit is None:
                unit = Unit.objects.create(
                    name=name, region_id=region_id, is_collective=is_collective_unit_name(name)
                )
                self.new_ids.add(unit.pk)
            self._by_name[name] = unit
        self.used_ids.add(unit.pk)
        return unit

    def _adopt(self, name: str, region_id: int) -> Unit | None:
        """A unit without a government named only in this plan takes the plan's reading.

        A plan imported before its government was known keeps its units, reports and
        users when the government is given later (`load_policies --region`).
        """
        if self.plan is None or self.plan.pk is None:
            return None
        orphan = (
            Unit.objects.filter(name=name, region=None, task_units__task__plan=self.plan)
            .distinct()
            .first()
        )
        if orphan is None or orphan.task_units.exclude(task__plan=self.plan).exists():
            return None
        orphan.region_id = region_id
        orphan._change_reason = "方案确定发文政府"
        orphan.save(update_fields=["region"])
        return orphan


def _import_start(*, parsed, source_file: str, dry_run: bool, region):
    """The plan already imported from `source_file` (or None) and the result to fill in:
    the document's warnings, and the government given, kept, or read from the document."""
    plan = Plan.objects.filter(source_file=source_file).first()
    result = PlanImportResult(
        source_file=source_file,
        title=parsed.title,
        outcome="created" if plan is None else "updated",
        dry_run=dry_run,
        tasks_total=len(parsed.tasks),
        warnings=list(parsed.warnings),
    )
    for task in parsed.tasks:
        result.warnings.extend(f"任务{task.number}:{w}" for w in task.warnings)
    result.region = region or (plan.region if plan is not None else None) or plan_region_of(parsed)
    return plan, result


@transaction.atomic
def plan_import(
    *,
    parsed: ParsedPlan,
    source_file: str,
    source_text: str,
    dry_run: bool = False,
    region: Region | None = None,
    progress=None,
) -> PlanImportResult:
    """Create or update a plan from a parsed document, in one transaction.

    `progress(done, total)`, when given, is told after each task (a background import's
    progress bar; it must write outside this transaction to be seen meanwhile).

    The plan's government is `region`, else the one the plan already has (confirmed
    when it was first imported), else the one read from the document (`parsed.region_code`). Its units are
    resolved in their governments; without any region they are matched by name alone.

    Re-importing an unchanged document (same content hash) writes nothing. A changed
    document updates what came from the document; progress, status, manual deadlines,
    manually added units and milestones are kept, and tasks that disappeared from the
    document are reported rather than deleted (they may carry reports).
    """
    source_text = source_text.replace("\x00", "")
    digest = content_hash(source_text)
    plan, result = _import_start(
        parsed=parsed, source_file=source_file, dry_run=dry_run, region=region
    )
    region = result.region
    if (
        plan is not None
        and plan.content_hash == digest
        and plan.region_id == (region.pk if region else None)
    ):
        result.outcome = "unchanged"
        result.plan_id = plan.pk
        return result

    plan_fields = {
        "title": parsed.title,
        "doc_number": parsed.doc_number,
        "issuer": parsed.issuer,
        "issued_on": parsed.issued_on,
        "year": parsed.year,
        "source_text": source_text,
        "content_hash": digest,
        "import_warnings": list(parsed.warnings),
        "region": region,
    }
    plan_fields.update(_reporting_fields(source_text, prefix=""))
    if plan is None:
        plan = Plan.objects.create(source_file=source_file, **plan_fields)
    else:
        for name, value in plan_fields.items():
            setattr(plan, name, value)
        plan.save()
    result.plan_id = plan.pk

    sections = _sync_sections(plan, parsed)
    units = _UnitResolver(region, plan)
    year_end = date(parsed.year, 12, 31)
    existing = {task.number: task for task in plan.tasks.all()}
    for done, parsed_task in enumerate(parsed.tasks):
        if progress is not None:
            progress(done, len(parsed.tasks))
        section = (
            sections[parsed_task.section_index] if parsed_task.section_index is not None else None
        )
        task, created, changed = _upsert_task(
            plan, existing.get(parsed_task.number), parsed_task, section
        )
        if created:
            result.tasks_created += 1
        elif changed:
            result.tasks_updated += 1
        _sync_task_units(task, parsed_task, units)
        _sync_deadline(task, parsed_task, year_end)
        _sync_task_reporting(task, parsed_task)
        deadline = parsed_task.deadline
        if deadline.is_ongoing:
            result.deadlines_ongoing += 1
        elif deadline.source == DeadlineSource.PLAN_DEFAULT:
            result.deadlines_default += 1
        else:
            result.deadlines_document += 1
        result.milestones += len(parsed_task.milestones)
    if progress is not None:
        progress(len(parsed.tasks), len(parsed.tasks))

    parsed_numbers = {t.number for t in parsed.tasks}
    result.tasks_missing = sorted(n for n in existing if n not in parsed_numbers)
    result.warnings.extend(f"任务{n}已不在文件中,保留原记录" for n in result.tasks_missing)
    result.units_new = len(units.new_ids)
    result.units_existing = len(units.used_ids - units.new_ids)

    if dry_run:
        transaction.set_rollback(True)
        result.plan_id = None if result.outcome == "created" else result.plan_id
    return result


def _sync_sections(plan: Plan, parsed: ParsedPlan) -> list[Section]:
    """Make the plan's headings match the document's, keyed by position."""
    existing = {section.position: section for section in plan.sections.all()}
    saved: list[Section] = []
    for index, parsed_section in enumerate(parsed.sections):
        parent = (
            saved[parsed_section.parent_index] if parsed_section.parent_index is not None else None
        )
        values = {
            "parent": parent,
            "numeral": parsed_section.numeral,
            "title": parsed_section.title[:300],
            "level": parsed_section.level,
        }
        section = existing.pop(index, None)
        if section is None:
            section = Section.objects.create(plan=plan, position=index, **values)
        elif any(getattr(section, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(section, name, value)
            section.save()
        saved.append(section)
    if existing:
        Section.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
    return saved


def _upsert_task(plan, task, parsed_task: ParsedTask, section) -> tuple[Task, bool, bool]:
    values = {
        "section": section,
        "title": parsed_task.title[:500],
        "body": parsed_task.body,
        "source_text": parsed_task.source_text,
        "warnings": list(parsed_task.warnings),
    }
    if task is None:
        task = Task(plan=plan, number=parsed_task.number, **values)
        task.full_clean()
        task._change_reason = "导入"
        task.save()
        return task, True, False
    changed = [name for name, value in values.items() if getattr(task, name) != value]
    if changed:
        for name in changed:
            setattr(task, name, values[name])
        task._change_reason = "重新导入"
        task.save()
    return task, False, bool(changed)


def _sync_task_units(task: Task, parsed_task: ParsedTask, units: _UnitResolver) -> None:
    """Replace the document's units of a task; units the office added by hand stay."""
    desired: dict[tuple[int, str], int] = {}
    for role, names in (
        (UnitRole.LEAD, parsed_task.lead_units),
        (UnitRole.RESPONSIBLE, parsed_task.responsible_units),
    ):
        for position, name in enumerate(names):
            key = (units.get(name).pk, role)
            desired.setdefault(key, position)
    current = {(link.unit_id, link.role): link for link in task.task_units.all()}
    for key, link in current.items():
        if link.from_document and key not in desired:
            link.delete()
    for (unit_id, role), position in desired.items():
        link = current.get((unit_id, role))
        if link is None:
            TaskUnit.objects.create(task=task, unit_id=unit_id, role=role, position=position)
        elif link.from_document and link.position != position:
            link.position = position
            link.save(update_fields=["position"])


def _reporting_fields(text: str, *, prefix: str) -> dict:
    """The reporting rule the text states (每月5日前报送 …), as model field values; {} if none."""
    rule = reporting_rule(text)
    if rule is None:
        return {}
    return {
        "reporting_cycle": rule.cycle,
        "reporting_day": rule.day,
        "reporting_in_working_days": rule.working_days,
        **({"reporting_text": rule.text} if not prefix else {}),
    }


def _sync_task_reporting(task: Task, parsed_task: ParsedTask) -> None:
    """A task whose own text states a reporting rule keeps it; others follow the plan."""
    fields = _reporting_fields(parsed_task.body, prefix="task")
    if fields and any(getattr(task, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(task, name, value)
        task.save(update_fields=list(fields))


def _sync_deadline(task: Task, parsed_task: ParsedTask, year_end: date) -> None:
    """Set the document's deadline and milestones unless the office set one by hand."""
    parsed_deadline = parsed_task.deadline
    values = {
        "due_on": None if parsed_deadline.is_ongoing else (parsed_deadline.due_on or year_end),
        "text": parsed_deadline.text[:200],
        "source": parsed_deadline.source,
        "is_ongoing": parsed_deadline.is_ongoing,
    }
    # Until the office moves it (source manual), the document's date is the original one.
    values["original_due_on"] = values["due_on"]
    deadline = Deadline.objects.filter(task=task).first()
    if deadline is None:
        deadline = Deadline.objects.create(task=task, **values)
    elif deadline.source != DeadlineSource.MANUAL and any(
        getattr(deadline, k) != v for k, v in values.items()
    ):
        for name, value in values.items():
            setattr(deadline, name, value)
        deadline.save()

    wanted = [(m.due_on, m.text[:500]) for m in parsed_task.milestones]
    current = list(deadline.milestones.filter(from_document=True).order_by("position"))
    if [(m.due_on, m.text) for m in current] != wanted:
        for milestone in current:
            milestone.delete()
        for position, (due_on, text) in enumerate(wanted):
            Milestone.objects.create(deadline=deadline, due_on=due_on, text=text, position=position)


class TaskVersionConflict(Exception):
    """Someone else saved the task after the user loaded it: reload, don't overwrite."""

    message = "该任务已被他人更新,请刷新页面后重新提交。"


REPORTABLE_STATUSES = {
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.COMPLETION_REQUESTED,
    TaskStatus.BLOCKED,
}


def _claim_version(task: Task, expected_version: int) -> None:
    """Bump the version only if nobody saved since `expected_version` (no lost updates).

    The conditional UPDATE is atomic on SQLite and PostgreSQL alike; the caller then
    saves the row normally so that the change is recorded in the history.
    """
    claimed = Task.objects.filter(pk=task.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise TaskVersionConflict(TaskVersionConflict.message)
    task.refresh_from_db()


def _pick_unit(user, task: Task, unit):
    unit_ids = rules.user_unit_ids(user) & rules.task_unit_ids(task)
    if unit is not None:
        if unit.pk not in unit_ids and not rules.can_manage(user):
            raise PermissionDenied("您不属于该单位")
        return unit
    links = sorted(
        (link for link in task.task_units.all() if link.unit_id in unit_ids),
        key=lambda link: (link.role != UnitRole.LEAD, link.position),
    )
    return links[0].unit if links else None


@transaction.atomic
def report_submit(
    *,
    task: Task,
    user,
    status: str,
    progress: int,
    text: str,
    expected_version: int,
    unit=None,
    attachment=None,
    submission_token=None,
) -> ProgressReport:
    """Record a unit's progress report and move the task's status and percent with it.

    `attachment` is an uploaded file checked by `attachment_validate`. A form sends a
    `submission_token` (UUID) once per rendering: submitting the same token again returns
    the report already stored instead of a second one (double click, resent form).
    """
    if not rules.can_report(user, task):
        raise PermissionDenied("只有该任务的牵头或责任单位可以报送进展")
    already = ProgressReport.objects.filter(task=task, submission_token=submission_token)
    if submission_token is not None and already.exists():
        return already.get()
    if status not in REPORTABLE_STATUSES:
        raise ValidationError({"status": "不能通过进展报告直接销号,请提交销号申请"})
    if status == TaskStatus.COMPLETION_REQUESTED and not rules.can_request_completion(user, task):
        raise ValidationError({"status": "只有该任务的牵头或责任单位可以申请销号"})
    if task.status == TaskStatus.COMPLETED:
        raise ValidationError({"status": "任务已销号,如需继续报送请联系优化办重新打开"})
    if Plan.objects.filter(pk=task.plan_id, closed_at__isnull=False).exists():
        raise ValidationError({"status": "该方案已归档,任务只读;结转的任务请在新方案中报送"})
    report = ProgressReport(
        task=task,
        unit=_pick_unit(user, task, unit),
        author=user,
        status=status,
        progress=progress,
        text=(text or "").strip(),
        submission_token=submission_token,
    )
    if attachment is not None:
        try:
            attachment_validate(attachment)
        except ValidationError as exc:
            raise ValidationError({"attachment": exc.messages}) from exc
        report.attachment = attachment
        report.attachment_name = PurePath(attachment.name).name[:255]
    try:
        report.full_clean()
        _claim_version(task, expected_version)
    except (ValidationError, TaskVersionConflict):
        # A double click whose twin committed after the check above: its report stands.
        if submission_token is not None and already.exists():
            return already.get()
        raise
    report.save()
    own_part = _reports_for_own_part(task, report.unit)
    if not own_part:
        task.status = status
        task.progress = progress
    task._change_reason = "进展报告"
    task.save()
    # A new report answers the unit's reports sent back (退回) on this task.
    ProgressReport.objects.filter(
        task=task, unit=report.unit, returned_at__isnull=False, answered_by__isnull=True
    ).exclude(pk=report.pk).update(answered_by=report)
    if status == TaskStatus.COMPLETION_REQUESTED and not own_part:
        from reviews.choices import ReviewKind
        from reviews.services import review_open

        review_open(
            kind=ReviewKind.COMPLETION, task=task, unit_id=report.unit_id, user=user, report=report
        )
    # The report answers the unit's acknowledged leaders' instructions (领导批示) on the task.
    from supervision.services import instruction_receipts_answer

    instruction_receipts_answer(report=report)
    return report


@transaction.atomic
def report_return(*, report: ProgressReport, user, reason: str) -> ProgressReport:
    """Send a progress report back (退回) with a reason: the office that manages the task,
    or a lead unit for a responsible unit's report. The unit is told and answers with
    its next report on the task (`report_submit` marks it answered)."""
    reason = (reason or "").strip()
    report = ProgressReport.objects.select_for_update().select_related("task").get(pk=report.pk)
    task = report.task
    by_office = Task.objects.managed_by(user).filter(pk=task.pk).exists()
    by_lead = (
        report.unit_id is not None
        and report.unit_id not in rules.task_unit_ids(task, UnitRole.LEAD)
        and report.unit_id not in rules.user_unit_ids(user)
        and rules.is_lead_of(user, task)
    )
    if not (by_office or by_lead):
        raise PermissionDenied("只有优化办或该任务的牵头单位(对责任单位的报告)可以退回报告")
    if not reason:
        raise ValidationError({"reason": "退回时请填写理由"})
    if report.is_returned:
        raise ValidationError("该报告已退回,等待单位答复")
    if report.answered_by_id is not None:
        raise ValidationError("该报告已由新的报告答复,请退回最新的报告")
    report.returned_at = timezone.now()
    report.returned_by = user
    report.return_reason = reason
    report.full_clean()
    report.save(update_fields=["returned_at", "returned_by", "return_reason"])
    events.announce(
        kind=events.EventKind.REPORT_RETURNED,
        unit_ids=[report.unit_id] if report.unit_id else events.lead_unit_ids(task),
        title=f"进展报告被退回:{task}",
        body=f"退回理由:{reason}",
        url=reverse("portal:task-detail", args=[task.pk]) + "#report",
        actor=user,
    )
    return report


def _reports_for_own_part(task: Task, unit) -> bool:
    """A member a collective was handed down to (承办) reports its own part: its status is
    its latest report (`tasks.assignments.task_rollups`), not the task's status."""
    if unit is None:
        return False
    links = [link for link in task.task_units.all() if link.unit_id == unit.pk]
    return bool(links) and all(link.collective_link_id is not None for link in links)


@transaction.atomic
def task_complete_verify(
    *, task: Task, user, expected_version: int, completed_on: date | None = None
) -> Task:
    """The office verifies finished work (销号): the task is completed on that date.

    A 销号申请 under review is settled here only where the office's 初审 is the last step
    of its chain (`reviews.services.review_settle_by_office`).
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以销号")
    from reviews.choices import ReviewKind
    from reviews.services import review_settle_by_office

    review = review_settle_by_office(task=task, kind=ReviewKind.COMPLETION, user=user)
    _claim_version(task, expected_version)
    unit_ids = events.lead_unit_ids(task) | ({review.unit_id} if review else set())
    return _complete(task, user, completed_on=completed_on, unit_ids=unit_ids)


def _complete(task: Task, user, *, completed_on: date | None, unit_ids) -> Task:
    task.status = TaskStatus.COMPLETED
    task.progress = 100
    task.completed_on = completed_on or timezone.localdate()
    task._change_reason = "销号"
    task.save()
    task_completed.send(sender=Task, task=task, user=user)
    events.announce(
        kind=events.EventKind.COMPLETION_DECIDED,
        unit_ids=unit_ids,
        title=f"任务已销号:{task}",
        url=reverse("portal:task-detail", args=[task.pk]),
        actor=user,
    )
    return task


def task_complete_apply(*, task: Task, user, unit_ids) -> Task:
    """销号 at the last step of a 销号申请's review chain (callers check who may decide);
    `unit_ids` are told (the requesting unit and the lead units)."""
    _claim_version(task, task.version)
    return _complete(task, user, completed_on=None, unit_ids=unit_ids)


def task_completion_sent_back(*, task: Task, reason: str) -> Task:
    """A 销号申请 sent back (退回): the task is in progress again until the unit answers."""
    _claim_version(task, task.version)
    if task.status == TaskStatus.COMPLETION_REQUESTED:
        task.status = TaskStatus.IN_PROGRESS
    task._change_reason = f"销号申请退回:{reason}"
    task.save()
    return task


@transaction.atomic
def task_reopen(*, task: Task, user, expected_version: int, reason: str = "") -> Task:
    """Undo a 销号 or reject a completion request: the task is in progress again."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以重新打开任务")
    _claim_version(task, expected_version)
    was_requested = task.status == TaskStatus.COMPLETION_REQUESTED
    from reviews.choices import ReviewKind
    from reviews.services import review_close_rejected

    review_close_rejected(task=task, kind=ReviewKind.COMPLETION, user=user, note=reason)
    task.status = TaskStatus.IN_PROGRESS
    task.completed_on = None
    task._change_reason = f"重新打开:{reason}" if reason else "重新打开"
    task.save()
    events.announce(
        kind=events.EventKind.COMPLETION_DECIDED,
        unit_ids=events.lead_unit_ids(task),
        title=f"{'销号申请未通过' if was_requested else '任务已重新打开'}:{task}",
        body=reason,
        url=reverse("portal:task-detail", args=[task.pk]),
        actor=user,
    )
    return task


@transaction.atomic
def task_warnings_clear(*, task: Task, user, expected_version: int) -> Task:
    """The office has checked a task the importer flagged (garbled text, no units…).

    The warnings stay in the task's history; the "有导入提示" filter then shows only
    the tasks still to be checked.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以核对导入提示")
    _claim_version(task, expected_version)
    task._change_reason = "核对导入提示:" + ";".join(task.warnings)
    task.warnings = []
    task.save()
    return task


@transaction.atomic
def task_lead_assign(*, task: Task, user, unit, replace: bool, expected_version: int) -> Task:
    """The office names `unit` as a lead unit (牵头单位); `replace` removes the others.

    The new link is marked as manual so a re-import of the document keeps it.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以调整牵头单位")
    _claim_version(task, expected_version)
    leads = list(task.task_units.filter(role=UnitRole.LEAD).order_by("position"))
    if replace:
        for link in leads:
            if link.unit_id != unit.pk:
                link._change_reason = f"牵头单位改为:{unit.full_name}"
                link.delete()
    if not any(link.unit_id == unit.pk for link in leads):
        position = 0 if replace else len(leads)
        link = TaskUnit(task=task, unit=unit, role=UnitRole.LEAD, position=position)
        link.from_document = False
        link.full_clean()
        link._change_reason = "优化办指定牵头单位"
        link.save()
        events.announce(
            kind=events.EventKind.TASK_ASSIGNED,
            unit_ids=[unit.pk],
            title=f"贵单位被指定为牵头单位:{task}",
            url=reverse("portal:task-detail", args=[task.pk]),
            actor=user,
        )
    task._change_reason = f"{'更换' if replace else '增加'}牵头单位:{unit.full_name}"
    # The lead the document lacked is now named: the importer's "no lead" warning is done.
    if WARNING_NO_LEAD in task.warnings:
        task.warnings = [w for w in task.warnings if w != WARNING_NO_LEAD]
        task.save()
    return task


TASK_EDITABLE_FIELDS = (
    "plan",
    "section",
    "number",
    "title",
    "body",
    "status",
    "progress",
    "completed_on",
)


@transaction.atomic
def task_update(*, task: Task, user, expected_version: int, changes: dict) -> Task:
    """The office edits a task's fields; a stale `expected_version` raises a conflict."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以修改任务")
    unknown = set(changes) - set(TASK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "该字段不能修改" for name in sorted(unknown)})
    _claim_version(task, expected_version)
    was_completed = task.status == TaskStatus.COMPLETED
    for name, value in changes.items():
        setattr(task, name, value)
    task.full_clean()
    task._change_reason = "编辑"
    task.save()
    if task.status == TaskStatus.COMPLETED and not was_completed:
        task_completed.send(sender=Task, task=task, user=user)
    return task


def plan_import_preview(
    *, parsed: ParsedPlan, source_file: str, source_text: str, region: Region | None = None
) -> PlanImportResult:
    """What `plan_import` would do, read in a fixed number of queries (nothing written).

    The upload preview uses it: a dry run of the real import costs about fifteen queries
    per task. Counts match `plan_import(dry_run=True)`; tasks count as updated when the
    stored text, section or warnings differ, as the import decides.
    """
    from units.models import UnitAlias

    source_text = source_text.replace("\x00", "")
    plan, result = _import_start(
        parsed=parsed, source_file=source_file, dry_run=True, region=region
    )
    region = result.region
    if plan is not None:
        result.plan_id = plan.pk
        same_region = plan.region_id == (region.pk if region else None)
        if plan.content_hash == content_hash(source_text) and same_region:
            result.outcome = "unchanged"
            return result

    names = {name for t in parsed.tasks for name in (*t.lead_units, *t.responsible_units)}
    # Each name in the government it means in this plan, as `plan_import` resolves it.
    resolver = _UnitResolver(region)
    wanted = {name: (resolver.region_id_for(name), name) for name in names}
    # Lowest id first, as `Unit.objects.resolve` (`.first()`) picks it.
    known = {
        (region_id, name): pk
        for region_id, name, pk in Unit.objects.filter(name__in=names)
        .order_by("-pk")
        .values_list("region_id", "name", "pk")
    }
    aliases = {
        (region_id, name): unit_id
        for region_id, name, unit_id in UnitAlias.objects.filter(name__in=names)
        .order_by("-pk")
        .values_list("unit__region_id", "name", "unit_id")
    }
    orphans = {}
    if plan is not None and region is not None:
        # Units without a government named only in this plan: the import adopts them.
        elsewhere = TaskUnit.objects.filter(unit=OuterRef("pk")).exclude(task__plan=plan)
        orphans = dict(
            Unit.objects.filter(name__in=names, region=None, task_units__task__plan=plan)
            .exclude(Exists(elsewhere))
            .values_list("name", "pk")
        )
    used = {
        known.get(key) or aliases.get(key) or orphans.get(key[1]) or ("new", key)
        for key in wanted.values()
    }
    result.units_new = sum(1 for key in used if isinstance(key, tuple))
    result.units_existing = len(used) - result.units_new

    existing = {}
    if plan is not None:
        existing = {task.number: task for task in plan.tasks.select_related("section")}
    for parsed_task in parsed.tasks:
        task = existing.get(parsed_task.number)
        if task is None:
            result.tasks_created += 1
        else:
            position = task.section.position if task.section else None
            if (
                task.title,
                task.body,
                task.source_text,
                list(task.warnings),
                position,
            ) != (
                parsed_task.title[:500],
                parsed_task.body,
                parsed_task.source_text,
                list(parsed_task.warnings),
                parsed_task.section_index,
            ):
                result.tasks_updated += 1
        deadline = parsed_task.deadline
        if deadline.is_ongoing:
            result.deadlines_ongoing += 1
        elif deadline.source == DeadlineSource.PLAN_DEFAULT:
            result.deadlines_default += 1
        else:
            result.deadlines_document += 1
        result.milestones += len(parsed_task.milestones)
    parsed_numbers = {t.number for t in parsed.tasks}
    result.tasks_missing = sorted(n for n in existing if n not in parsed_numbers)
    result.warnings.extend(f"任务{n}已不在文件中,保留原记录" for n in result.tasks_missing)
    result.plan_id = None if result.outcome == "created" else result.plan_id
    return result


OPEN_TASKS_SHOWN = 5


def _carry_over(task: Task, *, to_plan: Plan, number: int) -> Task:
    """Copy an unfinished task into `to_plan` (结转): text, units, deadline and progress."""
    copy = Task(
        plan=to_plan,
        number=number,
        title=task.title,
        body=task.body,
        source_text=task.source_text,
        status=(
            TaskStatus.IN_PROGRESS
            if task.status == TaskStatus.COMPLETION_REQUESTED
            else task.status
        ),
        progress=task.progress,
    )
    copy.full_clean(exclude=["section"])
    copy._change_reason = f"由《{task.plan.title}》第{task.number}项结转"
    copy.save()
    for link in task.task_units.all():
        TaskUnit.objects.create(
            task=copy,
            unit_id=link.unit_id,
            role=link.role,
            position=link.position,
            from_document=False,
        )
    deadline = getattr(task, "deadline", None)
    if deadline is not None:
        Deadline.objects.create(
            task=copy,
            due_on=deadline.due_on,
            is_ongoing=deadline.is_ongoing,
            text=deadline.text,
            source=DeadlineSource.MANUAL,
        )
    task.carried_to = copy
    task._change_reason = f"结转至《{to_plan.title}》第{number}项"
    task.save()
    return copy


@transaction.atomic
def plan_close(*, plan: Plan, user, carry_to: Plan | None = None, today: date | None = None):
    """归档: close a plan whose year is over once every task is 销号 or carried over (结转).

    With `carry_to`, each unfinished task is copied into that plan (numbered after its
    last task) and linked from the old one; without it, an unfinished task stops the
    close with an error naming it. Nothing is written when anything is refused.
    Returns the carried-over copies.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以归档方案")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    today = today or timezone.localdate()
    if plan.closed_at is not None:
        raise ValidationError(f"《{plan.title}》已于{timezone.localdate(plan.closed_at)}归档")
    if plan.year >= today.year:
        raise ValidationError(f"《{plan.title}》的年度({plan.year}年)尚未结束,不能归档")
    unfinished = list(
        plan.tasks.exclude(status=TaskStatus.COMPLETED)
        .filter(carried_to__isnull=True)
        .select_related("plan", "deadline")
        .prefetch_related("task_units")
        .order_by("number")
    )
    copies = []
    if unfinished and carry_to is None:
        named = "、".join(
            f"第{task.number}项“{task.title}”" for task in unfinished[:OPEN_TASKS_SHOWN]
        )
        more = f"等{len(unfinished)}项" if len(unfinished) > OPEN_TASKS_SHOWN else ""
        raise ValidationError(
            f"《{plan.title}》还有未销号且未结转的任务:{named}{more};请先销号,或选择结转到的新方案"
        )
    if unfinished:
        if carry_to.pk == plan.pk:
            raise ValidationError("不能结转到同一方案")
        if carry_to.closed_at is not None:
            raise ValidationError(f"《{carry_to.title}》已归档,不能再结转任务进去")
        last = carry_to.tasks.order_by("-number").values_list("number", flat=True).first() or 0
        copies = [
            _carry_over(task, to_plan=carry_to, number=last + offset)
            for offset, task in enumerate(unfinished, start=1)
        ]
    plan.closed_at = timezone.now()
    plan.closed_by = user
    plan.save(update_fields=["closed_at", "closed_by", "updated_at"])
    return copies
