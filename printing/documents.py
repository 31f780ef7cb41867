"""The printed documents: each renders its print template and hands the HTML to Chromium.

The views and the bulletin job decide *what* a user may print (their `visible_to`
querysets); these functions only lay it out. Dates are rendered in the project's time
zone (Asia/Shanghai) by the templates' `date` filter.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from .pdf import pdf_from_html

# The bulletin runs in the worker and may hold tens of thousands of overdue rows.
BULLETIN_TIMEOUT_SECONDS = 900


def _printed_by(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def print_html(template: str, context: dict, *, user=None) -> str:
    """The print template rendered with what every printed page shows (letterhead colour,
    time and person of printing)."""
    return render_to_string(
        template,
        {
            "red_header": settings.PRINT_RED_HEADER,
            "printed_at": timezone.now(),
            "printed_by": _printed_by(user),
            **context,
        },
    )


def notice_pdf(context: dict, *, user) -> bytes:
    """A 督办单 (`context` from `supervision.selectors.notice_print_context`)."""
    return pdf_from_html(print_html("printing/notice.html", context, user=user))


def task_record_pdf(context: dict, *, user) -> bytes:
    """A task's record (`context` from `portal.record.task_record_context`)."""
    return pdf_from_html(print_html("printing/task_record.html", context, user=user))


def bulletin_pdf(figures: dict, *, user) -> bytes:
    """The monthly bulletin (`figures` from `dashboard.bulletin.bulletin_figures`)."""
    from supervision import conf

    context = {"figures": figures, "letterhead": conf.get("SUPERVISION_LETTERHEAD")}
    html = print_html("printing/bulletin.html", context, user=user)
    return pdf_from_html(html, timeout=BULLETIN_TIMEOUT_SECONDS)


def pdf_response(data: bytes, filename: str, *, ascii_name: str) -> HttpResponse:
    """The PDF as a download; the Chinese file name survives (RFC 6266 `filename*`), with
    `ascii_name` for old clients."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def print_failed_response(request, error: Exception) -> HttpResponse:
    """No PDF (no Chromium here, or it failed): a page saying so, 503."""
    return render(request, "printing/unavailable.html", {"reason": str(error)}, status=503)
