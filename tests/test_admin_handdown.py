"""The office's screens for 交办 to collectives and linked plans (issue 12, points 5 and 6)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from tasks.choices import TaskLinkStatus
from tasks.links import task_links_propose
from tasks.models import Task, TaskLink, TaskUnit
from units.models import Unit

from .conftest import HUNAN, XIANGTAN

TASKS = reverse("admin:tasks_task_changelist")
PLANS = reverse("admin:tasks_plan_changelist")
LINKS = reverse("admin:tasks_tasklink_changelist")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_hand_down_action_fans_out_and_the_task_page_shows_the_roll_up(
    regional_plans, client, office_user
):
    client.force_login(office_user)
    tasks = list(Task.objects.filter(plan=regional_plans[HUNAN], number__in=(1, 28)))
    shizhou = Unit.objects.filter(name="各市州人民政府").distinct().get()
    selected = {"action": "hand_down", "_selected_action": [t.pk for t in tasks]}

    form = client.post(TASKS, selected)
    assert "各市州人民政府" in form.content.decode()
    assert not TaskUnit.objects.filter(collective_link__isnull=False).exists()

    response = client.post(TASKS, {**selected, "apply": "1", "collective": shizhou.pk}, follow=True)
    assert "已将“各市州人民政府”分解交办,新增 28 个承办单位。" in messages_of(response)

    page = client.get(reverse("admin:tasks_task_change", args=[tasks[0].pk])).content.decode()
    assert "湖南省 · 各市州人民政府</strong>:14 个成员,已报送 0,已完成 0,逾期 14" in page
    assert "长沙市 · 长沙市人民政府:未开始(0%),逾期" in page


def test_hand_down_to_a_region_without_members_shows_the_reason(
    imported_plans, client, office_user
):
    client.force_login(office_user)
    plan = imported_plans[HUNAN]
    plan.region = None  # a plan whose government nobody confirmed
    plan.save(update_fields=["region"])
    task = Task.objects.get(plan=plan, number=1)
    shizhou = Unit.objects.filter(name="各市州人民政府").distinct().get()

    response = client.post(
        TASKS,
        {
            "action": "hand_down",
            "_selected_action": [task.pk],
            "apply": "1",
            "collective": shizhou.pk,
        },
        follow=True,
    )
    assert any("未分解交办" in m and "未设定发文政府" in m for m in messages_of(response))
    assert not TaskUnit.objects.filter(collective_link__isnull=False).exists()


def test_office_proposes_links_then_confirms_and_rejects_them_in_one_screen(
    imported_plans, client, office_user
):
    client.force_login(office_user)
    xiangtan = imported_plans[XIANGTAN]
    xiangtan.upstream = imported_plans[HUNAN]
    xiangtan.save()

    response = client.post(
        PLANS, {"action": "propose_task_links", "_selected_action": [xiangtan.pk]}, follow=True
    )
    assert any("条关联建议" in m for m in messages_of(response))
    links = list(TaskLink.objects.order_by("pk"))
    screen = client.get(LINKS, {"downstream__plan__id__exact": xiangtan.pk}).content.decode()
    assert "深化“双随机、一公开”跨部门联合监管" in screen

    # The list's status column is editable: decide every row and save once.
    data = {
        "form-TOTAL_FORMS": len(links),
        "form-INITIAL_FORMS": len(links),
        "_save": "保存",
    }
    for index, link in enumerate(links):
        confirmed = (link.downstream.number, link.upstream.number) == (7, 19)
        data[f"form-{index}-id"] = link.pk
        data[f"form-{index}-status"] = (
            TaskLinkStatus.CONFIRMED if confirmed else TaskLinkStatus.REJECTED
        )
    response = client.post(LINKS, data, follow=True)
    assert response.status_code == 200
    confirmed = TaskLink.objects.get(status=TaskLinkStatus.CONFIRMED)
    assert (confirmed.downstream.number, confirmed.upstream.number) == (7, 19)
    assert confirmed.decided_by == office_user
    assert TaskLink.objects.filter(status=TaskLinkStatus.REJECTED).count() == len(links) - 1

    upstream_page = client.get(reverse("admin:tasks_task_change", args=[confirmed.upstream_id]))
    assert "已确认 1 项" in upstream_page.content.decode()
    assert "首违免罚,推行包容审慎监管" in upstream_page.content.decode()
    # Proposing again brings back none of the rejected links.
    assert task_links_propose(plan=xiangtan) == []
