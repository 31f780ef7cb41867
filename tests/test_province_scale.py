"""One province at scale (issue 12 "Scale"): the synthetic province of `make bench` and the
region-scoped pages it measures, which must cost the same number of queries at any size.

`bench.generate.generate_province` builds 湖南省 with its 14 市州 and 122 县市区, plans per
government and tasks handed down (交办) to member governments; the offices of 湖南省, 湘潭市
and 冷水滩区 then open their dashboards, the drill-down and the task lists.
"""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import generate_province
from dashboard.figures import DashboardQuery
from regions.choices import RegionLevel
from regions.models import Region
from tasks.models import Plan, Task, TaskUnit
from units.models import Unit

from .conftest import governed

AS_OF = "2021-05-01"
# (office's government, URL, most queries): the cases of bench/run.py's PROVINCE_CASES.
# Every count includes the session, the user and the bell (unread messages); the HTML
# dashboards also read the red notices unanswered (2 queries, outside the figures cache).
CASES = (
    ("430000", "/dashboard/?as_of={as_of}", 23),
    ("430000", "/api/dashboard/?as_of={as_of}", 17),
    ("430000", "/dashboard/?as_of={as_of}&region={city}", 25),
    ("430300", "/dashboard/?as_of={as_of}", 23),
    ("431103", "/dashboard/?as_of={as_of}", 21),
    ("430300", "/?as_of={as_of}&overdue=true", 13),
    ("430300", "/api/tasks/?as_of={as_of}&overdue=true", 8),
)


@pytest.fixture
def no_figure_cache(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0


def test_the_province_has_its_cities_counties_plans_and_handed_down_tasks(db):
    sizes = generate_province(tasks=600, units=700, reports_per_task=2)

    hunan = Region.objects.get(code="430000")
    assert Region.objects.filter(parent=hunan, level=RegionLevel.CITY).count() == 14
    assert Region.objects.filter(parent__parent=hunan, level=RegionLevel.COUNTY).count() == 122
    assert sizes["regions"] == 137
    assert Task.objects.count() == 600
    assert (
        Unit.objects.filter(region__in=Region.objects.filter(code__startswith="43")).count() >= 700
    )
    # The province issues 10% of the tasks, each city 180 / 14 (12 or 13), the counties the rest.
    assert Task.objects.filter(plan__region=hunan).count() == 60
    xiangtan = Region.objects.get(code="430300")
    assert Task.objects.filter(plan__region=xiangtan).count() == 13
    assert Plan.objects.filter(region__parent__parent=hunan).count() == 122
    # 各市州人民政府 on a province task is handed down to the 14 cities' governments.
    label = TaskUnit.objects.filter(
        task__plan__region=hunan, unit__name="各市州人民政府", is_fanned_out=True
    ).first()
    members = TaskUnit.objects.filter(collective_link=label).select_related("unit__region")
    assert sorted(link.unit.region.code for link in members) == sorted(
        Region.objects.filter(parent=hunan).values_list("code", flat=True)
    )
    assert {link.unit.name[-4:] for link in members} == {"人民政府"}
    # 各县市区人民政府 on a city task: that city's counties.
    city_label = TaskUnit.objects.filter(
        task__plan__region=xiangtan, unit__name="各县市区人民政府", is_fanned_out=True
    ).first()
    county_codes = {
        link.unit.region.parent.code
        for link in TaskUnit.objects.filter(collective_link=city_label).select_related(
            "unit__region__parent"
        )
    }
    assert county_codes == {"430300"}
    assert sizes["reports"] == 1200


def query_counts(client_for) -> list[int]:
    city = Region.objects.get(code="430300").pk
    counts = []
    for code, template, _ in CASES:
        url = template.format(as_of=AS_OF, city=city)
        with CaptureQueriesContext(connection) as captured:
            response = client_for[code].get(url)
        assert response.status_code == 200, url
        counts.append(len(captured.captured_queries))
    return counts


def test_region_scoped_pages_cost_the_same_queries_at_any_size(
    db, no_figure_cache, django_assert_max_num_queries
):
    generate_province(tasks=600, units=400, reports_per_task=1)
    client_for = {}
    for code in {code for code, _, _ in CASES}:
        client_for[code] = Client()
        client_for[code].force_login(governed(code))
    small = query_counts(client_for)

    generate_province(tasks=1200, units=400, reports_per_task=3, seed=6)
    assert Task.objects.count() == 1800
    large = query_counts(client_for)

    assert large == small
    city = Region.objects.get(code="430300").pk
    for code, template, most in CASES:
        with django_assert_max_num_queries(most):
            client_for[code].get(template.format(as_of=AS_OF, city=city))


def test_unit_links_from_the_shared_prefix_are_the_links_built_one_by_one():
    query = DashboardQuery(
        as_of=date(2021, 5, 1), filters={"plan": 3, "region": 7, "plan_closed": "false"}
    )
    prefix = query.link_prefix("lead_unit")
    assert f"{prefix}42" == query.link(lead_unit=42)
    assert f"{prefix}42&completed=true" == query.link(lead_unit=42, completed=True)
    assert f"{prefix}42&overdue=true" == query.link(lead_unit=42, overdue=True)
    assert prefix == "/?as_of=2021-05-01&plan=3&region=7&plan_closed=false&lead_unit="
    assert query.link_prefix("plan") is None  # a dashboard filter: links override it
