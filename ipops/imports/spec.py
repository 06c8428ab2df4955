"""The import declaration: limits, errors, columns, sheets, importers and their registry, and who sees a batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops import visibility
from ipops.access import Actor
from ipops.errors import (
    ApplicationError,
    Conflict,
    ImportErrorCode,
    NotFound,
    ValidationFailed,
)
from ipops.models import ImportBatch
from ipops.money import WAN_UNIT, YUAN_UNIT, money_unit_label

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
#: The template's hidden sheet with the lists its drop-downs offer (never a data sheet).
LISTS_SHEET = "_lists"

# How a cell is read.
TEXT, MONEY_WAN, MONEY_YUAN, DATE, RATE_PERCENT, INTEGER, CHOICE, YES_NO = (
    "text",
    "money_wan",
    "money_yuan",
    "date",
    "rate_percent",
    "int",
    "choice",
    "bool",
)
_MONEY_UNIT = {MONEY_WAN: WAN_UNIT, MONEY_YUAN: YUAN_UNIT}
_YES = {"是", "yes", "y", "true", "1", "√", "✓", "对"}
_NO = {"否", "no", "n", "false", "0", "×", "✗", "不"}


# --- errors ------------------------------------------------------------------------------------------


class FileTooLarge(ApplicationError):
    status = 413
    code = ImportErrorCode.FILE_TOO_LARGE


class FileRefused(ValidationFailed):
    """The file itself cannot be imported (its type, its sheets or headers, its row count)."""


class ImportKindUnknown(ValidationFailed):
    code = ImportErrorCode.IMPORT_KIND_UNKNOWN
    default_message = gettext_lazy("There is no such kind of import.")


class ImportNotFound(NotFound):
    code = ImportErrorCode.IMPORT_NOT_FOUND
    default_message = gettext_lazy("No such import.")


class ImportAlreadyCommitted(Conflict):
    code = ImportErrorCode.IMPORT_ALREADY_COMMITTED
    default_message = gettext_lazy("This file has already been imported.")


class RowsInvalid(ValidationFailed):
    """Some rows failed: nothing was imported. `batch` holds every row's errors."""

    code = ImportErrorCode.IMPORT_ROWS_INVALID

    def __init__(self, batch: ImportBatch):
        super().__init__(
            _("%(n)d rows have errors: nothing was imported. Correct them and upload the file again.")
            % {"n": batch.rows_failed}
        )
        self.batch = batch


def _refused(code: str, detail) -> FileRefused:
    return FileRefused(detail, code=code, fields={"file": [{"code": code, "detail": detail}]})


# --- the declaration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column. `key` names the value handed to `import_row`; `fields` are the service's field names
    whose errors belong to this column (the key by default). `choices`: (value, label) pairs, the label
    being what people type (the value is accepted too)."""

    key: str
    header: Any
    kind: str = TEXT
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()
    example: Any = ""
    help: Any = ""
    fields: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The header as the template writes it, with the unit."""
        if self.kind in _MONEY_UNIT:
            return f"{self.header}（{money_unit_label(_MONEY_UNIT[self.kind])}）"
        if self.kind == RATE_PERCENT:
            return f"{self.header}（%）"
        return str(self.header)

    @property
    def answers_for(self) -> tuple[str, ...]:
        return (self.key, *self.fields)

    def describe(self) -> str:
        """What the cell takes, for the template's notes."""
        if self.kind in _MONEY_UNIT:
            return _("An amount in %(unit)s") % {"unit": money_unit_label(_MONEY_UNIT[self.kind])}
        if self.kind == DATE:
            return _("A date (yyyy-mm-dd)")
        if self.kind == RATE_PERCENT:
            return _("A percentage: 12.5 means 12.5%")
        if self.kind == INTEGER:
            return _("A whole number")
        if self.kind == CHOICE:
            return _("One of: %(choices)s") % {"choices": "、".join(str(label) for _v, label in self.choices)}
        if self.kind == YES_NO:
            return _("%(yes)s or %(no)s") % {"yes": _("Yes"), "no": _("No")}
        return _("Text")


@dataclass(frozen=True)
class ImportContext:
    """What `import_row` works with: who imports, and the batch (a reference for what it writes)."""

    actor: Actor
    batch: ImportBatch


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook. `import_row(context, values)` writes one row through the services;
    `codes` names the column an error without fields belongs to (`{"fund_not_found": "fund"}`)."""

    key: str
    name: Any
    columns: tuple[Column, ...]
    import_row: Callable[[ImportContext, dict[str, Any]], object]
    codes: Mapping[str, str] = field(default_factory=dict)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def column_for_field(self, name: str) -> Column | None:
        return next((c for c in self.columns if name in c.answers_for), None)


@dataclass(frozen=True)
class Importer:
    """One kind of import. Sheets run in the order listed (commitments before the calls on them); rows
    in the order of the sheet. `may_import(actor)`: who may use it."""

    kind: str
    title: Any
    sheets: tuple[Sheet, ...]
    may_import: Callable[[Actor], bool]
    notes: Any = ""


_IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """Declare an importer (at import time of the app's module); kinds are unique across apps."""
    if _IMPORTERS.get(importer.kind, importer) is not importer:
        raise ValueError(f"two importers of kind {importer.kind!r}")
    _IMPORTERS[importer.kind] = importer
    return importer


def importer_for(kind: str | None) -> Importer:
    try:
        return _IMPORTERS[str(kind)]
    except KeyError:
        raise ImportKindUnknown() from None


def importers_for(actor: Actor, kinds: Iterable[str] | None = None) -> list[Importer]:
    """The importers (among `kinds`, else all) this actor may use."""
    chosen = [_IMPORTERS[k] for k in kinds if k in _IMPORTERS] if kinds is not None else _IMPORTERS.values()
    return [i for i in chosen if i.may_import(actor)]


# --- who sees a batch ----------------------------------------------------------------------------------


def batch_visibility(actor) -> Q | bool:
    """The bureau sees every import of its city; anyone else the files they uploaded."""
    if actor.is_bureau:
        return True
    return Q(uploaded_by=actor.user.pk)


visibility.register(ImportBatch, view=batch_visibility, not_found=ImportNotFound)
