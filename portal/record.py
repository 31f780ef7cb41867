"""A task's record (任务办理记录) for the printed PDF: everything on its page that a paper
file keeps — the task, its units and 签收, the deadline and its extensions, the reports
timeline, 督办单 and 领导批示 — in the order a reader of paper expects (oldest first).
"""

from django.utils import timezone

from supervision import selectors
from supervision.models import EscalationNotice, TaskAcknowledgement
from tasks import rules
from tasks.models import Task
from units.roles import sees_all_tasks

from .timeline import task_timeline


def task_record_context(task: Task, user) -> dict:
    """What `user` may read of `task` (loaded `with_api_relations()` from
    `Task.objects.visible_to(user)`): a unit user's record holds only the 督办单 and
    instructions addressed to its units, as its task page does."""
    unit_ids = None if sees_all_tasks(user) else rules.user_unit_ids(user)
    deadline = getattr(task, "deadline", None)  # none yet on a task added by hand
    acknowledged = {
        ack.unit_id: ack for ack in TaskAcknowledgement.objects.filter(task=task).order_by("pk")
    }
    units = [
        {"link": link, "acknowledgement": acknowledged.get(link.unit_id)}
        for link in task.task_units.all()
    ]
    return {
        "task": task,
        "deadline": deadline,
        "units": units,
        "milestones": list(deadline.milestones.all()) if deadline else [],
        "extensions": list(
            deadline.extensions.select_related("requested_by", "decided_by").order_by(
                "created_at", "pk"
            )
        )
        if deadline
        else [],
        "timeline": list(reversed(task_timeline(task, unit_ids=unit_ids))),
        "notices": list(
            EscalationNotice.objects.visible_to(user)
            .filter(task=task)
            .select_related("unit__region")
            .order_by("proposed_at", "pk")
        ),
        "instructions": list(selectors.task_instructions(task, user).order_by("created_at")),
        "as_of": timezone.localdate(),
    }


def task_record_filename(task: Task) -> str:
    return f"任务办理记录-{task.plan.title[:40]}-第{task.number}项.pdf"
