"""The reminder digest (send_reminders) and 签收: where the unit is sent to acknowledge."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from supervision.models import PlanPublication
from tests.conftest import make_plan, make_task, make_unit, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_unacknowledged_tasks_in_the_digest_point_to_the_acknowledgement_page(settings):
    settings.PORTAL_BASE_URL = "https://gzdb.example.gov.cn"
    unit = make_unit("甲局")
    user = make_user(units=[unit])
    user.email = "jia@example.gov.cn"
    user.save()
    plan = make_plan(issued_on=date(2030, 5, 1))
    task = make_task(plan=plan, due_on=date(2030, 12, 31), lead_units=[unit])
    # Published Monday 3 June 2030: three working days to acknowledge, overdue on the 10th.
    PlanPublication.objects.create(plan=plan, published_at=datetime(2030, 6, 3, 9, tzinfo=SHANGHAI))

    call_command("send_reminders", "--date", "2030-06-10", stdout=open("/dev/null", "w"))

    [message] = mail.outbox
    section = message.body.split("【交办后逾期未签收】")[1].split("【")[0]
    assert task.title in section
    # The task page has no 签收 button: the digest sends the unit to the page that has one.
    assert f"https://gzdb.example.gov.cn{reverse('supervision:home')}" in section
    assert f"/tasks/{task.pk}/" not in section
    # The other sections still link each task to its own page.
    unreported = message.body.split("【未按报送周期报送进展】")[1].split("【")[0]
    assert f"https://gzdb.example.gov.cn/tasks/{task.pk}/" in unreported
