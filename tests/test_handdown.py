"""交办 to collectives (issue 12, point 5): 各市州人民政府 fanned out to its members, roll-up."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dashboard.figures import DashboardQuery, by_unit
from regions.choices import RegionLevel
from regions.models import Region
from supervision.services import plan_publish, task_acknowledge
from tasks.assignments import member_regions, task_rollups, tasks_fan_out
from tasks.choices import TaskStatus
from tasks.filtersets import TaskFilterSet
from tasks.models import Task, TaskUnit
from tasks.services import report_submit
from units.choices import UnitRole
from units.models import Unit

from .conftest import HUNAN, XIANGXI, make_plan, make_task, make_unit, make_user

HUNAN_CITIES = [
    "长沙市",
    "株洲市",
    "湘潭市",
    "衡阳市",
    "邵阳市",
    "岳阳市",
    "常德市",
    "张家界市",
    "益阳市",
    "郴州市",
    "永州市",
    "怀化市",
    "娄底市",
    "湘西土家族苗族自治州",
]


def hunan_task(plans, number) -> Task:
    return Task.objects.get(plan=plans[HUNAN], number=number)


def collective(name) -> Unit:
    return Unit.objects.filter(name=name, is_collective=True).distinct().get()


def member_names(task) -> list[str]:
    return [
        link.unit.region.name
        for link in TaskUnit.objects.filter(task=task, collective_link__isnull=False)
        .select_related("unit__region")
        .order_by("position")
    ]


@pytest.mark.django_db
def test_cities_and_prefectures_of_a_province_are_the_members_of_its_shimz_governments():
    hunan = Region.objects.get(code="430000")
    assert [r.name for r in member_regions("各市州人民政府", hunan)] == HUNAN_CITIES
    # 各县(市、区)人民政府 in 湘西州's plan: its eight counties, written with brackets.
    xiangxi = Region.objects.get(code="433100")
    counties = member_regions("各县(市、区)人民政府", xiangxi)
    assert len(counties) == 8
    assert {r.level for r in counties} == {RegionLevel.COUNTY}
    assert member_regions("省直相关部门", hunan) is None
    # 各市州、县市区人民政府: the cities and every county under them that is known.
    both = member_regions("各市州、县市区人民政府", hunan)
    assert {r.level for r in both} == {RegionLevel.CITY, RegionLevel.COUNTY}
    assert len([r for r in both if r.level == RegionLevel.CITY]) == 14
    # A county's plan has no cities under it: no members, so handing down is refused.
    assert member_regions("各市州人民政府", Region.objects.get(code="431103")) == []


def test_handing_down_gives_each_of_the_14_cities_its_own_assignment(regional_plans, office_user):
    task = hunan_task(regional_plans, 1)
    shizhou = collective("各市州人民政府")

    created = tasks_fan_out(tasks=[task], collective=shizhou, user=office_user)

    assert len(created) == 14
    assert member_names(task) == HUNAN_CITIES
    names = {link.unit.full_name for link in created}
    assert "长沙市 · 长沙市人民政府" in names
    assert all(link.role == UnitRole.RESPONSIBLE for link in created)
    assert TaskUnit.objects.get(task=task, unit=shizhou).is_fanned_out
    # Running it again changes nothing; another task reuses the same 14 government units.
    assert tasks_fan_out(tasks=[task], collective=shizhou, user=office_user) == []
    tasks_fan_out(tasks=[hunan_task(regional_plans, 28)], collective=shizhou, user=office_user)
    governments = Unit.objects.filter(name__endswith="人民政府", region__level=RegionLevel.CITY)
    assert governments.filter(is_collective=False).count() == 14


def test_each_member_reports_on_its_own_and_the_task_rolls_them_up(regional_plans, office_user):
    task = hunan_task(regional_plans, 1)
    tasks_fan_out(tasks=[task], collective=collective("各市州人民政府"), user=office_user)
    task.refresh_from_db()
    changsha = Unit.objects.get(name="长沙市人民政府", region__name="长沙市")
    xiangtan = Unit.objects.get(name="湘潭市人民政府", region__name="湘潭市")
    changsha_user = make_user(units=[changsha])
    xiangtan_user = make_user(units=[xiangtan])

    report_submit(
        task=task,
        user=changsha_user,
        status=TaskStatus.IN_PROGRESS,
        progress=40,
        text="长沙已部署",
        expected_version=task.version,
    )
    task.refresh_from_db()
    report_submit(
        task=task,
        user=xiangtan_user,
        status=TaskStatus.COMPLETION_REQUESTED,
        progress=100,
        text="湘潭已完成",
        expected_version=task.version,
    )
    task.refresh_from_db()
    # A member's report is its own status, not the whole task's (省政务局 leads it).
    assert task.status == TaskStatus.NOT_STARTED

    (rollup,) = task_rollups(Task.objects.get(pk=task.pk), as_of=date(2021, 12, 1))
    assert (rollup.total, rollup.reported, rollup.completed, rollup.overdue) == (14, 2, 1, 0)
    # The deadline (2021年底) has passed: the 13 members not done are overdue.
    (rollup,) = task_rollups(Task.objects.get(pk=task.pk), as_of=date(2022, 1, 10))
    assert (rollup.total, rollup.reported, rollup.completed, rollup.overdue) == (14, 2, 1, 13)
    states = {member.unit.region.name: member for member in rollup.members}
    assert states["长沙市"].status == TaskStatus.IN_PROGRESS
    assert states["长沙市"].progress == 40
    assert states["湘潭市"].is_done and not states["湘潭市"].is_overdue
    assert states["株洲市"].status == TaskStatus.NOT_STARTED


def test_members_acknowledge_and_the_dashboard_counts_members_not_the_label(
    regional_plans, office_user
):
    plan = regional_plans[HUNAN]
    shizhou = collective("各市州人民政府")
    tasks = list(plan.tasks.filter(task_units__unit=shizhou).distinct())
    assert len(tasks) == 55
    tasks_fan_out(tasks=tasks, collective=shizhou, user=office_user)
    plan_publish(plan=plan, user=office_user)
    changsha = Unit.objects.get(name="长沙市人民政府", region__name="长沙市")
    task_acknowledge(task=tasks[0], unit=changsha, user=make_user(units=[changsha]))

    query = DashboardQuery(as_of=date(2022, 1, 10), filters={"plan": plan.pk})
    rows = {row["unit_id"]: row for row in by_unit(plan.tasks.all(), query)}
    # The 55 handed down, and task 3, which 长沙市人民政府 leads (长沙市、岳阳市、郴州市人民政府牵头).
    assert rows[changsha.pk]["led"] == 56
    assert rows[changsha.pk]["overdue"] == 56
    assert shizhou.pk not in rows
    # The number links to the list it counts.
    listed = TaskFilterSet({"lead_unit": changsha.pk}, queryset=Task.objects.all()).qs
    assert listed.count() == 56


def test_handing_down_to_a_region_without_members_writes_nothing(db, office_user):
    hainan = Region.objects.create(code="460000", name="海南省", level=RegionLevel.PROVINCE)
    shizhou = make_unit("各市州人民政府", region=hainan)
    shizhou.is_collective = True
    shizhou.save()
    task = make_task(plan=make_plan(region=hainan), responsible_units=[shizhou])
    units_before = Unit.objects.count()

    with pytest.raises(ValidationError) as error:
        tasks_fan_out(tasks=[task], collective=shizhou, user=office_user)

    assert "海南省下没有“各市州人民政府”的已知成员单位" in error.value.messages[0]
    assert Unit.objects.count() == units_before
    assert not TaskUnit.objects.get(task=task, unit=shizhou).is_fanned_out


def test_a_failure_on_one_task_undoes_the_others(regional_plans, office_user):
    shizhou = collective("各市州人民政府")
    good = hunan_task(regional_plans, 1)
    xiangxi_task = Task.objects.filter(plan=regional_plans[XIANGXI]).first()
    links_before = TaskUnit.objects.count()

    with pytest.raises(ValidationError, match="没有“各市州人民政府”"):
        tasks_fan_out(tasks=[good, xiangxi_task], collective=shizhou, user=office_user)

    assert TaskUnit.objects.count() == links_before


def test_a_plan_without_a_government_cannot_be_handed_down(imported_plans, office_user):
    plan = imported_plans[HUNAN]
    plan.region = None
    plan.save(update_fields=["region"])
    task = Task.objects.get(plan=plan, number=1)
    with pytest.raises(ValidationError, match="未设定发文政府"):
        tasks_fan_out(tasks=[task], collective=collective("各市州人民政府"), user=office_user)


def test_only_the_office_hands_down(regional_plans):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tasks_fan_out(
            tasks=[hunan_task(regional_plans, 1)],
            collective=collective("各市州人民政府"),
            user=make_user(),
        )


def test_portal_and_api_show_the_roll_up_a_member_sees_only_its_own_row(
    regional_plans, client, office_user
):
    task = hunan_task(regional_plans, 1)
    tasks_fan_out(tasks=[task], collective=collective("各市州人民政府"), user=office_user)
    changsha = Unit.objects.get(name="长沙市人民政府", region__name="长沙市")
    changsha_user = make_user(units=[changsha])

    client.force_login(office_user)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "分解交办:各市州人民政府" in page
    assert "14 个承办单位:已报送 0,已完成 0" in page
    assert "株洲市 · 株洲市人民政府" in page
    answer = client.get(f"/api/tasks/{task.pk}/handdown/").json()
    (row,) = answer["collectives"]
    assert (row["members"], row["reported"], row["completed"]) == (14, 0, 0)
    assert len(row["member_units"]) == 14

    client.force_login(changsha_user)
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    # The roll-up's table lists only its own row (the task's unit list names every member).
    rollup = (
        page.content.decode().partition("分解交办:各市州人民政府")[2].partition("</section>")[0]
    )
    assert "14 个承办单位" in rollup
    assert "长沙市 · 长沙市人民政府" in rollup
    assert "株洲市 · 株洲市人民政府" not in rollup
    (row,) = client.get(f"/api/tasks/{task.pk}/handdown/").json()["collectives"]
    assert [m["name"] for m in row["member_units"]] == ["长沙市 · 长沙市人民政府"]


def test_members_wait_for_acknowledgement_and_are_ranked_in_the_assessment(
    regional_plans, office_user
):
    from supervision.models import AssessmentPeriod
    from supervision.selectors import pending_acknowledgements
    from supervision.services import assessment_compute

    plan = regional_plans[HUNAN]
    shizhou = collective("各市州人民政府")
    tasks = list(plan.tasks.filter(task_units__unit=shizhou).distinct())
    tasks_fan_out(tasks=tasks, collective=shizhou, user=office_user)
    plan_publish(plan=plan, user=office_user)
    changsha = Unit.objects.get(name="长沙市人民政府", region__name="长沙市")

    # 55 handed down, and task 3, which it leads.
    assert pending_acknowledgements(unit=changsha).count() == 56
    assert not pending_acknowledgements(unit=shizhou).exists()

    period = AssessmentPeriod.objects.create(
        name="2021年度", kind="year", starts_on=date(2021, 1, 1), ends_on=date(2021, 12, 31)
    )
    ranked = {score.unit.pk for score in assessment_compute(period=period, today=date(2022, 1, 5))}
    assert changsha.pk in ranked
    assert shizhou.pk not in ranked
    assert (
        len(
            ranked
            & set(
                TaskUnit.objects.filter(collective_link__isnull=False).values_list(
                    "unit", flat=True
                )
            )
        )
        == 14
    )


def test_provincial_departments_are_the_members_of_shengzhi_xiangguan_bumen(
    regional_plans, office_user
):
    task = hunan_task(regional_plans, 12)  # (省直相关部门按职责分工负责)
    created = tasks_fan_out(tasks=[task], collective=collective("省直相关部门"), user=office_user)

    names = {link.unit.name for link in created}
    assert {"省政务局", "省司法厅", "省市场监管局", "省发展改革委"} <= names
    assert all(link.unit.region.code == "430000" for link in created)
    assert not any(link.unit.is_collective or link.unit.name.endswith("政府") for link in created)
