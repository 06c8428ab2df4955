"""Every error under /api/ leaves as {"code", "detail", "fields"}.

DRF views answer through `exception_handler`. What happens before a view runs (no route, no such city)
or outside DRF reaches Django's error handlers, which `ipops.urls` points at `bad_request`,
`permission_denied`, `not_found` and `server_error` here: under /api/ they answer the same JSON
shape, elsewhere Django's own pages. (With DEBUG on, Django shows its technical 404 and 500 pages
instead of calling the handlers.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django_scopes import ScopeError
from rest_framework import exceptions as drf
from rest_framework.response import Response

from ipops.api.parsers import RequestTooLarge
from ipops.errors import ApplicationError, CoreErrorCode, NotFound, PermissionDenied, ValidationFailed
from ipops.tenancy import UnknownCity


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
    if isinstance(exc, RequestDataTooBig):
        # Django's own limit, met where it reads a form's or a multipart request's fields.
        exc = RequestTooLarge()
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


# --- Django's error handlers (ipops.urls: handler400/403/404/500) -------------------------------------

API_PREFIX = "/api/"
#: Where a city's slug sits in an API path (elsewhere under /api/, a would-be slug is an unknown route:
#: `/api/` alone resolves as the pages of a city called "api").
CITY_API_PREFIX = "/api/v1/"


class UnknownCityError(NotFound):
    code = CoreErrorCode.UNKNOWN_CITY
    default_message = gettext_lazy("No such city.")


class UnknownRoute(NotFound):
    code = CoreErrorCode.UNKNOWN_ROUTE
    default_message = gettext_lazy("No such API endpoint.")


class ServerError(ApplicationError):
    status = 500
    code = CoreErrorCode.SERVER_ERROR
    default_message = gettext_lazy("Something went wrong on our side.")


def _api_error(error: ApplicationError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})


def _under_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`unknown_city` for a city slug no active city has, `unknown_route` for a path nothing serves."""
    if not _under_api(request):
        return defaults.page_not_found(request, exception)
    if isinstance(exception, UnknownCity) and request.path_info.startswith(CITY_API_PREFIX):
        return _api_error(UnknownCityError())
    if isinstance(exception, Resolver404 | UnknownCity):
        return _api_error(UnknownRoute())
    return _api_error(NotFound())


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _under_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _api_error(RequestTooLarge())
    return _api_error(ValidationFailed())


class RequestSizeMiddleware:
    """Under /api/, a body declared larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused before anything
    reads it: 413 `request_too_large` in the JSON shape, with DEBUG on too (Django would show its HTML
    page). Multipart uploads are left to Django, which counts their fields and not their files, and to
    the upload's own limits (`file_too_large`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and _under_api(request)
            and not (request.content_type or "").startswith("multipart/")
            and _declared_length(request) > limit
        ):
            return _api_error(RequestTooLarge())
        return self.get_response(request)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _under_api(request):
        return defaults.permission_denied(request, exception)
    return _api_error(PermissionDenied())


def server_error(request: HttpRequest) -> HttpResponse:
    if not _under_api(request):
        return defaults.server_error(request)
    return _api_error(ServerError())
