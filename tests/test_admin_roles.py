"""The groups the data migration creates: the office edits, leaders read, unit users stay out."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

WORKBENCH_MODELS = [
    model
    for model in admin.site._registry
    if model._meta.app_label in ("tasks", "units", "deadlines")
]


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_office_group_may_do_everything_in_the_workbench():
    office = codenames(OFFICE_GROUP)
    for model in WORKBENCH_MODELS:
        opts = model._meta
        for action in ("view", "add", "change", "delete"):
            assert f"{opts.app_label}.{action}_{opts.model_name}" in office


def test_leader_group_may_only_view():
    leader = codenames(LEADER_GROUP)
    assert leader
    assert all(codename.split(".")[1].startswith("view_") for codename in leader)
    for model in WORKBENCH_MODELS:
        assert f"{model._meta.app_label}.view_{model._meta.model_name}" in leader


def test_leader_reads_every_workbench_page_but_cannot_change_anything(client, leader_user):
    task = make_task(lead_units=[make_unit("州税务局")])
    client.force_login(leader_user)
    for model in WORKBENCH_MODELS:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(f"{changelist}add/").status_code == 403, changelist

    change_url = reverse("admin:tasks_task_change", args=[task.pk])
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page
    response = client.post(change_url, {"title": "改掉", "number": task.number})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.title != "改掉"


def test_office_user_gets_the_admin_unit_user_does_not(client, office_user):
    client.force_login(office_user)
    assert client.get(reverse("admin:index")).status_code == 200

    unit_user = make_user(units=[make_unit()])
    client.force_login(unit_user)
    for url in (reverse("admin:index"), reverse("admin:tasks_task_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_unit_user_with_the_staff_box_ticked_still_stays_out(client):
    """A mistakenly ticked is_staff gives no workbench: the admin also needs a role."""
    unit_user = make_user(units=[make_unit()], is_staff=True)
    client.force_login(unit_user)
    response = client.get(reverse("admin:tasks_task_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "改革任务督办系统" in client.get(reverse("admin:login")).content.decode()
