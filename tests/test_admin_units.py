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
            "leader_contact-TOTAL_FORMS": "0",
            "leader_contact-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert UnitAlias.objects.get().unit == unit
    assert Unit.objects.resolve("人行湘西州中支") == unit


def test_unit_list_shows_each_units_government_and_filters_by_it(client, office_user):
    from regions.models import Region

    make_unit("市行政审批局", region=Region.objects.get(code="420600"))
    make_unit("市行政审批局", region=Region.objects.get(code="430300"))
    client.force_login(office_user)
    url = reverse("admin:units_unit_changelist")
    page = client.get(url).content.decode()
    assert "襄阳市" in page and "湘潭市" in page
    filtered = client.get(url, {"region__id__exact": Region.objects.get(code="430300").pk})
    assert [unit.region.code for unit in filtered.context["cl"].result_list] == ["430300"]


def test_office_reviews_members_of_split_units(client, office_user):
    from units.models import UnitMembership

    from .conftest import make_user

    unit = make_unit("市行政审批局")
    flagged = UnitMembership.objects.create(user=make_user(), unit=unit, needs_review=True)
    UnitMembership.objects.create(user=make_user(), unit=unit)
    client.force_login(office_user)
    url = reverse("admin:units_unitmembership_changelist")
    listed = client.get(url, {"needs_review__exact": "1"}).context["cl"].result_list
    assert list(listed) == [flagged]
    client.post(url, {"action": "mark_reviewed", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert not flagged.needs_review


def test_unit_cannot_be_moved_to_a_region_of_another_province(client, office_user, imported_plans):
    from regions.models import Region

    unit = Unit.objects.get(name="州行政审批服务局")
    client.force_login(office_user)
    response = client.post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        {
            "name": unit.name,
            "region": Region.objects.get(code="420600").pk,
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "不能改属湖北省的襄阳市" in response.content.decode()
    unit.refresh_from_db()
    assert unit.region.code == "433100"
