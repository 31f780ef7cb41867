"""Task filters over the API on the five real plans; bad filter values are 400s, not 500s.

Expected numbers come from reading the documents in fixtures/policies/:
- 湘西 2020 work plan: 州市场监督管理局 leads tasks 4, 13, 17, 24, 25, 26, 27 and is a
  responsible unit of task 6.
- 冷水滩 2021 plan: tasks 1, 2, 3, 5, 6, 8, 9, 13, 18, 19 are due 2021年4月底; task 4 is
  立行立改,长期坚持; the rest are due at the end of May or June.
"""

import csv
import io

import pytest
from rest_framework.test import APIClient

from tasks.models import Task
from units.models import Unit

from .conftest import LENGSHUITAN, XIANGXI

pytestmark = pytest.mark.django_db

LENGSHUITAN_DUE_END_OF_APRIL = [1, 2, 3, 5, 6, 8, 9, 13, 18, 19]


@pytest.fixture
def api(office_user):
    client = APIClient()
    client.force_authenticate(office_user)
    return client


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [task["number"] for task in response.data["results"]]


def test_tasks_led_by_state_market_regulator_in_xiangxi_plan(imported_plans, api):
    unit = Unit.objects.get(name="州市场监督管理局")
    plan = imported_plans[XIANGXI]
    response = api.get("/api/tasks/", {"plan": plan.pk, "lead_unit": unit.pk})
    assert numbers(response) == [4, 13, 17, 24, 25, 26, 27]


def test_unit_filter_matches_either_role(imported_plans, api):
    unit = Unit.objects.get(name="州市场监督管理局")
    plan = imported_plans[XIANGXI]
    either = numbers(api.get("/api/tasks/", {"plan": plan.pk, "unit": unit.pk}))
    responsible = numbers(api.get("/api/tasks/", {"plan": plan.pk, "responsible_unit": unit.pk}))
    assert 6 in responsible
    assert either == sorted({4, 13, 17, 24, 25, 26, 27} | set(responsible))


def test_overdue_in_lengshuitan_plan_as_of_first_of_may_2021(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    params = {"plan": plan.pk, "overdue": "true", "as_of": "2021-05-01"}
    assert numbers(api.get("/api/tasks/", params)) == LENGSHUITAN_DUE_END_OF_APRIL


def test_nothing_is_overdue_on_its_due_date(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    params = {"plan": plan.pk, "overdue": "true", "as_of": "2021-04-30"}
    assert numbers(api.get("/api/tasks/", params)) == []


def test_not_overdue_includes_the_ongoing_task(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    params = {"plan": plan.pk, "overdue": "false", "as_of": "2021-05-01"}
    result = numbers(api.get("/api/tasks/", params))
    assert 4 in result
    assert sorted(result + LENGSHUITAN_DUE_END_OF_APRIL) == list(range(1, 20))


def test_task_verified_complete_in_time_is_not_overdue(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    Task.objects.filter(plan=plan, number=1).update(status="completed", completed_on="2021-04-20")
    params = {"plan": plan.pk, "overdue": "true", "as_of": "2021-05-01"}
    assert numbers(api.get("/api/tasks/", params)) == LENGSHUITAN_DUE_END_OF_APRIL[1:]


def test_due_window_and_ordering_by_due_date(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    params = {
        "plan": plan.pk,
        "due_after": "2021-04-30",
        "due_before": "2021-07-01",
        "ordering": "-due_on,number",
    }
    response = api.get("/api/tasks/", params)
    assert numbers(response) == [7, 10, 11, 12, 15, 16, 17, 14]
    assert [t["due_on"] for t in response.data["results"]][-1] == "2021-05-31"


def test_full_text_search_covers_title_body_and_unit_names(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    by_title = numbers(api.get("/api/tasks/", {"plan": plan.pk, "q": "夜间经济"}))
    assert by_title == [18, 19]
    by_body = numbers(api.get("/api/tasks/", {"plan": plan.pk, "q": "宁静生产日"}))
    assert by_body == [6]
    by_unit = numbers(api.get("/api/tasks/", {"plan": plan.pk, "q": "区委政法委"}))
    assert by_unit == [4]


def test_has_lead_filter(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    assert len(numbers(api.get("/api/tasks/", {"plan": plan.pk, "has_lead": "true"}))) == 19
    assert numbers(api.get("/api/tasks/", {"plan": plan.pk, "has_lead": "false"})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "2021-02-30", "overdue": "true"},
        {"due_before": "not-a-date"},
        {"due_after": "2021-13-01"},
        {"plan": "abc"},
        {"lead_unit": "1e"},
        {"status": "finished"},
        {"ordering": "title"},
        {"q": "nul\x00byte"},
    ],
)
def test_bad_filter_values_are_400_with_field_errors(api, params):
    response = api.get("/api/tasks/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) <= set(params)
    assert body["errors"]


def test_csv_export_of_a_filtered_task_list(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    response = api.get(
        "/api/tasks/", {"plan": plan.pk, "overdue": "true", "as_of": "2021-05-01", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["ID", "方案ID", "序号"]
    assert [int(row[2]) for row in rows[1:]] == LENGSHUITAN_DUE_END_OF_APRIL
    header = rows[0]
    task_2 = dict(zip(header, rows[2], strict=True))
    assert task_2["牵头单位"] == "区科工信局"
    assert task_2["完成时限"] == "2021-04-30"


def test_csv_export_is_not_paginated(imported_plans, api):
    response = api.get("/api/tasks/", {"format": "csv", "page_size": 5})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + Task.objects.count()


@pytest.mark.parametrize("param", ["overdue", "has_lead", "due_soon", "completed", "ongoing"])
def test_a_yes_no_filter_with_another_word_is_a_400_not_ignored(param, api):
    response = api.get("/api/tasks/", {param: "maybe"})
    assert response.status_code == 400
    assert param in response.json()["errors"]
    assert api.get("/api/tasks/", {param: "1"}).status_code == 200
    assert api.get("/api/tasks/", {param: "false"}).status_code == 200


@pytest.mark.parametrize("url", ["/api/tasks/", "/api/units/", "/api/dashboard/"])
def test_a_misspelt_query_parameter_is_a_400_not_the_whole_list(imported_plans, api, url):
    """`lead_units=` (for `lead_unit`) used to be ignored: the caller got every task back."""
    response = api.get(url, {"lead_units": 7})
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["lead_units"]
    assert "不支持的查询参数" in body["detail"]
    assert api.get(url, {"format": "json"}).status_code == 200


def test_tasks_ordered_by_due_date_put_undated_ones_last_and_page_without_overlap(
    imported_plans, api
):
    plan = imported_plans[LENGSHUITAN]  # task 4 (立行立改,长期坚持) has no date
    ascending = numbers(api.get("/api/tasks/", {"plan": plan.pk, "ordering": "due_on"}))
    descending = numbers(api.get("/api/tasks/", {"plan": plan.pk, "ordering": "-due_on"}))
    assert ascending[-1] == 4 and descending[-1] == 4
    assert ascending[:10] == LENGSHUITAN_DUE_END_OF_APRIL  # ties in a fixed order
    ids = []
    for page in range(1, Task.objects.count() // 7 + 2):
        response = api.get("/api/tasks/", {"ordering": "due_on", "page_size": 7, "page": page})
        ids += [task["id"] for task in response.data["results"]]
    assert sorted(ids) == sorted(Task.objects.values_list("pk", flat=True))


def test_csv_export_shows_status_in_chinese_and_names_the_file(imported_plans, api):
    plan = imported_plans[LENGSHUITAN]
    response = api.get("/api/tasks/", {"plan": plan.pk, "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="tasks.csv"'
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert {row["状态"] for row in rows} == {"未开始"}
