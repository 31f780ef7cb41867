"""Other systems get token-only accounts from the command line, with a role."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def add_system_account(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("add_system_account", *args, stdout=out)
    return out.getvalue().split("的令牌:")[1].split()[0]


def api_for(key) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_leader_system_account_reads_every_task_and_writes_nothing(imported_plans):
    key = add_system_account("duchapingtai", "--name", "省督查平台")
    api = api_for(key)
    assert api.get("/api/tasks/").json()["count"] == 163
    task = api.get("/api/tasks/").json()["results"][0]
    response = api.patch(f"/api/tasks/{task['id']}/", {"progress": 50}, format="json")
    assert response.status_code == 403
    account = get_user_model().objects.get(username="duchapingtai")
    assert not account.has_usable_password() and not account.is_staff
    assert account.first_name == "省督查平台"
    assert add_system_account("duchapingtai") == key  # running it again keeps the token


def test_office_system_account_may_write(imported_plans):
    api = api_for(add_system_account("rexian12345", "--role", "office"))
    task = api.get("/api/tasks/").json()["results"][0]
    response = api.patch(
        f"/api/tasks/{task['id']}/", {"progress": 50, "version": task["version"]}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_person_account_cannot_be_turned_into_a_system_account(office_user):
    with pytest.raises(CommandError, match="工作人员账号"):
        add_system_account(office_user.username)
