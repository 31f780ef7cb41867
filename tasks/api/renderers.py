"""The API's JSON, encoded fast; `?format=csv` for task lists: one row per task, units and
milestones flattened."""

import csv
import io
import re

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer

from tasks.choices import TaskStatus
from tasks.spreadsheet_safety import csv_cell_text

# U+2028 and U+2029 in UTF-8 (JavaScript line terminators), and what DRF's JSONRenderer
# writes for them. One search of the rendered bytes, not one replace per character.
JS_LINE_TERMINATOR = re.compile(rb"\xe2\x80[\xa8\xa9]")
JS_LINE_TERMINATOR_ESCAPES = {"\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, byte for byte, encoded by orjson: a page of 1,000 tasks or the
    dashboard's 8,000 unit rows encode in a tenth of the time (issue 14).

    orjson writes what DRF's compact UTF-8 `json.dumps` writes (tests/test_api_json_renderer.py);
    dates, times and other types it would encode its own way go to DRF's encoder. What orjson
    refuses (keys that are not strings, integers beyond 64 bits) goes to DRF's renderer, as do
    indented output (`; indent=4`, the browsable API) and other renderer settings. Left
    different: NaN and infinity become null (DRF refuses them), and a nonzero float below
    1e-4 is written in another exponent form; the API's only floats are percentages.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if data is None or indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(
                data,
                default=self.encoder_class().default,
                option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS,
            )
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        return JS_LINE_TERMINATOR.sub(_escape_js_line_terminator, rendered)


def _escape_js_line_terminator(match) -> bytes:
    return JS_LINE_TERMINATOR_ESCAPES[match[0]]


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
