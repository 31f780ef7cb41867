"""The unit pages: mark collective from the list, edit aliases inline."""

import pytest
from django.urls import reverse

from units.models import Unit, UnitAlias

from .conftest import make_unit

pytestmark = pytest.mark.django_db


def test_mark_collective_from_the_list(client, office_user):
    unit = make_unit("州直相关部门")
    client.force_login(office_user)
    client.post(
        reverse("admin:units_unit_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": unit.pk,
            "form-0-is_collective": "on",
            "_save": "保存",
        },
    )
    unit.refresh_from_db()
    assert unit.is_collective


def test_add_alias_on_the_unit_page_resolves_the_alias(client, office_user):
    unit = make_unit("人民银行湘西州中心支行")
    client.force_login(office_user)
    response = client.post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        {
            "name": unit.name,
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "人行湘西州中支",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert UnitAlias.objects.get().unit == unit
    assert Unit.objects.resolve("人行湘西州中支") == unit
