"""A task's timeline: reports, status changes, 延期申请, review steps (审核),
交办/签收/督办单, newest first."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.timezone import localtime

from reviews.choices import ReviewAction, ReviewStage
from reviews.models import ReviewStep
from supervision.timeline import task_events
from tasks.choices import SubTaskStatus, TaskStatus
from tasks.models import ProgressReport, SubTask, Task


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "report", "status", "extension", "review", or a supervision event kind
    title: str
    who: str = ""
    text: str = ""
    report: ProgressReport | None = None
    notes: list[str] = field(default_factory=list)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def task_timeline(task: Task, *, unit_ids=None) -> list[TimelineEntry]:
    """A fixed number of queries (reports, history, extensions, review steps, supervision
    events).

    With `unit_ids` (a unit user's view), only the escalation notices sent to those
    units appear: a lead unit sharing the task does not see another unit's notices.
    """
    entries = []
    previous_progress = None
    reports = task.reports.select_related(
        "unit__region", "author", "returned_by", "answered_by"
    ).order_by("created_at", "pk")
    for report in reports:
        # A report lowering the percentage is marked: progress should not fall silently.
        lowered = previous_progress is not None and report.progress < previous_progress
        notes = [f"进度由{previous_progress}%下调至{report.progress}%"] if lowered else []
        if report.returned_at:
            notes.append(_returned_note(report))
        entries.append(
            TimelineEntry(
                at=report.created_at,
                kind="report",
                title=f"进展报告:{report.get_status_display()} {report.progress}%"
                + ("(进度下调)" if lowered else "")
                + ("(已退回,待答复)" if report.is_returned else ""),
                who=" ".join(filter(None, [str(report.unit or ""), _name(report.author)])),
                text=report.text,
                report=report,
                notes=notes,
            )
        )
        previous_progress = report.progress
    previous = None
    for record in task.history.select_related("history_user").order_by("history_date"):
        if previous is not None and record.status != previous:
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="status",
                    title=f"状态:{TaskStatus(previous).label} → {TaskStatus(record.status).label}",
                    who=_name(record.history_user),
                    text=record.history_change_reason or "",
                )
            )
        previous = record.status
    deadline = getattr(task, "deadline", None)  # none yet on a task added by hand
    extensions = (
        deadline.extensions.select_related("requested_by", "decided_by") if deadline else []
    )
    for extension in extensions:
        notes = []
        if extension.decided_at:
            notes.append(
                f"{extension.get_status_display()}({_name(extension.decided_by)},"
                f"{localtime(extension.decided_at):%Y-%m-%d}){extension.decision_note}"
            )
        entries.append(
            TimelineEntry(
                at=extension.created_at,
                kind="extension",
                title=(
                    f"延期申请:{_date(extension.previous_due_on)} → "
                    f"{_date(extension.requested_due_on)}({extension.get_status_display()})"
                ),
                who=_name(extension.requested_by),
                text=extension.reason,
                notes=notes,
            )
        )
    entries.extend(subtask_entries(task))
    steps = ReviewStep.objects.filter(review__task=task).select_related(
        "review", "unit__region", "actor"
    )
    for step in steps:
        entries.append(
            TimelineEntry(
                at=step.created_at,
                kind="review",
                title=_review_title(step),
                who=" ".join(filter(None, [str(step.unit or ""), _name(step.actor)])),
                text=step.note,
            )
        )
    for event in task_events(task, unit_ids=unit_ids):
        entries.append(TimelineEntry(at=event["time"], kind=event["kind"], title=event["text"]))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def subtask_entries(task: Task) -> list[TimelineEntry]:
    """Sub-tasks split off (分解子任务), completed and reopened, from their history (one query)."""
    entries = []
    previous_status = {}
    records = (
        SubTask.history.filter(task_id=task.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for record in records:
        before = previous_status.get(record.id)
        previous_status[record.id] = record.status
        if record.history_type == "+":
            title = f"分解子任务:{record.title}(责任人 {record.owner_name},"
            title += f"完成时限 {_date(record.due_on)})"
        elif before != SubTaskStatus.DONE and record.status == SubTaskStatus.DONE:
            title = f"子任务完成:{record.title}"
            if record.completed_on and record.completed_on > record.due_on:
                title += f"(逾期 {(record.completed_on - record.due_on).days} 天)"
        elif before == SubTaskStatus.DONE and record.status != SubTaskStatus.DONE:
            title = f"子任务重新打开:{record.title}"
        else:
            continue
        entries.append(
            TimelineEntry(
                at=record.history_date,
                kind="subtask",
                title=title,
                who=_name(record.history_user),
            )
        )
    return entries


def _date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def _returned_note(report: ProgressReport) -> str:
    when = f"{localtime(report.returned_at):%Y-%m-%d %H:%M}"
    note = f"退回({_name(report.returned_by)},{when}):{report.return_reason}"
    if report.answered_by_id:
        note += f";已由{localtime(report.answered_by.created_at):%Y-%m-%d}的报告答复"
    return note


def _review_title(step: ReviewStep) -> str:
    """E.g. 销号申请·优化办初审:退回, or 延期申请:提交申请(待牵头单位审核)."""
    review = step.review
    if step.action in (ReviewAction.SUBMITTED, ReviewAction.RESUBMITTED):
        return (
            f"{review.get_kind_display()}:{step.get_action_display()}(待{step.get_stage_display()})"
        )
    return (
        f"{review.get_kind_display()}·{ReviewStage(step.stage).label}:{step.get_action_display()}"
    )
