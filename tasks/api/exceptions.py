"""One shape for every API error: `{"detail": ..., "code": ..., "errors": {field: [...]}}`.

Services raise Django's ValidationError and PermissionDenied (the pages use the same
services), optimistic locking raises TaskVersionConflict, and the database refuses
deletes of protected rows: all of them become 4xx JSON here instead of a 500.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from tasks.services import TaskVersionConflict


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "数据冲突"
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "请求内容过大"
    default_code = "too_large"


def _as_drf(exc):
    # Django's own 404 and 403 (get_object_or_404, an unknown `?format=`, the services'
    # PermissionDenied with its reason) keep their reason and get DRF's codes.
    if isinstance(exc, exceptions.ParseError):
        # DRF's own text is English ("JSON parse error - Expecting ...").
        return exceptions.ParseError("请求内容无法解析:请发送有效的 JSON(或表单)数据")
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return exceptions.ValidationError(detail)
    if isinstance(exc, TaskVersionConflict):
        return Conflict(str(exc) or TaskVersionConflict.message, code="version_conflict")
    if isinstance(exc, ProtectedError):
        return Conflict("该记录仍被其他数据引用,不能删除", code="protected")
    if isinstance(exc, IntegrityError):
        return Conflict("与现有数据冲突(如重复的编号或名称)", code="integrity")
    return exc


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def api_exception_handler(exc, context):
    exc = _as_drf(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(response.data)
        # The first message of each field, so a client that shows only `detail` still
        # tells the user what to fix.
        summary = ";".join(str(messages[0]) for messages in errors.values() if messages)
        body = {
            "detail": f"提交的数据有误:{summary}" if summary else "提交的数据有误",
            "code": "invalid",
            "errors": errors,
        }
    else:
        detail = getattr(exc, "detail", "")
        code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": code, "errors": {}}
    return Response(body, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict:
    return {
        name: response[name] for name in ("WWW-Authenticate", "Retry-After") if name in response
    }
