"""The unit portal: my tasks, a task's page, progress reports, 延期申请, attachments.

Every view starts from `Task.objects.visible_to(user)`, so another unit's task is a
404 everywhere (page, forms, downloads) with one definition of who sees what.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines.choices import DeadlineSource, ExtensionStatus
from deadlines.services import extension_request
from printing.documents import pdf_response, print_failed_response, task_record_pdf
from printing.pdf import PrintError
from reviews.choices import ReviewKind, ReviewStage
from reviews.forms import AnswerForm
from reviews.models import Review
from supervision import selectors
from tasks import rules
from tasks.assignments import task_rollups
from tasks.attachments import attachment_content_type
from tasks.choices import TaskStatus
from tasks.filtersets import TaskFilterSet
from tasks.links import downstream_rollup
from tasks.models import Plan, ProgressReport, Task, Urgency
from tasks.services import TaskVersionConflict, report_return, report_submit
from tasks.subtasks import (
    ONLY_LEAD_MESSAGE,
    subtask_complete,
    subtask_create,
    subtask_update,
    task_subtask_rollup,
)
from units.choices import UnitRole
from units.models import Unit
from units.roles import is_leader, is_office, sees_all_tasks

from .forms import ExtensionForm, ReportForm, ReturnReportForm, SubTaskForm
from .record import task_record_context, task_record_filename
from .services import reminders_job_start
from .timeline import task_timeline

PAGE_SIZE = 50
# TaskFilterSet parameters without a control on the page (e.g. from dashboard links),
# kept as hidden fields so that changing another filter does not drop them.
CARRIED_PARAMS = (
    "lead_unit",
    "responsible_unit",
    "unit",
    "section",
    "issuer",
    "has_lead",
    "due_before",
    "due_after",
    "as_of",
    "ordering",
    "region",
)


@login_required
def landing(request):
    """Where a login lands (LOGIN_REDIRECT_URL): the office on its workbench (admin index),
    leaders on the dashboard, unit users on their tasks."""
    if is_office(request.user) and request.user.is_staff:
        return redirect("admin:index")
    if is_leader(request.user):
        return redirect("dashboard:index")
    return redirect("portal:task-list")


@login_required
def task_list(request):
    """我的任务: the tasks of my units (all tasks for office and leaders), most urgent first."""
    visible = Task.objects.visible_to(request.user)
    filterset = TaskFilterSet(request.GET, queryset=visible, request=request)
    filterset.is_valid()  # invalid values are dropped; the rest still filter
    as_of = filterset.as_of_date()
    filterset.queryset = (
        visible.select_related("plan", "deadline")
        .prefetch_related("task_units__unit")
        .with_urgency(as_of)
        .with_report_missing(as_of)
        .with_subtask_counts(as_of)
    )
    tasks = filterset.qs
    if not request.GET.get("ordering"):
        tasks = tasks.by_urgency()
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    my_units = rules.user_unit_ids(request.user)
    for task in page:
        task.my_roles = sorted(
            {link.get_role_display() for link in task.task_units.all() if link.unit_id in my_units}
        )
        days_left = task.days_left(as_of)
        task.days_left_value = days_left
        task.days_overdue = -days_left if days_left is not None and days_left < 0 else None
    query = request.GET.copy()
    query.pop("page", None)
    units = Unit.objects.filter(pk__in=my_units)
    return render(
        request,
        "portal/task_list.html",
        {
            "filterset": filterset,
            "page": page,
            "as_of": as_of,
            "plans": Plan.objects.filter(tasks__in=visible).distinct().order_by("-year", "title"),
            "roles": UnitRole.choices,
            "urgency": Urgency,
            "query": query.urlencode(),
            "has_units": bool(my_units),
            # Only a unit user has a 签收 / 督办单 inbox; tell them here, where they land.
            "inbox": selectors.unit_inbox_counts(units=units) if my_units else None,
            "filtered": any(
                value for name, value in request.GET.items() if name not in ("page", "as_of")
            ),
            "carried": [
                (name, request.GET[name]) for name in CARRIED_PARAMS if request.GET.get(name)
            ],
        },
    )


def _visible_task(request, pk) -> Task:
    return get_object_or_404(Task.objects.visible_to(request.user).with_api_relations(), pk=pk)


def _render_task(
    request, task, *, report_form=None, extension_form=None, subtask_form=None, status=200
):
    user = request.user
    # A task added by hand or through the API may have no deadline yet.
    deadline = getattr(task, "deadline", None)
    can_report = rules.can_report(user, task)
    can_extend = (
        rules.can_request_extension(user, task) and deadline is not None and not deadline.is_ongoing
    )
    days_left = task.days_left(timezone.localdate())
    # A unit user's view is narrowed to their units; office staff and leaders see all.
    unit_ids = None if sees_all_tasks(user) else rules.user_unit_ids(user)
    splitting = rules.splitting_unit_ids(user, task)
    subtasks = task_subtask_rollup(task, timezone.localdate())
    for subtask in subtasks.subtasks:
        subtask.editable = subtask.unit_id in splitting
    can_split = bool(splitting) and _subtasks_writable(task)
    context = {
        "task": task,
        "is_completed": task.status == TaskStatus.COMPLETED,
        "is_completion_requested": task.status == TaskStatus.COMPLETION_REQUESTED,
        # an extension or the office replaced the document's wording: it is no 原文 now
        "deadline_is_manual": deadline is not None and deadline.source == DeadlineSource.MANUAL,
        "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else None,
        "timeline": task_timeline(task, unit_ids=unit_ids),
        # A unit user is pointed to what waits for this task on /supervision/.
        "inbox": None
        if unit_ids is None
        else selectors.unit_inbox_counts(units=unit_ids, task=task),
        "pending_extension": (
            deadline.extensions.filter(status=ExtensionStatus.PENDING).first() if deadline else None
        ),
        # 交办 to a collective: every member's standing for the office and leaders; a
        # member unit sees the counts and its own row.
        "rollups": _rollups_for(task, unit_ids),
        "downstream": _downstream_for(task, user),
        "instructions": selectors.task_instructions(task, user),
        "can_instruct": is_leader(user) or rules.can_manage(user),
        "my_unit_ids": rules.user_unit_ids(user),
        "can_report": can_report,
        "can_request_completion": can_report and rules.can_request_completion(user, task),
        "can_extend": can_extend,
        "report_form": report_form
        or (
            ReportForm(
                task=task,
                user=user,
                # the lead unit is offered its sub-tasks' weighted progress (tasks.subtasks)
                suggested_progress=subtasks.suggested_progress if splitting else None,
            )
            if can_report
            else None
        ),
        "subtasks": subtasks,
        "can_split": can_split,
        "subtask_form": subtask_form
        or (SubTaskForm(task=task, unit_ids=splitting) if can_split else None),
        "extension_form": extension_form or (ExtensionForm() if can_extend else None),
    }
    context.update(_review_context(task, user, context["timeline"]))
    return render(request, "portal/task_detail.html", context, status=status)


def _review_context(task, user, timeline) -> dict:
    """The task's requests under review, what waits for this user, and the reports on the
    timeline the user may send back (退回)."""
    reviews = list(task.reviews.open().select_related("extension").prefetch_related("steps"))
    my_units = rules.user_unit_ids(user)
    waiting = (
        set(Review.objects.awaiting(user).filter(task=task).values_list("pk", flat=True))
        if reviews
        else set()
    )
    for review in reviews:
        review.returned = review.last_return() if review.stage == ReviewStage.RETURNED else None
        review.can_answer = review.returned is not None and (
            review.unit_id in my_units or (review.unit_id is None and rules.can_manage(user))
        )
        review.can_decide = review.pk in waiting
    reports = [entry.report for entry in timeline if entry.report is not None]
    return {
        "open_reviews": reviews,
        "answer_form": AnswerForm(),
        "returnable_report_ids": _returnable_report_ids(task, user, my_units, reports),
    }


def _returnable_report_ids(task, user, my_units, reports) -> set[int]:
    """The office that manages the task may send back any report not returned or answered;
    a lead unit a responsible unit's report (not its own). `report_return` decides for good."""
    reports = [r for r in reports if r.returned_at is None and r.answered_by_id is None]
    if Task.objects.managed_by(user).filter(pk=task.pk).exists():
        return {report.pk for report in reports}
    if not rules.is_lead_of(user, task):
        return set()
    not_returnable = rules.task_unit_ids(task, UnitRole.LEAD) | my_units
    return {
        report.pk
        for report in reports
        if report.unit_id is not None and report.unit_id not in not_returnable
    }


def _rollups_for(task, unit_ids):
    # _visible_task() loads the task with_api_relations(): every link is prefetched.
    rollups = task_rollups(task, timezone.localdate(), all_links_prefetched=True)
    for rollup in rollups:
        rollup.shown = [
            member for member in rollup.members if unit_ids is None or member.unit.pk in unit_ids
        ]
    return rollups


def _downstream_for(task, user):
    """Confirmed downstream tasks the user may read, with the roll-up of all of them."""
    rollup = downstream_rollup(task)
    if not rollup["total"]:
        return None
    visible = set(
        Task.objects.visible_to(user)
        .filter(pk__in=[t.pk for t in rollup["tasks"]])
        .values_list("pk", flat=True)
    )
    rollup["tasks"] = [t for t in rollup["tasks"] if t.pk in visible]
    return rollup


@login_required
def task_detail(request, pk):
    return _render_task(request, _visible_task(request, pk))


@login_required
def task_record(request, pk):
    """The task's record as a PDF made by the server, for offices that file paper."""
    task = _visible_task(request, pk)
    try:
        data = task_record_pdf(task_record_context(task, request.user), user=request.user)
    except PrintError as error:
        return print_failed_response(request, error)
    return pdf_response(data, task_record_filename(task), ascii_name=f"task-{task.pk}-record.pdf")


@login_required
@require_POST
def report_create(request, pk):
    task = _visible_task(request, pk)
    if not rules.can_report(request.user, task):
        raise PermissionDenied("只有该任务的牵头或责任单位可以报送进展")
    form = ReportForm(request.POST, request.FILES, task=task, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report_submit(
                task=task,
                user=request.user,
                status=data["status"],
                progress=data["progress"],
                text=data["text"],
                expected_version=data["version"],
                attachment=data["attachment"] or None,
                submission_token=data["token"],
            )
        except TaskVersionConflict:  # (a double click is not one: the service returns its twin)
            return _render_conflict(request, pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if data["status"] == TaskStatus.COMPLETION_REQUESTED:
                messages.success(request, f"销号申请已提交,{_waiting_text(task)}。")
            else:
                messages.success(request, "进展报告已提交。")
            return _to_top(task)
    return _render_task(request, task, report_form=form, status=400)


@login_required
@require_POST
def extension_create(request, pk):
    task = _visible_task(request, pk)
    if not rules.can_request_extension(request.user, task):
        raise PermissionDenied("只有该任务的牵头或责任单位可以申请延期")
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            extension = extension_request(
                task=task,
                user=request.user,
                requested_due_on=form.cleaned_data["requested_due_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"延期申请已提交,{_waiting_text(task, extension)}。")
            return _to_top(task)
    return _render_task(request, task, extension_form=form, status=400)


def _subtasks_writable(task) -> bool:
    # the plan was loaded with the task (with_api_relations): no query
    return task.status != TaskStatus.COMPLETED and not task.plan.is_closed


def _subtask_values(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("unit", None)
    data.pop("version", None)
    return data


@login_required
@require_POST
def subtask_create_view(request, pk):
    """A lead unit splits off a sub-task (子任务) from the task page."""
    task = _visible_task(request, pk)
    splitting = rules.splitting_unit_ids(request.user, task)
    if not splitting:
        raise PermissionDenied(ONLY_LEAD_MESSAGE)
    form = SubTaskForm(request.POST, task=task, unit_ids=splitting)
    if form.is_valid():
        try:
            subtask = subtask_create(
                task=task,
                user=request.user,
                unit=form.cleaned_data["unit"],
                **_subtask_values(form),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已分解子任务“{subtask.title}”。")
            return redirect(reverse("portal:task-detail", args=[task.pk]) + "#subtasks")
    return _render_task(request, task, subtask_form=form, status=400)


def _editable_subtask(request, pk, subtask_pk):
    task = _visible_task(request, pk)
    subtask = get_object_or_404(task.subtasks.select_related("unit__region"), pk=subtask_pk)
    subtask.task = task  # with its prefetched units and deadline
    if not rules.can_edit_subtask(request.user, subtask):
        raise PermissionDenied(ONLY_LEAD_MESSAGE)
    return task, subtask


@login_required
def subtask_edit(request, pk, subtask_pk):
    """Edit one sub-task on a small page of its own (phone friendly)."""
    task, subtask = _editable_subtask(request, pk, subtask_pk)
    status = 200
    if request.method == "POST":
        form = SubTaskForm(request.POST, task=task, unit_ids={subtask.unit_id})
        if form.is_valid():
            try:
                subtask_update(
                    subtask=subtask,
                    user=request.user,
                    changes=_subtask_values(form),
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"子任务“{subtask.title}”已保存。")
                return redirect(reverse("portal:task-detail", args=[task.pk]) + "#subtasks")
        status = 400
    else:
        form = SubTaskForm(
            task=task,
            unit_ids={subtask.unit_id},
            initial={name: getattr(subtask, name) for name in SubTaskForm.base_fields}
            | {"assignee": subtask.assignee_id, "unit": subtask.unit_id},
        )
    return render(
        request,
        "portal/subtask_form.html",
        {"task": task, "subtask": subtask, "form": form},
        status=status,
    )


@login_required
@require_POST
def subtask_complete_view(request, pk, subtask_pk):
    task, subtask = _editable_subtask(request, pk, subtask_pk)
    version = request.POST.get("version", "")
    try:
        subtask_complete(
            subtask=subtask,
            user=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"子任务“{subtask.title}”已完成。")
    return redirect(reverse("portal:task-detail", args=[task.pk]) + "#subtasks")


@login_required
@require_POST
def report_return_create(request, pk):
    """退回 a progress report with a reason (office, or a lead unit for a responsible unit's)."""
    report = get_object_or_404(
        ProgressReport.objects.filter(task__in=Task.objects.visible_to(request.user)), pk=pk
    )
    form = ReturnReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退回时请填写理由")
    else:
        try:
            report_return(report=report, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
        else:
            messages.success(request, "报告已退回,已通知报送单位。")
    return redirect(reverse("portal:task-detail", args=[report.task_id]) + "#timeline")


def _waiting_text(task, extension=None) -> str:
    """What a request waits for now, e.g. 等待牵头单位审核 (the office's step keeps the
    wording units know)."""
    review = (
        extension.review
        if extension
        else task.reviews.open().filter(kind=ReviewKind.COMPLETION).first()
    )
    stage = review.stage if review else ReviewStage.OFFICE
    if stage == ReviewStage.OFFICE:
        return "等待优化办审批" if extension else "等待优化办核实后销号"
    return f"等待{ReviewStage(stage).label}"


def _to_top(task):
    """Back to the task page, scrolled to the top where the success message is.

    The forms post to ".../#report" so that a page with errors opens at the form (on a
    phone it is far down); a redirect without a fragment would inherit that one.
    """
    return redirect(reverse("portal:task-detail", args=[task.pk]) + "#top")


def _render_conflict(request, pk):
    """Someone saved the task first: show the fresh task and keep what the user typed.

    The form carries the new version, so submitting again is a deliberate second save
    made after seeing the other person's change, never a silent overwrite.
    """
    task = _visible_task(request, pk)
    data = request.POST.copy()
    data["version"] = task.version
    form = ReportForm(data, task=task, user=request.user)
    form.is_valid()
    form.add_error(
        None,
        "该任务已被他人更新,页面已刷新为最新内容(见下方记录),您的报告尚未保存。"
        "您填写的内容已保留,请核对后再次提交;附件需重新选择。",
    )
    return _render_task(request, task, report_form=form, status=409)


def _add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the field it names, else on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def report_attachment(request, pk):
    """Serve an attachment only to someone who may see its task; the file is not in static."""
    report = get_object_or_404(
        ProgressReport.objects.filter(task__in=Task.objects.visible_to(request.user)), pk=pk
    )
    if not report.attachment:
        raise Http404("该报告没有附件")
    name = report.attachment_name or report.attachment.name
    return FileResponse(
        report.attachment.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=attachment_content_type(name),
    )


@login_required
@require_POST
def reminders_start(request):
    """The workbench's 发送提醒 button: today's reminders as a job, on its progress page."""
    return redirect(reminders_job_start(user=request.user))
