"""The dashboard's lead-unit filter: a typed name or number, suggestions per government."""

import re

import pytest

from regions.models import Region
from tasks.models import Task
from units.models import UnitAlias
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import governed, hand_down, make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

AS_OF = "2021-05-01"


@pytest.fixture
def bureaus():
    """市行政审批局 in 湘潭市 and in 襄阳市 (same name, two units), each leading tasks,
    and a 湘潭 unit that leads nothing."""
    xiangtan, xiangyang = Region.objects.get(code="430300"), Region.objects.get(code="420600")
    units = {
        "xiangtan": make_unit("市行政审批局", region=xiangtan),
        "xiangyang": make_unit("市行政审批局", region=xiangyang),
        "xiangtan_other": make_unit("市统计局", region=xiangtan),
        "idle": make_unit("市行政审批服务中心", region=xiangtan),
    }
    for key, region, count in (("xiangtan", xiangtan, 3), ("xiangyang", xiangyang, 2)):
        plan = make_plan(region=region)
        for _ in range(count):
            make_task(plan=plan, lead_units=[units[key]])
        make_task(plan=plan, lead_units=[units["xiangtan_other"]])
    return units


def dashboard(client, **params):
    return client.get("/dashboard/", {"as_of": AS_OF, **params})


def test_typed_full_name_filters_as_the_unit_id(bureaus, leader_user, client):
    client.force_login(leader_user)
    unit = bureaus["xiangtan"]
    by_name = dashboard(client, lead_unit=unit.full_name)
    by_id = dashboard(client, lead_unit=unit.pk)
    assert by_name.status_code == by_id.status_code == 200
    assert by_name.context["figures"]["totals"]["total"] == 3
    assert by_name.context["figures"]["totals"] == by_id.context["figures"]["totals"]
    # the field shows the unit's full name either way; the links carry its id
    for response in (by_name, by_id):
        content = response.content.decode()
        assert f'name="lead_unit" value="{unit.full_name}"' in content
        assert f"lead_unit={unit.pk}" in content


def test_a_unique_bare_name_or_an_alias_filters(bureaus, leader_user, client):
    client.force_login(leader_user)
    UnitAlias.objects.create(unit=bureaus["xiangyang"], name="襄阳审批局")
    response = dashboard(client, lead_unit=" 襄阳审批局 ")
    assert response.status_code == 200
    assert response.context["query"].filters["lead_unit"] == str(bureaus["xiangyang"].pk)
    assert response.context["figures"]["totals"]["total"] == 2
    assert dashboard(client, lead_unit="市统计局").context["figures"]["totals"]["total"] == 2


def test_a_blank_field_is_no_filter(bureaus, leader_user, client):
    client.force_login(leader_user)
    response = dashboard(client, lead_unit="  ")
    assert response.status_code == 200
    assert response.context["figures"]["totals"]["total"] == Task.objects.count()


def test_an_unknown_name_is_a_clear_400(bureaus, leader_user, client):
    client.force_login(leader_user)
    response = dashboard(client, lead_unit="不存在局")
    assert response.status_code == 400
    assert "牵头单位:找不到“不存在局”" in response.content.decode()


def test_a_name_of_several_units_asks_for_the_full_name(bureaus, leader_user, client):
    client.force_login(leader_user)
    response = dashboard(client, lead_unit="市行政审批局")
    assert response.status_code == 400
    content = response.content.decode()
    assert "有多个同名单位" in content
    assert bureaus["xiangtan"].full_name in content and bureaus["xiangyang"].full_name in content


def test_an_unknown_or_huge_number_is_a_400(bureaus, leader_user, client):
    client.force_login(leader_user)
    assert "没有编号为 999999 的单位" in dashboard(client, lead_unit="999999").content.decode()
    assert dashboard(client, lead_unit="9" * 30).status_code == 400


def test_an_office_finds_only_its_governments_units_by_name(bureaus, client):
    client.force_login(governed("430300"))  # 湘潭市
    assert dashboard(client, lead_unit="市行政审批局").status_code == 200  # one of its own
    other = dashboard(client, lead_unit=bureaus["xiangyang"].full_name)
    assert other.status_code == 400 and "找不到" in other.content.decode()
    # an id from a link still filters, but another government's unit shows no name
    by_id = dashboard(client, lead_unit=bureaus["xiangyang"].pk)
    assert by_id.status_code == 200
    assert f'name="lead_unit" value="{bureaus["xiangyang"].pk}"' in by_id.content.decode()


def test_a_city_office_names_the_province_bureaus_of_tasks_handed_down_to_it(bureaus, client):
    """The 湘潭 红黑榜 counts 湖南's 省政务局 for the task handed down to 湘潭's bureau:
    the office may type its name and is offered it; a province bureau whose tasks never
    reached 湘潭 stays unknown to it."""
    hunan = Region.objects.get(code="430000")
    provincial, elsewhere = (
        make_unit("省政务局", region=hunan),
        make_unit("省发展改革委", region=hunan),
    )
    province_plan = make_plan(region=hunan)
    handed = make_task(plan=province_plan, lead_units=[provincial])
    hand_down(handed, bureaus["xiangtan"])
    make_task(plan=province_plan, lead_units=[provincial])
    make_task(plan=province_plan, lead_units=[elsewhere])
    client.force_login(governed("430300"))
    response = dashboard(client, lead_unit="省政务局")
    assert response.status_code == 200
    assert response.context["figures"]["totals"]["total"] == 1  # only the handed-down task
    assert f'name="lead_unit" value="{provincial.full_name}"' in response.content.decode()
    assert suggestions(client, "省") == [provincial.full_name]
    unknown = dashboard(client, lead_unit=elsewhere.full_name)
    assert unknown.status_code == 400 and "找不到" in unknown.content.decode()
    # 襄阳's bureau is still unknown: none of its tasks is 湘潭's
    assert dashboard(client, lead_unit=bureaus["xiangyang"].full_name).status_code == 400


def test_the_page_lists_no_units(bureaus, leader_user, client):
    client.force_login(leader_user)
    content = dashboard(client).content.decode()
    assert '<datalist id="lead-unit-suggestions"></datalist>' in content
    assert "市行政审批服务中心" not in content  # the idle unit: nowhere on the page
    options = re.findall(r"<option[^>]*>([^<]*)</option>", content)
    assert not {unit.full_name for unit in bureaus.values()} & set(options)


def suggestions(client, text):
    response = client.get("/dashboard/units/", {"q": text})
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def test_suggestions_are_the_viewers_units_that_lead_tasks(bureaus, client):
    client.force_login(make_user(group=LEADER_GROUP))
    xiangtan, xiangyang = bureaus["xiangtan"].full_name, bureaus["xiangyang"].full_name
    assert sorted(suggestions(client, "行政审批")) == sorted([xiangtan, xiangyang])
    assert suggestions(client, "") == []
    client.force_login(governed("430300"))
    assert suggestions(client, "行政审批") == [xiangtan]  # not 襄阳's, not the idle unit
    client.force_login(governed("430300", group=LEADER_GROUP))
    assert sorted(suggestions(client, "局")) == sorted(
        [xiangtan, bureaus["xiangtan_other"].full_name]
    )


def test_suggestions_put_names_that_start_with_the_text_first(leader_user, client):
    plan = make_plan()
    for name in ("省统计局", "统计局", "统计调查队"):
        make_task(plan=plan, lead_units=[make_unit(name)])
    client.force_login(leader_user)
    assert suggestions(client, "统计") == ["统计局", "统计调查队", "省统计局"]
    assert suggestions(client, "统计\x00局") == ["统计局", "省统计局"]


def test_suggestions_are_for_leaders_and_offices_only(bureaus, client):
    assert client.get("/dashboard/units/", {"q": "局"}).status_code == 302  # to the login
    client.force_login(make_user(units=[bureaus["xiangtan"]]))
    assert client.get("/dashboard/units/", {"q": "局"}).status_code == 403
    client.force_login(make_user(group=OFFICE_GROUP))
    assert client.get("/dashboard/units/", {"q": "局"}).status_code == 200


def test_the_api_still_takes_an_id(bureaus, leader_user, client):
    client.force_login(leader_user)
    unit = bureaus["xiangtan"]
    response = client.get("/api/dashboard/", {"as_of": AS_OF, "lead_unit": unit.pk})
    assert response.status_code == 200 and response.json()["totals"]["total"] == 3
    assert client.get("/api/dashboard/", {"lead_unit": unit.full_name}).status_code == 400
    tasks = client.get("/api/tasks/", {"lead_unit": unit.pk}).json()
    assert tasks["count"] == 3


def test_a_typed_name_costs_a_fixed_number_of_queries(
    bureaus, leader_user, client, django_assert_max_num_queries
):
    client.force_login(leader_user)
    # the dashboard's budget (test_dashboard_queries) plus the unit's lookup: its region
    # by name, then the unit by name or alias
    with django_assert_max_num_queries(23):
        assert dashboard(client, lead_unit=bureaus["xiangtan"].full_name).status_code == 200
