"""The message centre: who gets which message, the bell, read/unread, filters, the API, pruning."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deadlines.services import extension_approve, extension_reject, extension_request
from notifications.models import Notification
from supervision.services import notice_issue, notices_propose, plan_publish
from tasks.choices import TaskStatus
from tasks.events import EventKind
from tasks.services import task_complete_verify, task_reopen
from units.choices import UnitRole

from .conftest import XIANGXI, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


def _lead_user(task):
    unit = task.task_units.filter(role=UnitRole.LEAD).first().unit
    return make_user(units=[unit]), unit


@pytest.fixture
def xiangxi_task(imported_plans):
    plan = imported_plans[XIANGXI]
    return plan.tasks.filter(task_units__role=UnitRole.LEAD).order_by("number").first()


def test_publishing_a_plan_tells_each_lead_unit_how_many_tasks_it_leads(
    imported_plans, office_user
):
    plan = imported_plans[XIANGXI]
    task = plan.tasks.filter(task_units__role=UnitRole.LEAD).order_by("number").first()
    user, unit = _lead_user(task)
    plan_publish(plan=plan, user=office_user)
    led = plan.tasks.filter(task_units__unit=unit, task_units__role=UnitRole.LEAD).count()
    note = Notification.objects.get(recipient=user)
    assert note.kind == EventKind.TASK_ASSIGNED
    assert f"牵头{led}项任务" in note.title and plan.title in note.title
    plan_publish(plan=plan, user=office_user)  # publishing again says nothing new
    assert Notification.objects.filter(recipient=user).count() == 1


def test_issued_notice_reaches_the_units_users_not_others(imported_plans, office_user):
    plan = imported_plans[XIANGXI]
    plan_publish(plan=plan, user=office_user)
    Notification.objects.all().delete()
    proposed = notices_propose(as_of=date(2020, 12, 1))
    notice = proposed[0]
    user = make_user(units=[notice.unit])
    stranger = make_user(units=[make_unit()])
    assert not Notification.objects.exists()  # proposing is the office's business
    notice_issue(notices=[notice], user=office_user)
    note = Notification.objects.get(recipient=user)
    assert note.kind == EventKind.NOTICE_ISSUED and str(notice.task) in note.title
    assert note.url == reverse("supervision:home")
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_extension_decisions_are_announced_to_the_requesting_unit(xiangxi_task, office_user):
    user, _ = _lead_user(xiangxi_task)
    first = extension_request(
        task=xiangxi_task, user=user, requested_due_on=date(2020, 12, 31), reason="疫情"
    )
    extension_reject(extension=first, user=office_user, note="理由不充分")
    second = extension_request(
        task=xiangxi_task, user=user, requested_due_on=date(2020, 12, 31), reason="疫情影响施工"
    )
    extension_approve(extension=second, user=office_user)
    titles = list(
        Notification.objects.filter(recipient=user, kind=EventKind.EXTENSION_DECIDED)
        .order_by("pk")
        .values_list("title", "body")
    )
    assert titles[0][0].startswith("延期申请已驳回") and titles[0][1] == "理由不充分"
    assert titles[1][0].startswith("延期申请已批准")


def test_completion_verified_and_rejected_are_announced(xiangxi_task, office_user):
    user, _ = _lead_user(xiangxi_task)
    xiangxi_task.status = TaskStatus.COMPLETION_REQUESTED
    xiangxi_task.save()
    task_reopen(
        task=xiangxi_task, user=office_user, expected_version=xiangxi_task.version, reason="缺材料"
    )
    xiangxi_task.refresh_from_db()
    task_complete_verify(task=xiangxi_task, user=office_user, expected_version=xiangxi_task.version)
    titles = list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True)
    )
    assert titles[0].startswith("销号申请未通过") and titles[1].startswith("任务已销号")


def test_a_rolled_back_workflow_leaves_no_message(xiangxi_task, office_user):
    user, _ = _lead_user(xiangxi_task)
    with pytest.raises(RuntimeError), transaction.atomic():
        task_complete_verify(
            task=xiangxi_task, user=office_user, expected_version=xiangxi_task.version
        )
        raise RuntimeError("later step failed")
    assert not Notification.objects.filter(recipient=user).exists()


def test_bell_shows_unread_count_and_opening_marks_read(xiangxi_task, office_user, client):
    user, _ = _lead_user(xiangxi_task)
    task_complete_verify(task=xiangxi_task, user=office_user, expected_version=xiangxi_task.version)
    client.force_login(user)
    page = client.get(reverse("portal:task-list")).content.decode()
    assert 'class="bell-count" data-bell-count' in page and ">1</span>" in page
    note = Notification.objects.get(recipient=user)
    response = client.get(reverse("notifications:notification", args=[note.pk]))
    assert response["Location"] == reverse("portal:task-detail", args=[xiangxi_task.pk])
    note.refresh_from_db()
    assert note.is_read
    page = client.get(reverse("portal:task-list")).content.decode()
    assert "data-bell-count" in page and " hidden>0</span>" in page


def test_nobody_opens_another_users_message(xiangxi_task, office_user, client):
    _lead_user(xiangxi_task)
    task_complete_verify(task=xiangxi_task, user=office_user, expected_version=xiangxi_task.version)
    note = Notification.objects.first()
    client.force_login(make_user(units=[make_unit()]))
    assert client.get(reverse("notifications:notification", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:mark-read"), {"id": note.pk}).status_code == 302
    note.refresh_from_db()
    assert not note.is_read


def test_inbox_filters_by_kind_and_unread(db, client):
    user = make_user(units=[make_unit()])
    Notification.objects.create(recipient=user, kind=EventKind.REMINDER, title="提醒甲")
    Notification.objects.create(
        recipient=user, kind=EventKind.NOTICE_ISSUED, title="督办乙", read_at=timezone.now()
    )
    client.force_login(user)
    page = client.get(reverse("notifications:inbox"), {"kind": EventKind.REMINDER}).content.decode()
    assert "提醒甲" in page and "督办乙" not in page
    page = client.get(reverse("notifications:inbox"), {"unread": "1"}).content.decode()
    assert "提醒甲" in page and "督办乙" not in page
    assert client.get(reverse("notifications:inbox"), {"kind": "bogus"}).status_code == 400
    client.post(reverse("notifications:mark-read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_api_lists_only_own_messages_and_marks_them_read(db, client):
    user = make_user(units=[make_unit()])
    other = make_user(units=[make_unit()])
    mine = Notification.objects.create(recipient=user, kind=EventKind.REMINDER, title="我的")
    theirs = Notification.objects.create(recipient=other, kind=EventKind.REMINDER, title="别人的")
    client.force_login(user)
    listed = client.get("/api/notifications/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/api/notifications/{mine.pk}/read/").json() == {"marked": 1}
    assert client.get("/api/notifications/?unread=true").json()["count"] == 0
    Notification.objects.create(recipient=user, kind=EventKind.REMINDER, title="再一条")
    assert client.post("/api/notifications/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_messages_are_kept_one_year(db):
    user = make_user()
    old = Notification.objects.create(
        recipient=user,
        kind=EventKind.REMINDER,
        title="旧",
        created_at=timezone.now() - timedelta(days=366),
    )
    recent = Notification.objects.create(
        recipient=user,
        kind=EventKind.REMINDER,
        title="新",
        created_at=timezone.now() - timedelta(days=300),
    )
    call_command("prune_notifications", stdout=open("/dev/null", "w"))
    assert not Notification.objects.filter(pk=old.pk).exists()
    assert Notification.objects.filter(pk=recent.pk).exists()


def test_lead_assignment_tells_the_new_lead_unit(db, office_user):
    from tasks.services import task_lead_assign

    task = make_task(lead_units=[make_unit()])
    new_unit = make_unit()
    user = make_user(units=[new_unit])
    task_lead_assign(
        task=task, user=office_user, unit=new_unit, replace=True, expected_version=task.version
    )
    assert Notification.objects.get(recipient=user).kind == EventKind.TASK_ASSIGNED
