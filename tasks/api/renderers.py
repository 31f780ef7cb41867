"""`?format=csv` for task lists: one row per task, units and milestones flattened."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from tasks.choices import TaskStatus
from tasks.spreadsheet_safety import csv_cell_text

TASK_CSV_COLUMNS = (
    ("id", "ID"),
    ("plan", "方案ID"),
    ("number", "序号"),
    ("section", "章节"),
    ("title", "任务"),
    ("body", "任务内容"),
    ("lead_units", "牵头单位"),
    ("responsible_units", "责任单位"),
    ("due_on", "完成时限"),
    ("deadline_text", "时限原文"),
    ("is_ongoing", "长期坚持"),
    ("milestones", "时间节点"),
    ("status", "状态"),
    ("progress", "进度(%)"),
    ("completed_on", "销号日期"),
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return csv_cell_text(";".join(_cell_item(item) for item in value))
    if isinstance(value, str):
        return csv_cell_text(value)
    return str(value)


def _readable(key, value):
    """A status as its Chinese label: the CSV is read by people in Excel (JSON keeps codes)."""
    if key == "status" and value in TaskStatus.values:
        return TaskStatus(value).label
    return value


def _cell_item(item) -> str:
    if isinstance(item, dict):
        if "name" in item:
            return str(item["name"])
        return " ".join(str(v) for v in item.values())
    return str(item)


def task_csv_rows(rows):
    """The CSV's header and one list of cells per serialized task in `rows`."""
    yield [label for _, label in TASK_CSV_COLUMNS]
    for row in rows:
        yield [_cell(_readable(key, row.get(key))) for key, _ in TASK_CSV_COLUMNS]


def task_csv_lines(rows):
    """Encoded CSV lines (the BOM first) for a streamed response: memory stays that of
    one line, whatever the number of tasks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for cells in task_csv_rows(rows):
        writer.writerow(cells)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


class TaskCSVRenderer(BaseRenderer):
    """UTF-8 with a BOM so that Excel on intranet PCs opens the Chinese text correctly."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and not response.exception:
            # A file name, so that a browser or `curl -OJ` saves tasks.csv, not "tasks".
            response["Content-Disposition"] = 'attachment; filename="tasks.csv"'
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if isinstance(data, dict) and "errors" in data and "detail" in data:
            writer.writerow(["错误"])
            writer.writerow([csv_cell_text(str(data["detail"]))])
        else:
            writer.writerows(task_csv_rows(data if isinstance(data, list) else [data]))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
