"""Server-rendered SVG charts: plain geometry computed here, drawn by templates.

No JavaScript and no CDN: an intranet browser renders inline SVG by itself, and
each bar is a link to the task list behind it.
"""

import math
from datetime import timedelta

WIDTH = 760
LABEL_CHARS = 15
COLORS = {"completed": "#1e8449", "in_progress": "#5d7fa3", "overdue": "#c0392b"}


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_by_plan(plans: list[dict]) -> dict:
    """Stacked horizontal bars per plan: completed / in progress / overdue."""
    row_height, top, left, right = 52, 34, 10, 60
    scale_width = WIDTH - left - right
    largest = max((plan["total"] for plan in plans), default=0) or 1
    rows = []
    for index, plan in enumerate(plans):
        y = top + index * row_height
        x = left
        segments = []
        for key in ("completed", "in_progress", "overdue"):
            value = plan[key]
            width = scale_width * value / largest
            if value:
                segments.append(
                    {
                        "x": round(x, 1),
                        "width": round(max(width, 1), 1),
                        "value": value,
                        "fill": COLORS[key],
                        "show_value": width >= 26,
                        "text_x": round(x + width / 2, 1),
                        "href": plan["links"][key],
                    }
                )
            x += width
        rows.append(
            {
                "label": _short(plan["plan__title"], 34),
                "title": plan["plan__title"],
                "label_y": y + 14,
                "bar_y": y + 20,
                "text_y": y + 35,
                "segments": segments,
                "total_x": round(x + 6, 1),
                "total": plan["total"],
                "href": plan["links"]["total"],
            }
        )
    return {
        "width": WIDTH,
        "height": top + len(plans) * row_height + 6,
        "rows": rows,
        "legend": _legend(),
    }


def overdue_by_unit(units: list[dict]) -> dict:
    """Horizontal bars of overdue tasks per lead unit, longest first."""
    row_height, top, label_width, right = 26, 8, 230, 50
    units = [unit for unit in units if unit["overdue"]]
    largest = max((unit["overdue"] for unit in units), default=0) or 1
    scale_width = WIDTH - label_width - right
    rows = []
    for index, unit in enumerate(units):
        y = top + index * row_height
        width = max(scale_width * unit["overdue"] / largest, 1)
        rows.append(
            {
                "label": _short(unit["unit__name"]),
                "title": unit["unit__name"],
                "y": y,
                "text_y": y + 16,
                "x": label_width,
                "width": round(width, 1),
                "value": unit["overdue"],
                "value_x": round(label_width + width + 6, 1),
                "href": unit["links"]["overdue"],
            }
        )
    return {
        "width": WIDTH,
        "height": top + len(rows) * row_height + 6,
        "label_x": label_width - 8,
        "rows": rows,
        "fill": COLORS["overdue"],
    }


def deadlines_by_month(months: list[dict], as_of=None) -> dict:
    """Timeline: tasks falling due each month (bar) and how many of them are done,
    with a marker at the month of `as_of`."""
    months = _with_empty_months(months)
    height, top, bottom, left, right = 250, 34, 40, 10, 10
    plot_height = height - top - bottom
    count = len(months)
    slot = (WIDTH - left - right) / (count or 1)
    bar_width = max(min(slot * 0.7, 48), 2)
    largest = max((month["due"] for month in months), default=0) or 1
    label_every = max(1, math.ceil(count / 12))
    columns = []
    for index, month in enumerate(months):
        x = left + index * slot + (slot - bar_width) / 2
        due_height = plot_height * month["due"] / largest
        done_height = plot_height * month["completed"] / largest
        columns.append(
            {
                "x": round(x, 1),
                "width": round(bar_width, 1),
                "due_y": round(top + plot_height - due_height, 1),
                "due_height": round(max(due_height, 1), 1),
                "done_y": round(top + plot_height - done_height, 1),
                "done_height": round(done_height, 1),
                "due": month["due"],
                "completed": month["completed"],
                "center": round(x + bar_width / 2, 1),
                "value_y": round(top + plot_height - due_height - 4, 1),
                "label": month["month"].strftime("%Y-%m"),
                "show_label": index % label_every == 0,
                "show_value": slot >= 16 and month["due"] > 0,
                "href": month.get("links", {}).get("due"),
                "done_href": month.get("links", {}).get("completed"),
            }
        )
    marker = None
    if as_of is not None and months:
        this_month = as_of.replace(day=1)
        index = sum(1 for month in months if month["month"] < this_month)
        if 0 < index < count or (index == 0 and months[0]["month"] == this_month):
            fraction = (as_of.day - 1) / 31
            marker = {"x": round(left + (index + fraction) * slot, 1), "top": top - 14}
    return {
        "width": WIDTH,
        "height": height,
        "marker": marker,
        "baseline": top + plot_height,
        "label_y": top + plot_height + 18,
        "columns": columns,
        "due_fill": "#9fb3c8",
        "done_fill": COLORS["completed"],
    }


def _legend() -> list[dict]:
    labels = {"completed": "已销号", "in_progress": "推进中(未逾期)", "overdue": "已逾期"}
    legend, x = [], 10
    for key, label in labels.items():
        legend.append({"x": x, "fill": COLORS[key], "label": label, "text_x": x + 18})
        x += 40 + 15 * len(label)
    return legend


def _with_empty_months(months: list[dict]) -> list[dict]:
    """Insert the months in between that have no deadline, so the axis is a timeline."""
    if not months:
        return []
    by_month = {month["month"]: month for month in months}
    current, last, filled = months[0]["month"], months[-1]["month"], []
    while current <= last:
        filled.append(by_month.get(current) or {"month": current, "due": 0, "completed": 0})
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return filled
