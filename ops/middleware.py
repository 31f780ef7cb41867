"""Request logging as JSON lines, and cache headers for signed-in users' responses."""

import json
import logging
import time

from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import empty

logger = logging.getLogger("ops.requests")


class RequestLogMiddleware:
    """Log method, path, status, duration and user id of every request.

    The query string, headers, cookies and bodies are never logged: they can carry
    passwords, tokens and session ids.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        entry = {
            "time": timezone.now().isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "user_id": _user_id(request),
        }
        logger.info(json.dumps(entry, ensure_ascii=False))
        return response


def _user_id(request) -> int | None:
    """The signed-in user's id if the request already looked the user up.

    Never triggers the lookup itself: that would cost a session query on requests
    that did not need one, and fail again when the database is what went wrong.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class PrivateResponsesNotStoredMiddleware:
    """Responses made for a signed-in user are not kept by the browser or any proxy.

    Unit staff often share an office PC: after one logs out, the next must not find
    the tasks, reports, ledgers or attachments in the browser's cache (ASVS V8.2.1).
    A view that sets its own Cache-Control keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _user_id(request) is not None and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
