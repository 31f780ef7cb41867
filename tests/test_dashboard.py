"""The leaders' dashboard: overdue rule, replay on the five plans, links, access, 400s."""

import html
import re
from datetime import date, datetime, time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from dashboard import charts
from dashboard.figures import (
    DashboardQuery,
    by_month,
    by_plan,
    by_unit,
    dashboard_query,
    totals,
    totals_of_plans,
)
from dashboard.figures import totals_links as links_for_totals
from tasks.choices import TaskStatus
from tasks.filtersets import TaskFilterSet
from tasks.models import ProgressReport, Task, completed_by_q
from tasks.services import task_complete_verify, task_reopen

from .conftest import XIANGTAN, XIANGXI, make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

AS_OF = date(2020, 7, 1)


def tasks_behind(link: str) -> set[int]:
    """The task ids the portal list shows for a dashboard link (validated by TaskFilterSet)."""
    parts = urlsplit(link)
    assert parts.path == "/"
    filterset = TaskFilterSet(data=dict(parse_qsl(parts.query)), queryset=Task.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def hand_built(office_user):
    """Tasks on each side of the overdue rule, as of 2020-07-01."""
    unit = make_unit("州政务局")
    plan = make_plan(title="手工方案", issuer="测试州人民政府")

    def task(number, **fields):
        return make_task(plan=plan, number=number, lead_units=[unit], **fields)

    cases = {
        "due_yesterday": task(1, due_on=date(2020, 6, 30)),
        "due_today": task(2, due_on=date(2020, 7, 1)),
        "ongoing": task(3, is_ongoing=True),
        "requested": task(4, status=TaskStatus.COMPLETION_REQUESTED),
        "verified": task(5),
        "verified_late": task(6),
        "reopened": task(7),
        "due_soon": task(8, due_on=date(2020, 7, 16)),
        "due_later": task(9, due_on=date(2020, 7, 17)),
    }
    for name, completed_on in (
        ("verified", date(2020, 6, 20)),
        ("verified_late", date(2020, 7, 15)),
        ("reopened", date(2020, 6, 25)),
    ):
        task_complete_verify(
            task=cases[name], user=office_user, expected_version=1, completed_on=completed_on
        )
    reopened = Task.objects.get(pk=cases["reopened"].pk)
    task_reopen(task=reopened, user=office_user, expected_version=reopened.version)
    return {"plan": plan, "unit": unit, **{k: v.pk for k, v in cases.items()}}


def test_overdue_counts_follow_the_rule_on_boundaries(hand_built):
    query = DashboardQuery(as_of=AS_OF)
    figures = totals(Task.objects.filter(plan=hand_built["plan"]), AS_OF)
    # overdue: due yesterday, requested-not-verified, verified only after as_of, reopened
    assert figures == {
        "total": 9,
        "completed": 1,
        "overdue": 4,
        "in_progress": 4,
        "due_soon": 2,
        "ongoing": 1,
    }
    expected_overdue = {
        hand_built[n] for n in ("due_yesterday", "requested", "verified_late", "reopened")
    }
    assert set(Task.objects.overdue(AS_OF).values_list("pk", flat=True)) == expected_overdue
    links = links_for_totals(query)
    assert tasks_behind(links["overdue"]) == expected_overdue
    assert tasks_behind(links["completed"]) == {hand_built["verified"]}
    assert tasks_behind(links["due_soon"]) == {hand_built["due_today"], hand_built["due_soon"]}
    assert tasks_behind(links["ongoing"]) == {hand_built["ongoing"]}
    assert len(tasks_behind(links["in_progress"])) == figures["in_progress"]


def test_unit_on_time_rate_and_days_since_last_report(hand_built):
    unit = hand_built["unit"]
    ProgressReport.objects.create(
        task_id=hand_built["requested"],
        unit=unit,
        status=TaskStatus.IN_PROGRESS,
        progress=50,
        text="进展",
    )
    ProgressReport.objects.filter(unit=unit).update(
        created_at=timezone.make_aware(datetime.combine(date(2020, 6, 21), time(9)))
    )
    query = DashboardQuery(as_of=AS_OF)
    [row] = by_unit(Task.objects.all(), query)
    assert (row["led"], row["completed"], row["overdue"]) == (9, 1, 4)
    # assessed (due before as_of, or completed by then): 1, 4, 5, 6, 7; on time: only 5
    assert (row["assessed"], row["on_time"]) == (5, 1)
    assert row["on_time_rate"] == pytest.approx(20.0)
    assert row["days_since_report"] == 10
    assert tasks_behind(row["links"]["overdue"]) == set(
        Task.objects.overdue(AS_OF).values_list("pk", flat=True)
    )


def test_task_completed_before_its_date_counts_as_on_time(office_user):
    early, idle = make_unit("提前局"), make_unit("未到期局")
    plan = make_plan()
    finished = make_task(plan=plan, number=1, due_on=date(2020, 12, 31), lead_units=[early])
    task_complete_verify(
        task=finished, user=office_user, expected_version=1, completed_on=date(2020, 6, 1)
    )
    make_task(plan=plan, number=2, due_on=date(2020, 12, 31), lead_units=[idle])
    rows = {row["unit__name"]: row for row in by_unit(Task.objects.all(), DashboardQuery(AS_OF))}
    assert (rows["提前局"]["assessed"], rows["提前局"]["on_time_rate"]) == (1, 100.0)
    # nothing due and nothing finished yet: no rate rather than 0%
    assert (rows["未到期局"]["assessed"], rows["未到期局"]["on_time_rate"]) == (0, None)
    # the same task replayed before it was verified: not assessed yet
    [before] = by_unit(Task.objects.filter(pk=finished.pk), DashboardQuery(as_of=date(2020, 5, 31)))
    assert before["on_time_rate"] is None


def test_units_furthest_behind_come_first_and_sort_is_selectable():
    behind, busy = make_unit("落后局"), make_unit("繁忙局")
    plan = make_plan()
    for number in (1, 2, 3):
        make_task(plan=plan, number=number, lead_units=[behind])
    for number in (4, 5, 6, 7):
        make_task(plan=plan, number=number, lead_units=[busy], due_on=date(2020, 12, 31))
    query = DashboardQuery(as_of=AS_OF)
    rows = by_unit(Task.objects.all(), query)
    assert [(row["unit__name"], row["overdue"]) for row in rows] == [("落后局", 3), ("繁忙局", 0)]
    assert rows[1]["on_time_rate"] is None  # nothing due yet
    by_led = by_unit(Task.objects.all(), query, sort="led")
    assert [(row["unit__name"], row["led"]) for row in by_led] == [("繁忙局", 4), ("落后局", 3)]


def test_xiangxi_tasks_due_by_june_are_overdue_on_first_of_july(imported_plans):
    plan = imported_plans[XIANGXI]
    query, tasks = dashboard_query({"as_of": "2020-07-01", "plan": str(plan.pk)})
    due_by_june = set(
        plan.tasks.filter(deadline__due_on__lte=date(2020, 6, 30)).values_list("pk", flat=True)
    )
    assert due_by_june
    figures = totals(tasks, query.as_of)
    assert figures["overdue"] == len(due_by_june)
    assert figures["total"] == plan.tasks.count()
    assert tasks_behind(links_for_totals(query)["overdue"]) == due_by_june
    [plan_row] = by_plan(tasks, query)
    assert plan_row["overdue"] == len(due_by_june)
    assert tasks_behind(plan_row["links"]["overdue"]) == due_by_june


def test_every_plan_and_month_figure_links_to_the_tasks_it_counts(imported_plans):
    query, tasks = dashboard_query({"as_of": "2021-05-01"})
    for row in by_plan(tasks, query):
        assert len(tasks_behind(row["links"]["total"])) == row["total"]
        assert len(tasks_behind(row["links"]["overdue"])) == row["overdue"]
        assert len(tasks_behind(row["links"]["in_progress"])) == row["in_progress"]
    months = by_month(tasks, query)
    assert sum(row["due"] for row in months) == tasks.filter(deadline__is_ongoing=False).count()
    for row in months:
        assert len(tasks_behind(row["links"]["due"])) == row["due"]
    for row in by_unit(tasks, query):
        assert len(tasks_behind(row["links"]["led"])) == row["led"]
        assert len(tasks_behind(row["links"]["overdue"])) == row["overdue"]


def test_issuer_filter_narrows_the_figures(imported_plans):
    plan = imported_plans[XIANGXI]
    query, tasks = dashboard_query({"as_of": "2021-05-01", "issuer": plan.issuer})
    assert (
        totals(tasks, query.as_of)["total"] == Task.objects.filter(plan__issuer=plan.issuer).count()
    )
    assert "issuer=" in links_for_totals(query)["total"]


def test_leader_sees_dashboard_with_charts_and_links(imported_plans, leader_user, client):
    client.force_login(leader_user)
    response = client.get("/dashboard/?as_of=2021-05-01")
    assert response.status_code == 200
    content = response.content.decode()
    # three charts, each drawn for a PC and for a phone (CSS shows one)
    assert content.count('<svg class="chart chart-wide"') == 3
    assert content.count('<svg class="chart chart-narrow"') == 3
    assert "/?as_of=2021-05-01&amp;plan_closed=false&amp;overdue=true" in content
    # no inline script: only the project's own lead-unit suggestions, from a static file
    assert re.findall(r"<script[^>]*>", content) == [
        '<script src="/static/dashboard/unit-filter.js" defer>'
    ]
    assert " style=" not in content
    assert " onclick=" not in content


def test_office_user_sees_dashboard(office_user, client):
    client.force_login(office_user)
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/bulletin/", "/dashboard/bulletin.xlsx"])
def test_unit_user_cannot_see_dashboard(client, url):
    client.force_login(make_user(units=[make_unit()]))
    assert client.get(url).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/dashboard/?as_of=2021-05-01")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


def test_unit_user_cannot_read_dashboard_api(client):
    client.force_login(make_user(units=[make_unit()]))
    assert client.get("/api/dashboard/").status_code == 403


def test_anonymous_cannot_read_dashboard_api(client):
    assert client.get("/api/dashboard/").status_code in (401, 403)


@pytest.mark.parametrize("as_of", ["2021-13-01", "yesterday", "2021-02-30"])
def test_bad_as_of_is_a_clear_400(leader_user, client, as_of):
    client.force_login(leader_user)
    page = client.get("/dashboard/", {"as_of": as_of})
    assert page.status_code == 400
    assert "YYYY-MM-DD" in page.content.decode()
    api = client.get("/api/dashboard/", {"as_of": as_of})
    assert api.status_code == 400
    assert "YYYY-MM-DD" in api.json()["detail"]


def test_bad_filter_is_a_400(leader_user, client):
    client.force_login(leader_user)
    assert client.get("/dashboard/", {"plan": "abc"}).status_code == 400
    assert client.get("/api/dashboard/", {"lead_unit": "x"}).status_code == 400


def test_api_returns_the_dashboard_figures(imported_plans, leader_user, client):
    client.force_login(leader_user)
    response = client.get("/api/dashboard/", {"as_of": "2020-07-01"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"as_of", "totals", "by_unit", "by_plan", "overdue"}
    assert data["as_of"] == "2020-07-01"
    overdue = Task.objects.overdue(date(2020, 7, 1))
    assert data["totals"]["overdue"] == overdue.count()
    assert {row["id"] for row in data["overdue"]} == set(overdue.values_list("pk", flat=True))
    days = [row["days_overdue"] for row in data["overdue"]]
    assert days == sorted(days, reverse=True)
    assert sum(row["total"] for row in data["by_plan"]) == data["totals"]["total"]
    assert {"unit", "led", "completed", "overdue", "on_time_rate", "days_since_report"} <= set(
        data["by_unit"][0]
    )


def test_every_number_on_the_page_opens_a_list_of_that_many_tasks(
    imported_plans, leader_user, client
):
    client.force_login(leader_user)
    content = client.get("/dashboard/", {"as_of": "2020-07-01", "units": "all"}).content.decode()
    links = re.findall(
        r'<a[^>]* href="(/\?[^"]+)"[^>]*>\s*(?:<span class="value">)?(\d+)<', content
    )
    assert len(links) > 50
    for href, shown in links:
        assert len(tasks_behind(html.unescape(href))) == int(shown), href


def test_overdue_rows_open_the_task(imported_plans, leader_user, client):
    client.force_login(leader_user)
    content = client.get("/dashboard/", {"as_of": "2020-07-01"}).content.decode()
    for task in Task.objects.overdue(AS_OF):
        assert f'href="/tasks/{task.pk}/"' in content


def test_unit_table_sorts_by_each_column(imported_plans, leader_user, client):
    client.force_login(leader_user)
    for key in ("name", "led", "completed", "overdue", "rate", "silence"):
        response = client.get("/dashboard/", {"as_of": "2020-07-01", "sort": key})
        assert response.status_code == 200
        assert f"sort={key}" in response.content.decode()
    response = client.get("/dashboard/", {"as_of": "2020-07-01", "sort": "led"})
    led = [row["led"] for row in response.context["units"]]
    assert led == sorted(led, reverse=True) and led[0] > led[-1]
    response = client.get("/dashboard/", {"as_of": "2020-07-01", "sort": "rate"})
    rates = [row["on_time_rate"] for row in response.context["units"]]
    known = [rate for rate in rates if rate is not None]
    assert known == sorted(known) and rates[: len(known)] == known  # no rate last


@pytest.mark.parametrize("width", [charts.WIDE, charts.NARROW])
def test_chart_labels_stay_inside_the_drawing(imported_plans, width):
    query, tasks = dashboard_query({"as_of": "2021-06-30"})
    months = charts.deadlines_by_month(by_month(tasks, query), query.as_of, width=width)
    labels = [column for column in months["columns"] if column["show_label"]]
    assert len(labels) * 56 <= width  # "YYYY-MM" labels do not overlap
    assert all(0 <= column["x"] <= width for column in months["columns"])
    assert months["marker"] and 0 < months["marker"]["x"] < width
    plans = charts.status_by_plan(by_plan(tasks, query), width=width)
    # "共N" at font size 12: one CJK character and N digits
    assert all(row["total_x"] + 12 + 7 * len(str(row["total"])) <= width for row in plans["rows"])
    units = charts.overdue_by_unit(by_unit(tasks, query, limit=15), width=width)
    assert units["rows"] and all(row["value_x"] + 20 <= width for row in units["rows"])


@pytest.mark.parametrize("as_of", ["2020-07-01", "2021-05-01", "2023-01-01"])
def test_one_pass_plan_and_month_figures_match_direct_counts(imported_plans, as_of):
    # by_plan and by_month are sums of one (plan, month) grouped query: they must agree
    # with the plain aggregate over all tasks and with a count of each month's tasks.
    query, tasks = dashboard_query({"as_of": as_of})
    plans = by_plan(tasks, query)
    direct = totals(tasks, query.as_of)
    assert totals_of_plans(plans) == direct
    for row in plans:
        assert row["total"] == Task.objects.filter(plan_id=row["plan_id"]).count()
    for row in by_month(tasks, query):
        month = row["month"]
        due = tasks.filter(
            deadline__is_ongoing=False,
            deadline__due_on__year=month.year,
            deadline__due_on__month=month.month,
        )
        assert row["due"] == due.count()
        assert row["completed"] == due.filter(completed_by_q(query.as_of)).count()


def test_lead_unit_filter_keeps_its_choice_and_escapes_names(leader_user, client):
    plan = make_plan()
    unit = make_unit(name="<b>市场监管局</b>")
    make_task(plan=plan, lead_units=[unit])
    client.force_login(leader_user)
    content = client.get(f"/dashboard/?lead_unit={unit.pk}").content.decode()
    assert 'name="lead_unit" value="&lt;b&gt;市场监管局&lt;/b&gt;"' in content
    assert "<b>市场监管局</b>" not in content


def test_api_rows_match_what_the_generic_drf_serializer_would_send(imported_plans, office_user):
    """The fast row serializers send exactly what DRF's field-by-field path would."""
    from rest_framework import serializers

    from dashboard.api.serializers import OverdueTaskSerializer, UnitFiguresSerializer
    from dashboard.figures import dashboard_figures

    task = imported_plans[XIANGXI].tasks.get(number=4)
    ProgressReport.objects.create(
        task=task,
        unit=task.lead_units[0],
        author=office_user,
        status=TaskStatus.IN_PROGRESS,
        progress=30,
        text="推进",
    )
    query, tasks = dashboard_query({"as_of": timezone.localdate().isoformat()})
    figures = dashboard_figures(tasks, query, overdue_limit=500)
    assert figures["overdue"] and any(row["last_report_at"] for row in figures["by_unit"])
    for serializer_class, rows in (
        (UnitFiguresSerializer, figures["by_unit"]),
        (OverdueTaskSerializer, figures["overdue"]),
    ):
        fast = serializer_class()
        generic = [serializers.Serializer.to_representation(fast, row) for row in rows]
        assert serializer_class(rows, many=True).data == generic


def test_month_chart_says_where_the_date_is_when_it_has_no_marker(
    imported_plans, leader_user, client
):
    """Viewed "today" (after the last deadline) the legend promised a 统计日期 line not drawn."""
    client.force_login(leader_user)
    later = client.get("/dashboard/", {"as_of": "2026-11-30"})
    assert later.context["month_chart"]["wide"]["marker"] is None
    assert "统计日期 2026-11-30 晚于图中所有月份" in later.content.decode()
    # 湘潭's plan is issued on 2022-04-21 (earlier dates count no plan of it at all).
    xiangtan = imported_plans[XIANGTAN].pk
    earlier = client.get("/dashboard/", {"as_of": "2022-04-22", "plan": xiangtan})
    assert "统计日期 2022-04-22 早于图中所有月份" in earlier.content.decode()
    inside = client.get("/dashboard/", {"as_of": "2021-06-30"}).content.decode()
    assert '<span class="swatch marker"></span>统计日期' in inside and "图中所有月份" not in inside


def test_sorted_column_header_tells_the_real_direction(imported_plans, leader_user, client):
    """The rate column sorts lowest first but was marked ▼ / aria-sort="descending"."""
    client.force_login(leader_user)
    for key, direction, arrow in (
        ("rate", "ascending", "▲"),
        ("name", "ascending", "▲"),
        ("overdue", "descending", "▼"),
    ):
        page = client.get("/dashboard/", {"as_of": "2021-06-30", "sort": key}).content.decode()
        header = re.search(r'<th[^>]*aria-sort="(\w+)"[^>]*>(.*?)</th>', page, re.S)
        assert header.group(1) == direction
        assert header.group(2).strip().endswith(f"{arrow}</a>")


def test_replay_leaves_out_plans_not_yet_issued_and_counts_later_completions_as_open(
    imported_plans, office_user
):
    """On 2021-06-30 the 2022 湘潭 plan did not exist; a task done in 2021-07 was still open."""
    xiangtan = imported_plans[XIANGTAN]
    hunan_task = imported_plans["2021-hunan-task-division-plan.txt"].tasks.order_by("number")[0]
    task_complete_verify(
        task=hunan_task,
        user=office_user,
        expected_version=hunan_task.version,
        completed_on=date(2021, 7, 15),
    )
    query, tasks = dashboard_query({"as_of": "2021-06-30"})
    figures = totals(tasks, query.as_of)
    existing = Task.objects.exclude(plan=xiangtan)
    assert figures["total"] == existing.count()
    assert not tasks.filter(plan=xiangtan).exists()
    assert xiangtan.pk not in {row["plan_id"] for row in by_plan(tasks, query)}
    assert hunan_task.pk not in tasks_behind(links_for_totals(query)["completed"])
    assert hunan_task.pk in tasks_behind(links_for_totals(query)["total"])
    assert len(tasks_behind(links_for_totals(query)["in_progress"])) == figures["in_progress"]
    assert xiangtan.tasks.count() == 10
    assert not set(xiangtan.tasks.values_list("pk", flat=True)) & tasks_behind(
        links_for_totals(query)["in_progress"]
    )


# What the template dashboard/charts/plans.svg.html drew for this chart, before the chart
# was written in Python (status_by_plan_svg): the same bytes, escaping included.
PLAN_CHART_FROM_THE_TEMPLATE = '<svg class="chart chart-narrow" viewBox="0 0 360 132" role="img" aria-label="各方案任务状态堆积条形图">\n  \n    <rect x="4" y="6" width="12" height="12" fill="#1e8449"/>\n    <text x="21" y="17" font-size="13" fill="#1f2933">已销号</text>\n  \n    <rect x="73" y="6" width="12" height="12" fill="#5d7fa3"/>\n    <text x="90" y="17" font-size="13" fill="#1f2933">推进中(未逾期)</text>\n  \n    <rect x="207" y="6" width="12" height="12" fill="#c0392b"/>\n    <text x="224" y="17" font-size="13" fill="#1f2933">已逾期</text>\n  \n  \n    <a href="/?plan=1&amp;total=true"><text x="4" y="48" font-size="13" fill="#1f2933"><title>方案&lt;b&gt;&quot;甲&quot;&amp;乙&#x27;</title>方案&lt;b&gt;&quot;甲&quot;&amp;乙&#x27;</text></a>\n    \n      <a href="/?plan=1&amp;completed=true">\n        <rect x="4" y="54" width="7.4" height="22" fill="#1e8449"><title>3</title></rect>\n        \n      </a>\n    \n      <a href="/?plan=1&amp;overdue=true">\n        <rect x="11.4" y="54" width="2.5" height="22" fill="#c0392b"><title>1</title></rect>\n        \n      </a>\n    \n    <a href="/?plan=1&amp;total=true"><text x="18.8" y="69" font-size="12" fill="#1f2933">共4</text></a>\n  \n    <a href="/?plan=2&amp;total=true"><text x="4" y="94" font-size="13" fill="#1f2933"><title>关于深化改革优化营商环境的实施方案</title>关于深化改革优化营商环境的实施方案</text></a>\n    \n      <a href="/?plan=2&amp;in_progress=true">\n        <rect x="4.0" y="100" width="294.8" height="22" fill="#5d7fa3"><title>120</title></rect>\n        <text x="151.4" y="115" font-size="12" fill="#fff" text-anchor="middle">120</text>\n      </a>\n    \n      <a href="/?plan=2&amp;overdue=true">\n        <rect x="298.8" y="100" width="17.2" height="22" fill="#c0392b"><title>7</title></rect>\n        <text x="307.4" y="115" font-size="12" fill="#fff" text-anchor="middle">7</text>\n      </a>\n    \n    <a href="/?plan=2&amp;total=true"><text x="321.0" y="115" font-size="12" fill="#1f2933">共127</text></a>\n  \n</svg>\n'


def test_plan_chart_markup_is_what_the_template_drew():
    def links(plan):
        keys = ("completed", "in_progress", "overdue", "total")
        return {key: f"/?plan={plan}&{key}=true" for key in keys}

    plans = [
        {"completed": 3, "in_progress": 0, "overdue": 1, "total": 4},
        {"completed": 0, "in_progress": 120, "overdue": 7, "total": 127},
    ]
    plans[0].update(plan__title='方案<b>"甲"&乙\'', links=links(1))
    plans[1].update(plan__title="关于深化改革优化营商环境的实施方案", links=links(2))
    chart = charts.status_by_plan(plans, width=charts.NARROW)
    assert charts.status_by_plan_svg(chart, "chart-narrow") == PLAN_CHART_FROM_THE_TEMPLATE


def test_a_province_of_plans_charts_the_most_overdue_and_pages_the_table(leader_user, client):
    """55 plans: the chart draws the 15 with the most overdue tasks, the table the first 50
    until 显示全部 asks for every plan."""
    for index in range(55):
        plan = make_plan(title=f"批量方案{index:02d}")
        for _ in range(2 if index >= 40 else 1):
            make_task(plan=plan, due_on=date(2020, 6, 30))
    client.force_login(leader_user)
    content = client.get("/dashboard/", {"as_of": "2020-07-01"}).content.decode()
    chart = content.split('<section class="dash-chart">')[1].split("</section>")[0]
    assert "逾期最多的前15个方案" in chart and "共 55 个方案" in chart
    charted = set(re.findall(r"<title>(批量方案\d\d)</title>", chart))
    assert charted == {f"批量方案{index:02d}" for index in range(40, 55)}
    table = content.split('class="dash-table compact plan-table"')[1].split("</table>")[1]
    rows = re.findall(r'<td class="unit">(批量方案\d\d)</td>', content)
    assert rows == [f"批量方案{index:02d}" for index in range(50)]
    assert "仅显示前 50 个方案,共 55 个" in table and "plans=all" in table
    every = client.get("/dashboard/", {"as_of": "2020-07-01", "plans": "all"}).content.decode()
    assert len(re.findall(r'<td class="unit">批量方案\d\d</td>', every)) == 55
    assert "仅显示前" not in every.split("plan-table")[1]
