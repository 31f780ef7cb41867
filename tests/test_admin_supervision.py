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
