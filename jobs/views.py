"""我的导出: the user's jobs, a job's progress page, its status (polled) and its file."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .choices import JobStatus
from .models import Job
from .services import job_retry

LIST_ROWS = 50


def _own_job(request, job_id: int) -> Job:
    """A job the user asked for or joined; anyone else's is a 404."""
    return get_object_or_404(Job.objects.requested_by(request.user), pk=job_id)


@login_required
def job_list(request):
    jobs = Job.objects.requested_by(request.user).order_by("-created_at", "-pk")[:LIST_ROWS]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, job_id: int):
    context = {"job": _own_job(request, job_id), "keep_days": settings.JOB_FILES_KEEP_DAYS}
    return render(request, "jobs/job_detail.html", context)


@login_required
def job_status(request, job_id: int):
    return JsonResponse(_own_job(request, job_id).as_status())


@login_required
def job_download(request, job_id: int):
    job = _own_job(request, job_id)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404("文件尚未生成或已过期")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已过期,请重新导出") from None
    response = FileResponse(handle, as_attachment=True, filename=job.filename)
    ascii_name = job.filename.encode("ascii", "ignore").decode().strip() or f"export-{job.pk}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(job.filename)}"
    )
    return response


@login_required
@require_POST
def job_retry_view(request, job_id: int):
    job = _own_job(request, job_id)
    try:
        job_retry(job=job, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
    return redirect(job)
