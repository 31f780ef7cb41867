"""The review queue (审核队列): lead units, the office and leaders decide requests here.

Every list starts from `Review.objects.awaiting(user)` (what waits for me) or, for the
office and leaders opening one step's queue, `Review.objects.visible_to(user)`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from units.roles import sees_all_tasks

from .choices import REVIEW_STEPS, ReviewStage
from .forms import AnswerForm, DecisionForm, QueueFilterForm
from .models import Review, ReviewStep
from .services import review_approve, review_resubmit, review_return

PAGE_SIZE = 30


@login_required
def queue(request):
    """待我审核 by default; `?stage=` (office and leaders) lists one step's queue."""
    user = request.user
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "reviews/queue.html",
            {"form": form, "page": None, "sees_all": sees_all_tasks(user)},
            status=400,
        )
    stage, kind = form.cleaned_data["stage"], form.cleaned_data["kind"]
    awaiting = Review.objects.awaiting(user)
    if stage and sees_all_tasks(user):
        reviews = Review.objects.visible_to(user).filter(stage=stage)
    else:
        reviews = awaiting
    if kind:
        reviews = reviews.filter(kind=kind)
    reviews = (
        reviews.select_related(
            "task__plan", "task__deadline", "unit__region", "requested_by", "extension", "report"
        )
        .prefetch_related(
            Prefetch("steps", queryset=ReviewStep.objects.select_related("actor", "unit__region"))
        )
        .order_by("created_at", "pk")
    )
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    decidable = set(
        awaiting.filter(pk__in=[review.pk for review in page]).values_list("pk", flat=True)
    )
    for review in page:
        review.can_decide = review.pk in decidable
    return render(
        request,
        "reviews/queue.html",
        {
            "form": form,
            "page": page,
            "stage_label": ReviewStage(stage).label if stage else "待我审核",
            "steps": REVIEW_STEPS,
            "sees_all": sees_all_tasks(user),
            "query": _without_page(request.GET),
        },
    )


def _back(request, default: str):
    """Back to the queue the form was posted from (a local path only)."""
    target = request.POST.get("next", "")
    local = url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/")
    return redirect(target if local else default)


def _error_text(exc: ValidationError) -> str:
    return ";".join(exc.messages)


@login_required
@require_POST
def decide(request, pk):
    review = get_object_or_404(Review.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, ";".join(e for errors in form.errors.values() for e in errors))
        return _back(request, reverse("reviews:queue"))
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "approve":
            review = review_approve(review=review, user=request.user, note=note)
            messages.success(request, f"已审核通过:{review};当前:{review.get_stage_display()}")
        else:
            review = review_return(review=review, user=request.user, reason=note)
            messages.success(request, f"已退回:{review}")
    except ValidationError as exc:
        messages.error(request, f"“{review}”未处理:{_error_text(exc)}")
    return _back(request, reverse("reviews:queue"))


@login_required
@require_POST
def answer(request, pk):
    """The unit answers a 延期申请 sent back (on its task page) and resubmits it."""
    review = get_object_or_404(Review.objects.visible_to(request.user), pk=pk)
    task_url = reverse("portal:task-detail", args=[review.task_id]) + "#review"
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, ";".join(e for errors in form.errors.values() for e in errors))
        return redirect(task_url)
    try:
        review_resubmit(
            review=review,
            user=request.user,
            answer=form.cleaned_data["answer"],
            requested_due_on=form.cleaned_data["requested_due_on"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已答复并重新提交,等待审核。")
    return redirect(task_url)


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()
