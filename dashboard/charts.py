"""Server-rendered SVG charts: plain geometry computed here, drawn by templates.

No JavaScript and no CDN: an intranet browser renders inline SVG by itself, and
each bar is a link to the task list behind it. Every chart is drawn twice, for a
PC (`WIDE`) and for a phone (`NARROW`), and CSS shows one: an SVG scales its text
with its width, so one drawing cannot be legible on both.
"""

import math
from datetime import timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDE = 760
NARROW = 360
COLORS = {"completed": "#1e8449", "in_progress": "#5d7fa3", "overdue": "#c0392b"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def both(draw, *args, **kwargs) -> dict:
    """The chart `draw` makes, at PC and at phone width: {"wide": ..., "narrow": ...}."""
    return {
        "wide": draw(*args, width=WIDE, **kwargs),
        "narrow": draw(*args, width=NARROW, **kwargs),
    }


def status_by_plan(plans: list[dict], *, width: int = WIDE) -> dict:
    """Stacked horizontal bars per plan: completed / in progress / overdue.

    The plan's name is written above its bar, so the bar can use the full width.
    """
    narrow = width < WIDE
    row_height, top, left, right = (46, 34, 4, 44) if narrow else (52, 34, 10, 60)
    label_chars = 26 if narrow else 50
    scale_width = width - left - right
    largest = max((plan["total"] for plan in plans), default=0) or 1
    rows = []
    for index, plan in enumerate(plans):
        y = top + index * row_height
        x = left
        segments = []
        for key in ("completed", "in_progress", "overdue"):
            value = plan[key]
            segment_width = scale_width * value / largest
            if value:
                segments.append(
                    {
                        "x": round(x, 1),
                        "width": round(max(segment_width, 1), 1),
                        "value": value,
                        "fill": COLORS[key],
                        "show_value": segment_width >= 8 * len(str(value)) + 6,
                        "text_x": round(x + segment_width / 2, 1),
                        "href": plan["links"][key],
                    }
                )
            x += segment_width
        rows.append(
            {
                "label": _short(plan["plan__title"], label_chars),
                "title": plan["plan__title"],
                "label_x": left,
                "label_y": y + 14,
                "bar_y": y + 20,
                "text_y": y + 35,
                "segments": segments,
                "total_x": round(x + 5, 1),
                "total": plan["total"],
                "href": plan["links"]["total"],
            }
        )
    return {
        "width": width,
        "height": top + len(plans) * row_height + 6,
        "rows": rows,
        "legend": _legend(narrow),
    }


def status_by_plan_svg(chart: dict, variant: str) -> SafeString:
    """The drawing of `status_by_plan` as SVG markup.

    Written here rather than by a template: a province office sees 137 plans, and the
    template engine's per-variable cost made this chart a fifth of the page's Python
    time. Numbers are never localized; text is escaped as the template would.
    """
    parts = [
        f'<svg class="chart {escape(variant)}" viewBox="0 0 {chart["width"]} {chart["height"]}"'
        ' role="img" aria-label="各方案任务状态堆积条形图">\n  '
    ]
    for item in chart["legend"]:
        parts.append(
            f'\n    <rect x="{item["x"]}" y="6" width="12" height="12" fill="{item["fill"]}"/>'
            f'\n    <text x="{item["text_x"]}" y="17" font-size="13" fill="#1f2933">'
            f"{escape(item['label'])}</text>\n  "
        )
    parts.append("\n  ")
    for row in chart["rows"]:
        text_y = row["text_y"]
        parts.append(
            f'\n    <a href="{escape(row["href"])}"><text x="{row["label_x"]}" y="{row["label_y"]}"'
            f' font-size="13" fill="#1f2933"><title>{escape(row["title"])}</title>'
            f"{escape(row['label'])}</text></a>\n    "
        )
        for seg in row["segments"]:
            value = seg["value"]
            text = (
                f'<text x="{seg["text_x"]}" y="{text_y}" font-size="12" fill="#fff"'
                f' text-anchor="middle">{value}</text>'
                if seg["show_value"]
                else ""
            )
            parts.append(
                f'\n      <a href="{escape(seg["href"])}">'
                f'\n        <rect x="{seg["x"]}" y="{row["bar_y"]}" width="{seg["width"]}"'
                f' height="22" fill="{seg["fill"]}"><title>{value}</title></rect>'
                f"\n        {text}\n      </a>\n    "
            )
        parts.append(
            f'\n    <a href="{escape(row["href"])}"><text x="{row["total_x"]}" y="{text_y}"'
            f' font-size="12" fill="#1f2933">共{row["total"]}</text></a>\n  '
        )
    parts.append("\n</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text and link escaped above


def overdue_by_unit(units: list[dict], *, width: int = WIDE) -> dict:
    """Horizontal bars of overdue tasks per lead unit, longest first."""
    narrow = width < WIDE
    row_height, top, label_width, right = 26, 8, (124 if narrow else 230), (30 if narrow else 50)
    label_chars = 9 if narrow else 15
    units = [unit for unit in units if unit["overdue"]]
    largest = max((unit["overdue"] for unit in units), default=0) or 1
    scale_width = width - label_width - right
    rows = []
    for index, unit in enumerate(units):
        y = top + index * row_height
        bar_width = max(scale_width * unit["overdue"] / largest, 1)
        rows.append(
            {
                "label": _short(unit["unit_full_name"], label_chars),
                "title": unit["unit_full_name"],
                "y": y,
                "text_y": y + 16,
                "x": label_width,
                "width": round(bar_width, 1),
                "value": unit["overdue"],
                "value_x": round(label_width + bar_width + 5, 1),
                "href": unit["links"]["overdue"],
            }
        )
    return {
        "width": width,
        "height": top + len(rows) * row_height + 6,
        "label_x": label_width - 6,
        "rows": rows,
        "fill": COLORS["overdue"],
    }


def deadlines_by_month(months: list[dict], as_of=None, *, width: int = WIDE) -> dict:
    """Timeline: tasks falling due each month (bar) and how many of them are done,
    with a marker at the month of `as_of`."""
    months = _with_empty_months(months)
    narrow = width < WIDE
    height, top, bottom, left, right = (200 if narrow else 250), 34, 40, 10, 10
    plot_height = height - top - bottom
    count = len(months)
    slot = (width - left - right) / (count or 1)
    bar_width = max(min(slot * 0.7, 48), 2)
    largest = max((month["due"] for month in months), default=0) or 1
    # A "YYYY-MM" label needs about 56 units of width at font size 11.
    label_every = max(1, math.ceil(count / max(1, (width - left - right) // 64)))
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
                # The first and last labels must not run off the drawing.
                "label_anchor": "start"
                if x + bar_width / 2 < 28
                else "end"
                if x + bar_width / 2 > width - 28
                else "middle",
                "show_value": month["due"] > 0 and slot >= 6 * len(str(month["due"])) + 4,
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
            # Keep the marker's label inside the drawing near either edge.
            marker["anchor"] = (
                "start" if marker["x"] < 30 else "end" if marker["x"] > width - 30 else "middle"
            )
    # Said in words when the date falls outside the months drawn (e.g. "today" after the
    # plans' last deadline): the legend would otherwise promise a marker that is not there.
    marker_note = ""
    if as_of is not None and months and marker is None:
        after = as_of.replace(day=1) > months[-1]["month"]
        marker_note = f"统计日期 {as_of:%Y-%m-%d} {'晚于' if after else '早于'}图中所有月份"
    return {
        "width": width,
        "height": height,
        "marker": marker,
        "marker_note": marker_note,
        "baseline": top + plot_height,
        "label_y": top + plot_height + 18,
        "columns": columns,
        "due_fill": "#9fb3c8",
        "done_fill": COLORS["completed"],
    }


def _legend(narrow: bool) -> list[dict]:
    labels = {"completed": "已销号", "in_progress": "推进中(未逾期)", "overdue": "已逾期"}
    legend, x = [], 4 if narrow else 10
    for key, label in labels.items():
        legend.append({"x": x, "fill": COLORS[key], "label": label, "text_x": x + 17})
        x += 30 + 13 * len(label)
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
