"""My tasks (/): filtered by TaskFilterSet, most urgent first, red/amber/green, fixed queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.choices import TaskStatus
from tasks.models import Task, Urgency
from tasks.services import report_submit

from .conftest import make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_tasks():
    today = timezone.localdate()
    mine, partner = make_unit("州市场监督管理局"), make_unit("州税务局")
    plan_a, plan_b = make_plan(title="方案甲"), make_plan(title="方案乙")
    tasks = {
        "later": make_task(plan=plan_a, lead_units=[mine], due_on=today + timedelta(days=90)),
        "overdue": make_task(plan=plan_a, lead_units=[mine], due_on=today - timedelta(days=3)),
        "soon": make_task(
            plan=plan_b,
            lead_units=[partner],
            responsible_units=[mine],
            due_on=today + timedelta(days=5),
        ),
        "ongoing": make_task(plan=plan_b, lead_units=[mine], is_ongoing=True),
        "done": make_task(
            plan=plan_b,
            lead_units=[mine],
            due_on=today - timedelta(days=30),
            status=TaskStatus.COMPLETED,
            completed_on=today - timedelta(days=40),
        ),
    }
    make_task(lead_units=[make_unit("州公安局")])  # another unit's task
    return {
        "user": make_user(units=[mine]),
        "tasks": tasks,
        "plans": (plan_a, plan_b),
        "today": today,
    }


def listed(client, query=""):
    return list(client.get(f"/{query}").context["page"])


def test_tasks_are_sorted_by_urgency(client, my_tasks):
    client.force_login(my_tasks["user"])
    t = my_tasks["tasks"]
    assert listed(client) == [t["overdue"], t["soon"], t["later"], t["ongoing"], t["done"]]


def test_red_amber_green_marks_and_days(client, my_tasks):
    client.force_login(my_tasks["user"])
    rows = {task.pk: task for task in listed(client)}
    t = my_tasks["tasks"]
    assert rows[t["overdue"].pk].urgency == Urgency.RED
    assert rows[t["soon"].pk].urgency == Urgency.AMBER
    assert rows[t["later"].pk].urgency == Urgency.GREEN
    assert rows[t["done"].pk].urgency == Urgency.DONE
    content = client.get("/").content.decode()
    assert "逾期 3 天" in content
    assert "剩余 5 天" in content
    assert "长期坚持" in content


def test_task_due_today_says_so(client, my_tasks):
    task = my_tasks["tasks"]["later"]
    task.deadline.due_on = my_tasks["today"]
    task.deadline.save()
    client.force_login(my_tasks["user"])
    assert "今天到期" in client.get("/").content.decode()
    assert "今天到期" in client.get(f"/tasks/{task.pk}/").content.decode()


def test_task_page_shows_days_overdue_or_left(client, my_tasks):
    client.force_login(my_tasks["user"])
    t = my_tasks["tasks"]
    assert "已逾期 3 天" in client.get(f"/tasks/{t['overdue'].pk}/").content.decode()
    assert "剩余 90 天" in client.get(f"/tasks/{t['later'].pk}/").content.decode()
    done = client.get(f"/tasks/{t['done'].pk}/").content.decode()
    assert (
        "已逾期" not in done
        and f"已于{my_tasks['today'] - timedelta(days=40):%Y年%-m月%-d日}销号" in done
    )


def test_filter_by_role(client, my_tasks):
    client.force_login(my_tasks["user"])
    assert listed(client, "?role=responsible") == [my_tasks["tasks"]["soon"]]
    assert my_tasks["tasks"]["soon"] not in listed(client, "?role=lead")


def test_filter_by_plan_and_status(client, my_tasks):
    client.force_login(my_tasks["user"])
    plan_a = my_tasks["plans"][0]
    t = my_tasks["tasks"]
    assert listed(client, f"?plan={plan_a.pk}") == [t["overdue"], t["later"]]
    assert listed(client, "?status=completed") == [t["done"]]


def test_filter_due_soon_and_overdue(client, my_tasks):
    client.force_login(my_tasks["user"])
    t = my_tasks["tasks"]
    assert listed(client, "?due_soon=true") == [t["soon"]]
    assert listed(client, "?overdue=true") == [t["overdue"]]


def test_dashboard_link_parameters_are_honoured(client, my_tasks, office_user):
    """The dashboard links to /?lead_unit=..&overdue=true&as_of=..&due_before=.. ."""
    client.force_login(office_user)
    t = my_tasks["tasks"]
    lead = t["later"].lead_units[0]
    as_of = (my_tasks["today"] + timedelta(days=100)).isoformat()
    rows = listed(client, f"?lead_unit={lead.pk}&overdue=true&as_of={as_of}")
    assert rows == [t["overdue"], t["later"]]
    due_before = (my_tasks["today"] + timedelta(days=10)).isoformat()
    rows = listed(client, f"?lead_unit={lead.pk}&due_before={due_before}&due_after=2000-01-01")
    assert set(rows) == {t["overdue"], t["done"]}
    page = client.get(f"/?lead_unit={lead.pk}&as_of={as_of}")
    assert f'name="lead_unit" value="{lead.pk}"' in page.content.decode()


def test_last_report_date_is_shown(client, my_tasks):
    user = my_tasks["user"]
    task = my_tasks["tasks"]["later"]
    report_submit(
        task=task, user=user, status="in_progress", progress=20, text="x", expected_version=1
    )
    client.force_login(user)
    rows = {row.pk: row for row in listed(client)}
    assert rows[task.pk].last_report_at is not None
    assert rows[my_tasks["tasks"]["overdue"].pk].last_report_at is None
    assert timezone.localdate().strftime("%Y-%m-%d") in client.get("/").content.decode()


def test_query_count_does_not_grow_with_the_number_of_tasks(
    client, my_tasks, django_assert_max_num_queries
):
    client.force_login(my_tasks["user"])
    unit = my_tasks["tasks"]["later"].lead_units[0]
    for _ in range(40):
        make_task(plan=my_tasks["plans"][0], lead_units=[unit])
    # session, user, groups, count, memberships (unit ids), page of tasks,
    # task_units prefetch, units prefetch, plan choices, tasks to 签收, 督办单 to answer,
    # reporting rules in use and the holiday list (for the 未按期报送 mark), unread messages (the bell)
    with django_assert_max_num_queries(14):
        response = client.get("/")
    assert response.context["page"].paginator.count == 45


def test_due_soon_queryset_excludes_completed_and_ongoing(my_tasks):
    today = my_tasks["today"]
    t = my_tasks["tasks"]
    assert list(Task.objects.due_soon(today)) == [t["soon"]]
    assert list(Task.objects.due_soon(today, days=100).order_by("deadline__due_on")) == [
        t["soon"],
        t["later"],
    ]


def test_api_shares_the_role_and_due_soon_filters(client, my_tasks):
    client.force_login(my_tasks["user"])
    t = my_tasks["tasks"]
    rows = client.get("/api/tasks/?role=responsible").json()["results"]
    assert [row["id"] for row in rows] == [t["soon"].pk]
    rows = client.get("/api/tasks/?due_soon=true").json()["results"]
    assert [row["id"] for row in rows] == [t["soon"].pk]


def test_unit_user_is_pointed_to_tasks_to_acknowledge_and_notices_to_answer(client, my_tasks):
    from supervision.choices import NoticeColour, NoticeStatus
    from supervision.models import EscalationNotice, PlanPublication

    later = my_tasks["tasks"]["later"]
    client.force_login(my_tasks["user"])
    assert "待签收" not in client.get("/").content.decode()
    PlanPublication.objects.create(plan=later.plan, published_at=timezone.now())
    EscalationNotice.objects.create(
        task=later,
        unit=later.lead_units[0],
        colour=NoticeColour.RED,
        reason="逾期",
        status=NoticeStatus.ISSUED,
        confirmed_at=timezone.now(),
    )
    content = client.get("/").content.decode()
    # plan 方案甲 holds two open tasks my unit leads: "later" and "overdue"
    assert "有 <strong>2</strong> 项交办任务待签收" in content
    assert "有 <strong>1</strong> 份督办单待回复" in content
    assert 'href="/supervision/"' in content
    # ...and each task's page says what waits for that task.
    page = client.get(f"/tasks/{later.pk}/").content.decode()
    assert "本任务待签收" in page and "有 <strong>1</strong> 份督办单待回复" in page
    other = client.get(f"/tasks/{my_tasks['tasks']['overdue'].pk}/").content.decode()
    assert "本任务待签收" in other and "督办单待回复" not in other


def test_unit_without_tasks_is_told_why_the_list_is_empty(client):
    client.force_login(make_user(units=[make_unit("州档案馆")]))
    content = client.get("/").content.decode()
    assert "<h1>我的任务</h1>" in content
    assert "本单位目前没有牵头或责任任务" in content
    assert "没有符合条件的任务" not in content


def test_user_without_a_unit_sees_my_tasks_and_whom_to_ask(client):
    make_task(lead_units=[make_unit()])
    client.force_login(make_user())
    content = client.get("/").content.decode()
    assert "<h1>我的任务</h1>" in content and "全部任务" not in content
    assert "还没有关联单位" in content


def test_empty_filtered_list_offers_to_clear_the_filter(client, my_tasks):
    client.force_login(my_tasks["user"])
    content = client.get("/", {"q": "不存在的关键词"}).content.decode()
    assert "没有符合条件的任务" in content and "清除筛选" in content
