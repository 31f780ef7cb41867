"""The monthly bulletin (月通报): figures for the month to `as_of`, as a workbook."""

from datetime import date, datetime, timedelta
from io import BytesIO

import xlsxwriter
from django.db.models import Count, Q
from django.utils import timezone

from tasks.models import DUE_SOON_DAYS, end_of_day
from tasks.spreadsheet_safety import xlsx_cell_value

from .figures import (
    DashboardQuery,
    by_plan,
    by_unit,
    newly_completed,
    overdue_tasks,
    query_scope,
    totals_of_plans,
)

HEADER_FILL = "#EEF2F7"


def bulletin_figures(tasks, query: DashboardQuery) -> dict:
    """Per unit completed / overdue / not reported under the reporting rules, the overdue list, and
    the tasks verified complete this month (from the 1st to `as_of`)."""
    month_start = query.as_of.replace(day=1)
    plans = by_plan(tasks, query)
    return {
        "as_of": query.as_of,
        "month_start": month_start,
        "scope": query_scope(query),
        "totals": totals_of_plans(plans),
        "by_plan": plans,
        "by_unit": by_unit(tasks, query, sort="overdue", reporting=True),
        "overdue": overdue_tasks(tasks, query),
        "newly_completed": newly_completed(tasks, query, since=month_start),
        "instructions": month_instructions(tasks, since=month_start, as_of=query.as_of),
    }


def month_instructions(tasks, *, since, as_of) -> list[dict]:
    """领导批示 written from `since` to `as_of` on the bulletin's tasks or their plans, with how
    many lead units have acknowledged and answered each."""
    from supervision.models import Instruction

    rows = (
        Instruction.objects.filter(
            created_at__gte=end_of_day(since - timedelta(days=1)), created_at__lt=end_of_day(as_of)
        )
        .filter(Q(task__in=tasks) | Q(plan__tasks__in=tasks))
        .distinct()
        .select_related("task__plan", "plan", "author")
        .annotate(
            units=Count("receipts", distinct=True),
            acknowledged=Count(
                "receipts", filter=Q(receipts__acknowledged_at__isnull=False), distinct=True
            ),
            answered=Count(
                "receipts", filter=Q(receipts__answered_at__isnull=False), distinct=True
            ),
        )
        .order_by("created_at")
    )
    return [
        {
            "on": timezone.localdate(row.created_at),
            "target": f"{row.task.plan.title if row.task else row.plan.title}"
            + (f" 第{row.task.number}项" if row.task else "(全方案)"),
            "text": row.text,
            "units": row.units,
            "acknowledged": row.acknowledged,
            "answered": row.answered,
        }
        for row in rows
    ]


def bulletin_filename(query: DashboardQuery) -> str:
    return f"bulletin-{query.as_of.isoformat()}.xlsx"


def bulletin_pdf_filename(query: DashboardQuery) -> str:
    return f"bulletin-{query.as_of.isoformat()}.pdf"


class _Writer:
    """Rows into an xlsxwriter workbook in constant-memory mode: each row goes to disk
    as it is written, so the bulletin's memory does not grow with its 28,000 overdue
    rows. Strings are always written as text (never as a formula), dates as dates."""

    def __init__(self, out, progress=None, total=None):
        self.workbook = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False}
        )
        self.bold = self.workbook.add_format({"bold": True})
        self.title = self.workbook.add_format({"bold": True, "font_size": 14})
        self.header = self.workbook.add_format(
            {"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "top"}
        )
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.progress, self.total, self.done = progress, total, 0

    def row(self, sheet, index: int, values, cell_format=None) -> None:
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(index, column, xlsx_cell_value(value), cell_format)
            elif isinstance(value, datetime | date):
                sheet.write_datetime(index, column, value, self.date)
            else:
                sheet.write_number(index, column, value, cell_format)

    def table(self, title: str, headers: list[str], rows, widths: list[int]) -> None:
        sheet = self.workbook.add_worksheet(title)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 0)
        self.row(sheet, 0, headers, self.header)
        for index, values in enumerate(rows, start=1):
            self.row(sheet, index, values)
            self.done += 1
            if self.progress is not None and self.done % 1000 == 0:
                self.progress(self.done, self.total)

    def close(self) -> None:
        self.workbook.close()
        if self.progress is not None:
            self.progress(self.total or self.done, self.total or self.done)


def _task_cells(row: dict) -> list:
    return [row["plan"], row["number"], row["title"], "、".join(row["lead_units"])]


def bulletin_rows(figures: dict) -> int:
    """The rows the bulletin's tables hold (what its progress counts)."""
    return (
        len(figures["by_unit"])
        + len(figures["overdue"])
        + len(figures["newly_completed"])
        + len(figures.get("instructions", []))
    )


def bulletin_write_xlsx(out, figures: dict, progress=None) -> None:
    """Write the bulletin workbook to `out` (a path or binary file); `progress(done, total)`
    is called every 1,000 rows and at the end."""
    as_of, month_start = figures["as_of"], figures["month_start"]
    writer = _Writer(out, progress, bulletin_rows(figures))
    summary = writer.workbook.add_worksheet("概况")
    summary.set_column(0, 0, 48)
    summary.set_column(1, 1, 14)
    heading = f"改革任务推进情况通报({month_start:%Y年%m月%d日}至{as_of:%Y年%m月%d日})"
    writer.row(summary, 0, [heading], writer.title)
    writer.row(summary, 1, ["统计日期", as_of])
    writer.row(summary, 2, ["统计范围", figures["scope"]])
    labels = {
        "total": "任务总数",
        "completed": "已销号",
        "in_progress": "推进中(未逾期)",
        "overdue": "已逾期",
        "due_soon": f"{DUE_SOON_DAYS}日内到期",
        "ongoing": "长期坚持",
    }
    index = 3
    for key, label in labels.items():
        writer.row(summary, index, [label, figures["totals"][key]])
        index += 1
    index += 1  # an empty row
    writer.row(summary, index, ["方案", "任务数", "已销号", "已逾期"])
    for plan in figures["by_plan"]:
        index += 1
        writer.row(
            summary, index, [plan["plan__title"], plan["total"], plan["completed"], plan["overdue"]]
        )

    writer.table(
        "单位情况",
        ["牵头单位", "牵头任务", "已销号", "已逾期", "未按期报送", "按时完成率(%)", "最近报送"],
        (
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
        ),
        [36, 10, 10, 10, 12, 14, 12],
    )
    writer.table(
        "逾期任务",
        ["方案", "序号", "任务", "牵头单位", "完成时限", "逾期天数", "最近报送"],
        (
            [
                *_task_cells(row),
                row["due_on"],
                row["days_overdue"],
                timezone.localdate(row["last_report_at"]) if row["last_report_at"] else "从未报送",
            ]
            for row in figures["overdue"]
        ),
        [30, 6, 60, 30, 12, 10, 12],
    )
    writer.table(
        "本月销号",
        ["方案", "序号", "任务", "牵头单位", "完成时限", "销号日期", "逾期办结"],
        (
            [*_task_cells(row), row["due_on"], row["completed_on"], row["late_mark"] or None]
            for row in figures["newly_completed"]
        ),
        [30, 6, 60, 30, 12, 12, 16],
    )
    writer.table(
        "领导批示",
        ["日期", "批示对象", "批示内容", "牵头单位数", "已阅", "已答复"],
        (
            [
                row["on"],
                row["target"],
                row["text"],
                row["units"],
                row["acknowledged"],
                row["answered"],
            ]
            for row in figures.get("instructions", [])
        ),
        [12, 40, 60, 12, 8, 8],
    )
    writer.close()


def bulletin_bytes(figures: dict) -> bytes:
    buffer = BytesIO()
    bulletin_write_xlsx(buffer, figures)
    return buffer.getvalue()
