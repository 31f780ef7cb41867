"""Office users and leaders of one government: the command, the admin user page, API tokens."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tasks.models import Task
from units.models import UserGovernment
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import HUNAN, XIANGTAN

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_add_office_user_of_a_city_sees_that_city(plans):
    output = run("add_office_user", "xtyhb", "--region", "湘潭市", "--password", "Xt-office-2026!")
    assert "已创建用户 xtyhb" in output and "湘潭市" in output
    user = get_user_model().objects.get(username="xtyhb")
    assert user.is_staff and user.groups.filter(name=OFFICE_GROUP).exists()
    assert user.government.region.code == "430300"
    assert set(Task.objects.visible_to(user).values_list("plan__source_file", flat=True)) == {
        XIANGTAN
    }


def test_add_leader_by_region_code_then_widen_to_every_government(plans):
    run("add_office_user", "hnld", "--role", "leader", "--region", "430000")
    user = get_user_model().objects.get(username="hnld")
    assert user.groups.filter(name=LEADER_GROUP).exists()
    assert Task.objects.visible_to(user).filter(plan__source_file=HUNAN).count() == 63
    assert Task.objects.visible_to(user).count() == 132
    run("add_office_user", "hnld", "--role", "leader")  # no --region: every government
    user = get_user_model().objects.get(username="hnld")
    assert not UserGovernment.objects.filter(user=user).exists()
    assert Task.objects.visible_to(user).count() == 163


def test_add_office_user_with_an_unknown_region_writes_nothing(db):
    with pytest.raises(CommandError, match="未知的行政区划:“火星市”"):
        run("add_office_user", "nobody", "--region", "火星市")
    assert not get_user_model().objects.filter(username="nobody").exists()


def test_system_account_of_a_government_reads_its_tasks_only(plans, client):
    output = run("add_system_account", "xtducha", "--region", "430300")
    key = output.split("令牌:")[1].split()[0]
    response = client.get("/api/tasks/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json()["count"] == 10


def test_system_account_with_an_unknown_region_is_not_created(db):
    with pytest.raises(CommandError, match="未知的行政区划"):
        run("add_system_account", "bad", "--region", "999999")
    assert not get_user_model().objects.filter(username="bad").exists()


def test_admin_user_page_sets_the_government(admin_client, db):
    from regions.models import Region

    user = get_user_model().objects.create_user(username="staffer", password="pw-for-tests-1")
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "所属政府" in page.content.decode()
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": "staffer",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "government-TOTAL_FORMS": "1",
            "government-INITIAL_FORMS": "0",
            "government-MIN_NUM_FORMS": "0",
            "government-MAX_NUM_FORMS": "1",
            "government-0-region": str(Region.objects.get(code="430300").pk),
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert UserGovernment.objects.get(user=user).region.code == "430300"
