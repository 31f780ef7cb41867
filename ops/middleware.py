"""Request logging as JSON lines, one per request, for log shippers and grep."""

import json
import logging
import time

from django.utils import timezone
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
