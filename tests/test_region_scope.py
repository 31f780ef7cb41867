"""Region-scoped roles (issue 12, point 7): an office user or leader works for one government.

On the five plans with their governments: 湖南省 (province), 湘潭市 and 湘西州 (its cities),
冷水滩区 (a district of 永州市, so in 湖南), and 襄阳市 (in 湖北). A province's office sees its
whole province, a city's its own plans, its counties' and the tasks handed down to its units;
another region's office sees none of them. Without a government nothing changes.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.models import Region
from supervision.choices import PeriodKind
from supervision.models import AssessmentPeriod, EscalationNotice
from supervision.selectors import unacknowledged_overdue
from supervision.services import notices_propose, plan_publish
from tasks.models import Plan, Task
from units.models import Unit
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import (
    HUNAN,
    LENGSHUITAN,
    XIANGTAN,
    XIANGXI,
    XIANGYANG,
    governed,
    hand_down,
    make_plan,
    make_task,
    make_user,
)

TASKS = {XIANGXI: 40, XIANGYANG: 31, HUNAN: 63, LENGSHUITAN: 19, XIANGTAN: 10}


def region(code):
    return Region.objects.get(code=code)


def plan_counts(tasks):
    return {
        source: tasks.filter(plan__source_file=source).count()
        for source in TASKS
        if tasks.filter(plan__source_file=source).exists()
    }


def test_office_without_a_government_still_sees_every_task(plans, office_user):
    assert Task.objects.visible_to(office_user).count() == sum(TASKS.values()) == 163


def test_province_office_sees_every_plan_of_its_province_and_none_of_another(plans):
    office = governed("430000")
    visible = Task.objects.visible_to(office)
    assert plan_counts(visible) == {XIANGXI: 40, HUNAN: 63, LENGSHUITAN: 19, XIANGTAN: 10}
    assert visible.count() == 132


def test_city_office_sees_its_plans_and_the_upstream_tasks_handed_down_to_it(plans):
    office = governed("430300")  # 湘潭市
    assert plan_counts(Task.objects.visible_to(office)) == {XIANGTAN: 10}
    hunan_task = plans[HUNAN].tasks.get(number=5)
    xiangtan_bureau = Unit.objects.get(name="市行政审批局", region=region("430300"))
    hand_down(hunan_task, xiangtan_bureau)
    visible = Task.objects.visible_to(office)
    assert plan_counts(visible) == {XIANGTAN: 10, HUNAN: 1}
    assert visible.filter(plan__source_file=HUNAN).get() == hunan_task


def test_county_office_sees_a_province_task_handed_down_past_its_city(plans):
    # The province is the county's grandparent: handed-down tasks come from every
    # government above, not only the parent.
    office = governed("431103")  # 冷水滩区, under 永州市 under 湖南省
    county_unit = Unit.objects.filter(region=region("431103")).order_by("pk").first()
    hunan_task = plans[HUNAN].tasks.get(number=7)
    hand_down(hunan_task, county_unit)
    visible = Task.objects.visible_to(office)
    assert plan_counts(visible) == {LENGSHUITAN: 19, HUNAN: 1}
    assert visible.filter(plan__source_file=HUNAN).get() == hunan_task


def test_task_of_a_plan_without_a_government_handed_to_a_citys_unit_is_visible(plans):
    # A plan whose government could not be read belongs to no subtree: its tasks stay
    # visible to the governments of the units they name.
    orphan = make_task(plan=make_plan(region=None))
    xiangtan_bureau = Unit.objects.get(name="市行政审批局", region=region("430300"))
    hand_down(orphan, xiangtan_bureau)
    assert orphan in Task.objects.visible_to(governed("430300"))
    assert orphan in Task.objects.visible_to(governed("430000"))
    assert orphan not in Task.objects.visible_to(governed("433100"))


def test_city_office_sees_its_counties_plans(plans):
    assert plan_counts(Task.objects.visible_to(governed("431100"))) == {LENGSHUITAN: 19}  # 永州


def test_county_office_sees_its_county_only(plans):
    assert plan_counts(Task.objects.visible_to(governed("431103"))) == {LENGSHUITAN: 19}
    assert plan_counts(Task.objects.visible_to(governed("433100"))) == {XIANGXI: 40}


def test_governed_leader_reads_only_their_government(plans):
    leader = governed("420600", group=LEADER_GROUP)  # 襄阳市
    assert plan_counts(Task.objects.visible_to(leader)) == {XIANGYANG: 31}


def test_unit_user_is_unchanged_by_regions(plans):
    unit = Unit.objects.get(name="州市场监督管理局", region=region("433100"))
    user = make_user(units=[unit])
    expected = Task.objects.filter(task_units__unit=unit).distinct().count()
    assert Task.objects.visible_to(user).count() == expected > 0


def test_plans_and_units_the_office_manages_are_its_governments(plans):
    office = governed("430300")
    assert list(Plan.objects.managed_by(office)) == [plans[XIANGTAN]]
    units = Unit.objects.managed_by(office)
    assert units.exists()
    assert set(units.values_list("region__code", flat=True)) == {"430300"}


def test_second_region_office_sees_nothing_of_the_first_in_pages_and_api(client, plans):
    office = governed("420600")  # 襄阳市
    client.force_login(office)
    hunan_task = plans[HUNAN].tasks.get(number=1)
    assert client.get(f"/tasks/{hunan_task.pk}/").status_code == 404
    assert client.get(f"/tasks/{plans[XIANGYANG].tasks.get(number=1).pk}/").status_code == 200
    assert client.get(f"/api/tasks/{hunan_task.pk}/").status_code == 404
    assert client.get(f"/api/plans/{plans[HUNAN].pk}/").status_code == 404
    listed = client.get("/api/tasks/?page_size=200").json()
    assert listed["count"] == 31
    plan_ids = {row["id"] for row in client.get("/api/plans/").json()["results"]}
    assert plan_ids == {plans[XIANGYANG].pk}
    unit_regions = {
        Unit.objects.get(pk=row["id"]).region_id
        for row in client.get("/api/units/?page_size=500").json()["results"]
    }
    assert unit_regions == {region("420600").pk}
    dashboard = client.get("/api/dashboard/").json()
    assert dashboard["totals"]["total"] == 31
    page = client.get("/dashboard/").content.decode()
    assert plans[HUNAN].title not in page and plans[XIANGYANG].title in page
    ledger = client.get(reverse("tasks:plan-ledger", args=[plans[HUNAN].pk]))
    assert ledger.status_code == 404


def test_city_office_admin_lists_and_opens_only_its_governments(client, plans):
    office = governed("430300")
    client.force_login(office)
    changelist = client.get("/admin/tasks/task/")
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 10
    assert client.get("/admin/tasks/plan/").context["cl"].result_count == 1
    units = client.get("/admin/units/unit/").context["cl"].result_count
    assert units == Unit.objects.filter(region__code="430300").count()
    xiangyang_task = plans[XIANGYANG].tasks.get(number=1)
    opened = client.get(f"/admin/tasks/task/{xiangyang_task.pk}/change/")
    assert opened.status_code == 302 and opened["Location"] == "/admin/"
    own_task = plans[XIANGTAN].tasks.get(number=1)
    assert client.get(f"/admin/tasks/task/{own_task.pk}/change/").status_code == 200


def test_city_office_cannot_edit_an_upstream_plan_through_the_api(client, plans):
    office = governed("430300")
    hunan_task = plans[HUNAN].tasks.get(number=5)
    hand_down(hunan_task, Unit.objects.get(name="市行政审批局", region=region("430300")))
    client.force_login(office)
    assert client.get(f"/api/plans/{plans[HUNAN].pk}/").status_code == 200  # it works on it
    response = client.patch(
        f"/api/plans/{plans[HUNAN].pk}/", {"title": "改名"}, content_type="application/json"
    )
    assert response.status_code == 404
    plans[HUNAN].refresh_from_db()
    assert plans[HUNAN].title != "改名"


def test_admin_task_filters_offer_no_other_regions_plans_or_units(client, plans):
    client.force_login(governed("430300"))  # 湘潭市
    page = client.get("/admin/tasks/task/").content.decode()
    assert plans[XIANGTAN].title in page
    for other in (HUNAN, XIANGYANG, XIANGXI):
        assert plans[other].title not in page
    xiangxi_unit = Unit.objects.get(name="州市场监督管理局", region=region("433100"))
    page = client.get(f"/admin/tasks/task/?lead_unit={xiangxi_unit.pk}").content.decode()
    assert "州市场监督管理局" not in page
    sections = client.get(f"/admin/tasks/task/?plan={plans[HUNAN].pk}").content.decode()
    hunan_heading = plans[HUNAN].sections.first().title
    assert hunan_heading not in sections


def test_reminders_for_one_government_reach_only_its_units(plans, mailoutbox):
    xiangxi = Unit.objects.get(name="州市场监督管理局", region=region("433100"))
    xiangyang = Unit.objects.filter(region=region("420600")).first()
    for unit, email in ((xiangxi, "xx@example.org"), (xiangyang, "xy@example.org")):
        user = make_user(units=[unit])
        user.email = email
        user.save()
    call_command("send_reminders", "--date", "2021-12-31", "--region", "湖南省", stdout=StringIO())
    assert [message.to for message in mailoutbox] == [["xx@example.org"]]


def test_reminders_refuse_an_unknown_region(db):
    with pytest.raises(CommandError, match="未知的行政区划:“火星”"):
        call_command("send_reminders", "--region", "火星", stdout=StringIO())


def test_proposed_notices_for_one_government_are_its_tasks_only(plans):
    args = ("--as-of", "2021-12-31", "--region", "420600")
    call_command("propose_notices", *args, stdout=StringIO())
    proposed = EscalationNotice.objects.all()
    assert proposed.exists()
    assert set(proposed.values_list("task__plan__source_file", flat=True)) == {XIANGYANG}


def test_governed_office_sees_only_its_governments_notices(client, plans):
    notices_propose(as_of=date(2021, 12, 31))
    office = governed("433100")  # 湘西州
    visible = EscalationNotice.objects.visible_to(office)
    assert visible.exists()
    assert set(visible.values_list("unit__region__code", flat=True)) == {"433100"}
    client.force_login(office)
    listed = client.get("/admin/supervision/escalationnotice/").context["cl"].result_count
    assert listed == visible.count() < EscalationNotice.objects.count()


def test_governed_office_score_table_lists_its_governments_units_only(client, plans):
    AssessmentPeriod.objects.create(
        name="2021年度",
        kind=PeriodKind.YEAR,
        starts_on=date(2021, 1, 1),
        ends_on=date(2021, 12, 31),
    )
    client.force_login(governed("431103"))  # 冷水滩区
    rows = client.get("/supervision/scores/").context["rows"]
    assert rows
    assert {score.unit.region.code for score in rows} == {"431103"}
    client.force_login(make_user(group=OFFICE_GROUP, is_staff=True))
    everyone = client.get("/supervision/scores/").context["rows"]
    assert len({score.unit.region.code for score in everyone}) > 1


def test_city_office_reads_but_does_not_edit_a_handed_down_upstream_task(client, plans):
    office = governed("430300")
    hunan_task = plans[HUNAN].tasks.get(number=5)
    hand_down(hunan_task, Unit.objects.get(name="市行政审批局", region=region("430300")))
    client.force_login(office)
    assert client.get(f"/api/tasks/{hunan_task.pk}/").status_code == 200
    response = client.patch(
        f"/api/tasks/{hunan_task.pk}/", {"title": "改写"}, content_type="application/json"
    )
    assert response.status_code == 404
    page = client.get(f"/admin/tasks/task/{hunan_task.pk}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    own = plans[XIANGTAN].tasks.get(number=1)
    page = client.get(f"/admin/tasks/task/{own.pk}/change/")
    assert page.context["has_change_permission"] is True
    hunan_task.refresh_from_db()
    assert hunan_task.title != "改写"
    assert list(Task.objects.managed_by(office)) == list(plans[XIANGTAN].tasks.order_by("pk"))


def test_unacknowledged_list_of_a_governed_office_holds_its_tasks_only(plans, office_user):
    for source in (HUNAN, XIANGTAN):
        plan_publish(plan=plans[source], user=office_user)
    later = date(2030, 1, 1)
    everyone = unacknowledged_overdue(later)
    assert {item.task.plan.source_file for item in everyone} == {HUNAN, XIANGTAN}
    office = governed("430300")
    own = unacknowledged_overdue(later, tasks=Task.objects.visible_to(office))
    assert own and {item.task.plan.source_file for item in own} == {XIANGTAN}


@pytest.mark.parametrize("url", ["/", "/api/tasks/", "/admin/tasks/task/"])
def test_governed_lists_cost_the_same_queries_with_more_handed_down_tasks(
    client, plans, url, django_assert_max_num_queries
):
    office = governed("430000")
    client.force_login(office)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    units = list(Unit.objects.filter(region__parent__code="430000").order_by("pk")[:5])
    for number in range(1, 21):  # 湖北's 襄阳 tasks handed to 湖南 units: now visible too
        hand_down(plans[XIANGYANG].tasks.get(number=number), units[number % len(units)])
    assert Task.objects.visible_to(office).count() == 132 + 20
    with django_assert_max_num_queries(len(first)):
        assert client.get(url).status_code == 200
