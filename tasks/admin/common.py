"""Small helpers shared by the workbench's admin pages."""

from ..choices import TaskStatus
from ..models import DUE_SOON_DAYS, Task

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ADMIN_CSS = {"all": ("css/admin-workbench.css",)}


def chinese_date(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def task_flag(task: Task, as_of) -> tuple[str, str]:
    """Red when overdue, amber when due within DUE_SOON_DAYS, green otherwise."""
    if task.is_overdue(as_of):
        return "red", "逾期"
    days_left = task.days_left(as_of)
    if days_left is not None and days_left <= DUE_SOON_DAYS and task.status != TaskStatus.COMPLETED:
        return "amber", "临期"
    return "green", "正常"


# --- list filters delegating to TaskFilterSet ------------------------------------------


def lookups_once(request, key: str, compute) -> list:
    """Sidebar choices computed once per request.

    With counts shown (facets) Django builds every filter again for every other
    filter; without this each rebuild would query plans and units again.
    """
    cache = request.__dict__.setdefault("_workbench_lookups", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]
