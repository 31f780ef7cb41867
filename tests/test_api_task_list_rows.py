"""The task list API answers from `.values()` rows (issue 14, point 5) with exactly the JSON
`TaskSerializer` gives: compared field by field, and the whole page byte for byte as DRF's
JSONRenderer writes it, on the five plans for several users."""

import json
from datetime import date
from types import SimpleNamespace

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from deadlines.models import Deadline, Milestone
from tasks.api.serializers import TaskSerializer, task_list_data, task_list_values
from tasks.assignments import tasks_fan_out
from tasks.choices import TaskStatus
from tasks.filtersets import TaskFilterSet
from tasks.models import Task
from units.choices import UnitRole
from units.models import Unit
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import HUNAN, XIANGXI, governed, hand_down, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_plans(plans):
    """The five plans with every shape a task can take in the list."""
    xiangxi = plans[XIANGXI].tasks.order_by("number")
    # Completed late (销号 after the deadline): days_late > 0, completed_late true.
    late = xiangxi[0]
    Task.objects.filter(pk=late.pk).update(
        status=TaskStatus.COMPLETED, progress=100, completed_on=date(2021, 3, 15)
    )
    # Completed without a date, with late days carried from before an extension.
    Task.objects.filter(pk=xiangxi[1].pk).update(status=TaskStatus.COMPLETED, completed_on=None)
    Deadline.objects.filter(task=xiangxi[1]).update(late_days_on_record=7)
    # Extended: original date kept, current date later.
    Deadline.objects.filter(task=xiangxi[2]).update(
        original_due_on=date(2020, 6, 30), due_on=date(2020, 12, 31), late_days_on_record=3
    )
    # Added by hand, no deadline and no section yet.
    Deadline.objects.filter(task=xiangxi[3]).delete()
    Task.objects.filter(pk=xiangxi[3].pk).update(section=None, warnings=["未写明牵头单位"])
    # Two dated steps, in their order.
    deadline = Deadline.objects.get(task=xiangxi[4])
    Milestone.objects.create(deadline=deadline, due_on=date(2020, 9, 30), text="第二步", position=2)
    Milestone.objects.create(deadline=deadline, due_on=date(2020, 5, 31), text="第一步", position=1)
    # A 湖南省 task handed down to 湘潭市's bureau: a 湘潭 office sees it, read-only.
    hand_down(
        plans[HUNAN].tasks.order_by("number")[0], Unit.objects.filter(region__code="430300").first()
    )
    # 各市州人民政府 handed down (交办) to the 14 city governments on two 湖南省 tasks.
    shizhou = Unit.objects.filter(name="各市州人民政府", is_collective=True).distinct().get()
    tasks_fan_out(
        tasks=list(plans[HUNAN].tasks.filter(task_units__unit=shizhou).order_by("number")[:2]),
        collective=shizhou,
        user=make_user(group=OFFICE_GROUP, is_staff=True),
    )
    # A unit of no government, named after the others.
    xiangxi[5].task_units.create(unit=make_unit(), role=UnitRole.RESPONSIBLE, position=99)
    return plans


def users(plans):
    unit = plans[XIANGXI].tasks.order_by("number")[0].task_units.first().unit
    return {
        "office": make_user(group="优化办", is_staff=True),
        "leader": make_user(group=LEADER_GROUP, is_staff=True),
        "xiangtan_office": governed("430300"),
        "unit_user": make_user(units=[unit]),
    }


def model_serializer_data(tasks):
    return json.loads(json.dumps(TaskSerializer(tasks, many=True).data))


def assert_same_rows(expected, actual):
    assert [row["id"] for row in actual] == [row["id"] for row in expected]
    for old, new in zip(expected, actual, strict=True):
        assert list(new) == list(old), f"task {old['id']}: field order"
        for field in old:
            assert json.dumps(new[field], ensure_ascii=False) == json.dumps(
                old[field], ensure_ascii=False
            ), f"task {old['id']}, field {field}"


def test_values_rows_equal_the_model_serializer_for_every_user(varied_plans):
    sizes = {}
    for name, user in users(varied_plans).items():
        tasks = Task.objects.visible_to(user).with_api_relations().order_by("plan_id", "number")
        expected = model_serializer_data(tasks)
        actual = json.loads(json.dumps(task_list_data(task_list_values(tasks))))
        assert_same_rows(expected, actual)
        sizes[name] = len(actual)
    # 40 + 31 + 63 + 19 + 10 tasks; 湘潭 office: its 10 and two 湖南 tasks handed to its
    # units (the first to its bureau and to 湘潭市人民政府, the second to 湘潭市人民政府).
    assert sizes["office"] == 163
    assert sizes["leader"] == 163
    assert sizes["xiangtan_office"] == 12
    assert 1 <= sizes["unit_user"] < 40


def test_the_shapes_in_the_fixture_appear_in_the_output(varied_plans):
    tasks = Task.objects.filter(plan=varied_plans[XIANGXI]).order_by("number")
    rows = {row["number"]: row for row in task_list_data(task_list_values(tasks))}
    assert rows[1]["completed_late"] is True
    assert rows[1]["days_late"] > 0
    assert rows[2]["days_late"] == 7
    assert rows[3]["original_due_on"] == "2020-06-30"
    assert rows[3]["due_on"] == "2020-12-31"
    assert rows[4]["due_on"] is None and rows[4]["is_ongoing"] is None
    assert rows[4]["section"] is None
    assert rows[4]["warnings"] == ["未写明牵头单位"]
    assert rows[5]["milestones"][-2:] == [
        {"due_on": "2020-05-31", "text": "第一步"},
        {"due_on": "2020-09-30", "text": "第二步"},
    ]
    assert rows[1]["lead_units"][0]["region"]["code"] == "433100"
    assert rows[6]["responsible_units"][-1]["region"] is None
    # The members 各市州人民政府 was handed down to, each with its city.
    fanned_out = Task.objects.filter(
        plan=varied_plans[HUNAN], task_units__collective_link__isnull=False
    ).distinct()
    members = [
        (row["number"], unit["region"]["name"])
        for row in task_list_data(task_list_values(fanned_out.order_by("number")))
        for unit in row["lead_units"] + row["responsible_units"]
        if unit["name"] == "长沙市人民政府"
    ]
    assert len(members) == 2
    assert {region for _, region in members} == {"长沙市"}


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "1000"},
        {"page_size": "1000", "ordering": "-due_on"},
        {"page_size": "1000", "overdue": "true", "as_of": "2021-06-30"},
        {"page_size": "5", "page": "2", "ordering": "updated"},
        {"page_size": "1000", "role": "lead"},
    ],
)
def test_api_pages_equal_the_model_serializer(varied_plans, params):
    client = APIClient()
    for name, user in users(varied_plans).items():
        client.force_authenticate(user)
        response = client.get("/api/tasks/", params)
        assert response.status_code == 200, (name, response.content)
        body = response.json()
        visible = Task.objects.visible_to(user).with_api_relations().order_by("plan_id", "number")
        filterset = TaskFilterSet(params, queryset=visible, request=SimpleNamespace(user=user))
        assert filterset.is_valid()
        tasks = list(filterset.qs)
        assert body["count"] == len(tasks), name
        page, size = int(params.get("page", 1)), int(params["page_size"])
        expected = model_serializer_data(tasks[(page - 1) * size : page * size])
        assert_same_rows(expected, body["results"])


def test_the_page_is_byte_for_byte_drf_s_rendering_of_the_model_serializer(varied_plans):
    client = APIClient()
    for name, user in users(varied_plans).items():
        client.force_authenticate(user)
        response = client.get("/api/tasks/", {"page_size": "1000"})
        tasks = Task.objects.visible_to(user).with_api_relations().order_by("plan_id", "number")
        page = {
            "count": tasks.count(),
            "next": None,
            "previous": None,
            "results": TaskSerializer(tasks, many=True).data,
        }
        assert response.content == JSONRenderer().render(page), name


def test_a_page_of_1000_costs_the_same_queries_as_a_page_of_one(
    varied_plans, django_assert_max_num_queries
):
    client = APIClient()
    client.force_authenticate(users(varied_plans)["xiangtan_office"])
    # session user and groups, government, count, page of rows, units, milestones
    with django_assert_max_num_queries(8):
        small = client.get("/api/tasks/", {"page_size": "1"})
    with django_assert_max_num_queries(8):
        large = client.get("/api/tasks/", {"page_size": "1000"})
    assert small.json()["count"] == large.json()["count"] == 12
    assert len(large.json()["results"]) == 12
