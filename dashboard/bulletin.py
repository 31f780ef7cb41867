"""The monthly bulletin (月通报): figures for the month to `as_of`, as a workbook."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from tasks.models import DUE_SOON_DAYS
from tasks.spreadsheet_safety import xlsx_append

from .figures import (
    DashboardQuery,
    by_plan,
    by_unit,
    newly_completed,
    overdue_tasks,
    query_scope,
    totals_of_plans,
)

HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")


def bulletin_figures(tasks, query: DashboardQuery) -> dict:
    """Per unit completed / overdue / not reported this month, the overdue list, and
    the tasks verified complete this month (from the 1st to `as_of`)."""
    month_start = query.as_of.replace(day=1)
    plans = by_plan(tasks, query)
    return {
        "as_of": query.as_of,
        "month_start": month_start,
        "scope": query_scope(query),
        "totals": totals_of_plans(plans),
        "by_plan": plans,
        "by_unit": by_unit(tasks, query, sort="overdue", month_start=month_start),
        "overdue": overdue_tasks(tasks, query),
        "newly_completed": newly_completed(tasks, query, since=month_start),
    }


def bulletin_filename(query: DashboardQuery) -> str:
    return f"bulletin-{query.as_of.isoformat()}.xlsx"


def _sheet(workbook, title: str, headers: list[str], rows: list[list], widths: list[int]):
    sheet = workbook.create_sheet(title)
    xlsx_append(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        xlsx_append(sheet, row)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _task_cells(row: dict) -> list:
    return [row["plan"], row["number"], row["title"], "、".join(row["lead_units"])]


def bulletin_workbook(figures: dict) -> Workbook:
    as_of, month_start = figures["as_of"], figures["month_start"]
    workbook = Workbook()
    summary = workbook.active
    summary.title = "概况"
    xlsx_append(
        summary, [f"改革任务推进情况通报({month_start:%Y年%m月%d日}至{as_of:%Y年%m月%d日})"]
    )
    summary["A1"].font = Font(bold=True, size=14)
    xlsx_append(summary, ["统计日期", as_of])
    xlsx_append(summary, ["统计范围", figures["scope"]])
    labels = {
        "total": "任务总数",
        "completed": "已销号",
        "in_progress": "推进中(未逾期)",
        "overdue": "已逾期",
        "due_soon": f"{DUE_SOON_DAYS}日内到期",
        "ongoing": "长期坚持",
    }
    for key, label in labels.items():
        xlsx_append(summary, [label, figures["totals"][key]])
    xlsx_append(summary, [])
    xlsx_append(summary, ["方案", "任务数", "已销号", "已逾期"])
    for plan in figures["by_plan"]:
        xlsx_append(
            summary, [plan["plan__title"], plan["total"], plan["completed"], plan["overdue"]]
        )
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 14

    _sheet(
        workbook,
        "单位情况",
        ["牵头单位", "牵头任务", "已销号", "已逾期", "本月未报送", "按时完成率(%)", "最近报送"],
        [
            [
                unit["unit_full_name"],
                unit["led"],
                unit["completed"],
                unit["overdue"],
                unit["not_reported"],
                None if unit["on_time_rate"] is None else round(unit["on_time_rate"], 1),
                "从未报送"
                if unit["days_since_report"] is None
                else f"{unit['days_since_report']}天前",
            ]
            for unit in figures["by_unit"]
        ],
        [36, 10, 10, 10, 12, 14, 12],
    )
    _sheet(
        workbook,
        "逾期任务",
        ["方案", "序号", "任务", "牵头单位", "完成时限", "逾期天数", "最近报送"],
        [
            [
                *_task_cells(row),
                row["due_on"],
                row["days_overdue"],
                timezone.localdate(row["last_report_at"]) if row["last_report_at"] else "从未报送",
            ]
            for row in figures["overdue"]
        ],
        [30, 6, 60, 30, 12, 10, 12],
    )
    _sheet(
        workbook,
        "本月销号",
        ["方案", "序号", "任务", "牵头单位", "完成时限", "销号日期"],
        [
            [*_task_cells(row), row["due_on"], row["completed_on"]]
            for row in figures["newly_completed"]
        ],
        [30, 6, 60, 30, 12, 12],
    )
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if hasattr(cell.value, "isoformat") and not isinstance(cell.value, str):
                    cell.number_format = "yyyy-mm-dd"
    return workbook


def bulletin_bytes(figures: dict) -> bytes:
    buffer = BytesIO()
    bulletin_workbook(figures).save(buffer)
    return buffer.getvalue()
