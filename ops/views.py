import sys

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# InterfaceError ("connection already closed") is not a DatabaseError in the DB-API
# hierarchy, but it means the same to the user: the database is not reachable right now.
DATABASE_UNAVAILABLE = (DatabaseError, InterfaceError)


@never_cache
@require_GET
def healthz(request):
    """Liveness for nginx / monitoring: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_UNAVAILABLE:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    """The API's error shape (tasks.api.exceptions), for errors raised outside DRF's views."""
    return JsonResponse(
        {"detail": detail, "code": code, "errors": {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def server_error(request):
    """handler500: a Chinese error page; 503 "try again later" when the database is down.

    Django calls this while handling the exception, so sys.exc_info() names it. The
    templates are standalone (no base.html, no context) so that rendering them cannot
    fail for the same reason the request did. Under /api/ the answer is JSON.
    """
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, DATABASE_UNAVAILABLE)
    if _is_api(request):
        if unavailable:
            response = api_error("数据库暂时无法连接,请求未处理,请稍后重试", "unavailable", 503)
        else:
            response = api_error("服务器内部错误,请稍后重试或联系优化办", "server_error", 500)
    elif unavailable:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    else:
        response = HttpResponse(loader.get_template("500.html").render(), status=500)
    if unavailable:
        response["Retry-After"] = "60"
    return response


def bad_request(request, exception):
    """handler400: JSON under /api/ (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413)."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return api_error("请求内容过大", "too_large", 413)
        return api_error("请求无效", "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return api_error(str(exception) or "您没有执行该操作的权限。", "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return api_error("未找到。", "not_found", 404)
    return defaults.page_not_found(request, exception)
