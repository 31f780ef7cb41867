"""Dashboard drill-down by government (issue 12, point 8): province → city → county.

The 下级政府 table lists the governments directly below the dashboard's region with their
tasks, completed, overdue and on-time rate; every number links to the task list it
counts (the `region` filter of TaskFilterSet), the name to that government's dashboard.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from regions.models import Region
from tasks.models import Task
from units.models import Unit

from .conftest import HUNAN, governed, hand_down

AS_OF = "2022-12-31"


def region_id(code):
    return Region.objects.get(code=code).pk


def rows_by_code(figures):
    return {row["code"]: row for row in figures["by_region"]}


def list_count(client, link) -> int:
    """How many tasks the portal list behind a dashboard number shows."""
    response = client.get(link)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_system_office_dashboard_starts_at_the_provinces(client, plans, office_user):
    client.force_login(office_user)
    figures = client.get(f"/api/dashboard/?as_of={AS_OF}").json()
    assert figures["region"] is None
    rows = rows_by_code(figures)
    assert rows["430000"]["total"] == 132  # 湖南: its plan, 湘潭, 湘西 and 冷水滩
    assert rows["420000"]["total"] == 31  # 湖北: 襄阳
    assert rows["430000"]["name"] == "湖南省"


def test_province_drills_down_to_its_cities_with_handed_down_tasks(client, plans, office_user):
    hunan_task = plans[HUNAN].tasks.get(number=5)
    hand_down(hunan_task, Unit.objects.get(name="市行政审批局", region__code="430300"))
    client.force_login(office_user)
    figures = client.get(f"/api/dashboard/?as_of={AS_OF}&region={region_id('430000')}").json()
    assert figures["region"]["code"] == "430000"
    rows = rows_by_code(figures)
    assert len(rows) == 14  # the 14 市州
    assert rows["430300"]["total"] == 11  # 湘潭: its 10 tasks and the province's 5th
    assert rows["433100"]["total"] == 40  # 湘西州
    assert rows["431100"]["total"] == 19  # 永州市, through 冷水滩区
    # 长沙市 loaded no plan, but the province's plan names its bodies (人民银行长沙中心支行 on
    # 8 tasks, 长沙海关 on 6, 长沙市人民政府 and the 长沙 片区 on one each: 13 tasks in all).
    assert rows["430100"]["total"] == 13
    assert rows["430600"]["total"] == 1  # 岳阳市: 岳阳市人民政府 and its 片区, one task
    assert rows["430200"]["total"] == 0  # 株洲市: no plan loaded, named nowhere
    # The province's own 63 tasks belong to no city, except the one handed down.
    assert figures["totals"]["total"] == 132


def test_city_drills_down_to_its_counties(client, plans, office_user):
    client.force_login(office_user)
    figures = client.get(f"/api/dashboard/?as_of={AS_OF}&region={region_id('431100')}").json()
    rows = rows_by_code(figures)
    assert rows["431103"]["total"] == 19  # 冷水滩区
    assert sum(row["total"] for row in rows.values()) == 19
    county = client.get(f"/api/dashboard/?as_of={AS_OF}&region={region_id('431103')}").json()
    assert county["by_region"] == []  # a county has nothing below it
    assert county["totals"]["total"] == 19


def test_every_number_of_the_table_links_to_the_list_it_counts(client, plans, office_user):
    hand_down(plans[HUNAN].tasks.get(number=5), Unit.objects.filter(region__code="430300")[0])
    Task.objects.filter(plan=plans[HUNAN], number__lte=3).update(
        status="completed", completed_on="2021-03-01"
    )
    client.force_login(office_user)
    figures = client.get(f"/api/dashboard/?as_of={AS_OF}&region={region_id('430000')}").json()
    checked = 0
    for row in figures["by_region"]:
        for key in ("total", "completed", "overdue"):
            assert list_count(client, row["links"][key]) == row[key], (row["name"], key)
            checked += row[key] > 0
    assert checked >= 5
    xiangtan = rows_by_code(figures)["430300"]
    assert xiangtan["overdue"] > 0
    assert parse_qs(urlsplit(xiangtan["links"]["total"]).query)["region"] == [
        str(xiangtan["region_id"])
    ]


def test_on_time_rate_per_government(client, plans, office_user):
    xiangtan = plans["2022-xiangtan-ten-key-tasks.txt"]
    due = {task.pk: task.deadline.due_on for task in xiangtan.tasks.select_related("deadline")}
    first, second = sorted(pk for pk, day in due.items() if day)[:2]
    Task.objects.filter(pk=first).update(status="completed", completed_on=due[first])
    Task.objects.filter(pk=second).update(status="completed", completed_on="2023-06-30")
    client.force_login(office_user)
    figures = client.get(f"/api/dashboard/?as_of=2024-01-01&region={region_id('430000')}").json()
    row = rows_by_code(figures)["430300"]
    dated = sum(1 for day in due.values() if day)
    assert dated > 2
    assert row["completed"] == 2
    assert row["assessed"] == dated  # every dated task is due by then
    assert row["on_time"] == 1
    assert row["on_time_rate"] == pytest.approx(100.0 / dated)


def test_governed_office_dashboard_starts_at_its_government(client, plans):
    office = governed("430000")
    client.force_login(office)
    page = client.get(f"/dashboard/?as_of={AS_OF}")
    assert page.status_code == 200
    rows = {row["code"]: row for row in page.context["figures"]["by_region"]}
    assert len(rows) == 14 and rows["433100"]["total"] == 40
    html = page.content.decode()
    assert "下级政府" in html and "湘西州" in html
    assert f"region={region_id('433100')}" in html


def test_another_regions_office_drilling_into_hunan_sees_no_task(client, plans):
    client.force_login(governed("420600"))
    figures = client.get(f"/api/dashboard/?as_of={AS_OF}&region={region_id('430000')}").json()
    assert figures["totals"]["total"] == 0
    assert all(row["total"] == 0 for row in figures["by_region"])


def test_region_filter_in_the_task_api(client, plans, office_user):
    client.force_login(office_user)
    response = client.get(f"/api/tasks/?region={region_id('433100')}")
    assert response.json()["count"] == 40
    assert client.get("/api/tasks/?region=999999").json()["count"] == 0
    assert client.get("/api/tasks/?region=abc").status_code == 400


@pytest.mark.parametrize("code", ["430000", "431100"])
def test_drill_down_query_count_is_constant(
    client, plans, office_user, code, django_assert_max_num_queries
):
    client.force_login(office_user)
    url = f"/dashboard/?as_of={AS_OF}&region={region_id(code)}"
    assert client.get(url).status_code == 200
    for number in range(1, 11):  # ten more handed-down tasks, spread over cities
        unit = Unit.objects.filter(region__parent__code="430000").order_by("pk")[number % 3]
        hand_down(plans[HUNAN].tasks.get(number=number + 10), unit)
    # as the dashboard's budget (tests/test_dashboard_queries.py, 22), plus the region's
    # subtree for the filter and the region with its parents for the breadcrumb (the red
    # notices unanswered, two queries, are in that budget)
    with django_assert_max_num_queries(24):
        assert client.get(url).status_code == 200


def test_drill_down_page_keeps_the_region_and_leads_back_up(client, plans, office_user):
    client.force_login(office_user)
    xiangxi = region_id("433100")
    page = client.get(f"/dashboard/?as_of={AS_OF}&region={xiangxi}")
    html = page.content.decode()
    assert f'<input type="hidden" name="region" value="{xiangxi}">' in html
    trail = [name for name, _link in page.context["region_trail"]]
    assert trail == ["湖南省", "湘西州"]
    assert f"region={region_id('430000')}" in page.context["region_trail"][0][1]
    counties = {row["name"] for row in page.context["figures"]["by_region"]}
    assert "吉首市" in counties
    assert page.context["figures"]["totals"]["total"] == 40


def test_portal_list_behind_a_drill_down_number_keeps_the_region(client, plans, office_user):
    client.force_login(office_user)
    xiangxi = region_id("433100")
    page = client.get(f"/?region={xiangxi}")
    assert page.context["page"].paginator.count == 40
    assert f'<input type="hidden" name="region" value="{xiangxi}">' in page.content.decode()
