"""Who may do what with a task: one definition used by pages, admin actions and the API."""

from units.choices import UnitRole
from units.roles import is_office

from .models import Task


def user_unit_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_unit_ids_cache", None)
    if cache is None:
        cache = set(user.unit_memberships.values_list("unit_id", flat=True))
        user._unit_ids_cache = cache
    return cache


def task_unit_ids(task: Task, role: str | None = None) -> set[int]:
    return {link.unit_id for link in task.task_units.all() if role is None or link.role == role}


def can_report(user, task: Task) -> bool:
    """Lead and responsible units report progress; the office may record reports too."""
    return is_office(user) or bool(user_unit_ids(user) & task_unit_ids(task))


def is_lead_of(user, task: Task) -> bool:
    return bool(user_unit_ids(user) & task_unit_ids(task, UnitRole.LEAD))


def can_request_completion(user, task: Task) -> bool:
    """A lead or responsible unit asks for 销号 (a handed-down member reports its own part
    done); a responsible unit's request is checked by the lead unit first, then the office
    (`reviews.services.review_chain`)."""
    return is_office(user) or bool(user_unit_ids(user) & task_unit_ids(task))


def can_request_extension(user, task: Task) -> bool:
    """A lead or responsible unit asks for a later date (the review chain decides)."""
    return bool(user_unit_ids(user) & task_unit_ids(task))


def can_manage(user) -> bool:
    """Verify completion, approve extensions, edit plans: office staff only."""
    return is_office(user)


def progress_drop_error(*, current: int, new: int, confirmed: bool) -> str | None:
    """A report that lowers the percentage must be confirmed (60% → 30% is rarely meant).

    Returns the message to show next to the percentage, or None when the report may go.
    """
    if new >= current or confirmed:
        return None
    return f"进度将由{current}%降至{new}%。如确需下调,请勾选“确认降低进度”后再次提交。"


def splitting_unit_ids(user, task: Task) -> set[int]:
    """The task's lead units `user` works for: they split the task into sub-tasks (子任务)."""
    return user_unit_ids(user) & task_unit_ids(task, UnitRole.LEAD)


def can_split(user, task: Task) -> bool:
    """Only a lead unit splits its task; responsible units and the office read the parts."""
    return bool(splitting_unit_ids(user, task))


def can_edit_subtask(user, subtask) -> bool:
    """The users of the lead unit that split the sub-task off, while it still leads the task."""
    return subtask.unit_id in splitting_unit_ids(user, subtask.task)
