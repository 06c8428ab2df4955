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


def invalid_field(field: str, code: str, detail) -> ValidationFailed:
    """A 400 about one field: the field's code is also the error's code."""
    return ValidationFailed(detail, code=code, fields={field: [{"code": code, "detail": detail}]})


class FieldErrors:
    """Collect every field error before failing, so a form or an API client sees them all at once."""

    def __init__(self):
        self.fields: dict[str, list] = {}

    def add(self, field: str, code: str, detail) -> None:
        self.fields.setdefault(field, []).append({"code": code, "detail": detail})

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, exc_class=None, message=None, code: str | None = None) -> None:
        """Raise `exc_class` (ValidationFailed) with all fields; its code is `code`, else the first field's."""
        if not self.fields:
            return
        exc_class = exc_class or ValidationFailed
        first = next(iter(self.fields.values()))[0]
        if exc_class is ValidationFailed:
            code = code or first["code"]
        raise exc_class(message or _("Some fields are invalid."), code=code, fields=self.fields)
