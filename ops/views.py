import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness for nginx / monitoring: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """handler500: a Chinese error page; 503 "try again later" when the database is down.

    Django calls this while handling the exception, so sys.exc_info() names it. The
    templates are standalone (no base.html, no context) so that rendering them cannot
    fail for the same reason the request did.
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        template, status = "503.html", 503
    else:
        template, status = "500.html", 500
    response = HttpResponse(loader.get_template(template).render(), status=status)
    if status == 503:
        response["Retry-After"] = "60"
    return response
