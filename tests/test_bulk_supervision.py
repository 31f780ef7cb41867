"""Bulk work: 全部签收 of a plan with one contact, 督办单 confirmed or cancelled in groups,
and the office's supervision page showing the real 签收 state."""

from datetime import date

import pytest
from django.urls import reverse

from supervision.choices import NoticeColour, NoticeStatus
from supervision.models import EscalationNotice, TaskAcknowledgement
from supervision.selectors import pending_acknowledgements
from supervision.services import notices_propose, plan_acknowledge_all, plan_publish
from units.choices import UnitRole
from units.models import Unit

from .conftest import HUNAN, XIANGXI, make_user

pytestmark = pytest.mark.django_db


def _busiest_lead(plan) -> Unit:
    """The unit leading the most tasks of `plan` (a real unit of the real document)."""
    from django.db.models import Count

    return (
        Unit.objects.filter(task_units__task__plan=plan, task_units__role=UnitRole.LEAD)
        .annotate(n=Count("task_units"))
        .order_by("-n", "pk")
        .first()
    )


@pytest.fixture
def published_hunan(imported_plans, office_user):
    plan = imported_plans[HUNAN]
    plan_publish(plan=plan, user=office_user)
    return plan


def test_unit_signs_all_of_a_plans_tasks_with_one_contact(published_hunan, client):
    unit = _busiest_lead(published_hunan)
    pending = pending_acknowledgements(unit=unit).filter(task__plan=published_hunan).count()
    assert pending > 1
    client.force_login(make_user(units=[unit]))
    page = client.get(reverse("supervision:home")).content.decode()
    assert f"全部签收({pending} 项)" in page
    response = client.post(
        reverse("supervision:acknowledge-plan", args=[published_hunan.pk]),
        {"unit": unit.pk, "responsible_person": "李四", "phone": "0731-88886666"},
    )
    assert response.status_code == 302
    signed = TaskAcknowledgement.objects.filter(unit=unit, task__plan=published_hunan)
    assert signed.count() == pending
    assert set(signed.values_list("responsible_person", "phone")) == {("李四", "0731-88886666")}


def test_bulk_sign_for_another_unit_is_refused_and_signs_nothing(published_hunan, client):
    unit = _busiest_lead(published_hunan)
    other = (
        Unit.objects.filter(task_units__task__plan=published_hunan, task_units__role=UnitRole.LEAD)
        .exclude(pk=unit.pk)
        .first()
    )
    client.force_login(make_user(units=[other]))
    response = client.post(
        reverse("supervision:acknowledge-plan", args=[published_hunan.pk]),
        {"unit": unit.pk, "responsible_person": "李四", "phone": "0731-88886666"},
    )
    assert response.status_code == 400
    assert f"您不属于{unit.name}" in response.content.decode()
    assert not TaskAcknowledgement.objects.exists()


def test_bulk_sign_with_a_bad_phone_signs_nothing(published_hunan, client):
    unit = _busiest_lead(published_hunan)
    client.force_login(make_user(units=[unit]))
    response = client.post(
        reverse("supervision:acknowledge-plan", args=[published_hunan.pk]),
        {"unit": unit.pk, "responsible_person": "李四", "phone": "abc"},
    )
    assert response.status_code == 400
    assert "请填写有效的电话号码" in response.content.decode()
    assert not TaskAcknowledgement.objects.exists()


def test_bulk_sign_of_an_unpublished_plan_names_it(imported_plans, office_user):
    plan = imported_plans[XIANGXI]
    unit = _busiest_lead(plan)
    user = make_user(units=[unit])
    with pytest.raises(Exception, match="尚未交办"):
        plan_acknowledge_all(plan=plan, unit=unit, user=user)


def test_office_supervision_page_shows_the_real_signing_state(published_hunan, office_user, client):
    unit = _busiest_lead(published_hunan)
    plan_acknowledge_all(plan=published_hunan, unit=unit, user=make_user(units=[unit]))
    signed = TaskAcknowledgement.objects.count()
    total = (
        published_hunan.tasks.filter(task_units__role=UnitRole.LEAD).values("task_units").count()
    )
    client.force_login(office_user)
    page = client.get(reverse("supervision:home")).content.decode()
    row = page.split(f"<td>{published_hunan.title}</td>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{signed}</td><td>{total}</td><td>{total - signed}</td>" in row


def test_office_issues_proposed_notices_by_colour_then_cancels_one_units(
    published_hunan, office_user, client
):
    proposed = notices_propose(as_of=date(2021, 12, 20))
    colours = {notice.colour for notice in proposed}
    assert len(proposed) > 1
    client.force_login(office_user)
    page = client.get(reverse("supervision:proposed")).content.decode()
    assert f"待确认督办单({len(proposed)})" in page

    colour = sorted(colours)[0]
    response = client.post(reverse("supervision:proposed"), {"action": "issue", "colour": colour})
    assert response.status_code == 302
    issued = EscalationNotice.objects.filter(status=NoticeStatus.ISSUED)
    assert issued.count() == sum(1 for n in proposed if n.colour == colour)
    assert not issued.exclude(colour=colour).exists()

    left = EscalationNotice.objects.filter(status=NoticeStatus.PROPOSED).first()
    if left is not None:
        same_unit = EscalationNotice.objects.filter(
            status=NoticeStatus.PROPOSED, unit=left.unit
        ).count()
        client.post(reverse("supervision:proposed"), {"action": "cancel", "unit": left.unit_id})
        assert (
            EscalationNotice.objects.filter(status=NoticeStatus.CANCELLED, unit=left.unit).count()
            == same_unit
        )


@pytest.mark.parametrize(
    "data",
    [
        {"action": "issue"},
        {"action": "drop", "colour": NoticeColour.RED},
        {"action": "issue", "colour": "purple"},
        {"action": "issue", "unit": "x1"},
    ],
)
def test_bad_group_decision_is_refused_and_changes_nothing(
    data, published_hunan, office_user, client
):
    notices_propose(as_of=date(2021, 12, 20))
    client.force_login(office_user)
    response = client.post(reverse("supervision:proposed"), data)
    assert response.status_code == 400
    assert not EscalationNotice.objects.exclude(status=NoticeStatus.PROPOSED).exists()


def test_leader_sees_proposed_groups_but_cannot_decide(published_hunan, leader_user, client):
    notices_propose(as_of=date(2021, 12, 20))
    client.force_login(leader_user)
    page = client.get(reverse("supervision:proposed"))
    assert page.status_code == 200 and "全部下发" not in page.content.decode()
    response = client.post(
        reverse("supervision:proposed"), {"action": "issue", "colour": NoticeColour.RED}
    )
    assert response.status_code == 403
