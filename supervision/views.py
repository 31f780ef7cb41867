"""Supervision pages: a unit's 签收 and 督办单 inbox, the printable notice, the score ranking."""

from io import BytesIO
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jobs.choices import JobKind
from jobs.services import job_start
from printing.documents import notice_pdf as notice_pdf_bytes
from printing.documents import pdf_response, print_failed_response
from printing.pdf import PrintError
from tasks.models import Plan, Task
from tasks.services import TaskVersionConflict
from units.models import Unit
from units.roles import is_office, sees_all_tasks

from . import conf, selectors, workdays
from .choices import NoticeColour, NoticeStatus
from .forms import AcknowledgeForm, NoticeAnswerForm
from .models import EscalationNotice, InstructionReceipt
from .scores_export import fill_breakdowns, scores_for, scores_workbook_for
from .services import (
    TIE_BREAK_TEXT,
    instruction_acknowledge,
    instruction_write,
    notice_answer,
    notice_cancel,
    notice_issue,
    notices_propose_job_start,
    plan_acknowledge_all,
    task_acknowledge,
)

ANSWERED_SHOWN = 20


def _user_units(user):
    return Unit.objects.filter(memberships__user=user)


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return ";".join(exc.messages)
    return str(exc)


@login_required
def home(request):
    return _render_home(request)


def _render_home(request, *, ack_form=None, answer_form=None, status=200):
    """The unit's inbox. A form that failed (`ack_form` / `answer_form`, bound, with the id of
    its task or notice in `form.target`) is shown in place of its blank twin, so that an error
    keeps what the user typed."""
    units = list(_user_units(request.user))
    pending = selectors.with_due_dates(selectors.pending_acknowledgements(units=units))
    notices = (
        EscalationNotice.objects.visible_to(request.user)
        .filter(status=NoticeStatus.ISSUED, unit__in=units)
        .select_related("task__plan", "unit__region")
        .annotate(urge_count=Count("urges"))
        .order_by("confirmed_at")
    )
    if notices:  # the holiday list is read only when there is a notice to date
        calendar = workdays.calendar()
        for notice in notices:
            notice.answer_due_on = selectors.notice_answer_due_on(notice, calendar)
    contact = selectors.last_contact(units=units) if pending else {}
    sees_all = sees_all_tasks(request.user)
    context = {
        "contact": contact,
        "plan_groups": _plan_groups(pending),
        "office_progress": _office_progress() if sees_all else [],
        "pending": [
            (
                item,
                _reused(ack_form, f"ack{item.link.pk}_%s")
                if ack_form is not None and ack_form.target == item.task.pk
                else AcknowledgeForm(
                    units=Unit.objects.none(), auto_id=f"ack{item.link.pk}_%s", initial=contact
                ),
            )
            for item in pending
        ],
        # Rendered once as a plain list, not per form (a ModelChoiceField queries per render).
        "units": units,
        "notices": [
            (
                notice,
                answer_form
                if answer_form is not None and answer_form.target == notice.pk
                else NoticeAnswerForm(
                    auto_id=f"notice{notice.pk}_%s",
                    initial={
                        "status": notice.task.status,
                        "progress": notice.task.progress,
                        "expected_version": notice.task.version,
                    },
                ),
            )
            for notice in notices
        ],
        # The unit's record: notices it has answered, newest first, with their timestamps.
        "answered": (
            EscalationNotice.objects.visible_to(request.user)
            .filter(status=NoticeStatus.ANSWERED, unit__in=units)
            .select_related("task", "unit__region")
            .order_by("-answered_at")[:ANSWERED_SHOWN]
        ),
        "today": timezone.localdate(),
        "is_office": sees_all_tasks(request.user),
        "proposed_count": (
            EscalationNotice.objects.filter(status=NoticeStatus.PROPOSED).count()
            if sees_all_tasks(request.user)
            else 0
        ),
    }
    return render(request, "supervision/home.html", context, status=status)


def _plan_groups(pending) -> list[dict]:
    """Pending 签收 by (plan, unit), for the 全部签收 forms: only where there is more than one."""
    groups = {}
    for item in pending:
        key = (item.task.plan_id, item.link.unit_id)
        group = groups.setdefault(key, {"plan": item.task.plan, "unit": item.unit, "count": 0})
        group["count"] += 1
    return [group for group in groups.values() if group["count"] > 1]


def _office_progress() -> list[dict]:
    """The office's view of 签收: every published open plan, signed against to sign."""
    progress = selectors.acknowledgement_progress()
    plans = Plan.objects.filter(pk__in=progress, closed_at__isnull=True).order_by("-year", "title")
    return [
        {
            "plan": plan,
            "signed": progress[plan.pk]["signed"],
            "total": progress[plan.pk]["total"],
            "waiting": progress[plan.pk]["total"] - progress[plan.pk]["signed"],
        }
        for plan in plans
    ]


@login_required
@require_POST
def acknowledge(request, task_id):
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_id)
    form = AcknowledgeForm(request.POST, units=_user_units(request.user))
    form.target = task.pk
    if form.is_valid():
        try:
            task_acknowledge(task=task, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已签收:{task}")
            return redirect("supervision:home")
    messages.error(request, f"“{task}”未能签收,请按提示修改后重新提交。")
    return _render_home(request, ack_form=form, status=400)


@login_required
@require_POST
def acknowledge_plan(request, plan_id):
    """全部签收: a unit signs for all its pending tasks of one plan with one contact."""
    plan = get_object_or_404(Plan, pk=plan_id)
    form = AcknowledgeForm(request.POST, units=Unit.objects.all())
    if form.is_valid():
        try:
            signed = plan_acknowledge_all(plan=plan, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"《{plan.title}》未能全部签收:{_error_text(exc)}")
        else:
            messages.success(request, f"已签收《{plan.title}》的 {len(signed)} 项任务")
            return redirect("supervision:home")
    else:
        errors = ";".join(error for errs in form.errors.values() for error in errs)
        messages.error(request, f"《{plan.title}》未能全部签收:{errors}")
    return _render_home(request, status=400)


@login_required
@require_POST
def answer(request, notice_id):
    notice = get_object_or_404(
        EscalationNotice.objects.visible_to(request.user).select_related("task", "unit__region"),
        pk=notice_id,
    )
    form = NoticeAnswerForm(
        request.POST, auto_id=f"notice{notice.pk}_%s", current_progress=notice.task.progress
    )
    form.target = notice.pk
    if form.is_valid():
        answer = {k: v for k, v in form.cleaned_data.items() if k != "confirm_lower"}
        try:
            notice_answer(notice=notice, user=request.user, **answer)
        except TaskVersionConflict:
            return _render_answer_conflict(request, notice)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "督办单已回复")
            return redirect("supervision:home")
    messages.error(request, "督办单未能回复,请按提示修改后重新提交。")
    return _render_home(request, answer_form=form, status=400)


def _reused(form, auto_id):
    """A failed form shown again on the card of its task (ids as on the blank card)."""
    form.auto_id = auto_id
    return form


def _render_answer_conflict(request, notice):
    """Someone reported on the task meanwhile: keep the typed answer, carry the new version,
    so that sending it again is a deliberate save after seeing the other report."""
    notice.task.refresh_from_db()
    data = request.POST.copy()
    data["expected_version"] = notice.task.version
    form = NoticeAnswerForm(
        data, auto_id=f"notice{notice.pk}_%s", current_progress=notice.task.progress
    )
    form.target = notice.pk
    form.is_valid()
    form.add_error(
        None,
        "该任务刚被他人更新(见任务页的进展记录),您的回复尚未保存。"
        "填写的内容已保留,请核对后再次提交。",
    )
    messages.error(request, "督办单未能回复:任务已被他人更新。")
    return _render_home(request, answer_form=form, status=409)


def _visible_notice(request, notice_id) -> EscalationNotice:
    return get_object_or_404(
        EscalationNotice.objects.visible_to(request.user).select_related(
            "task__plan", "task__deadline", "unit__region", "answer__author"
        ),
        pk=notice_id,
    )


@login_required
def notice_print(request, notice_id):
    context = selectors.notice_print_context(_visible_notice(request, notice_id))
    return render(request, "supervision/notice_print.html", context)


@login_required
def notice_pdf(request, notice_id):
    """The 督办单 as a PDF made by the server (the office and the receiving unit)."""
    notice = _visible_notice(request, notice_id)
    try:
        data = notice_pdf_bytes(selectors.notice_print_context(notice), user=request.user)
    except PrintError as error:
        return print_failed_response(request, error)
    filename = f"督办单-督〔{notice.proposed_on:%Y}〕{notice.pk}号.pdf"
    return pdf_response(data, filename, ascii_name=f"notice-{notice.pk}.pdf")


@login_required
def proposed(request):
    """The office confirms or cancels proposed 督办单 in groups: by unit, by colour, or all."""
    if not sees_all_tasks(request.user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        if not is_office(request.user):
            raise PermissionDenied
        status = _decide_group(request)
        if status == 200:
            return redirect("supervision:proposed")
    waiting = EscalationNotice.objects.visible_to(request.user).filter(status=NoticeStatus.PROPOSED)
    groups = (
        waiting.values("unit_id", "unit__name", "colour")
        .annotate(count=Count("pk"))
        .order_by("unit__name", "colour")
    )
    colours = {
        row["colour"]: row["count"]
        for row in waiting.values("colour").annotate(count=Count("pk")).order_by()
    }
    labels = dict(NoticeColour.choices)
    context = {
        "groups": [{**row, "colour_label": labels[row["colour"]]} for row in groups],
        "colours": [
            {"value": value, "label": label, "count": colours.get(value, 0)}
            for value, label in NoticeColour.choices
        ],
        "total": sum(colours.values()),
        "may_decide": is_office(request.user),
    }
    return render(request, "supervision/proposed.html", context, status=status)


def _decide_group(request) -> int:
    """Apply 下发 or 撤销 to the proposed notices of the posted unit and/or colour."""
    action = request.POST.get("action")
    unit_id = request.POST.get("unit", "")
    colour = request.POST.get("colour", "")
    everything = request.POST.get("all") == "1"
    if action not in ("issue", "cancel"):
        messages.error(request, "请选择“下发”或“撤销”")
        return 400
    if colour and colour not in NoticeColour.values:
        messages.error(request, f"未知的督办单等级:{colour}")
        return 400
    if unit_id and not unit_id.isdigit():
        messages.error(request, f"未知的单位:{unit_id}")
        return 400
    if not (unit_id or colour or everything):
        messages.error(request, "请选择单位或等级(或全部)")
        return 400
    notices = EscalationNotice.objects.visible_to(request.user).filter(status=NoticeStatus.PROPOSED)
    if unit_id:
        notices = notices.filter(unit_id=int(unit_id))
    if colour:
        notices = notices.filter(colour=colour)
    notices = list(notices.select_related("task", "unit"))
    if not notices:
        messages.error(request, "所选范围内没有待确认的督办单(可能已被他人处理)")
        return 400
    decide = notice_issue if action == "issue" else notice_cancel
    moved = decide(notices=notices, user=request.user)
    messages.success(request, f"已{'下发' if action == 'issue' else '撤销'} {moved} 份督办单")
    return 200


@login_required
def unacknowledged(request):
    """The office's list of tasks not acknowledged within N working days."""
    if not sees_all_tasks(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        "items": selectors.unacknowledged_overdue(
            today, tasks=Task.objects.visible_to(request.user)
        ),
        "today": today,
        "working_days": conf.get("SUPERVISION_ACK_WORKING_DAYS"),
    }
    return render(request, "supervision/unacknowledged.html", context)


def _scores_for(request):
    """The chosen period, the score rows this user may see (a unit: its own only), the legend
    and how many units were ranked."""
    return scores_for(user=request.user, period_id=request.GET.get("period"))


# A province ranks thousands of units: the table is paged, and each unit's 得分明细 (every
# task behind every point) is shown for the unit asked for, not for all of them (2,000
# units made a 7 MB page that took 1.5 s to render). The Excel export has everything.
SCORES_PAGE_ROWS = 100
SCORES_DETAILS_INLINE = 5


@login_required
def scores(request):
    periods, period, rows, legend, ranked = scores_for(
        user=request.user, period_id=request.GET.get("period"), breakdowns=False
    )
    detail_unit = request.GET.get("unit", "")
    if len(rows) <= SCORES_DETAILS_INLINE:
        details = rows
    else:
        details = [row for row in rows if str(row.unit.pk) == detail_unit]
    page = Paginator(rows, SCORES_PAGE_ROWS).get_page(request.GET.get("page"))
    if period is not None:
        # The table reads each rule's score and count; 得分明细 also its tasks.
        fill_breakdowns(period, [*page, *details] if period.is_frozen else details)
    context = {
        "periods": periods,
        "period": period,
        "rows": rows,
        "page": page,
        "details": details,
        "details_on_request": len(rows) > SCORES_DETAILS_INLINE,
        "legend": legend,
        "ranked": ranked,
        "sees_all": sees_all_tasks(request.user),
        "tie_break_text": TIE_BREAK_TEXT,
    }
    return render(request, "supervision/scores.html", context)


@login_required
def scores_xlsx(request):
    """The ranking as Excel: at once for a small database, else through a background job."""
    periods, period, *_ = _scores_for(request)
    if period is None:
        raise Http404
    if Task.objects.count() > settings.EXPORT_IMMEDIATE_MAX_TASKS or request.GET.get("background"):
        job = job_start(
            kind=JobKind.SCORES,
            params={"period": period.pk},
            user=request.user,
            title=f"考评排名-{period.name}",
        )
        return redirect(job)
    workbook, filename = scores_workbook_for(user=request.user, period_id=str(period.pk))
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    # The file lands in a year-end 考核 folder: name it by the period (RFC 5987 for Chinese).
    response["Content-Disposition"] = (
        f"attachment; filename=\"scores-{period.pk}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _back_to_task(task):
    return redirect(reverse("portal:task-detail", args=[task.pk]) + "#instructions")


@login_required
@require_POST
def instruction_create(request, task_id):
    """A leader writes a 批示 on the task, or (scope=plan) on its whole plan."""
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_id)
    on_plan = request.POST.get("scope") == "plan"
    try:
        instruction_write(
            user=request.user,
            text=request.POST.get("text", ""),
            task=None if on_plan else task,
            plan=task.plan if on_plan else None,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"批示未保存:{_error_text(exc)}")
    else:
        messages.success(request, "批示已下达,牵头单位将在任务页顶部看到。")
    return _back_to_task(task)


@login_required
@require_POST
def instruction_acknowledge_view(request, receipt_id):
    receipt = get_object_or_404(
        InstructionReceipt.objects.select_related("instruction__task", "instruction__plan"),
        pk=receipt_id,
        unit__memberships__user=request.user,
    )
    instruction_acknowledge(receipt=receipt, user=request.user)
    messages.success(request, "已确认阅知批示,请在下次进展报告中报告落实情况。")
    task_id = request.POST.get("task") or (receipt.instruction.task_id or "")
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_id)
    return _back_to_task(task)


@login_required
@require_POST
def propose_start(request):
    """The workbench's 生成督办单建议 button: today's proposals as a job, on its page."""
    return redirect(notices_propose_job_start(user=request.user))
