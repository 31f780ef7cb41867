"""Who sees what in the portal: another unit's task is a 404 everywhere, anonymous → login."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.services import report_submit

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def two_units(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    mine, theirs = make_unit("州市场监督管理局"), make_unit("州公安局")
    my_task = make_task(lead_units=[mine], due_on=date(2030, 6, 30))
    their_task = make_task(lead_units=[theirs], due_on=date(2030, 6, 30))
    other_user = make_user(units=[theirs])
    their_report = report_submit(
        task=their_task,
        user=other_user,
        status="in_progress",
        progress=10,
        text="推进中",
        expected_version=their_task.version,
        attachment=SimpleUploadedFile("方案.pdf", PDF_BYTES),
    )
    return {
        "user": make_user(units=[mine]),
        "my_task": my_task,
        "their_task": their_task,
        "their_report": their_report,
        "other_user": other_user,
    }


def test_anonymous_visitor_of_home_is_redirected_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_anonymous_visitor_of_task_page_is_redirected_to_login(client, two_units):
    response = client.get(f"/tasks/{two_units['my_task'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_unit_user_list_shows_only_their_units_tasks(client, two_units):
    client.force_login(two_units["user"])
    response = client.get("/")
    tasks = list(response.context["page"])
    assert tasks == [two_units["my_task"]]


def test_unit_user_cannot_see_other_units_task_page(client, two_units):
    client.force_login(two_units["user"])
    assert client.get(f"/tasks/{two_units['my_task'].pk}/").status_code == 200
    assert client.get(f"/tasks/{two_units['their_task'].pk}/").status_code == 404


def test_unit_user_cannot_post_report_on_other_units_task(client, two_units):
    client.force_login(two_units["user"])
    task = two_units["their_task"]
    response = client.post(
        f"/tasks/{task.pk}/report/",
        {
            "status": "in_progress",
            "progress": 50,
            "text": "x",
            "version": task.version,
            "token": "2b0a8a51-3c9f-4a63-9e7e-4b1f1d3c2a10",
        },
    )
    assert response.status_code == 404
    assert task.reports.count() == 1


def test_unit_user_cannot_request_extension_on_other_units_task(client, two_units):
    client.force_login(two_units["user"])
    task = two_units["their_task"]
    response = client.post(
        f"/tasks/{task.pk}/extension/", {"requested_due_on": "2031-01-31", "reason": "x"}
    )
    assert response.status_code == 404
    assert not task.deadline.extensions.exists()


def test_unit_user_cannot_download_other_units_attachment(client, two_units):
    client.force_login(two_units["user"])
    response = client.get(f"/reports/{two_units['their_report'].pk}/attachment/")
    assert response.status_code == 404


def test_reporting_unit_can_download_its_attachment(client, two_units):
    client.force_login(two_units["other_user"])
    response = client.get(f"/reports/{two_units['their_report'].pk}/attachment/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_anonymous_cannot_download_attachment(client, two_units):
    response = client.get(f"/reports/{two_units['their_report'].pk}/attachment/")
    assert response.status_code == 302


def test_api_lists_only_unit_users_tasks_and_404s_others(client, two_units):
    client.force_login(two_units["user"])
    listed = client.get("/api/tasks/").json()
    assert [row["id"] for row in listed["results"]] == [two_units["my_task"].pk]
    assert client.get(f"/api/tasks/{two_units['their_task'].pk}/").status_code == 404


@pytest.mark.parametrize("fixture", ["office_user", "leader_user"])
def test_office_and_leaders_read_every_task_and_attachment(client, two_units, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/").context["page"].paginator.count == 2
    assert client.get(f"/tasks/{two_units['their_task'].pk}/").status_code == 200
    assert client.get(f"/reports/{two_units['their_report'].pk}/attachment/").status_code == 200


def test_leader_may_read_but_not_report(client, two_units, leader_user):
    client.force_login(leader_user)
    task = two_units["my_task"]
    page = client.get(f"/tasks/{task.pk}/")
    assert page.context["report_form"] is None
    response = client.post(
        f"/tasks/{task.pk}/report/",
        {
            "status": "in_progress",
            "progress": 50,
            "text": "x",
            "version": task.version,
            "token": "2b0a8a51-3c9f-4a63-9e7e-4b1f1d3c2a10",
        },
    )
    assert response.status_code == 403
