"""The dashboard's default date: today on a real deployment, the demo date (with a banner
saying so) when the demo data is loaded (`DemoSetting`, written by `manage.py demo_history`)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from dashboard.models import DemoSetting

from .conftest import make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db

BANNER = "演示数据:按 2021年6月18日 显示"


@pytest.fixture
def two_tasks():
    """Due 30 June 2021 (overdue today, not on the demo date) and 10 June 2021 (overdue on both)."""
    unit = make_unit("演示单位")
    plan = make_plan(title="演示方案", issued_on=date(2021, 2, 1), year=2021)
    make_task(plan=plan, number=1, lead_units=[unit], due_on=date(2021, 6, 30))
    make_task(plan=plan, number=2, lead_units=[unit], due_on=date(2021, 6, 10))
    return plan


def overdue_figure(page: str) -> int:
    head, _, _ = page.partition('<span class="label">已逾期</span>')
    return int(head.rsplit('<span class="value">', 1)[1].split("<", 1)[0])


def test_without_demo_data_the_dashboard_opens_on_today(client, leader_user, two_tasks):
    client.force_login(leader_user)
    page = client.get("/dashboard/").content.decode()
    assert "演示数据" not in page
    assert f"截至 {timezone.localdate():%Y年%-m月%-d日}" in page
    assert overdue_figure(page) == 2


def test_with_demo_data_the_dashboard_opens_on_the_demo_date_and_says_so(
    client, leader_user, two_tasks, django_assert_max_num_queries
):
    DemoSetting.objects.create(pk=1, as_of=date(2021, 6, 18))
    client.force_login(leader_user)
    # The page's budget at a given date (with the red-notice list) plus one query for the
    # demo date.
    with django_assert_max_num_queries(22):
        page = client.get("/dashboard/").content.decode()
    assert BANNER in page
    assert "截至 2021年6月18日" in page
    assert overdue_figure(page) == 1  # only the task due 10 June
    today = timezone.localdate().isoformat()
    assert f'href="?as_of={today}&amp;plan_closed=false">查看今天</a>' in page


def test_a_chosen_date_wins_over_the_demo_date_without_banner(client, leader_user, two_tasks):
    DemoSetting.objects.create(pk=1, as_of=date(2021, 6, 18))
    client.force_login(leader_user)
    page = client.get("/dashboard/?as_of=2021-07-01").content.decode()
    assert "演示数据" not in page
    assert "截至 2021年7月1日" in page
    assert overdue_figure(page) == 2


def test_the_bulletin_follows_the_dashboard_s_demo_date(client, leader_user, two_tasks):
    DemoSetting.objects.create(pk=1, as_of=date(2021, 6, 18))
    client.force_login(leader_user)
    page = client.get("/dashboard/bulletin/").content.decode()
    assert "2021年6月18日" in page


def test_only_one_demo_setting_row():
    DemoSetting.objects.create(pk=1, as_of=date(2021, 6, 18))
    with pytest.raises(IntegrityError):
        DemoSetting.objects.create(pk=2, as_of=date(2021, 6, 30))


def test_demo_history_without_the_plans_says_so_and_writes_nothing():
    err = StringIO()
    call_command("demo_history", stdout=StringIO(), stderr=err)
    assert "演示历史未生成:请先导入五个示例方案(load_policies)" in err.getvalue()
    assert not DemoSetting.objects.exists()
