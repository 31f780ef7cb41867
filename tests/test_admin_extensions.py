"""延期申请 in the admin: the office approves or rejects pending requests through the services."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from deadlines.choices import ExtensionStatus
from deadlines.services import extension_request

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:deadlines_deadlineextension_changelist")


@pytest.fixture
def pending():
    lead = make_unit("州发改委")
    task = make_task(lead_units=[lead], due_on=date(2022, 6, 30))
    return extension_request(
        task=task,
        user=make_user(units=[lead]),
        requested_due_on=date(2022, 10, 31),
        reason="项目审批延后",
    )


def decide(client, action, extension, note=""):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [extension.pk], "apply": "1", "note": note},
        follow=True,
    )


def test_pending_requests_are_listed_with_old_and_new_dates(client, office_user, pending):
    client.force_login(office_user)
    html = client.get(CHANGELIST, {"status__exact": "pending"}).content.decode()
    assert "2022年06月30日" in html and "2022年10月31日" in html and "项目审批延后" in html


def test_approve_moves_the_deadline_and_keeps_the_old_date(client, office_user, pending):
    client.force_login(office_user)
    response = decide(client, "approve", pending, note="同意")
    pending.refresh_from_db()
    pending.deadline.refresh_from_db()
    assert "已批准 1 项延期申请。" in [str(m) for m in get_messages(response.wsgi_request)]
    assert pending.status == ExtensionStatus.APPROVED
    assert (pending.previous_due_on, pending.deadline.due_on) == (
        date(2022, 6, 30),
        date(2022, 10, 31),
    )
    assert pending.decided_by == office_user


def test_reject_needs_a_note_and_leaves_the_deadline(client, office_user, pending):
    client.force_login(office_user)
    response = decide(client, "reject", pending)
    html = response.content.decode()
    # The form stays open with the error beside the field, the choice not lost.
    assert 'name="apply"' in html and "驳回时请填写意见" in html
    assert f'name="_selected_action" value="{pending.pk}"' in html
    pending.refresh_from_db()
    assert pending.status == ExtensionStatus.PENDING

    decide(client, "reject", pending, note="理由不充分")
    pending.refresh_from_db()
    pending.deadline.refresh_from_db()
    assert pending.status == ExtensionStatus.REJECTED
    assert pending.deadline.due_on == date(2022, 6, 30)


def test_leader_cannot_decide(client, leader_user, pending):
    client.force_login(leader_user)
    decide(client, "approve", pending)
    pending.refresh_from_db()
    assert pending.status == ExtensionStatus.PENDING
