"""Linked plans (issue 12, point 6): 湘潭 2022 implements 湖南省's plan; links proposed, decided.

湘潭's plan says it follows 湖南省's 2022 分工方案; the fixtures hold 湖南's 2021 plan of the
same series, whose tasks 湘潭's restate. Pairs checked by reading both documents:
- 湘潭 3 (推进"十四五"数字政府建设) ↔ 湖南 42 (加快数字政府建设,制定实施数字政府建设方案)
- 湘潭 4 ("一件事一次办"升级版, 跨省通办) ↔ 湖南 39 (持续擦亮"一件事一次办"品牌)
- 湘潭 6 (告知承诺,极简审批) ↔ 湖南 4 (全面落实证明事项和涉企经营许可事项告知承诺制)
- 湘潭 7 (全面推行"双随机、一公开"监管) ↔ 湖南 19 (深化"双随机、一公开"跨部门联合监管)
- 湘潭 10 (深化工程建设项目审批制度改革) ↔ 湖南 6 (深化工程建设项目审批制度改革)
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tasks.choices import TaskLinkStatus, TaskStatus
from tasks.links import downstream_rollup, task_links_decide, task_links_propose
from tasks.models import Task, TaskLink

from .conftest import HUNAN, XIANGTAN, make_user

PLAIN_PAIRS = {(3, 42), (4, 39), (6, 4), (7, 19), (10, 6)}


@pytest.fixture
def xiangtan_implements_hunan(imported_plans):
    xiangtan = imported_plans[XIANGTAN]
    xiangtan.upstream = imported_plans[HUNAN]
    xiangtan.save(update_fields=["upstream"])
    return xiangtan


def pairs(links) -> set[tuple[int, int]]:
    return {(link.downstream.number, link.upstream.number) for link in links}


def test_proposals_include_the_plainly_matching_task_pairs(xiangtan_implements_hunan):
    proposed = task_links_propose(plan=xiangtan_implements_hunan)

    assert PLAIN_PAIRS <= pairs(proposed)
    assert all(link.status == TaskLinkStatus.PROPOSED for link in proposed)
    # Few wrong guesses: at most one more proposal than the five plain pairs per three.
    assert len(proposed) <= 8
    # 湘潭 1 (揭榜竞优) restates no task of the province: nothing proposed for it.
    assert not [link for link in proposed if link.downstream.number == 1]


def test_proposing_again_keeps_decisions_and_adds_nothing(xiangtan_implements_hunan, office_user):
    proposed = task_links_propose(plan=xiangtan_implements_hunan)
    wrong = [
        link
        for link in proposed
        if (link.downstream.number, link.upstream.number) not in PLAIN_PAIRS
    ]
    right = [
        link for link in proposed if (link.downstream.number, link.upstream.number) in PLAIN_PAIRS
    ]
    assert task_links_decide(links=right, status=TaskLinkStatus.CONFIRMED, user=office_user) == 5
    task_links_decide(links=wrong, status=TaskLinkStatus.REJECTED, user=office_user)

    assert task_links_propose(plan=xiangtan_implements_hunan) == []
    assert TaskLink.objects.filter(status=TaskLinkStatus.PROPOSED).count() == 0
    confirmed = TaskLink.objects.confirmed()
    assert pairs(confirmed) == PLAIN_PAIRS
    assert all(link.decided_by == office_user for link in confirmed)


def test_an_upstream_task_counts_its_confirmed_downstream_tasks(
    xiangtan_implements_hunan, office_user
):
    proposed = task_links_propose(plan=xiangtan_implements_hunan)
    task_links_decide(links=proposed, status=TaskLinkStatus.CONFIRMED, user=office_user)
    xiangtan_7 = Task.objects.get(plan=xiangtan_implements_hunan, number=7)
    xiangtan_7.status = TaskStatus.COMPLETED
    xiangtan_7.save()

    hunan_19 = Task.objects.get(plan__source_file=HUNAN, number=19)
    rollup = downstream_rollup(hunan_19)
    assert [task.number for task in rollup["tasks"]] == [7]
    assert (rollup["total"], rollup["completed"]) == (1, 1)


def test_a_plan_without_an_upstream_plan_gets_a_clear_message(imported_plans):
    with pytest.raises(ValidationError, match="未设定上级方案"):
        task_links_propose(plan=imported_plans[XIANGTAN])


def test_a_link_must_point_into_the_upstream_plan(xiangtan_implements_hunan):
    xiangtan_3 = Task.objects.get(plan=xiangtan_implements_hunan, number=3)
    other = Task.objects.exclude(plan__source_file__in=(HUNAN, XIANGTAN)).first()
    with pytest.raises(ValidationError, match="上级任务须属于本方案的上级方案"):
        TaskLink(downstream=xiangtan_3, upstream=other).full_clean()


def test_only_the_office_decides_links(xiangtan_implements_hunan):
    proposed = task_links_propose(plan=xiangtan_implements_hunan)
    with pytest.raises(PermissionDenied):
        task_links_decide(links=proposed, status=TaskLinkStatus.CONFIRMED, user=make_user())


def test_a_plan_cannot_implement_itself_or_its_own_downstream_plan(xiangtan_implements_hunan):
    hunan = xiangtan_implements_hunan.upstream
    hunan.upstream = xiangtan_implements_hunan
    with pytest.raises(ValidationError, match="不能是本方案或其下级方案"):
        hunan.full_clean()
    xiangtan_implements_hunan.upstream = xiangtan_implements_hunan
    with pytest.raises(ValidationError, match="不能是本方案或其下级方案"):
        xiangtan_implements_hunan.full_clean()
