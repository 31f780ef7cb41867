"""The read-only REST API: authentication, fields, pagination, visibility, query counts."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from regions.models import Region
from tasks.models import Task
from units.models import Unit

from .conftest import LENGSHUITAN, XIANGXI, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def build(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return build


@pytest.mark.parametrize("url", ["/api/plans/", "/api/tasks/", "/api/units/"])
def test_anonymous_requests_are_refused(client, url):
    response = client.get(url)
    assert response.status_code in (401, 403)


def test_token_authentication_is_accepted(imported_plans, office_user):
    token = Token.objects.create(user=office_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/plans/").status_code == 200


def test_a_token_created_in_the_admin_lets_another_system_read_tasks(
    imported_plans, client, office_user
):
    """The office gives the 督查 platform's account its token on the admin's 令牌 page."""
    system = make_user(username="duchapingtai")
    client.force_login(office_user)
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": system.pk})
    assert response.status_code == 302
    key = Token.objects.get(user=system).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/tasks/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get("/api/tasks/").status_code in (401, 403)


def test_plan_list_fields(imported_plans, office_user, client_for):
    response = client_for(office_user).get("/api/plans/")
    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 5
    plan = next(p for p in response.data["results"] if p["source_file"] == XIANGXI)
    xiangxi = Region.objects.get(code="433100")
    assert plan == {
        "id": imported_plans[XIANGXI].pk,
        "title": "湘西自治州2020年深化“放管服”改革优化营商环境工作计划",
        "doc_number": "州政发〔2020〕5号",
        "issuer": "湘西自治州人民政府",
        "issued_on": "2020-02-22",
        "year": 2020,
        "source_file": XIANGXI,
        "region": {
            "id": xiangxi.pk,
            "code": "433100",
            "name": "湘西土家族苗族自治州",
            "level": "city",
        },
        "task_count": 40,
    }


def test_task_detail_fields(imported_plans, office_user, client_for):
    task = imported_plans[XIANGXI].tasks.get(number=1)
    data = client_for(office_user).get(f"/api/tasks/{task.pk}/").data
    assert list(data) == [
        "id", "plan", "number", "section", "title", "body", "lead_units", "responsible_units",
        "due_on", "deadline_text", "deadline_source", "is_ongoing", "original_due_on",
        "milestones", "status", "progress", "warnings", "completed_on", "days_late",
        "completed_late", "version", "updated_at",
    ]  # fmt: skip
    assert data["plan"] == imported_plans[XIANGXI].pk
    assert data["number"] == 1
    assert data["section"] == "一、进一步提升政务服务效能"
    assert data["title"] == "加大简政放权力度"
    assert [u["name"] for u in data["lead_units"]] == ["州行政审批服务局"]
    assert [u["name"] for u in data["responsible_units"]][:3] == [
        "州司法局",
        "州委编办",
        "州直相关单位",
    ]
    assert data["lead_units"][0]["id"] == Unit.objects.get(name="州行政审批服务局").pk
    xiangxi = Region.objects.get(code="433100")
    assert data["lead_units"][0]["region"] == {
        "id": xiangxi.pk,
        "code": "433100",
        "name": "湘西土家族苗族自治州",
        "level": "city",
    }
    assert (data["due_on"], data["deadline_text"], data["deadline_source"]) == (
        "2020-06-30",
        "6月底完成",
        "document",
    )
    assert data["is_ongoing"] is False
    assert (data["status"], data["progress"], data["warnings"]) == ("not_started", 0, [])


def test_task_list_filters_by_plan(imported_plans, office_user, client_for):
    plan = imported_plans[LENGSHUITAN]
    data = client_for(office_user).get("/api/tasks/", {"plan": plan.pk, "page_size": 100}).data
    assert data["count"] == 19
    assert [t["number"] for t in data["results"]] == list(range(1, 20))
    task_4 = data["results"][3]
    assert (task_4["due_on"], task_4["is_ongoing"]) == (None, True)


def test_milestones_and_warnings_are_listed(imported_plans, office_user, client_for):
    client = client_for(office_user)
    hunan_1 = Task.objects.get(plan__source_file__startswith="2021-hunan", number=1)
    milestones = client.get(f"/api/tasks/{hunan_1.pk}/").data["milestones"]
    assert milestones[0]["due_on"] == "2021-09-30"
    assert "2021年9月底前" in milestones[0]["text"]
    xiangxi_3 = imported_plans[XIANGXI].tasks.get(number=3)
    assert client.get(f"/api/tasks/{xiangxi_3.pk}/").data["warnings"]


def test_unit_list_has_aliases_and_task_counts(imported_plans, office_user, client_for):
    data = client_for(office_user).get("/api/units/", {"q": "人民银行湘西州", "page_size": 10}).data
    assert data["count"] == 1
    unit = data["results"][0]
    assert unit["name"] == "人民银行湘西州中心支行"
    assert unit["aliases"] == ["人行湘西州中心支行"]
    assert unit["is_collective"] is False
    assert (
        unit["task_count"]
        == Task.objects.filter(task_units__unit__name=unit["name"]).distinct().count()
    )
    assert unit["task_count"] >= 4


def test_page_size_is_capped_at_1000(imported_plans, office_user, client_for):
    client = client_for(office_user)
    assert len(client.get("/api/tasks/", {"page_size": 5}).data["results"]) == 5
    data = client.get("/api/tasks/", {"page_size": 5000}).data
    assert data["count"] == 163 and len(data["results"]) == 163 and data["next"] is None


def test_unit_user_sees_only_tasks_of_their_units(imported_plans, client_for):
    unit = Unit.objects.get(name="区发改局")
    user = make_user(units=[unit])
    client = client_for(user)
    data = client.get("/api/tasks/", {"page_size": 1000}).data
    expected = Task.objects.filter(task_units__unit=unit).distinct().count()
    assert data["count"] == expected > 0
    others = Task.objects.exclude(task_units__unit=unit).first()
    assert client.get(f"/api/tasks/{others.pk}/").status_code == 404


def test_unit_user_sees_only_the_units_on_their_tasks_with_counts_of_those(
    imported_plans, client_for
):
    unit = Unit.objects.get(name="区发改局")
    client = client_for(make_user(units=[unit]))
    data = client.get("/api/units/", {"page_size": 1000}).data
    own_tasks = Task.objects.filter(task_units__unit=unit).distinct()
    expected = Unit.objects.filter(task_units__task__in=own_tasks).distinct()
    assert {row["name"] for row in data["results"]} == set(expected.values_list("name", flat=True))
    assert data["count"] < Unit.objects.count()
    counts = {row["name"]: row["task_count"] for row in data["results"]}
    assert counts["区发改局"] == own_tasks.count()
    for row in data["results"]:
        assert row["task_count"] == own_tasks.filter(task_units__unit__name=row["name"]).count()
    stranger = Unit.objects.exclude(pk__in=expected).first()
    assert client.get(f"/api/units/{stranger.pk}/").status_code == 404


def test_leader_sees_every_unit_in_the_api(imported_plans, leader_user, client_for):
    data = client_for(leader_user).get("/api/units/", {"page_size": 1000}).data
    assert data["count"] == Unit.objects.count()


@pytest.mark.parametrize("url", ["/api/tasks/", "/api/units/", "/api/plans/"])
def test_list_query_count_does_not_grow_with_page_size(
    imported_plans, office_user, client_for, django_assert_max_num_queries, url
):
    client = client_for(office_user)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"page_size": 2}).status_code == 200
    # count + page + prefetches (units, milestones, aliases): a fixed handful
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"page_size": 1000})
    assert len(response.data["results"]) > 2


def test_office_cannot_see_or_mint_a_superusers_token(client, office_user, leader_user):
    it_admin = get_user_model().objects.create_superuser("it-admin", password="x")
    Token.objects.create(user=it_admin)
    client.force_login(office_user)
    page = client.get("/admin/authtoken/tokenproxy/").content.decode()
    assert "it-admin" not in page
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": it_admin.pk})
    assert response.status_code == 200  # the form refuses the choice
    assert Token.objects.filter(user=it_admin).count() == 1

    client.force_login(leader_user)
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 403


def test_plan_ledger_is_served_at_its_file_name_without_a_redirect(imported_plans, office_user):
    """`/api/plans/<id>/ledger.xlsx` was a 301 to `.../ledger.xlsx/`: `curl` saved the redirect."""
    token = Token.objects.create(user=office_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    plan = imported_plans[XIANGXI]
    response = client.get(f"/api/plans/{plan.pk}/ledger.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    assert client.get("/api/plans/999999/ledger.xlsx").status_code == 404


def test_api_front_page_links_every_collection_of_every_app(client, office_user):
    client.force_login(office_user)
    links = client.get("/api/", HTTP_ACCEPT="application/json").json()
    assert {"tasks", "units", "deadlines", "extensions", "dashboard", "supervision/notices"} <= set(
        links
    )
    for name, url in links.items():
        response = client.get(url)  # each in its own default format (the docs are a page)
        assert response.status_code == 200, name


def test_unit_list_tells_same_named_units_apart_by_government(
    imported_plans, office_user, client_for
):
    data = client_for(office_user).get("/api/units/", {"q": "市行政审批局", "page_size": 100}).data
    rows = [u for u in data["results"] if u["name"] == "市行政审批局"]
    assert sorted((u["region"]["code"], u["full_name"]) for u in rows) == [
        ("420600", "襄阳市 · 市行政审批局"),
        ("430300", "湘潭市 · 市行政审批局"),
    ]
