"""Task decomposition: a lead unit (牵头单位) splits its task into sub-tasks (子任务).

Each sub-task has its own person in charge (责任人, with a phone and optionally the
person's account in the unit), a due date no later than the task's deadline, a status
and a percentage. Only the users of the lead unit that created a sub-task edit or
complete it; everyone else who may read the task reads its sub-tasks.

Roll-up: the task's pages and API show done / total and overdue sub-tasks, and the
weighted mean of the sub-tasks' progress as a *suggested* progress. The suggestion never
changes the task's reported progress by itself: the lead unit's next report form is
pre-filled with it (when higher than the reported figure) and the unit submits the
report as usual — the task's progress stays what a unit reported (一月一调度).
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from units.models import UnitMembership

from . import events, rules
from .choices import SubTaskStatus, TaskStatus
from .models import Plan, SubTask, Task

EDITABLE_FIELDS = (
    "title",
    "owner_name",
    "owner_phone",
    "assignee",
    "due_on",
    "weight",
    "progress",
    "status",
)
ONLY_LEAD_MESSAGE = "只有该任务的牵头单位可以分解和修改子任务"
CONFLICT_MESSAGE = "该子任务已被他人修改,请刷新页面查看后再修改。"


def _check_open(task: Task) -> None:
    if task.status == TaskStatus.COMPLETED:
        raise ValidationError("任务已销号,子任务只读")
    if Plan.objects.filter(pk=task.plan_id, closed_at__isnull=False).exists():
        raise ValidationError("该方案已归档,子任务只读")


def _validate(subtask: SubTask) -> None:
    """The model's rules and the unit rule for the account, all errors at once."""
    errors: dict[str, list[str]] = {}
    try:
        subtask.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    if (
        subtask.assignee_id is not None
        and not UnitMembership.objects.filter(
            user_id=subtask.assignee_id, unit_id=subtask.unit_id
        ).exists()
    ):
        errors.setdefault("assignee", []).append("系统账号须为本单位的人员")
    if errors:
        raise ValidationError(errors)


def _apply_status(subtask: SubTask, previous_status: str | None, today: date) -> None:
    """Done means 100% on a date; leaving done clears the date; a sub-task with progress
    has started (未开始 with 40% becomes 推进中)."""
    if subtask.status == SubTaskStatus.NOT_STARTED and (subtask.progress or 0) > 0:
        subtask.status = SubTaskStatus.IN_PROGRESS
    if subtask.status == SubTaskStatus.DONE:
        if previous_status != SubTaskStatus.DONE:
            subtask.completed_on = today
        subtask.progress = 100
    else:
        subtask.completed_on = None


def _clean_text(value) -> str:
    # PostgreSQL refuses NUL in text columns: a clear error rather than a 500.
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError("文字中含有无效字符")
    return value


@transaction.atomic
def subtask_create(
    *,
    task: Task,
    user,
    title: str,
    owner_name: str,
    due_on: date,
    owner_phone: str = "",
    assignee=None,
    weight: int = 1,
    progress: int = 0,
    status: str = SubTaskStatus.NOT_STARTED,
    unit=None,
) -> SubTask:
    """A lead unit's user splits off a sub-task; `unit` chooses among the user's lead
    units on the task (the first in document order when not given)."""
    unit_ids = rules.splitting_unit_ids(user, task)
    if not unit_ids:
        raise PermissionDenied(ONLY_LEAD_MESSAGE)
    if unit is None:
        unit_id = next(
            link.unit_id
            for link in sorted(task.task_units.all(), key=lambda link: link.position)
            if link.unit_id in unit_ids
        )
    elif unit.pk in unit_ids:
        unit_id = unit.pk
    else:
        raise ValidationError({"unit": "只能以本人所在的牵头单位分解子任务"})
    _check_open(task)
    subtask = SubTask(
        task=task,
        unit_id=unit_id,
        title=_clean_text(title),
        owner_name=_clean_text(owner_name),
        owner_phone=_clean_text(owner_phone),
        assignee=assignee,
        due_on=due_on,
        weight=weight,
        progress=progress,
        status=status,
        created_by=user,
    )
    _apply_status(subtask, None, timezone.localdate())
    _validate(subtask)
    subtask._change_reason = "分解子任务"
    subtask._history_user = user
    subtask.save()
    return subtask


@transaction.atomic
def subtask_update(
    *, subtask: SubTask, user, changes: dict, expected_version: int | None = None
) -> SubTask:
    """Change a sub-task's fields (`EDITABLE_FIELDS`); moving it to done completes it today.

    With `expected_version` (the version the user's page showed) a sub-task someone saved
    meanwhile is refused with `CONFLICT_MESSAGE` rather than overwritten.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"不能修改的字段:{'、'.join(unknown)}")
    if not rules.can_edit_subtask(user, subtask):
        raise PermissionDenied(ONLY_LEAD_MESSAGE)
    _check_open(subtask.task)
    previous_status = subtask.status
    for name, value in changes.items():
        if name in ("title", "owner_name", "owner_phone"):
            value = _clean_text(value)
        setattr(subtask, name, value)
    _apply_status(subtask, previous_status, timezone.localdate())
    _validate(subtask)
    version = subtask.version if expected_version is None else expected_version
    claimed = SubTask.objects.filter(pk=subtask.pk, version=version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ValidationError(CONFLICT_MESSAGE)
    subtask.version = version + 1
    subtask._change_reason = (
        "子任务完成"
        if subtask.status == SubTaskStatus.DONE and previous_status != SubTaskStatus.DONE
        else "修改子任务"
    )
    subtask._history_user = user
    subtask.save()
    if subtask.status == SubTaskStatus.DONE and previous_status != SubTaskStatus.DONE:
        _announce_all_done(subtask, user)
    return subtask


def _announce_all_done(subtask: SubTask, user) -> None:
    """The unit's last open sub-task on the task is done: remind its users to report or
    ask for 销号 (the task's progress is theirs to report, see the module docstring)."""
    task = subtask.task
    open_left = SubTask.objects.filter(task=task, unit_id=subtask.unit_id).exclude(
        status=SubTaskStatus.DONE
    )
    if task.status == TaskStatus.COMPLETION_REQUESTED or open_left.exists():
        return
    events.announce(
        kind=events.EventKind.REMINDER,
        unit_ids={subtask.unit_id},
        title=f"任务“{task.number}. {task.title}”的子任务已全部完成,请报送进展或申请销号",
        url=reverse("portal:task-detail", args=[task.pk]) + "#report",
        actor=user,
    )


def subtask_complete(*, subtask: SubTask, user, expected_version: int | None = None) -> SubTask:
    """Mark a sub-task done today (100%)."""
    if subtask.status == SubTaskStatus.DONE:
        raise ValidationError("该子任务已完成")
    return subtask_update(
        subtask=subtask,
        user=user,
        changes={"status": SubTaskStatus.DONE},
        expected_version=expected_version,
    )


def assignee_choices(unit_ids):
    """Accounts a sub-task may name: the users of these units."""
    return (
        get_user_model()
        .objects.filter(unit_memberships__unit_id__in=unit_ids, is_active=True)
        .distinct()
        .order_by("username")
    )


@dataclass
class SubTaskRollup:
    """How a task's sub-tasks stand: counts and the weighted mean of their progress."""

    subtasks: list[SubTask] = field(default_factory=list)
    total: int = 0
    done: int = 0
    overdue: int = 0
    suggested_progress: int | None = None

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "done": self.done,
            "overdue": self.overdue,
            "suggested_progress": self.suggested_progress,
        }


def subtask_rollup(subtasks, as_of: date) -> SubTaskRollup:
    """Roll `subtasks` (already loaded) up to their task as of `as_of`.

    The suggested progress is Σ(weight × progress) / Σ weight, rounded; None without
    sub-tasks. Each row gets `overdue` and `days_late` for the pages.
    """
    subtasks = list(subtasks)
    for subtask in subtasks:
        subtask.overdue = subtask.is_overdue(as_of)
        subtask.late_days = subtask.days_late(as_of)
    weights = sum(subtask.weight for subtask in subtasks)
    return SubTaskRollup(
        subtasks=subtasks,
        total=len(subtasks),
        done=sum(1 for subtask in subtasks if subtask.status == SubTaskStatus.DONE),
        overdue=sum(1 for subtask in subtasks if subtask.overdue),
        suggested_progress=(
            round(sum(s.weight * s.progress for s in subtasks) / weights) if weights else None
        ),
    )


def task_subtask_rollup(task: Task, as_of: date) -> SubTaskRollup:
    """The task's sub-tasks (one query) rolled up."""
    return subtask_rollup(
        task.subtasks.select_related("unit__region", "assignee").order_by("due_on", "pk"), as_of
    )
