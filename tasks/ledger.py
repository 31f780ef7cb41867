"""The Excel ledger (台账 / 责任分解表): export a task list, import it back filled in.

Export: `ledger_workbook` builds the workbook Chinese offices use (title row, header
row 序号 / 工作任务 / 牵头单位 / 责任单位 / 完成时限 / 进展情况 / 状态, one row per task,
printable on A4 landscape); `ledger_response` wraps it in a download.

Import: `ledger_read` turns an uploaded workbook into a preview (changes and
row-level errors) without writing anything; `ledger_apply` records the changes as
progress reports through `report_submit`, all rows or none.
"""

import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from urllib.parse import quote

import xlsxwriter
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from units.choices import UnitRole
from units.models import unit_full_name
from units.roles import is_governed, sees_all_tasks

from .choices import TaskStatus
from .importer.units import find_unit_bracket
from .models import ProgressReport, Task, TaskUnit
from .services import TaskVersionConflict, report_submit
from .spreadsheet_safety import xlsx_append, xlsx_cell_value

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASE_HEADERS = ("序号", "工作任务", "牵头单位", "责任单位", "完成时限", "进展情况", "状态")
# Columns offices fill in besides 进展情况; on import they join the report's text.
REPORT_HEADERS = ("完成情况", "存在问题", "下步计划")
HEADERS = BASE_HEADERS + REPORT_HEADERS
# First column of a ledger covering several plans (序号 repeats across plans).
PLAN_HEADER = "方案"
WIDTHS = {
    PLAN_HEADER: 24,
    "序号": 7,
    "工作任务": 60,
    "牵头单位": 22,
    "责任单位": 30,
    "完成时限": 16,
    "进展情况": 40,
    "状态": 10,
    "完成情况": 30,
    "存在问题": 30,
    "下步计划": 30,
}
CENTERED = {"序号", "完成时限", "状态"}
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
ONGOING_TEXT = "长期坚持"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


DATE_FORMAT = 'yyyy"年"mm"月"dd"日"'


def due_cell(task: Task):
    """The 完成时限 cell: a real Excel date (shown 2021年06月30日), 长期坚持, or empty."""
    deadline = getattr(task, "deadline", None)
    if deadline is None:
        return None
    if deadline.is_ongoing:
        return ONGOING_TEXT
    # A datetime at midnight, as Excel stores dates (and openpyxl reads them back).
    return datetime.combine(deadline.due_on, datetime.min.time()) if deadline.due_on else None


LATE_MARK_RE = re.compile(r"[((]逾期办结\s*\d+\s*天[))]$")


def status_text(task: Task) -> str:
    """The 状态 cell: the status, and `(逾期办结 N 天)` for a task completed late; the
    mark is read back as the plain status (`LedgerRowForm.clean_status`)."""
    label = task.get_status_display()
    return f"{label}({task.late_mark})" if task.completed_late else label


def _ledger_queryset(tasks):
    """Tasks with everything a row needs, in a fixed number of queries, order kept."""
    if isinstance(tasks, models.QuerySet):
        queryset = tasks
    else:
        tasks = list(tasks)
        order = {task.pk: index for index, task in enumerate(tasks)}
        queryset = Task.objects.filter(pk__in=order)
    latest = ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-created_at", "-pk")
    # prefetch_related(None): a caller's narrower task_units prefetch would clash.
    queryset = (
        queryset.prefetch_related(None)
        .with_api_relations()
        .annotate(latest_report_text=Subquery(latest.values("text")[:1]))
    )
    if isinstance(tasks, list):
        return sorted(queryset, key=lambda task: order[task.pk])
    return list(queryset)


def work_text(task) -> str:
    """The 工作任务 cell: the task's text without its closing unit bracket.

    The units and the deadline have columns of their own, kept current by the office;
    the document's bracket would repeat them and, after a change, contradict them.
    """
    body = task.body or task.title
    span = find_unit_bracket(body)
    return body[: span[0]].rstrip() if span and span[0] > 0 else body


def _unit_label(unit, plan) -> str:
    """As the plan writes it for its own government's units, with the government otherwise."""
    return unit.name if unit.region_id == plan.region_id else unit.full_name


def ledger_workbook(*, title: str, tasks, with_plan: bool | None = None) -> Workbook:
    """A 责任分解表 workbook for `tasks` (a queryset or a list), titled `title`.

    A ledger of tasks from several plans starts with a 方案 column (`with_plan`, by
    default when the tasks span more than one plan): task numbers repeat across plans.
    """
    rows = _ledger_queryset(tasks)
    if with_plan is None:
        with_plan = len({task.plan_id for task in rows}) > 1
    headers = ((PLAN_HEADER,) if with_plan else ()) + HEADERS
    column_of = {name: index for index, name in enumerate(headers, start=1)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "责任分解表"
    xlsx_append(sheet, [title])
    sheet.merge_cells(
        start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(headers)
    )
    title_cell = sheet.cell(row=TITLE_ROW, column=1)
    title_cell.font = Font(size=16, bold=True)
    title_cell.alignment = _CENTER
    sheet.row_dimensions[TITLE_ROW].height = 36

    sheet.append(list(headers))
    for column in range(1, len(headers) + 1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
        cell.border = _BORDER

    for task in rows:
        values = {
            PLAN_HEADER: task.plan.title,
            "序号": task.number,
            "工作任务": work_text(task),
            "牵头单位": "、".join(_unit_label(unit, task.plan) for unit in task.lead_units),
            "责任单位": "、".join(_unit_label(unit, task.plan) for unit in task.responsible_units),
            "完成时限": due_cell(task),
            "进展情况": task.latest_report_text,
            "状态": status_text(task),
        }
        # empty cells, not ""
        row = xlsx_append(sheet, [values.get(name) or None for name in headers])
        for name, column in column_of.items():
            cell = sheet.cell(row=row, column=column)
            cell.alignment = _CENTER if name in CENTERED else _WRAP
            cell.border = _BORDER
        sheet.cell(row=row, column=column_of["完成时限"]).number_format = DATE_FORMAT

    # 状态 is picked from a drop-down (Excel data validation) so re-imports read cleanly.
    last_row = max(sheet.max_row, FIRST_DATA_ROW)
    status_choice = DataValidation(
        type="list",
        formula1='"' + ",".join(label for _, label in TaskStatus.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="状态",
        error="请从下拉列表中选择状态",
    )
    status_column = get_column_letter(column_of["状态"])
    status_choice.add(f"{status_column}{FIRST_DATA_ROW}:{status_column}{last_row}")
    sheet.add_data_validation(status_choice)

    for name, column in column_of.items():
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[name]
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    workbook.properties.title = title
    return workbook


# Rows fetched per query when a ledger is written by a background job: memory stays
# bounded (one chunk of tasks and their units at a time) whatever the list's length.
LEDGER_CHUNK = 1000


def ledger_chunks(task_ids: list[int], chunk: int | None = None):
    """Ledger rows (cell values) for `task_ids` in that order, read `chunk` tasks at a
    time with two queries per chunk and no model instances: rows of plain values cost a
    fraction of prefetched objects at 100,000 tasks."""
    chunk = chunk or LEDGER_CHUNK
    latest = ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-created_at", "-pk")
    for start in range(0, len(task_ids), chunk):
        ids = task_ids[start : start + chunk]
        tasks = {
            row["pk"]: row
            for row in Task.objects.filter(pk__in=ids)
            .order_by()
            .annotate(latest_report_text=Subquery(latest.values("text")[:1]))
            .values(
                "pk",
                "number",
                "title",
                "body",
                "status",
                "deadline__due_on",
                "deadline__is_ongoing",
                "latest_report_text",
                "plan__region_id",
                "plan__title",
            )
        }
        units = {task_id: ([], []) for task_id in ids}
        for task_id, role, name, region_id, short_name, region_name in (
            TaskUnit.objects.filter(task_id__in=ids)
            .order_by("task_id", "role", "position")
            .values_list(
                "task_id",
                "role",
                "unit__name",
                "unit__region_id",
                "unit__region__short_name",
                "unit__region__name",
            )
        ):
            if task_id not in tasks:
                continue
            # As `_unit_label`: the plan's own government's units by name, others in full.
            if region_id != tasks[task_id]["plan__region_id"]:
                name = unit_full_name(name, short_name or region_name)
            units[task_id][0 if role == UnitRole.LEAD else 1].append(name)
        yield [_row_values(tasks[task_id], *units[task_id]) for task_id in ids if task_id in tasks]


def _row_values(task: dict, leads: list[str], responsible: list[str]) -> dict:
    """One ledger row by header, as the cells hold it (None for an empty cell)."""
    if task["deadline__is_ongoing"]:
        due = ONGOING_TEXT
    else:
        due = task["deadline__due_on"]  # a real date, or None
    values = {
        PLAN_HEADER: task["plan__title"],
        "序号": task["number"],
        "工作任务": work_text(SimpleNamespace(body=task["body"], title=task["title"])),
        "牵头单位": "、".join(leads),
        "责任单位": "、".join(responsible),
        "完成时限": due,
        "进展情况": task["latest_report_text"],
        "状态": TaskStatus(task["status"]).label,
    }
    return {
        name: value if isinstance(value, date) else (xlsx_cell_value(value) or None)
        for name, value in values.items()
    }


def _spans_several_plans(task_ids: list[int]) -> bool:
    plans = set()
    for start in range(0, len(task_ids), LEDGER_CHUNK):
        ids = task_ids[start : start + LEDGER_CHUNK]
        plans.update(Task.objects.filter(pk__in=ids).values_list("plan_id", flat=True).distinct())
        if len(plans) > 1:
            return True
    return False


def ledger_write_xlsx(out, *, title: str, task_ids: list[int], progress=None) -> int:
    """Write the 责任分解表 of `task_ids` (in that order) to `out`, a path or binary file.

    For ledgers of any size: xlsxwriter in constant-memory mode streams each row to
    disk as it is written, and tasks are read `LEDGER_CHUNK` at a time, so a
    100,000-task ledger needs no more memory than a small one. Same layout as
    `ledger_workbook`. `progress(done, total)` is called after each chunk. Returns
    the number of task rows.
    """
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("责任分解表")
    border = {"border": 1, "text_wrap": True, "valign": "vcenter"}
    title_format = workbook.add_format(
        {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "text_wrap": True}
    )
    header_format = workbook.add_format({**border, "bold": True, "align": "center"})
    wrap = workbook.add_format(border)
    center = workbook.add_format({**border, "align": "center"})
    dated = workbook.add_format({**border, "align": "center", "num_format": DATE_FORMAT})
    headers = ((PLAN_HEADER,) if _spans_several_plans(task_ids) else ()) + HEADERS
    for column, header in enumerate(headers):
        sheet.set_column(column, column, WIDTHS[header])
    sheet.set_row(TITLE_ROW - 1, 36)
    sheet.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, len(headers) - 1, title, title_format)
    for column, header in enumerate(headers):
        sheet.write_string(HEADER_ROW - 1, column, header, header_format)
    status_column = headers.index("状态")
    sheet.data_validation(
        FIRST_DATA_ROW - 1,
        status_column,
        FIRST_DATA_ROW - 1 + max(len(task_ids) - 1, 0),
        status_column,
        {
            "validate": "list",
            "source": [label for _, label in TaskStatus.choices],
            "error_title": "状态",
            "error_message": "请从下拉列表中选择状态",
        },
    )
    sheet.freeze_panes(FIRST_DATA_ROW - 1, 0)
    sheet.repeat_rows(HEADER_ROW - 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    workbook.set_properties({"title": title})

    row = FIRST_DATA_ROW - 1
    total = len(task_ids)
    for rows in ledger_chunks(task_ids):
        for by_header in rows:
            for column, header in enumerate(headers):
                value = by_header.get(header)
                cell_format = center if header in CENTERED else wrap
                if value is None:
                    sheet.write_blank(row, column, None, cell_format)
                elif isinstance(value, date):
                    sheet.write_datetime(
                        row, column, datetime.combine(value, datetime.min.time()), dated
                    )
                elif isinstance(value, str):
                    sheet.write_string(row, column, value, cell_format)  # never a formula
                else:
                    sheet.write_number(row, column, value, cell_format)
            row += 1
        if progress is not None:
            progress(row - FIRST_DATA_ROW + 1, total)
    workbook.close()
    return row - FIRST_DATA_ROW + 1


def plan_ledger_response(*, user, plan) -> HttpResponse:
    """The plan's 责任分解表 for `user`: every task for office and leaders, own tasks for units.

    Shared by the page download and the API so both answer the same; a unit with no task in
    the plan gets a 404, as for any task it may not see.
    """
    tasks = Task.objects.visible_to(user).filter(plan=plan).order_by("number")
    if (not sees_all_tasks(user) or is_governed(user)) and not tasks.exists():
        raise Http404("该方案中没有您单位的任务")
    return ledger_response(title=plan.title, tasks=tasks, filename=f"{plan.title}.xlsx")


def ledger_export(*, user, title: str, tasks, filename: str) -> HttpResponse:
    """The ledger of `tasks` for `user`: a download at once for a short list, else a
    background job (joined if the same export is running) and a redirect to its
    progress page. Long lists would hold a web worker for minutes."""
    task_ids = list(tasks.values_list("pk", flat=True))
    if len(task_ids) <= settings.EXPORT_IMMEDIATE_MAX_TASKS:
        return ledger_response(title=title, tasks=tasks, filename=filename)
    from jobs.choices import JobKind
    from jobs.services import job_start

    job = job_start(
        kind=JobKind.LEDGER,
        params={"title": title, "task_ids": task_ids},
        user=user,
        title=title,
    )
    return redirect(job)


def ledger_response(*, title: str, tasks, filename: str) -> HttpResponse:
    """The ledger as an .xlsx download; the Chinese file name is sent per RFC 5987."""
    buffer = io.BytesIO()
    ledger_workbook(title=title, tasks=tasks).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "ledger.xlsx"
    if not ascii_name.endswith(".xlsx") or ascii_name.startswith("."):
        ascii_name = "ledger.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


# --- import -----------------------------------------------------------------------------

STATUS_BY_LABEL = {label: value for value, label in TaskStatus.choices}
# What offices write in a ledger's 状态 for the same thing. "Done" from a unit is a request
# for 销号: only the office verifies completion (see _row_change's note).
STATUS_SYNONYMS = {
    "已完成": TaskStatus.COMPLETION_REQUESTED,
    "完成": TaskStatus.COMPLETION_REQUESTED,
    "已办结": TaskStatus.COMPLETION_REQUESTED,
    "办结": TaskStatus.COMPLETION_REQUESTED,
    "进行中": TaskStatus.IN_PROGRESS,
    "正在推进": TaskStatus.IN_PROGRESS,
    "推进": TaskStatus.IN_PROGRESS,
    "未启动": TaskStatus.NOT_STARTED,
    "暂未启动": TaskStatus.NOT_STARTED,
}
MAX_LEDGER_ROWS = 5000
MAX_XLSX_ENTRIES = 100
MAX_XLSX_BYTES = 50 * 1024 * 1024


class LedgerRowForm(forms.Form):
    """One filled-in ledger row: the rules a row must satisfy before it becomes a report."""

    number = forms.IntegerField(min_value=1, error_messages={"required": "序号为空"})
    progress_text = forms.CharField(required=False, max_length=5000)
    status = forms.CharField(required=False)
    due = forms.CharField(required=False)

    def clean_status(self):
        label = LATE_MARK_RE.sub("", (self.cleaned_data.get("status") or "").strip()).strip()
        if not label:
            return ""
        if label in STATUS_BY_LABEL:
            return STATUS_BY_LABEL[label]
        if label in STATUS_SYNONYMS:
            return STATUS_SYNONYMS[label]
        if label in TaskStatus.values:
            return label
        raise ValidationError(f"状态“{label}”无法识别,应为:{'、'.join(STATUS_BY_LABEL)}")

    def clean_due(self):
        value = self.cleaned_data.get("due")
        text = (value or "").strip()
        if not text or text == ONGOING_TEXT:
            return None
        for pattern in ("%Y年%m月%d日", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValidationError(f"完成时限“{text}”不是有效日期")


@dataclass
class LedgerChange:
    """A row that will become a progress report."""

    row: int
    task_id: int
    number: int
    title: str
    expected_version: int
    old_status: str
    new_status: str
    text: str
    notes: list[str] = field(default_factory=list)

    @property
    def old_status_label(self) -> str:
        return TaskStatus(self.old_status).label

    @property
    def new_status_label(self) -> str:
        return TaskStatus(self.new_status).label


@dataclass
class LedgerPreview:
    plan_id: int
    changes: list[LedgerChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Rows left out with a reason (a task 销号 or changed meanwhile): the rest still apply.
    skipped: list[str] = field(default_factory=list)

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict) -> "LedgerPreview":
        changes = [LedgerChange(**change) for change in data["changes"]]
        return cls(
            plan_id=data["plan_id"],
            changes=changes,
            errors=data["errors"],
            unchanged=data["unchanged"],
            skipped=data.get("skipped", []),
        )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):  # a datetime too: the day is what a ledger cell means
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


UNREADABLE = "文件无法读取:请上传由本系统导出的 .xlsx 台账"


def _check_zip(data: bytes) -> None:
    """An .xlsx is a zip: refuse non-zips and zip bombs before openpyxl expands anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValidationError(UNREADABLE) from exc
    if len(entries) > MAX_XLSX_ENTRIES or sum(e.file_size for e in entries) > MAX_XLSX_BYTES:
        raise ValidationError("文件解压后过大或包含的文件过多,请上传由本系统导出的台账")


def _read_rows(data: bytes):
    _check_zip(data)
    # read_only parses the sheet XML lazily, in iter_rows: the rows are read inside the
    # try as well. With defusedxml installed openpyxl refuses entity declarations (billion
    # laughs, external entities) with a ValueError subclass; a broken sheet raises others.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = list(sheet.iter_rows(values_only=True, max_row=MAX_LEDGER_ROWS + FIRST_DATA_ROW))
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
        raise ValidationError(UNREADABLE) from exc
    header_index = next(
        (
            index
            for index, row in enumerate(rows[:10])
            if row and BASE_HEADERS[0] in {_cell_text(value) for value in row}
        ),
        None,
    )
    if header_index is None:
        raise ValidationError(f"找不到表头行({' / '.join(BASE_HEADERS)})")
    header = [_cell_text(value) for value in rows[header_index]]
    missing = [name for name in BASE_HEADERS if name not in header]
    if missing:
        raise ValidationError(f"表头缺少:{'、'.join(missing)}(应含 {' / '.join(BASE_HEADERS)})")
    # Columns are found by their header, so a ledger with 方案 first or extra columns reads too.
    wanted = (PLAN_HEADER, *HEADERS)
    index_of = {name: header.index(name) for name in wanted if name in header}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        row = list(row)
        cells = {
            name: _cell_text(row[index]) if index < len(row) else ""
            for name, index in index_of.items()
        }
        if any(cells.values()):
            yield offset, cells


def ledger_read(*, plan, data: bytes) -> LedgerPreview:
    """Compare an uploaded ledger with the plan's tasks; writes nothing.

    Rows are matched by 序号 within `plan`. A row whose 进展情况 or 状态 differs from
    the task becomes a change; a 完成时限 that differs is reported (deadlines move
    only through an extension) and never applied.
    """
    preview = LedgerPreview(plan_id=plan.pk)
    tasks = {
        task.number: task
        for task in _ledger_queryset(Task.objects.filter(plan=plan).order_by("number"))
    }
    seen: dict[int, int] = {}
    other_rows: list[int] = []
    for row_number, cells in _read_rows(data):
        other_plan = cells.get(PLAN_HEADER, "")
        if other_plan and other_plan != plan.title:
            other_rows.append(row_number)
            continue
        form = LedgerRowForm(
            {
                "number": cells["序号"],
                "progress_text": _report_text(cells),
                "status": cells["状态"],
                "due": cells["完成时限"],
            }
        )
        if not form.is_valid():
            messages = [message for errors in form.errors.values() for message in errors]
            preview.errors.append(f"第{row_number}行:{';'.join(messages)}")
            continue
        number = form.cleaned_data["number"]
        task = tasks.get(number)
        if task is None:
            preview.errors.append(f"第{row_number}行:方案中没有序号为{number}的任务")
            continue
        if number in seen:
            preview.errors.append(f"第{row_number}行:序号{number}与第{seen[number]}行重复")
            continue
        seen[number] = row_number
        change = _row_change(row_number, task, form.cleaned_data, preview)
        if change is None:
            preview.unchanged += 1
        elif change is not False:
            preview.changes.append(change)
    if other_rows:
        preview.skipped.append(
            f"第{other_rows[0]}行等{len(other_rows)}行属于其他方案,未导入(请按方案分别上传)"
        )
    return preview


def _report_text(cells: dict) -> str:
    """进展情况, followed by 完成情况 / 存在问题 / 下步计划 when those columns are filled."""
    parts = [cells.get("进展情况", "")] if cells.get("进展情况") else []
    parts += [f"{name}:{cells[name]}" for name in REPORT_HEADERS if cells.get(name)]
    return "\n".join(parts)


def _row_change(row_number: int, task: Task, values: dict, preview: LedgerPreview):
    """The change a valid row asks for, None when nothing changed, False when refused
    (an error) or skipped (the task was 销号 since the ledger was filled in)."""
    errors = preview.errors
    status = values["status"] or task.status
    text = values["progress_text"]
    old_text = task.latest_report_text or ""
    if status == task.status and text == old_text:
        return None
    if status == TaskStatus.COMPLETED:
        errors.append(f"第{row_number}行:不能通过台账销号,请在后台核实后使用“销号”操作")
        return False
    if task.status == TaskStatus.COMPLETED:
        preview.skipped.append(
            f"第{row_number}行:任务{task.number}已销号,本行未导入(如需继续报送请先重新打开)"
        )
        return False
    if not text:
        errors.append(f"第{row_number}行:状态有变化时请填写进展情况")
        return False
    notes = []
    if status == TaskStatus.COMPLETION_REQUESTED and values["status"] != task.status:
        notes.append("按“申请销号”记录,销号须优化办核实")
    due = values["due"]
    current_due = getattr(getattr(task, "deadline", None), "due_on", None)
    if due is not None and due != current_due:
        notes.append("完成时限的修改未应用,请走延期程序")
    return LedgerChange(
        row=row_number,
        task_id=task.pk,
        number=task.number,
        title=task.title,
        expected_version=task.version,
        old_status=task.status,
        new_status=status,
        text=text,
        notes=notes,
    )


@transaction.atomic
def ledger_apply(*, preview: LedgerPreview, user) -> list[ProgressReport]:
    """Record every change of a preview as a progress report.

    Raises ValidationError (nothing written) when the preview has errors. A row whose
    task was changed by someone else since the preview is skipped with a row-level
    message in `preview.skipped`; the other rows are recorded.
    """
    if preview.errors:
        raise ValidationError("台账存在错误行,请修正后重新上传")
    tasks = Task.objects.in_bulk([change.task_id for change in preview.changes])
    reports = []
    for change in preview.changes:
        task = tasks.get(change.task_id)
        if task is None:
            raise ValidationError(f"第{change.row}行:任务已被删除")
        try:
            with transaction.atomic():  # a savepoint: a skipped row leaves nothing behind
                reports.append(
                    report_submit(
                        task=task,
                        user=user,
                        status=change.new_status,
                        progress=task.progress,
                        text=change.text,
                        expected_version=change.expected_version,
                    )
                )
        except TaskVersionConflict:
            preview.skipped.append(
                f"第{change.row}行:任务{change.number}在预览后已被他人更新,本行未导入"
            )
        except (ValidationError, PermissionDenied) as exc:
            message = "; ".join(getattr(exc, "messages", [str(exc)]))
            raise ValidationError(f"第{change.row}行:{message}") from exc
    return reports
