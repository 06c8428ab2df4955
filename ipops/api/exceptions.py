"""The one DRF exception handler: every error leaves as {"code", "detail", "fields"}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import ScopeError
from rest_framework import exceptions as drf
from rest_framework.response import Response

from ipops.errors import ApplicationError, CoreErrorCode


def _fields(detail) -> dict:
    """DRF's nested ErrorDetail structure → {field: [{"code", "detail"}]}."""
    out: dict = {}
    if isinstance(detail, dict):
        for name, errors in detail.items():
            if isinstance(errors, dict):  # nested serializer
                for sub, suberrors in _fields(errors).items():
                    out[f"{name}.{sub}"] = suberrors
                continue
            items = errors if isinstance(errors, list) else [errors]
            flat = []
            for index, err in enumerate(items):
                if isinstance(err, dict):
                    for sub, suberrors in _fields(err).items():
                        out[f"{name}[{index}].{sub}"] = suberrors
                else:
                    flat.append({"code": getattr(err, "code", "invalid"), "detail": str(err)})
            if flat:
                out[name] = flat
    return out


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, ScopeError):
        # A query escaped the city scope: a programming error, never a silent cross-city read.
        raise exc
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.ValidationError):
        detail = exc.detail
        if isinstance(detail, list):
            detail = {"non_field_errors": detail}
        body = {
            "code": CoreErrorCode.INVALID,
            "detail": _("Some fields are invalid."),
            "fields": _fields(detail),
        }
        non_field = body["fields"].get("non_field_errors")
        if non_field:
            body["code"], body["detail"] = non_field[0]["code"], non_field[0]["detail"]
        return Response(body, status=400)
    if isinstance(exc, drf.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(
            {"code": code, "detail": str(exc.detail), "fields": {}}, status=exc.status_code, headers=headers
        )
    return None
