"""Supervision events of one task as plain dicts, for the portal's task timeline."""

from django.db.models import Q

from .choices import NoticeStatus
from .models import EscalationNotice, Instruction, PlanPublication, TaskAcknowledgement


def task_events(task, *, include_proposed: bool = False, unit_ids=None) -> list[dict]:
    """交办, 签收, 督办单 (with their 催办) and 领导批示 events of `task`, oldest first: {"time", "kind", "text"}.

    Proposed notices are internal to the office, so they are left out unless asked for;
    with `unit_ids`, only the notices sent to those units are included (a unit's view).
    """
    events = []
    publication = PlanPublication.objects.filter(plan_id=task.plan_id).first()
    if publication is not None:
        events.append(
            {"time": publication.published_at, "kind": "published", "text": "优化办交办方案"}
        )
    for ack in TaskAcknowledgement.objects.filter(task=task).select_related("unit__region"):
        contact = "、".join(part for part in (ack.responsible_person, ack.phone) if part)
        text = f"{ack.unit}签收" + (f"(责任人:{contact})" if contact else "")
        events.append({"time": ack.acknowledged_at, "kind": "acknowledged", "text": text})
    notices = (
        EscalationNotice.objects.filter(task=task)
        .select_related("unit__region")
        .prefetch_related("urges")
    )
    if unit_ids is not None:
        notices = notices.filter(unit_id__in=unit_ids)
    for notice in notices:
        label = f"{notice.get_colour_display()}督办单({notice.unit})"
        if include_proposed:
            events.append(
                {"time": notice.proposed_at, "kind": "notice_proposed", "text": f"系统生成{label}"}
            )
        if notice.confirmed_at:
            events.append(
                {
                    "time": notice.confirmed_at,
                    "kind": "notice_issued",
                    "text": f"下发{label}:{notice.reason}",
                }
            )
        if notice.answered_at:
            events.append(
                {
                    "time": notice.answered_at,
                    "kind": "notice_answered",
                    "text": f"{notice.unit}回复{notice.get_colour_display()}督办单",
                }
            )
        for urge in notice.urges.all():
            raised = (
                f",升为{urge.get_colour_after_display()}"
                if urge.colour_after != urge.colour_before
                else ""
            )
            copy = f",抄送分管领导{urge.copy_to}" if urge.copy_to else ""
            events.append(
                {
                    "time": urge.created_at,
                    "kind": "notice_urged",
                    "text": f"第{urge.sequence}次催办{notice.unit}:督办单"
                    f"{urge.working_days_unanswered}个工作日未回复{raised}{copy}",
                }
            )
        if notice.status == NoticeStatus.CLOSED and notice.closed_at:
            events.append(
                {"time": notice.closed_at, "kind": "notice_closed", "text": f"任务销号,{label}办结"}
            )
        if notice.status == NoticeStatus.CANCELLED and notice.cancelled_at:
            events.append(
                {"time": notice.cancelled_at, "kind": "notice_cancelled", "text": f"撤销{label}"}
            )
    instructions = (
        Instruction.objects.filter(Q(task=task) | Q(plan_id=task.plan_id))
        .select_related("author")
        .prefetch_related("receipts__unit")
    )
    for instruction in instructions:
        scope = "全方案" if instruction.plan_id else "本任务"
        author = instruction.author
        who = (author.get_full_name() or author.username) if author else "领导"
        events.append(
            {
                "time": instruction.created_at,
                "kind": "instruction",
                "text": f"领导批示({who},{scope}):{instruction.text}",
            }
        )
        for receipt in instruction.receipts.all():
            if unit_ids is not None and receipt.unit_id not in unit_ids:
                continue
            if receipt.acknowledged_at:
                events.append(
                    {
                        "time": receipt.acknowledged_at,
                        "kind": "instruction_acknowledged",
                        "text": f"{receipt.unit}确认已阅领导批示",
                    }
                )
            if receipt.answered_at:
                events.append(
                    {
                        "time": receipt.answered_at,
                        "kind": "instruction_answered",
                        "text": f"{receipt.unit}在进展报告中答复领导批示",
                    }
                )
    events.sort(key=lambda event: event["time"])
    return events
