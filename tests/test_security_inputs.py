"""Hostile input: SQL-injection-looking filter values and HTML in names and report text.

The portal's own pages get the same XSS checks when they are merged (issue 4); here
the admin and the API, which exist now.
"""

import pytest

from tasks.models import ProgressReport

from .conftest import make_task, make_unit, make_user

INJECTIONS = [
    "1 OR 1=1",
    "1' OR '1'='1",
    "1; DROP TABLE tasks_task; --",
    "' UNION SELECT username, password FROM auth_user --",
    "%27%20OR%201%3D1",
    "1\x00",
    "<script>alert(1)</script>",
    "9" * 40,
    "-1",
    "2020-13-45",
    "title; DELETE FROM tasks_plan",
]
TASK_FILTERS = [
    "plan",
    "section",
    "status",
    "lead_unit",
    "responsible_unit",
    "unit",
    "q",
    "issuer",
    "has_lead",
    "due_before",
    "due_after",
    "as_of",
    "overdue",
    "ordering",
    "page",
    "page_size",
]
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def _titled_task(title, **kwargs):
    task = make_task(**kwargs)
    task.title = title
    task.save()
    return task


@pytest.fixture
def unit_user_with_one_task(db):
    mine, other = make_unit(), make_unit()
    _titled_task("本单位任务", lead_units=[mine])
    _titled_task("其他单位任务", lead_units=[other])
    return make_user(units=[mine])


@pytest.mark.parametrize("name", TASK_FILTERS)
def test_injection_looking_filter_values_never_cause_500_or_leak(
    client, unit_user_with_one_task, name
):
    client.force_login(unit_user_with_one_task)
    for value in INJECTIONS:
        response = client.get("/api/tasks/", {name: value})
        assert response.status_code in (200, 400, 404), (name, value, response.status_code)
        if response.status_code == 200:
            titles = {row["title"] for row in response.json()["results"]}
            assert titles <= {"本单位任务"}, (name, value)


@pytest.mark.parametrize("url", ["/api/plans/", "/api/units/"])
def test_injection_looking_values_on_other_lists_never_cause_500(client, office_user, url):
    client.force_login(office_user)
    for value in INJECTIONS:
        for name in ("year", "q", "ordering", "page", "is_collective", "name"):
            response = client.get(url, {name: value})
            assert response.status_code in (200, 400, 404), (url, name, value)


def test_injection_looking_ids_in_urls_are_404_not_500(client, office_user):
    client.force_login(office_user)
    for value in ("1 OR 1=1", "1'--", "9" * 40, "-1"):
        for url in (f"/api/tasks/{value}/", f"/api/plans/{value}/", f"/admin/tasks/task/{value}/"):
            response = client.get(url)
            assert response.status_code in (302, 404), (url, response.status_code)


def test_admin_search_with_injection_looking_text_is_safe(client, office_user):
    client.force_login(office_user)
    _titled_task("正常任务")
    for value in INJECTIONS:
        response = client.get("/admin/tasks/task/", {"q": value})
        assert response.status_code == 200, value


def test_unit_names_and_report_text_render_escaped_in_the_admin(client, office_user):
    unit = make_unit(name=f"单位{XSS}")
    task = _titled_task(f"任务{XSS}", lead_units=[unit])
    author = make_user(units=[unit])
    report = ProgressReport.objects.create(
        task=task, unit=unit, author=author, status=task.status, progress=10, text=f"进展{XSS}"
    )
    client.force_login(office_user)
    for url in (
        "/admin/units/unit/",
        f"/admin/units/unit/{unit.pk}/change/",
        "/admin/tasks/task/",
        f"/admin/tasks/task/{task.pk}/change/",
        "/admin/tasks/progressreport/",
        f"/admin/tasks/progressreport/{report.pk}/change/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_api_returns_html_payloads_as_json_text_not_markup(client, office_user):
    _titled_task(f"任务{XSS}", lead_units=[make_unit(name=f"单位{XSS}")])
    client.force_login(office_user)
    response = client.get("/api/tasks/")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["results"][0]["title"] == f"任务{XSS}"
