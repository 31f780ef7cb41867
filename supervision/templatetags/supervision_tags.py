"""Template tags that put supervision figures on other apps' pages (the leaders' dashboard)."""

from django import template

from supervision.models import AssessmentPeriod
from supervision.services import assessment_compute, scores_for_viewer, with_breakdowns

register = template.Library()

DASHBOARD_RANKING_ROWS = 10


@register.inclusion_tag("supervision/_ranking.html", takes_context=True)
def assessment_ranking(context):
    """The latest published (frozen) 考评 ranking, best and worst units with the breakdown.

    Only published periods: their scores are stored, so this costs three queries whatever
    the data size (the ranks of all, the breakdowns of the 20 shown), and leaders see the
    figures the office has signed off.
    """
    period = AssessmentPeriod.objects.filter(published_at__isnull=False).first()
    rows = assessment_compute(period=period, breakdowns=False) if period else []
    request = context.get("request")
    if request is not None:
        rows = scores_for_viewer(rows, request.user)
    if len(rows) > 2 * DASHBOARD_RANKING_ROWS:
        half = DASHBOARD_RANKING_ROWS
        shown, hidden = rows[:half] + rows[-half:], len(rows) - 2 * half
    else:
        shown, hidden = rows, 0
    shown = with_breakdowns(period, shown)
    rule_names = [item["rule"] for item in shown[0].breakdown] if shown else []
    return {
        "period": period,
        "rows": shown,
        "hidden": hidden,
        "half": DASHBOARD_RANKING_ROWS,
        "rule_names": rule_names,
    }
