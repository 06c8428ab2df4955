"""One error hierarchy for every business rule.

A service raises an `ApplicationError` subclass; the API's one exception handler
(`ipops.api.exceptions`) and the pages turn it into the same answer:
`{"code": ..., "detail": ..., "fields": {...}}` with the class's HTTP status.
Codes are stable: clients and tests depend on them, messages may change.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, code: str | None = None, fields: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": str(self.message), "fields": _stringify(self.fields)}


def _stringify(fields: dict) -> dict:
    return {
        name: [{"code": e.get("code", "invalid"), "detail": str(e.get("detail", ""))} for e in errors]
        for name, errors in fields.items()
    }


def field_error(field: str, exc: ApplicationError) -> dict:
    return {field: [{"code": exc.code, "detail": exc.message}]}


class ValidationFailed(ApplicationError):
    status = 400
    code = "invalid"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This action is not allowed in the current state.")
