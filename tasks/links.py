"""Linked plans: which upstream task a downstream plan's task implements (贯彻落实).

A city's plan implements its province's plan (`Plan.upstream`); its tasks restate the
province's tasks in local words. Links are proposed by text similarity and decided by
the office. Similarity is the cosine of character-bigram TF-IDF vectors over the two
plans' tasks: plain Python, no model to download. Bigrams every task uses (推进, 服务)
weigh nothing, so 双随机、一公开 or 告知承诺 carry the match.
"""

import math
import re
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import rules
from .choices import TaskLinkStatus, TaskStatus
from .models import Plan, Task, TaskLink

# Proposed when the similarity reaches this (0–100); measured on 湘潭 2022 ↔ 湖南 2021:
# true pairs score 10–16, the best wrong candidates 4–9.
PROPOSAL_THRESHOLD = 10
PROPOSALS_PER_TASK = 3
_HAN = re.compile(r"[^\u4e00-\u9fff]")


def _bigrams(task: Task) -> Counter:
    text = _HAN.sub("", f"{task.title}{task.body}")
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _vectors(tasks: list[Task]) -> dict[int, dict[str, float]]:
    grams = {task.pk: _bigrams(task) for task in tasks}
    frequency = Counter(gram for counts in grams.values() for gram in counts)
    total = len(grams)
    vectors = {}
    for pk, counts in grams.items():
        weights = {
            gram: (1 + math.log(n)) * math.log(total / frequency[gram])
            for gram, n in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors[pk] = {gram: w / norm for gram, w in weights.items() if w}
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b.get(gram, 0.0) for gram, weight in a.items())


def similar_task_pairs(
    downstream: list[Task], upstream: list[Task], *, threshold=PROPOSAL_THRESHOLD
) -> list[tuple[Task, Task, int]]:
    """(downstream, upstream, similarity 0–100) for each downstream task's best matches."""
    vectors = _vectors(downstream + upstream)
    pairs = []
    for task in downstream:
        scored = sorted(
            ((round(_cosine(vectors[task.pk], vectors[up.pk]) * 100), up) for up in upstream),
            key=lambda pair: (-pair[0], pair[1].number),
        )
        for similarity, up in scored[:PROPOSALS_PER_TASK]:
            if similarity >= threshold:
                pairs.append((task, up, similarity))
    return pairs


@transaction.atomic
def task_links_propose(*, plan: Plan, user=None) -> list[TaskLink]:
    """Propose links from `plan`'s tasks to its upstream plan's; returns the new proposals.

    Links already proposed, confirmed or rejected are kept as they are: running it again
    never brings back a link the office rejected.
    """
    if user is not None and not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以生成任务关联建议")
    if plan.upstream_id is None:
        raise ValidationError(f"方案“{plan}”未设定上级方案,无法建议任务关联")
    downstream = list(plan.tasks.all())
    upstream = list(plan.upstream.tasks.all())
    known = set(
        TaskLink.objects.filter(downstream__plan=plan).values_list("downstream_id", "upstream_id")
    )
    new = [
        TaskLink(downstream=task, upstream=up, similarity=similarity)
        for task, up, similarity in similar_task_pairs(downstream, upstream)
        if (task.pk, up.pk) not in known
    ]
    return TaskLink.objects.bulk_create(new)


@transaction.atomic
def task_links_decide(*, links, status: str, user) -> int:
    """The office confirms or rejects links (or sends them back to proposed); returns how many."""
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以确认任务关联")
    if status not in TaskLinkStatus.values:
        raise ValidationError(f"未知的关联状态“{status}”")
    decided = status != TaskLinkStatus.PROPOSED
    return TaskLink.objects.filter(pk__in=[link.pk for link in links]).update(
        status=status,
        decided_by=user if decided else None,
        decided_at=timezone.now() if decided else None,
    )


def downstream_rollup(task: Task) -> dict:
    """An upstream task's confirmed downstream tasks and how they stand (for its pages)."""
    links = list(
        task.downstream_links.exclude(status=TaskLinkStatus.REJECTED)
        .select_related("downstream__plan", "downstream__deadline")
        .order_by("downstream__plan__title", "downstream__number")
    )
    tasks = [link.downstream for link in links if link.status == TaskLinkStatus.CONFIRMED]
    today = timezone.localdate()
    return {
        "tasks": tasks,
        "total": len(tasks),
        "completed": sum(1 for t in tasks if t.status == TaskStatus.COMPLETED),
        "overdue": sum(1 for t in tasks if t.is_overdue(today)),
        "proposed": sum(1 for link in links if link.status == TaskLinkStatus.PROPOSED),
    }
