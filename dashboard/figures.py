"""The dashboard's and bulletin's figures, computed in the database.

Every figure is one aggregate query (conditional counts with `Count(filter=...)`)
whatever the number of tasks, so the page costs the same number of queries for
100 tasks and for 100,000. "Overdue" and "completed" come from
`tasks.models.overdue_q` / `completed_by_q`, the same rules as
`Task.objects.overdue(as_of)`.

Replaying a past date (`as_of`): plans issued (成文日期) after `as_of` are left out;
completion is judged by `Task.completed_on`
(销号日期); deadlines are today's deadlines (an extension granted after `as_of`
is applied as if it had been granted before); statuses other than completed are
not replayed, so "in progress" means "open and not overdue" on that date.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import NullIf
from django.utils import timezone

from regions.models import Region
from tasks.filtersets import TaskFilterSet
from tasks.models import (
    DUE_SOON_DAYS,
    Plan,
    ProgressReport,
    Task,
    TaskUnit,
    accountable_link_q,
    completed_by_q,
    end_of_day,
    not_reported_q,
    overdue_q,
    plan_issued_by_q,
    report_window_start,
)
from units.models import Unit, unit_full_name
from units.roles import government_of

# The portal's task list (issue 4), driven by TaskFilterSet: every number links there.
TASK_LIST_URL = "/"
# What a dashboard may be filtered by; each is a TaskFilterSet parameter.
FILTER_PARAMS = ("plan", "issuer", "lead_unit", "region", "plan_closed")
# Ties are broken by unit id, not name: the grouped query then needs no unit names.
UNIT_SORTS = {
    "overdue": ("-overdue", F("on_time_rate").asc(nulls_last=True), "unit_id"),
    "rate": (F("on_time_rate").asc(nulls_last=True), "-overdue", "unit_id"),
    "led": ("-led", "unit_id"),
    "completed": ("-completed", "unit_id"),
    "silence": ("-overdue", "unit_id"),  # then by last report, see by_unit()
    "name": ("unit_id",),  # ordered by name in Python, see unit_counts()
}


class MonthStart(Func):
    """The first day of a date's month, natively in each database.

    Django's TruncMonth runs a Python function per row on SQLite and converts to
    a time zone on PostgreSQL; these run in C without one, which matters at
    100,000 tasks.
    """

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(date_trunc('month', CAST(%(expressions)s AS timestamp)) AS date)",
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s, 'start of month')"
        )


def _encode(params: dict) -> str:
    """urlencode, with booleans as true/false and dates as YYYY-MM-DD (TaskFilterSet's forms).

    Ids, booleans and dates need no quoting, so they skip urlencode's per-character work.
    """
    parts = []
    for key, value in params.items():
        if isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, int | date):
            parts.append(f"{key}={value.isoformat() if isinstance(value, date) else value}")
        else:
            parts.append(urlencode({key: value}))
    return "&".join(parts)


class DashboardQueryError(ValueError):
    """A dashboard parameter that cannot be used; the message is shown to the user."""


@dataclass(frozen=True)
class DashboardQuery:
    """The date figures are computed on and the filters applied to the tasks."""

    as_of: date
    filters: dict = field(default_factory=dict)
    # The date is the demo's (`DemoSetting`), not one the viewer chose: the page says so.
    demo_date: bool = False
    # What the lead-unit field shows for `filters["lead_unit"]` (the unit's full name).
    lead_unit_label: str = ""

    def link(self, **params) -> str:
        """The portal task list behind a number: these filters plus `params`.

        The dashboard's own part of the query string is encoded once per query: the
        API builds thousands of links (three per unit), and re-encoding the same
        filters for each was a third of its time at 2,000 units.
        """
        extra = {key: value for key, value in params.items() if value is not None}
        if extra.keys() & self.filters.keys():  # a link that overrides a dashboard filter
            merged = {"as_of": self.as_of, **self.filters, **extra}
            return f"{TASK_LIST_URL}?{_encode(merged)}"
        if not extra:
            return f"{TASK_LIST_URL}?{self._own_query}"
        return f"{TASK_LIST_URL}?{self._own_query}&{_encode(extra)}"

    def link_prefix(self, name: str) -> str | None:
        """`link(**{name: value})` without the value, or None when `name` is one of the
        dashboard's filters: append an id, then `&completed=true` or `&overdue=true`, for
        the same address `link` gives."""
        if name in self.filters:
            return None
        return f"{TASK_LIST_URL}?{self._own_query}&{name}="

    @cached_property
    def _own_query(self) -> str:
        return _encode({"as_of": self.as_of, **self.filters})

    def querystring(self, **params) -> str:
        """This dashboard's own parameters, for links between dashboard views."""
        merged = {"as_of": self.as_of.isoformat(), **self.filters, **params}
        return urlencode({key: value for key, value in merged.items() if value})


def dashboard_query(params, *, base=None) -> tuple[DashboardQuery, object]:
    """Validate request parameters through TaskFilterSet; return the query and its tasks.

    Raises DashboardQueryError with a readable message for a bad date or filter.
    """
    data = {key: params.get(key) for key in ("as_of", *FILTER_PARAMS) if params.get(key)}
    if "plan" not in data and "plan_closed" not in data:
        # Today's picture is of open plans: an archived (归档) plan leaves the figures
        # unless asked for (plan_closed=true) or chosen by name (plan=…).
        data["plan_closed"] = "false"
    filterset = TaskFilterSet(data=data, queryset=base if base is not None else Task.objects.all())
    if not filterset.is_valid():
        messages = []
        for name, errors in filterset.errors.items():
            label = filterset.filters[name].label if name in filterset.filters else name
            hint = "(格式应为 YYYY-MM-DD,例如 2021-05-01)" if name == "as_of" else ""
            messages.append(f"{label}{hint}:{' '.join(errors)}")
        raise DashboardQueryError(";".join(messages))
    as_of = filterset.form.cleaned_data.get("as_of")
    tasks = filterset.qs
    if as_of is None:
        # The filterset leaves out plans issued after `as_of` only when it is given; the
        # links carry today's date, so today's figures leave them out as well.
        as_of = timezone.localdate()
        tasks = tasks.filter(plan_issued_by_q(as_of))
    filters = {key: data[key] for key in FILTER_PARAMS if key in data}
    return DashboardQuery(as_of=as_of, filters=filters), tasks


def query_scope(query: DashboardQuery) -> str:
    """The filters in words (统计范围), for a printed or downloaded bulletin: without
    them a bulletin of one plan reads as if it covered every plan."""
    parts = []
    if "plan" in query.filters:
        title = Plan.objects.filter(pk=query.filters["plan"]).values_list("title", flat=True)
        parts.append(f"方案:{title.first() or query.filters['plan']}")
    if "issuer" in query.filters:
        parts.append(f"发文单位:{query.filters['issuer']}")
    if "lead_unit" in query.filters:
        name = Unit.objects.filter(pk=query.filters["lead_unit"]).values_list("name", flat=True)
        parts.append(f"牵头单位:{name.first() or query.filters['lead_unit']}")
    if "region" in query.filters:
        name = Region.objects.filter(pk=query.filters["region"]).values_list("name", flat=True)
        parts.append(f"政府:{name.first() or query.filters['region']}(含下级)")
    return ";".join(parts) or "全部方案"


TOTALS = ("total", "completed", "overdue", "due_soon", "ongoing")


def _counts(as_of: date) -> dict:
    """The headline conditional counts, shared by `totals` and `by_plan`."""
    done = completed_by_q(as_of)
    soon = Q(
        deadline__is_ongoing=False,
        deadline__due_on__gte=as_of,
        deadline__due_on__lte=as_of + timedelta(days=DUE_SOON_DAYS),
    )
    return {
        "total": Count("pk"),
        "completed": Count("pk", filter=done),
        "overdue": Count("pk", filter=overdue_q(as_of)),
        "due_soon": Count("pk", filter=soon & ~done),
        "ongoing": Count("pk", filter=Q(deadline__is_ongoing=True)),
    }


def totals(tasks, as_of: date) -> dict:
    """Headline figures in one aggregate query; in_progress = open and not overdue."""
    figures = tasks.order_by().aggregate(**_counts(as_of))
    figures["in_progress"] = figures["total"] - figures["completed"] - figures["overdue"]
    return figures


def totals_of_plans(plans: list[dict]) -> dict:
    """The headline figures as the sum of `by_plan` rows: saves a scan of all tasks."""
    figures = {key: sum(plan[key] for plan in plans) for key in TOTALS}
    figures["in_progress"] = figures["total"] - figures["completed"] - figures["overdue"]
    return figures


def totals_links(query: DashboardQuery) -> dict:
    as_of = query.as_of
    return {
        "total": query.link(),
        "completed": query.link(completed=True),
        "in_progress": query.link(completed=False, overdue=False),
        "overdue": query.link(overdue=True),
        "due_soon": query.link(
            completed=False,
            due_after=as_of - timedelta(days=1),
            due_before=as_of + timedelta(days=DUE_SOON_DAYS + 1),
        ),
        "ongoing": query.link(ongoing=True),
    }


def plan_month_counts(tasks, as_of: date) -> list[dict]:
    """The headline counts per (plan, ongoing, month due): one grouped pass over tasks.

    `by_plan`, `by_month` and the totals are sums of these rows, so the page scans
    the tasks once for all three; there are at most plans x months rows, whatever
    the number of tasks. `month` is None for a task without a date.
    """
    return list(
        tasks.order_by()
        .values(
            "plan_id", is_ongoing=F("deadline__is_ongoing"), month=MonthStart("deadline__due_on")
        )
        .annotate(**_counts(as_of))
    )


def by_plan(tasks, query: DashboardQuery, *, counts=None) -> list[dict]:
    """Per plan: tasks, completed, overdue and open-not-overdue, ordered by year.

    `counts`: rows of `plan_month_counts` already fetched (the dashboard shares them
    with `by_month`); the plans' names cost one more small query.
    """
    counts = plan_month_counts(tasks, query.as_of) if counts is None else counts
    per_plan = {}
    for row in counts:
        plan = per_plan.setdefault(row["plan_id"], dict.fromkeys(TOTALS, 0))
        for key in TOTALS:
            plan[key] += row[key]
    plans = Plan.objects.filter(pk__in=per_plan).order_by("year", "pk")
    rows = []
    for plan_id, title, issuer, year in plans.values_list("pk", "title", "issuer", "year"):
        row = {"plan_id": plan_id, "plan__title": title, "plan__issuer": issuer, "plan__year": year}
        row.update(per_plan[plan_id])
        row["in_progress"] = row["total"] - row["completed"] - row["overdue"]
        row["links"] = {
            "total": query.link(plan=plan_id),
            "completed": query.link(plan=plan_id, completed=True),
            "in_progress": query.link(plan=plan_id, completed=False, overdue=False),
            "overdue": query.link(plan=plan_id, overdue=True),
        }
        rows.append(row)
    return rows


def by_unit(
    tasks,
    query: DashboardQuery,
    *,
    sort: str = "overdue",
    limit=None,
    reporting: bool = False,
) -> list[dict]:
    """Per lead unit (红黑榜): led, completed, overdue, on-time rate, last report.

    On-time rate = of the dated tasks that are due before `as_of` or already
    completed by then ("assessed"), the share completed by their due date; a task
    finished early counts as on time before its date comes. None while no task is
    assessed. With `reporting`, also counts open led tasks that missed their latest
    report under their reporting rule (`not_reported`, see `Task.objects.not_reported`).

    Two steps, cached apart by the dashboard: `unit_counts` reads no progress report,
    `unit_report_rows` adds what does.
    """
    rows = unit_counts(tasks, query, sort=sort, limit=limit)
    return unit_report_rows(rows, tasks, query, sort=sort, limit=limit, reporting=reporting)


def _accountable_links(tasks, query: DashboardQuery, **lookups):
    """Each of `tasks` once per lead or handed-down link the 红黑榜 counts (`link`; more
    `lookups` on the link): joined from the tasks' side (`TaskQuerySet.per_link`)."""
    if "lead_unit" in query.filters:
        lookups["unit_id"] = query.filters["lead_unit"]
    return tasks.order_by().per_link(accountable_link_q("task_units__"), **lookups)


def unit_counts(tasks, query: DashboardQuery, *, sort: str = "overdue", limit=None) -> list[dict]:
    """`by_unit`'s counts, sorted and cut to `limit` in SQL (for the "silence" sort, by
    reports, all rows: `unit_report_rows` sorts and cuts): no progress report read."""
    as_of = query.as_of
    links = _accountable_links(tasks, query)
    done = completed_by_q(as_of)
    dated = Q(deadline__is_ongoing=False, deadline__due_on__isnull=False)
    assessed = dated & (Q(deadline__due_on__lt=as_of) | done)
    annotations = {
        "led": Count("pk"),
        "completed": Count("pk", filter=done),
        "overdue": Count("pk", filter=overdue_q(as_of)),
        "assessed": Count("pk", filter=assessed),
        "on_time": Count("pk", filter=dated & done & Q(completed_on__lte=F("deadline__due_on"))),
    }
    # Grouped by unit id alone: a hash aggregate over one small group per unit. The
    # names come with the last reports in one more query, for the rows kept only.
    rows = (
        links.values(unit_id=F("link__unit_id"))
        .annotate(**annotations)
        .annotate(
            on_time_rate=ExpressionWrapper(
                F("on_time") * 100.0 / NullIf(F("assessed"), 0), output_field=FloatField()
            ),
        )
    )
    if sort == "name":
        # By name in Python, over every unit's row (8,000 for a province): ordered and cut
        # in SQL, PostgreSQL streamed the join in name order to stop early and chose a
        # nested loop over the tasks that ran for half an hour at 200,000 tasks.
        rows = list(rows.order_by())
        names = dict(
            Unit.objects.filter(pk__in=[row["unit_id"] for row in rows]).values_list("pk", "name")
        )
        rows.sort(key=lambda row: (names[row["unit_id"]], row["unit_id"]))
        return rows[:limit] if limit is not None else rows
    rows = rows.order_by(*UNIT_SORTS.get(sort, UNIT_SORTS["overdue"]))
    if limit is not None and sort != "silence":
        rows = rows[:limit]
    return list(rows)


def units_not_reported(tasks, query: DashboardQuery, unit_ids=None) -> dict:
    """{unit id: open led tasks that missed their latest report (`by_unit`'s
    `not_reported`)}, for `unit_ids` (None: every unit); one grouped query.

    The report check is a condition on the tasks, not a filtered count over their links:
    PostgreSQL checks each task once, before joining it to its units."""
    as_of = query.as_of
    lookups = {"unit_id__in": unit_ids} if unit_ids is not None else {}
    rows = (
        _accountable_links(tasks, query, **lookups)
        .alias(report_window_start=report_window_start(as_of))
        .filter(~completed_by_q(as_of), not_reported_q(as_of))
        .values(unit_id=F("link__unit_id"))
        .annotate(not_reported=Count("pk"))
        .order_by()
    )
    return {row["unit_id"]: row["not_reported"] for row in rows}


def unit_report_rows(
    counts: list[dict],
    tasks,
    query: DashboardQuery,
    *,
    sort: str = "overdue",
    limit=None,
    reporting: bool = False,
) -> list[dict]:
    """`by_unit`'s rows from `unit_counts` rows (copied, not changed): names, last
    reports, with `reporting` the `not_reported` counts, the "silence" order, links."""
    as_of = query.as_of
    rows = [dict(row) for row in counts]
    silence = sort == "silence"
    if reporting:
        cut = limit is not None and not silence
        missed = units_not_reported(tasks, query, [row["unit_id"] for row in rows] if cut else None)
        for row in rows:
            row["not_reported"] = missed.get(row["unit_id"], 0)
    units = units_with_last_report([row["unit_id"] for row in rows], as_of)
    for row in rows:
        row["unit__name"], row["unit_full_name"], row["last_report_at"] = units[row["unit_id"]]
    if silence:
        # Ordered here, not in SQL: a correlated subquery inside the grouped query
        # would be grouped by and run once per task row. O(units), not O(tasks).
        rows.sort(
            key=lambda row: (
                -row.get("not_reported", 0),
                row["last_report_at"] is not None,
                row["last_report_at"] or 0,
            )
        )
        rows = rows[:limit] if limit is not None else rows
    # Three links per unit, thousands of units (a province has 8,000): the list's address
    # up to `lead_unit=` is the same for every row, so it is encoded once; and the time
    # zone is looked up once, not per row.
    led_link = query.link_prefix("lead_unit")
    zone = timezone.get_current_timezone()
    for row in rows:
        unit_id = row["unit_id"]
        last = row["last_report_at"]
        row["days_since_report"] = (
            None if last is None else (as_of - last.astimezone(zone).date()).days
        )
        if led_link is None:  # filtered by a lead unit: the links override it
            row["links"] = {
                "led": query.link(lead_unit=unit_id),
                "completed": query.link(lead_unit=unit_id, completed=True),
                "overdue": query.link(lead_unit=unit_id, overdue=True),
            }
            continue
        led = f"{led_link}{unit_id}"
        row["links"] = {
            "led": led,
            "completed": f"{led}&completed=true",
            "overdue": f"{led}&overdue=true",
        }
    return rows


def units_with_last_report(unit_ids: list[int], as_of: date) -> dict:
    """{unit id: (name, full name, latest progress report made by the end of `as_of`)}:
    one query, one probe per unit into the (unit, created_at) index."""
    latest = ProgressReport.objects.filter(
        unit=OuterRef("pk"), created_at__lt=end_of_day(as_of)
    ).order_by("-created_at")
    rows = (
        Unit.objects.filter(pk__in=unit_ids)
        .annotate(last_report_at=Subquery(latest.values("created_at")[:1]))
        .values_list("pk", "name", "region__short_name", "region__name", "last_report_at")
    )
    return {
        pk: (name, unit_full_name(name, short_name or region_name), last_report_at)
        for pk, name, short_name, region_name, last_report_at in rows
    }


def by_month(tasks, query: DashboardQuery, *, counts=None) -> list[dict]:
    """Deadlines per month (timeline): how many fall due, how many of those are done.

    `counts`: rows of `plan_month_counts` already fetched (see `by_plan`).
    """
    counts = plan_month_counts(tasks, query.as_of) if counts is None else counts
    per_month = {}
    for row in counts:
        if row["is_ongoing"] is False and row["month"] is not None:
            month = per_month.setdefault(row["month"], {"due": 0, "completed": 0})
            month["due"] += row["total"]
            month["completed"] += row["completed"]
    rows = []
    for month, figures in sorted(per_month.items()):
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        links = {
            "due": query.link(
                due_after=month - timedelta(days=1), due_before=next_month, ongoing=False
            ),
            "completed": query.link(
                due_after=month - timedelta(days=1),
                due_before=next_month,
                ongoing=False,
                completed=True,
            ),
        }
        rows.append({"month": month, **figures, "links": links})
    return rows


def overdue_tasks(tasks, query: DashboardQuery, *, limit=None) -> list[dict]:
    """Overdue tasks, most overdue first, with lead units and the last report."""
    as_of = query.as_of
    rows = (
        tasks.overdue(as_of).for_dashboard(as_of).order_by("deadline__due_on", "plan_id", "number")
    )
    if limit is not None:
        rows = rows[:limit]
    return [task_row(task, as_of) for task in rows]


def task_row(task: Task, as_of: date) -> dict:
    """One task as the lists, the bulletin and the API show it."""
    due_on = task.deadline.due_on if hasattr(task, "deadline") else None
    return {
        "id": task.pk,
        "plan_id": task.plan_id,
        "plan": task.plan.title,
        "number": task.number,
        "title": task.title,
        "lead_units": [unit.full_name for unit in task.lead_units],
        "due_on": due_on,
        "days_overdue": (as_of - due_on).days if due_on and due_on < as_of else 0,
        "completed_on": task.completed_on,
        "late_mark": task.late_mark,
        "last_report_at": task.last_report_at,
        "status": task.get_status_display(),
    }


def newly_completed(tasks, query: DashboardQuery, *, since: date) -> list[dict]:
    """Tasks verified complete between `since` and `as_of` inclusive (本月销号)."""
    rows = (
        tasks.filter(completed_by_q(query.as_of), completed_on__gte=since)
        .for_dashboard(query.as_of)
        .order_by("completed_on", "plan_id", "number")
    )
    return [task_row(task, query.as_of) for task in rows]


def _child_regions(parent_id) -> tuple[list[dict], dict]:
    """The governments directly below `parent_id` (the top-level ones for None), and
    {id of each region in their subtrees: the child it lies in}. One query (the tree is
    at most three deep below a parent)."""
    below = Q()
    if parent_id is not None:
        below = (
            Q(parent_id=parent_id)
            | Q(parent__parent_id=parent_id)
            | Q(parent__parent__parent_id=parent_id)
        )
    rows = Region.objects.filter(below).values_list(
        "pk",
        "parent_id",
        "parent__parent_id",
        "parent__parent__parent_id",
        "code",
        "name",
        "short_name",
        "level",
    )
    children, child_of = [], {}
    for pk, parent, grandparent, great, code, name, short_name, level in rows:
        chain = [pk, parent, grandparent, great, None]
        depth = chain.index(parent_id, 1)  # chain[depth - 1]: the child it lies in
        child_of[pk] = chain[depth - 1]
        if depth == 1:
            children.append(
                {"region_id": pk, "code": code, "name": short_name or name, "level": level}
            )
    children.sort(key=lambda child: (child["code"] or "", child["region_id"]))
    return children, child_of


# Region ids up to which `RegionChild` reads an array on PostgreSQL (a whole country is
# about 3,200 regions); past it, or on SQLite, the CASE of `_child_case`.
REGION_ARRAY_MAX_ID = 50_000


class RegionChild(Func):
    """PostgreSQL: the child government a region id column lies in, read from one integer
    array indexed by region id (0 for a region outside them; NULL past its end or for
    NULL). One subscript per row, where the CASE tests up to every region's id: the
    province's 下级政府 over 685,000 unit links went from 0.69 s to 0.36 s."""

    output_field = IntegerField()

    def __init__(self, field: str, child_of: dict):
        array = [child_of.get(region_id, 0) for region_id in range(1, max(child_of) + 1)]
        super().__init__(Value(array), F(field))

    def as_sql(self, compiler, connection, **extra_context):
        array, column = self.get_source_expressions()
        array_sql, array_params = compiler.compile(array)
        column_sql, column_params = compiler.compile(column)
        return f"({array_sql}::integer[])[{column_sql}]", (*array_params, *column_params)


def _child_case(field: str, child_of: dict):
    """An expression mapping a region id column to the child government it lies in: the
    child's id, else 0 or NULL (`RegionChild` on PostgreSQL; a CASE elsewhere)."""
    if connection.vendor == "postgresql" and max(child_of) <= REGION_ARRAY_MAX_ID:
        return RegionChild(field, child_of)
    members = {}
    for region_id, child_id in child_of.items():
        members.setdefault(child_id, []).append(region_id)
    return Case(
        *(When(**{f"{field}__in": ids}, then=Value(child)) for child, ids in members.items()),
        default=None,
        output_field=IntegerField(),
    )


def _region_counts(as_of: date, prefix: str = "") -> dict:
    """Tasks, completed, overdue and the on-time rate's parts, as in the 红黑榜 (by_unit)."""
    done = completed_by_q(as_of, prefix)
    dated = Q(
        **{f"{prefix}deadline__is_ongoing": False, f"{prefix}deadline__due_on__isnull": False}
    )
    assessed = dated & (Q(**{f"{prefix}deadline__due_on__lt": as_of}) | done)
    on_time = dated & done & Q(**{f"{prefix}completed_on__lte": F(f"{prefix}deadline__due_on")})
    task = f"{prefix}id" if prefix else "pk"
    distinct = bool(prefix)  # a task handed to several units of one child counts once
    return {
        "total": Count(task, distinct=distinct),
        "completed": Count(task, filter=done, distinct=distinct),
        "overdue": Count(task, filter=overdue_q(as_of, prefix), distinct=distinct),
        "assessed": Count(task, filter=assessed, distinct=distinct),
        "on_time": Count(task, filter=on_time, distinct=distinct),
    }


REGION_FIGURES = ("total", "completed", "overdue", "assessed", "on_time")


def by_region(tasks, query: DashboardQuery, *, parent=None) -> list[dict]:
    """下级政府: per government directly below `parent` (a Region, or None for the top),
    its tasks, completed, overdue and on-time rate, in three queries at any size.

    A government's tasks are those the `region` filter gives for it (its own and its
    subordinates' plans, and tasks handed down to their units), so every number links to
    the task list it counts. Counted as the tasks of its plans, plus the tasks of other
    plans (upstream, or a sibling's) that have one of its units.
    """
    children, child_of = _child_regions(parent.pk if parent is not None else None)
    if not children:
        return []
    figures = {child["region_id"]: dict.fromkeys(REGION_FIGURES, 0) for child in children}
    own = (
        tasks.filter(plan__region_id__in=child_of)
        .order_by()
        .values(child=_child_case("plan__region_id", child_of))
        .annotate(**_region_counts(query.as_of))
    )
    links = TaskUnit.objects.filter(unit__region_id__in=child_of)
    if tasks.query.has_filters():
        links = links.filter(task__in=tasks.values("pk"))
    handed_down = (
        links.alias(
            unit_child=_child_case("unit__region_id", child_of),
            plan_child=_child_case("task__plan__region_id", child_of),
        )
        .filter(Q(plan_child__isnull=True) | ~Q(plan_child=F("unit_child")))
        .order_by()
        .values(child=F("unit_child"))
        .annotate(**_region_counts(query.as_of, "task__"))
    )
    for rows in (own, handed_down):
        for row in rows:
            for key in REGION_FIGURES:
                figures[row["child"]][key] += row[key]
    for child in children:
        region_id = child["region_id"]
        child.update(figures[region_id])
        assessed = child["assessed"]
        child["on_time_rate"] = child["on_time"] * 100.0 / assessed if assessed else None
        child["links"] = {
            "dashboard": f"?{query.querystring(region=region_id)}",
            "total": query.link(region=region_id),
            "completed": query.link(region=region_id, completed=True),
            "overdue": query.link(region=region_id, overdue=True),
        }
    return children


def drill_down_parent(query: DashboardQuery, user):
    """The government whose 下级政府 the dashboard lists: the `region` filter's, else the
    viewer's own (`UserGovernment`), else None (the top-level governments)."""
    if "region" not in query.filters:
        return government_of(user)
    regions = Region.objects.select_related("parent__parent")
    return regions.filter(pk=query.filters["region"]).first()


def region_trail(region) -> list:
    """The region and the governments above it, top first (for the drill-down's breadcrumb;
    `drill_down_parent` fetched them along)."""
    trail = []
    while region is not None:
        trail.insert(0, region)
        region = region.parent if region.parent_id else None
    return trail


def dashboard_figures(
    tasks,
    query: DashboardQuery,
    *,
    unit_sort="overdue",
    unit_limit=None,
    overdue_limit=None,
    region_parent=None,
) -> dict:
    """Everything the dashboard page and API show, in a fixed number of queries.

    `by_region` lists the governments directly below `region_parent` (None: the top).
    The sum of `dashboard_task_figures` and `dashboard_report_figures`, which the pages
    cache apart (a progress report changes only the second).
    """
    task_part = dashboard_task_figures(
        tasks, query, unit_sort=unit_sort, unit_limit=unit_limit, region_parent=region_parent
    )
    report_part = dashboard_report_figures(
        tasks,
        query,
        task_part,
        unit_sort=unit_sort,
        unit_limit=unit_limit,
        overdue_limit=overdue_limit,
    )
    return merge_figures(task_part, report_part)


def dashboard_task_figures(
    tasks, query: DashboardQuery, *, unit_sort="overdue", unit_limit=None, region_parent=None
) -> dict:
    """The figures no progress report changes: counts per plan, month, government and unit
    (`unit_counts`, finished by `dashboard_report_figures`)."""
    counts = plan_month_counts(tasks, query.as_of)
    plans = by_plan(tasks, query, counts=counts)
    return {
        "as_of": query.as_of,
        "totals": totals_of_plans(plans),
        "by_plan": plans,
        "unit_counts": unit_counts(tasks, query, sort=unit_sort, limit=unit_limit),
        "by_month": by_month(tasks, query, counts=counts),
        "by_region": by_region(tasks, query, parent=region_parent),
    }


def dashboard_report_figures(
    tasks,
    query: DashboardQuery,
    task_part: dict,
    *,
    unit_sort="overdue",
    unit_limit=None,
    overdue_limit=None,
) -> dict:
    """The figures that read progress reports (or a status a report sets): the 红黑榜's
    last reports and 未按期报送 counts, and the overdue list with each task's last report."""
    by_units = unit_report_rows(
        task_part["unit_counts"], tasks, query, sort=unit_sort, limit=unit_limit, reporting=True
    )
    return {"by_unit": by_units, "overdue": overdue_tasks(tasks, query, limit=overdue_limit)}


def merge_figures(task_part: dict, report_part: dict) -> dict:
    """`dashboard_figures` from its two parts."""
    figures = {key: value for key, value in task_part.items() if key != "unit_counts"}
    return {**figures, **report_part}
