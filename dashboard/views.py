"""Dashboard pages: thin views over `figures` and `bulletin`."""

from dataclasses import replace
from functools import wraps
from html import escape

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from jobs.choices import JobKind
from jobs.services import job_start
from ops.replica import replica_reads
from printing.documents import print_failed_response
from printing.pdf import PdfUnavailable, pdf_available
from supervision.escalation import RED_LIST_ROWS, red_unanswered
from tasks.models import Plan, Task
from units.roles import is_governed

from . import charts
from .bulletin import bulletin_bytes, bulletin_figures, bulletin_filename
from .cache import REPORT_PART, cached_dashboard_figures, cached_figures, query_identity
from .figures import (
    UNIT_SORTS,
    DashboardQueryError,
    by_unit,
    dashboard_query,
    drill_down_parent,
    region_trail,
    totals_links,
)
from .models import DemoSetting
from .permissions import can_view_dashboard
from .unit_filter import nameable_units, typed_lead_unit, unit_suggestions

# Rows shown on the page before "show all": keeps the page fast at 100,000 tasks.
PAGE_ROWS = 50
CHART_UNITS = 15
CHART_PLANS = 15
# The 红黑榜's columns; each header sorts the table by it (keys of UNIT_SORTS), in the
# direction that puts the units to watch first: names A→Z, the lowest on-time rate first.
UNIT_COLUMNS = (
    ("name", "牵头单位", "ascending"),
    ("led", "牵头任务", "descending"),
    ("completed", "已销号", "descending"),
    ("overdue", "已逾期", "descending"),
    ("rate", "按时完成率", "ascending"),
    ("silence", "距上次报送", "descending"),
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_access(view):
    """Leaders and office staff only; anonymous users go to the login page.

    Without `as_of` the pages show today, or the demo date when the demo data is loaded
    (`DemoSetting`, written by `manage.py demo_history`): its history lies years back.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_view_dashboard(request.user):
            raise PermissionDenied("仅领导和优化办可以查看督办看板。")
        params, demo_as_of = request.GET, None
        if not params.get("as_of"):
            demo_as_of = DemoSetting.objects.demo_as_of()
            if demo_as_of is not None:
                params = params.copy()
                params["as_of"] = demo_as_of.isoformat()
        # Figures over every visible task: read from the replica when there is one.
        with replica_reads():
            try:
                params, lead_unit = typed_lead_unit(params, units=nameable_units(request.user))
                query, tasks = dashboard_query(params, base=Task.objects.visible_to(request.user))
            except DashboardQueryError as error:
                return render(request, "dashboard/bad_request.html", {"error": error}, status=400)
            if demo_as_of is not None:
                query = replace(query, demo_date=True)
            if lead_unit is not None:
                query = replace(query, lead_unit_label=lead_unit.label)
            return view(request, query, tasks)

    return wrapper


def select_options(choices, selected) -> str:
    """`<option>` tags for (value, label) pairs, `selected` marked; values and labels
    escaped. Joined here rather than looped over in a template: a province has hundreds
    of plans."""
    selected = str(selected or "")
    tags = []
    for value, label in choices:
        value = str(value)
        mark = " selected" if value == selected else ""
        tags.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(tags))  # noqa: S308 - every part escaped above


def filter_options(query, user) -> dict:
    """The plan and issuer filters' options: two queries at any size. The lead unit is
    a text field with suggestions (`unit_filter`), not a list of every unit.

    A governed office (`UserGovernment`) is offered only what it may see: the plans of
    its governments, never another region's names.
    """
    plans = Plan.objects.all()
    if is_governed(user):
        plans = plans.visible_to(user)
    issuers = (
        plans.exclude(issuer="").order_by("issuer").values_list("issuer", flat=True).distinct()
    )
    return {
        "plans": select_options(
            plans.order_by("-year", "title").values_list("id", "title"),
            query.filters.get("plan"),
        ),
        "issuers": select_options(
            ((issuer, issuer) for issuer in issuers), query.filters.get("issuer")
        ),
    }


@login_required
def unit_suggestions_json(request):
    """The lead-unit field's suggestions (`?q=` part of a name): units the viewer may name."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied("仅领导和优化办可以查看督办看板。")
    with replica_reads():
        results = unit_suggestions(request.GET.get("q", ""), units=nameable_units(request.user))
    return JsonResponse({"results": results})


def chart_plans(plans: list[dict]) -> list[dict]:
    """The plans the status chart draws: all of a few, in the table's order; of more than
    CHART_PLANS (a province has hundreds, a bar each), those with the most overdue tasks.
    The table below lists every plan."""
    if len(plans) <= CHART_PLANS:
        return plans
    return sorted(plans, key=lambda plan: (-plan["overdue"], -plan["total"]))[:CHART_PLANS]


@dashboard_access
def dashboard(request, query, tasks):
    sort = request.GET.get("sort") if request.GET.get("sort") in UNIT_SORTS else "overdue"
    all_units = request.GET.get("units") == "all"
    all_overdue = request.GET.get("overdue_rows") == "all"
    all_plans = request.GET.get("plans") == "all"
    region = drill_down_parent(query, request.user)
    options = {
        "unit_sort": sort,
        "unit_limit": None if all_units else PAGE_ROWS + 1,
        "overdue_limit": None if all_overdue else PAGE_ROWS + 1,
    }
    figures = cached_dashboard_figures(
        tasks, query, **options, region_parent=region, name="dashboard"
    )
    more_units = not all_units and len(figures["by_unit"]) > PAGE_ROWS
    more_overdue = not all_overdue and len(figures["overdue"]) > PAGE_ROWS
    plans = figures["by_plan"]
    more_plans = not all_plans and len(plans) > PAGE_ROWS
    if sort == "overdue":  # the table is already in the chart's order
        chart_units = figures["by_unit"][:CHART_UNITS]
    else:
        chart_units = cached_figures(
            lambda: by_unit(tasks, query, sort="overdue", limit=CHART_UNITS),
            "chart-units",
            query_identity(tasks),
            query.as_of,
            depends=REPORT_PART,  # the rows carry the units' last reports
        )
    # Outside the figures cache: the list moves with every answer, and costs two queries.
    red_notices = red_unanswered(tasks=tasks, as_of=query.as_of)
    context = {
        "query": query,
        "figures": figures,
        "red_notices": red_notices,
        "red_notices_capped": len(red_notices) >= RED_LIST_ROWS,
        "units": figures["by_unit"][:PAGE_ROWS] if more_units else figures["by_unit"],
        "overdue": figures["overdue"][:PAGE_ROWS] if more_overdue else figures["overdue"],
        "more_units": more_units,
        "more_overdue": more_overdue,
        "links": totals_links(query),
        "sort": sort,
        "unit_columns": UNIT_COLUMNS,
        "all_units": all_units,
        "plans": plans[:PAGE_ROWS] if more_plans else plans,
        "more_plans": more_plans,
        "chart_plans_cut": len(plans) > CHART_PLANS,
        "plan_chart_rows": CHART_PLANS,
        "plan_chart": {
            variant: charts.status_by_plan_svg(chart, f"chart-{variant}")
            for variant, chart in charts.both(charts.status_by_plan, chart_plans(plans)).items()
        },
        "unit_chart": charts.both(charts.overdue_by_unit, chart_units),
        "month_chart": charts.both(charts.deadlines_by_month, figures["by_month"], query.as_of),
        "options": filter_options(query, request.user),
        "region": region,
        "region_trail": [
            (step.display_name, f"?{query.querystring(region=step.pk)}")
            for step in region_trail(region)
        ],
        "region_top": f"?{query.querystring(region='')}",
        "today_link": f"?{query.querystring(as_of=timezone.localdate().isoformat())}",
    }
    return render(request, "dashboard/dashboard.html", context)


@dashboard_access
def bulletin(request, query, tasks):
    context = {"query": query, "figures": bulletin_figures(tasks, query)}
    return render(request, "dashboard/bulletin.html", context)


@dashboard_access
def bulletin_xlsx(request, query, tasks):
    """The bulletin as Excel: at once for a small database, else through a background job
    (at month end every leader asks for it; joined while one runs)."""
    if tasks.count() > settings.EXPORT_IMMEDIATE_MAX_TASKS or request.GET.get("background"):
        params = {"as_of": query.as_of.isoformat(), **query.filters}
        job = job_start(
            kind=JobKind.BULLETIN,
            params={"query": params},
            user=request.user,
            title=f"月度通报(截至{query.as_of:%Y-%m-%d})",
        )
        return redirect(job)
    response = HttpResponse(bulletin_bytes(bulletin_figures(tasks, query)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{bulletin_filename(query)}"'
    return response


@dashboard_access
def bulletin_pdf(request, query, tasks):
    """The bulletin as a PDF printed by the server: always a background job (Chromium takes
    seconds even for one page, minutes for thousands of overdue rows), with its progress
    page; a second request while it runs joins it."""
    if not pdf_available():
        return print_failed_response(request, PdfUnavailable())
    params = {"as_of": query.as_of.isoformat(), **query.filters}
    job = job_start(
        kind=JobKind.BULLETIN_PDF,
        params={"query": params},
        user=request.user,
        title=f"月度通报PDF(截至{query.as_of:%Y-%m-%d})",
    )
    return redirect(job)
