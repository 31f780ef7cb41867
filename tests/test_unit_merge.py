"""Merging two units: every assignment, report, request and user moves; the name becomes an alias."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from deadlines.models import DeadlineExtension
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, TaskUnit
from units.models import Unit, UnitAlias, UnitMembership
from units.services import unit_merge

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units():
    target = make_unit("人民银行湘西州中心支行")
    source = make_unit("人行湘西州中心支行")
    UnitAlias.objects.create(unit=source, name="人行湘西中支")
    both = make_task(lead_units=[target, source])  # same role on one task: one link stays
    lead_only = make_task(lead_units=[source])
    mixed = make_task(lead_units=[target], responsible_units=[source])
    ProgressReport.objects.create(
        task=lead_only, unit=source, status=TaskStatus.IN_PROGRESS, progress=20, text="推进中"
    )
    DeadlineExtension.objects.create(
        deadline=lead_only.deadline,
        previous_due_on=date(2020, 6, 30),
        requested_due_on=date(2020, 9, 30),
        reason="理由",
        unit=source,
    )
    shared_user = make_user(units=[target, source])
    source_user = make_user(units=[source])
    return {
        "target": target,
        "source": source,
        "tasks": (both, lead_only, mixed),
        "users": (shared_user, source_user),
    }


def test_merge_moves_everything_and_keeps_the_old_name_as_alias(two_units, office_user):
    target, source = two_units["target"], two_units["source"]
    both, lead_only, mixed = two_units["tasks"]

    unit_merge(source=source, target=target, user=office_user)

    assert not Unit.objects.filter(name="人行湘西州中心支行").exists()
    assert Unit.objects.resolve("人行湘西州中心支行") == target
    assert Unit.objects.resolve("人行湘西中支") == target
    assert both.lead_units == [target]
    assert lead_only.lead_units == [target]
    assert (mixed.lead_units, mixed.responsible_units) == ([target], [target])
    assert TaskUnit.objects.filter(unit=target).count() == 4
    assert ProgressReport.objects.get().unit == target
    assert DeadlineExtension.objects.get().unit == target
    for user in two_units["users"]:
        assert list(UnitMembership.objects.filter(user=user).values_list("unit", flat=True)) == [
            target.pk
        ]


def test_merge_requires_the_office_and_two_different_units(two_units, leader_user, office_user):
    with pytest.raises(PermissionDenied):
        unit_merge(source=two_units["source"], target=two_units["target"], user=leader_user)
    with pytest.raises(ValidationError):
        unit_merge(source=two_units["target"], target=two_units["target"], user=office_user)


def test_merge_from_the_admin_unit_list(client, office_user, two_units):
    client.force_login(office_user)
    changelist = reverse("admin:units_unit_changelist")
    selected = [two_units["target"].pk, two_units["source"].pk]
    form = client.post(changelist, {"action": "merge_units", "_selected_action": selected})
    assert "保留的单位" in form.content.decode()

    response = client.post(
        changelist,
        {
            "action": "merge_units",
            "_selected_action": selected,
            "apply": "1",
            "target": two_units["target"].pk,
        },
        follow=True,
    )

    assert any(
        "已将“人行湘西州中心支行”并入" in str(m) for m in get_messages(response.wsgi_request)
    )
    assert Unit.objects.count() == 1


def test_unit_list_counts_tasks_by_role_and_overdue_in_bounded_queries(
    client, office_user, django_assert_max_num_queries
):
    unit = make_unit("州政务服务中心")
    make_task(lead_units=[unit], due_on=date(2020, 1, 31))
    make_task(responsible_units=[unit], is_ongoing=True)
    for _ in range(30):
        make_unit()
    client.force_login(office_user)
    # session, user, permissions (2), counts (2), the page of units, the 所属区划 filter choices,
    # and the bell's unread-message count
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:units_unit_changelist"), {"q": "政务服务"})
    row = response.context["cl"].result_list[0]
    assert (row.lead_count, row.responsible_count, row.overdue_count) == (1, 1, 1)
    assert client.get(reverse("admin:units_unit_changelist")).status_code == 200


def test_merge_moves_notices_acknowledgements_and_reminder_logs(two_units, office_user):
    from django.utils import timezone

    from portal.models import ReminderLog
    from supervision.models import EscalationNotice, TaskAcknowledgement

    source, target = two_units["source"], two_units["target"]
    _, lead_only, _ = two_units["tasks"]
    notice = EscalationNotice.objects.create(
        task=lead_only, unit=source, colour="red", reason="逾期"
    )
    ack = TaskAcknowledgement.objects.create(
        task=lead_only, unit=source, acknowledged_at=timezone.now(), responsible_person="张三"
    )
    today = date(2026, 11, 20)
    ReminderLog.objects.create(unit=source, sent_on=today)  # both reminded that day: one stays
    ReminderLog.objects.create(unit=target, sent_on=today)
    ReminderLog.objects.create(unit=source, sent_on=date(2026, 11, 19))

    unit_merge(source=source, target=target, user=office_user)

    notice.refresh_from_db()
    ack.refresh_from_db()
    assert notice.unit == target
    assert ack.unit == target and ack.responsible_person == "张三"
    assert sorted(ReminderLog.objects.values_list("sent_on", flat=True)) == [
        date(2026, 11, 19),
        today,
    ]
    assert set(ReminderLog.objects.values_list("unit", flat=True)) == {target.pk}


def test_merge_refuses_when_both_units_acknowledged_the_same_task(two_units, office_user):
    from django.utils import timezone

    from supervision.models import TaskAcknowledgement

    source, target = two_units["source"], two_units["target"]
    both, _, _ = two_units["tasks"]
    for unit in (source, target):
        TaskAcknowledgement.objects.create(task=both, unit=unit, acknowledged_at=timezone.now())

    with pytest.raises(ValidationError, match="任务签收"):
        unit_merge(source=source, target=target, user=office_user)

    assert Unit.objects.filter(pk=source.pk).exists()
    assert TaskUnit.objects.filter(unit=source).count() == 3


def test_units_of_two_governments_are_never_merged(office_user):
    from regions.models import Region

    xiangyang = make_unit("市行政审批局", region=Region.objects.get(code="420600"))
    xiangtan = make_unit("市行政审批局", region=Region.objects.get(code="430300"))
    task = make_task(lead_units=[xiangtan])
    with pytest.raises(
        ValidationError, match="襄阳市 · 市行政审批局.*湘潭市 · 市行政审批局.*不同的政府"
    ):
        unit_merge(source=xiangyang, target=xiangtan, user=office_user)
    with pytest.raises(ValidationError, match="不同的政府"):
        unit_merge(source=xiangtan, target=xiangyang, user=office_user)
    assert Unit.objects.filter(name="市行政审批局").count() == 2
    assert task.lead_units == [xiangtan]
