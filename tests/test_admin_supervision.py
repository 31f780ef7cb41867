"""Supervision in the office workbench: 交办 a plan, and the feedback the clerk gets."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from supervision.models import PlanPublication

from .conftest import make_plan

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:supervision_publishableplan_changelist")


def publish(client, plan):
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [plan.pk]}, follow=True
    )
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_publishing_again_says_the_plan_was_already_published(client, office_user):
    plan = make_plan()
    client.force_login(office_user)

    first = publish(client, plan)
    published_at = PlanPublication.objects.get(plan=plan).published_at
    second = publish(client, plan)

    assert first == ["已交办1个方案,各牵头单位须在门户签收任务"]
    assert second == ["1个方案此前已交办,交办时间不变"]
    assert PlanPublication.objects.get(plan=plan).published_at == published_at


def test_notice_list_names_and_filters_by_plan_in_a_fixed_number_of_queries(
    client, office_user, django_assert_max_num_queries
):
    """Task numbers repeat across plans: the clerk sees and filters by the plan."""
    from datetime import date

    from supervision.models import EscalationNotice

    from .conftest import make_task, make_unit

    unit = make_unit()
    plans = [make_plan(title=f"第{n}号方案") for n in (1, 2)]
    for plan in plans:
        for number in (1, 2, 3):
            EscalationNotice.objects.create(
                task=make_task(plan=plan, number=number, lead_units=[unit]),
                unit=unit,
                colour="red",
                reason="逾期",
                proposed_on=date(2020, 7, 1),
            )
    client.force_login(office_user)
    url = reverse("admin:supervision_escalationnotice_changelist")
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "第1号方案" in page and "第2号方案" in page
    filtered = client.get(url, {"task__plan__id__exact": plans[0].pk})
    assert filtered.context["cl"].result_count == 3
