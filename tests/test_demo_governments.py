"""`make run`'s demo (issue 12, point 9): governments, 湖南's collective tasks handed down,
suggested upstream links and the offices of 湖南省 and 湘潭市; running it again changes nothing."""

import io

from django.core.management import call_command

from tasks.models import Plan, TaskLink, TaskUnit
from units.models import UnitMembership, UserGovernment

from .conftest import FIXTURE_REGIONS, HUNAN, XIANGTAN


def run_demo() -> str:
    out = io.StringIO()
    call_command("prepare_demo", stdout=out)
    call_command("create_demo_accounts", stdout=out)
    return out.getvalue()


def test_demo_shows_governments_hand_down_links_and_government_offices(imported_plans):
    output = run_demo()

    plans = {plan.source_file: plan for plan in Plan.objects.select_related("region")}
    assert {name: plan.region.code for name, plan in plans.items()} == FIXTURE_REGIONS
    members = TaskUnit.objects.filter(task__plan=plans[HUNAN], collective_link__isnull=False)
    assert members.count() == 55 * 14
    assert plans[XIANGTAN].upstream == plans[HUNAN]
    proposed = {
        (link.downstream.number, link.upstream.number)
        for link in TaskLink.objects.filter(downstream__plan=plans[XIANGTAN])
    }
    assert {(6, 4), (7, 19), (10, 6)} <= proposed
    governments = dict(UserGovernment.objects.values_list("user__username", "region__name"))
    assert governments == {"hnoffice": "湖南省", "xtoffice": "湘潭市"}
    assert UnitMembership.objects.filter(
        user__username="cszf", unit__name="长沙市人民政府", unit__region__name="长沙市"
    ).exists()
    for line in ("hnoffice / office-demo-2026 / 优化办(湖南省)", "xtoffice / office-demo-2026"):
        assert line in output
    assert "已分解交办到 14 个市州人民政府" in output

    links_before, member_count = TaskLink.objects.count(), members.count()
    run_demo()
    assert (TaskLink.objects.count(), members.count()) == (links_before, member_count)
