"""The 考评 ranking a user may see, and its Excel workbook (immediate or from a job)."""

from dataclasses import replace

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from openpyxl import Workbook

from dashboard.cache import cached_figures, cached_figures_peek
from tasks.spreadsheet_safety import xlsx_append
from units.models import Unit
from units.roles import sees_all_tasks

from . import conf
from .models import AssessmentPeriod
from .services import (
    TIE_BREAK_TEXT,
    assessment_compute,
    rule_legend,
    scores_for_viewer,
    with_breakdowns,
)

# The ranking of each open period as the scores job last computed it, whatever changed
# since: (the period's settings, computed at, rows), per variant ("full", "summary").
LATEST_KEY = "scores:latest:{}:{}"


def period_scores(period: AssessmentPeriod, *, refresh: bool = False, breakdowns=True) -> list:
    """The period's ranking: stored rows for a published period; for an open one, computed
    by the `scores_refresh` job when a report, task, notice, acknowledgement, rule or
    holiday changes, and read from the cache, not computed on every view.

    Between a change and the job's next run (at month end, most of the time) a view gets
    the ranking the job last computed and `period.ranking_computed_at` says when (also on
    the first view of a new day, which schedules the job); only a period never computed
    is computed in the view (a province's 2,000 units: about 14 s).

    `breakdowns=False`: rows without the tasks behind each point (`fill_breakdowns` adds
    them to the rows a page details). A province's 2,000 units carry 8 MB of them, which
    took 0.2 s to read on every view of the ranking."""
    if period.is_frozen:
        return assessment_compute(period=period, breakdowns=breakdowns)
    today = timezone.localdate()
    settings_key = (
        period.pk,
        period.starts_on,
        period.ends_on,
        period.base_score,
        conf.get("SUPERVISION_ACK_WORKING_DAYS"),
    )
    key = (*settings_key, today)

    def kept_as_latest(variant: str, scores: list) -> list:
        if settings.DASHBOARD_CACHE_SECONDS:
            value = (settings_key, timezone.now(), scores)
            cache.set(LATEST_KEY.format(period.pk, variant), value, timeout=None)
        return scores

    def full(refresh=refresh):
        def compute():
            return kept_as_latest("full", assessment_compute(period=period, today=today))

        return cached_figures(compute, "scores", *key, refresh=refresh)

    def summary(refresh=refresh):
        def compute():
            return kept_as_latest("summary", _without_items(full(refresh=False)))

        return cached_figures(compute, "scores-summary", *key, refresh=refresh)

    ranking = full if breakdowns else summary
    if not settings.DASHBOARD_CACHE_SECONDS:
        return ranking()
    latest_key = LATEST_KEY.format(period.pk, "full" if breakdowns else "summary")
    if not refresh:
        current = cached_figures_peek("scores" if breakdowns else "scores-summary", *key)
        if current is not None:
            return current
        latest = cache.get(latest_key)
        # The same period settings; computed on an earlier day too (a new day changes
        # the key of every open period's ranking, with or without a change in the data).
        if latest is not None and latest[0] == settings_key:
            from .tasks import _enqueue_refresh  # the job module imports this one

            _enqueue_refresh()  # once, whatever the number of views
            period.ranking_computed_at = latest[1]
            return latest[2]
    return ranking()


def _without_items(scores: list) -> list:
    return [
        replace(
            score,
            breakdown=[
                {key: value for key, value in item.items() if key != "items"}
                for item in score.breakdown
            ],
        )
        for score in scores
    ]


def fill_breakdowns(period: AssessmentPeriod, scores: list) -> list:
    """`scores` read with `breakdowns=False`, given their full breakdowns."""
    if period.is_frozen:
        return with_breakdowns(period, scores)
    if scores:
        full = {score.unit.pk: score.breakdown for score in period_scores(period)}
        for score in scores:
            score.breakdown = full[score.unit.pk]
    return scores


def scores_for(*, user, period_id: str | None, breakdowns: bool = True):
    """The periods `user` may choose from, the chosen one (the latest without `period_id`),
    the score rows `user` may see (a unit: its own only), the legend and how many units
    were ranked. `breakdowns=False`: see `period_scores` (a page fills those it shows)."""
    sees_all = sees_all_tasks(user)
    periods = AssessmentPeriod.objects.all()
    if not sees_all:
        periods = periods.filter(published_at__isnull=False)
    if period_id:
        if not str(period_id).isdigit():
            raise Http404
        period = get_object_or_404(periods, pk=period_id)
    else:
        period = periods.first()
    scores = period_scores(period, breakdowns=breakdowns) if period else []
    scores = scores_for_viewer(scores, user)
    if period and period.is_frozen and not breakdowns:
        with_breakdowns(period, scores[:1])  # the legend reads the rules from one row
    legend = rule_legend(scores)
    ranked = len(scores)
    if not sees_all:
        own = set(Unit.objects.filter(memberships__user=user).values_list("pk", flat=True))
        scores = [score for score in scores if score.unit.pk in own]
    return periods, period, scores, legend, ranked


def scores_workbook_for(*, user, period_id) -> tuple[Workbook, str]:
    """The ranking of period `period_id` as `user` may see it, and the file name."""
    _, period, rows, legend, ranked = scores_for(user=user, period_id=str(period_id))
    if period is None:
        raise Http404
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考评排名"
    xlsx_append(sheet, ["名次", "单位", "总分", *(item["rule"] for item in legend), "并列"])
    for row in rows:
        xlsx_append(
            sheet,
            [
                row.rank,
                row.unit.full_name,
                float(row.total),
                *(float(i["score"]) for i in row.breakdown),
                "并列" if getattr(row, "tied", False) else None,
            ],
        )
    xlsx_append(sheet, [])
    if period.is_frozen:
        state = f"已于{timezone.localtime(period.published_at):%Y-%m-%d}发布,成绩已冻结"
    elif getattr(period, "ranking_computed_at", None):
        computed_at = timezone.localtime(period.ranking_computed_at)
        state = f"未发布;排名计算于{computed_at:%Y-%m-%d %H:%M},正在按最新数据重新计算"
    else:
        state = "未发布"
    xlsx_append(
        sheet,
        [
            f"{period.name}({period.starts_on}至{period.ends_on})基础分{period.base_score},"
            f"参评单位{ranked}个,{state}"
        ],
    )
    rules_sheet = workbook.create_sheet("计分规则")
    xlsx_append(rules_sheet, ["规则", "计分项", "每次分值", "封顶"])
    for item in legend:
        cap = item.get("cap")
        xlsx_append(
            rules_sheet,
            [item["rule"], item["counts"], float(item["points"]), float(cap) if cap else None],
        )
    xlsx_append(rules_sheet, ["总分 = 基础分 + Σ min(封顶, 次数 × 每次分值)"])
    xlsx_append(rules_sheet, [TIE_BREAK_TEXT])
    items_sheet = workbook.create_sheet("得分明细")
    xlsx_append(items_sheet, ["单位", "规则", "任务", "次数", "每次分值"])
    for row in rows:
        for item in row.breakdown:
            for entry in item.get("items", []):
                xlsx_append(
                    items_sheet,
                    [
                        row.unit.full_name,
                        item["rule"],
                        entry["label"],
                        entry["count"],
                        item["points"],
                    ],
                )
    return workbook, f"考评排名-{period.name}.xlsx"
