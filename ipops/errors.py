"""One error hierarchy for every business rule.

A service raises an `ApplicationError` subclass; the API's one exception handler
(`ipops.api.exceptions`) and the pages turn it into the same answer:
`{"code": ..., "detail": ..., "fields": {...}}` with the class's HTTP status.
Codes are stable: clients and tests depend on them, messages may change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """Base of every app's error-code enum (Saleor's `error_codes.py`): one place lists the codes an
    app may answer with. Members are strings, so they compare and serialise as the plain code."""


class CoreErrorCode(ErrorCode):
    """Codes every app shares: field validation (`ipops.validators`) and the generic refusals."""

    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_CHOICE = "invalid_choice"
    INVALID_AMOUNT = "invalid_amount"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_TOO_LARGE = "amount_too_large"
    AMOUNT_BELOW_MINIMUM = "amount_below_minimum"
    INVALID_RATE = "invalid_rate"
    RATE_OUT_OF_RANGE = "rate_out_of_range"
    INVALID_NUMBER = "invalid_number"
    DATE_IN_PAST = "date_in_past"
    DATE_IN_FUTURE = "in_future"
    DATE_TOO_EARLY = "date_too_early"
    DATE_TOO_FAR = "date_too_far"
    NOT_EDITABLE = "not_editable"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    CITY_ACCESS_DENIED = "city_access_denied"
    READ_ONLY_ACCESS = "read_only_access"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    UNKNOWN_CITY = "unknown_city"
    UNKNOWN_ROUTE = "unknown_route"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # Hostile input (ipops.api.parsers, ipops.api.exceptions)
    REQUEST_TOO_LARGE = "request_too_large"
    INVALID_JSON = "invalid_json"
    JSON_TOO_DEEP = "json_too_deep"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"
    # Accounts (ipops.security): a login door locked by failures, an API token past its life, a money
    # step that needs a recent password or code.
    ACCOUNT_LOCKED = "account_locked"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - an error code
    REAUTHENTICATION_REQUIRED = "reauthentication_required"


class IpopsErrorCode(ErrorCode):
    """The core app's own domain codes: identifiers, the registry, organisations and people."""

    # Identifiers (ipops.ids)
    FILING_YEAR_MISMATCH = "filing_year_mismatch"
    INVALID_IDENTIFIER = "invalid_identifier"
    IPC_FORMAT = "ipc_format"
    IPC_PREFIX_FORMAT = "ipc_prefix_format"
    IPC_UNKNOWN_CLASS = "ipc_unknown_class"
    IPC_UNKNOWN_SUBCLASS = "ipc_unknown_subclass"
    PATENT_NUMBER_CHECKSUM = "patent_number_checksum"
    PATENT_NUMBER_FORMAT = "patent_number_format"
    PATENT_NUMBER_KIND_MISMATCH = "patent_number_kind_mismatch"
    PATENT_NUMBER_TYPE = "patent_number_type"
    PATENT_NUMBER_YEAR = "patent_number_year"
    USCC_INVALID_CHECKSUM = "uscc_invalid_checksum"
    USCC_INVALID_FORMAT = "uscc_invalid_format"
    USCC_INVALID_LENGTH = "uscc_invalid_length"
    # The registry (ipops.services.registry)
    ASSET_ALREADY_PLEDGED = "asset_already_pledged"
    ASSET_DUPLICATE_NUMBER = "asset_duplicate_number"
    ASSET_REGISTERED_ELSEWHERE = "asset_registered_elsewhere"
    ASSET_MOVED_AWAY = "asset_moved_away"
    MOVE_TARGET_INVALID = "move_target_invalid"
    ASSET_ENCUMBERED = "asset_encumbered"
    ASSET_NOT_FOUND = "asset_not_found"
    ASSET_NOT_IN_FORCE = "asset_not_in_force"
    ASSET_NOT_OWNED = "asset_not_owned"
    GRANT_BEFORE_FILING = "grant_before_filing"
    OWNER_CANNOT_HOLD_ASSETS = "owner_cannot_hold_assets"
    OWNER_NOT_EDITABLE = "owner_not_editable"
    VALUATION_NOT_POSITIVE = "valuation_not_positive"
    # Cities (ipops.services.cities)
    CITY_EXISTS = "city_exists"
    # Organisations and people (ipops.services.organisations)
    DISPLAY_NAME_TOO_LONG = "display_name_too_long"
    LAST_BUREAU_ADMIN = "last_bureau_admin"
    MEMBER_EXISTS = "member_exists"
    MEMBER_IN_OTHER_CITY = "member_in_other_city"
    MEMBER_INVALID = "member_invalid"
    MEMBER_IS_SELF = "member_is_self"
    MEMBER_NOT_FOUND = "member_not_found"
    MEMBER_PLATFORM_ACCOUNT = "member_platform_account"
    ORGANIZATION_DUPLICATE = "organization_duplicate"
    ORGANIZATION_DUPLICATE_USCC = "organization_duplicate_uscc"
    ORGANIZATION_NOT_FOUND = "organization_not_found"
    PASSWORD_INVALID = "password_invalid"  # noqa: S105 - an error code, not a password
    USERNAME_INVALID = "username_invalid"
    USERNAME_TAKEN = "username_taken"
    USERNAME_TOO_LONG = "username_too_long"


class ImportErrorCode(ErrorCode):
    """Importing a spreadsheet (`ipops.imports`): refusals of the file itself, and the cells of a row."""

    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    TOO_MANY_ROWS = "too_many_rows"
    NO_ROWS = "no_rows"
    MISSING_COLUMNS = "missing_columns"
    UNKNOWN_COLUMNS = "unknown_columns"
    DUPLICATE_COLUMNS = "duplicate_columns"
    UNKNOWN_SHEETS = "unknown_sheets"
    IMPORT_KIND_UNKNOWN = "import_kind_unknown"
    IMPORT_NOT_FOUND = "import_not_found"
    IMPORT_ALREADY_COMMITTED = "import_already_committed"
    IMPORT_ROWS_INVALID = "import_rows_invalid"
    # One cell
    INVALID_DATE = "invalid_date"
    INVALID_YES_NO = "invalid_yes_no"


class ApplicationError(Exception):
    status = 400
    code: str = CoreErrorCode.INVALID
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
    code: str = CoreErrorCode.INVALID


class PermissionDenied(ApplicationError):
    status = 403
    code: str = CoreErrorCode.PERMISSION_DENIED
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status = 404
    code: str = CoreErrorCode.NOT_FOUND
    default_message = _("Not found.")


class Conflict(ApplicationError):
    status = 409
    code: str = CoreErrorCode.CONFLICT
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code: str = CoreErrorCode.INVALID_TRANSITION
    default_message = _("This action is not allowed in the current state.")


def invalid_field(field: str, code: str, detail) -> ValidationFailed:
    """A 400 about one field: the field's code is also the error's code."""
    return ValidationFailed(detail, code=code, fields={field: [{"code": code, "detail": detail}]})


class FieldErrors:
    """Collect every field error before failing, so a form or an API client sees them all at once."""

    def __init__(self) -> None:
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
