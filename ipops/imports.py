"""Spreadsheet imports: one mechanism for every app that loads records from Excel.

An app declares an `Importer`: its sheets, each sheet's columns (header, how a cell is read, required or
not) and `import_row`, which hands one row's values to the app's real services so every business rule
applies. From the declaration this module makes the downloadable template (`template_workbook`), reads
an upload under the limits (size, real .xlsx, row count, known headers), and runs it:

- `import_upload` keeps the file as an `ImportBatch` and previews it: every row runs through the services
  inside one transaction that is then rolled back, so the preview checks exactly what an import would,
  rules across rows included (a capital call after its commitment's row);
- `import_commit` runs the stored file again under the batch's row lock and keeps the writes only if no
  row failed: all or nothing, and once.

Each problem is reported as Excel shows it: the sheet, the row number, the column's header, a message
and a stable code (a service's field names map back to the columns that fed them).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import filetype
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ipops import audit, clock, visibility
from ipops.access import Actor
from ipops.errors import (
    ApplicationError,
    Conflict,
    CoreErrorCode,
    ImportErrorCode,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ipops.excel import XLSX
from ipops.models import ImportBatch, ImportStatus
from ipops.money import UNIT_FACTOR, WAN_UNIT, YUAN_UNIT, fen, money_unit_label

#: Limits on an upload: bigger files, more rows or wider sheets are refused before any row runs.
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


# --- the template ------------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="9C0006")


def template_workbook(importer: Importer) -> bytes:
    """The workbook people fill: a sheet per `Sheet` with its headers (units included, required ones in
    red, a comment saying what each takes), drop-downs for choices and yes/no, and a notes sheet that
    explains every column with an example row."""
    wb = Workbook()
    wb.remove(wb.active)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_column = 0
    for sheet in importer.sheets:
        ws = wb.create_sheet(str(sheet.name)[:31])
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index, value=column.title)
            cell.fill = _HEADER_FILL
            cell.font = _REQUIRED_FONT if column.required else Font(bold=True)
            note = column.describe() + (f"\n{column.help}" if column.help else "")
            cell.comment = Comment(note, "IPOps")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(14, len(column.title) * 2 + 4)
            options = _dropdown(column)
            if options:
                list_column += 1
                list_letter = get_column_letter(list_column)
                for row, option in enumerate(options, start=1):
                    lists.cell(row=row, column=list_column, value=option)
                source = f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$1:${list_letter}${len(options)}"
                validation = DataValidation(type="list", formula1=source, allow_blank=not column.required)
                validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
                ws.add_data_validation(validation)
        ws.freeze_panes = "A2"
    _notes_sheet(wb.create_sheet(str(_("Notes"))), importer)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _dropdown(column: Column) -> list[str]:
    if column.kind == CHOICE:
        return [str(label) for _value, label in column.choices]
    if column.kind == YES_NO:
        return [_("Yes"), _("No")]
    return []


def _notes_sheet(ws, importer: Importer) -> None:
    ws.column_dimensions["A"].width = 28
    for letter in "BCD":
        ws.column_dimensions[letter].width = 40
    ws.append([str(importer.title)])
    ws["A1"].font = Font(bold=True, size=14)
    lines = [
        str(importer.notes),
        _(
            "Fill one row per record under the headers; leave the headers as they are. Columns in red are "
            "required. Amounts are in the unit the header gives; dates as yyyy-mm-dd."
        ),
        _(
            "Upload the file to see every row checked first: if any row has an error, nothing is imported. "
            "At most %(rows)d rows and %(mb)d MB per file."
        )
        % {"rows": MAX_ROWS, "mb": MAX_BYTES // (1024 * 1024)},
    ]
    for line in lines:
        if line:
            ws.append([line])
    for sheet in importer.sheets:
        ws.append([])
        ws.append([str(sheet.name)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        ws.append([_("Column"), _("Required"), _("What it takes"), _("Example")])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
        for column in sheet.columns:
            what = column.describe() + (f"。{column.help}" if column.help else "")
            ws.append([column.title, _("Yes") if column.required else _("No"), what, _example(column)])
            ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True)


def _example(column: Column):
    if column.example not in ("", None):
        if isinstance(column.example, bool):
            return _("Yes") if column.example else _("No")
        return (
            column.example if isinstance(column.example, int | float | datetime.date) else str(column.example)
        )
    if column.kind == CHOICE and column.choices:
        return str(column.choices[0][1])
    return ""


# --- reading an upload ---------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    sheet_name: str
    row: int
    column: str
    code: str
    detail: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "sheet_name": self.sheet_name,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "detail": self.detail,
        }


@dataclass
class Row:
    sheet: Sheet
    #: The row's number as Excel shows it (the header is row 1).
    number: int
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: Column | None, code: str, detail) -> None:
        self.errors.append(
            RowError(
                self.sheet.key,
                str(self.sheet.name),
                self.number,
                column.title if column else "",
                code,
                str(detail),
            )
        )


def read_upload(upload) -> tuple[str, bytes]:
    """The upload's name and bytes, refused when larger than `MAX_BYTES` (before it is read) or when its
    first bytes are not those of an .xlsx workbook (an .xls or a .csv renamed is refused here)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large()
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _too_large()
    kind = filetype.guess(content)
    if kind is None or kind.mime != XLSX:
        raise _refused(ImportErrorCode.FILE_TYPE_NOT_ALLOWED, _("Upload an Excel workbook (.xlsx)."))
    name = str(getattr(upload, "name", "") or "upload.xlsx").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200], content


def _too_large() -> FileTooLarge:
    detail = _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
    return FileTooLarge(detail, fields={"file": [{"code": ImportErrorCode.FILE_TOO_LARGE, "detail": detail}]})


def _normal(text) -> str:
    """Headers and sheet names compared as people retype them: case, spaces and bracket widths aside."""
    value = str(text or "").strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", value)


def _spellings(*items: Any) -> set[str]:
    """How each item reads in the active language and in English (a template downloaded in either):
    lazy texts and zero-argument callables are evaluated in each, plain strings taken as they are."""

    def read() -> set[str]:
        return {_normal(item() if callable(item) else item) for item in items}

    found = read()
    with translation.override("en"):
        found |= read()
    return found


def parse(content: bytes, importer: Importer) -> list[Row]:
    """Every non-empty row of every sheet, each cell read by its column's kind (cell errors kept on the
    row). The workbook as a whole is refused for unknown sheets, missing or unknown headers, no rows or
    too many."""
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever openpyxl chokes on, the file is not a workbook we read
        raise _refused(
            ImportErrorCode.FILE_TYPE_NOT_ALLOWED, _("The file could not be opened as an Excel workbook.")
        ) from exc
    try:
        return _rows(wb, importer)
    finally:
        wb.close()


def _sheet_map(wb, importer: Importer) -> list[tuple[Any, Sheet]]:
    ignored = _spellings(gettext_lazy("Notes"), LISTS_SHEET)
    by_name: dict[str, Sheet] = {}
    for sheet in importer.sheets:
        for spelling in _spellings(sheet.name, sheet.key):
            by_name[spelling] = sheet
    found: list[tuple[Any, Sheet]] = []
    unknown: list[str] = []
    for ws in wb.worksheets:
        name = _normal(ws.title)
        if name in by_name:
            found.append((ws, by_name[name]))
        elif name not in ignored:
            unknown.append(ws.title)
    if not found and len(importer.sheets) == 1 and unknown:
        # One sheet to fill: whatever it was renamed to, the first sheet is it.
        return [(wb.worksheets[0], importer.sheets[0])]
    if unknown:
        raise _refused(
            ImportErrorCode.UNKNOWN_SHEETS,
            _("Sheets this import does not know: %(names)s. Use the sheets of the template: %(known)s.")
            % {"names": "、".join(unknown), "known": "、".join(str(s.name) for s in importer.sheets)},
        )
    order = {s.key: i for i, s in enumerate(importer.sheets)}
    return sorted(found, key=lambda pair: order[pair[1].key])


def _rows(wb, importer: Importer) -> list[Row]:
    rows: list[Row] = []
    problems: list[tuple[str, str]] = []
    for ws, sheet in _sheet_map(wb, importer):
        lines = ws.iter_rows(max_col=MAX_COLUMNS)
        header = next(lines, ())
        columns, header_problems = _header(sheet, [cell.value for cell in header])
        problems += header_problems
        if header_problems:
            continue
        for number, cells in enumerate(lines, start=2):
            values = [cell.value for cell in cells]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise _refused(
                    ImportErrorCode.TOO_MANY_ROWS,
                    _("The file has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS},
                )
            rows.append(_row(sheet, number, columns, cells))
    if problems:
        code = problems[0][0]
        raise FileRefused(
            problems[0][1], code=code, fields={"file": [{"code": c, "detail": d} for c, d in problems]}
        )
    if not rows:
        raise _refused(ImportErrorCode.NO_ROWS, _("The file has no rows to import."))
    return rows


def _title(column: Column) -> str:
    return column.title


def _header(sheet: Sheet, cells: list) -> tuple[dict[int, Column], list[tuple[str, str]]]:
    """Which column each position holds; problems naming the missing, unknown and repeated headers."""
    known: dict[str, Column] = {}
    for column in sheet.columns:
        for spelling in _spellings(functools.partial(_title, column), column.header):
            known[spelling] = column
    positions: dict[int, Column] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, value in enumerate(cells):
        if value is None or not str(value).strip():
            continue
        found = known.get(_normal(value))
        if found is None:
            unknown.append(str(value).strip())
        elif found in positions.values():
            repeated.append(str(value).strip())
        else:
            positions[index] = found
    missing = [c.title for c in sheet.columns if c.required and c not in positions.values()]
    problems: list[tuple[str, str]] = []
    where = str(sheet.name)
    if missing:
        problems.append(
            (
                ImportErrorCode.MISSING_COLUMNS,
                _("Sheet %(sheet)s lacks the columns %(names)s.")
                % {"sheet": where, "names": "、".join(missing)},
            )
        )
    if unknown:
        problems.append(
            (
                ImportErrorCode.UNKNOWN_COLUMNS,
                _("Sheet %(sheet)s has columns this import does not know: %(names)s.")
                % {"sheet": where, "names": "、".join(unknown)},
            )
        )
    if repeated:
        problems.append(
            (
                ImportErrorCode.DUPLICATE_COLUMNS,
                _("Sheet %(sheet)s has these columns twice: %(names)s.")
                % {"sheet": where, "names": "、".join(repeated)},
            )
        )
    return positions, problems


def _row(sheet: Sheet, number: int, columns: dict[int, Column], cells) -> Row:
    row = Row(sheet=sheet, number=number, values={c.key: None for c in sheet.columns})
    by_column = {column: None for column in sheet.columns}
    for index, column in columns.items():
        if index < len(cells):
            by_column[column] = cells[index]
    for column, cell in by_column.items():
        value = getattr(cell, "value", None)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if column.required:
                row.fail(column, CoreErrorCode.REQUIRED, _("This column is required."))
            continue
        try:
            row.values[column.key] = _read(column, value, getattr(cell, "number_format", "") or "")
        except _CellError as exc:
            row.fail(column, exc.code, exc.detail)
    return row


class _CellError(Exception):
    def __init__(self, code: str, detail) -> None:
        super().__init__(str(detail))
        self.code, self.detail = code, detail


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).replace(",", "").replace("，", "").strip())


def _read(column: Column, value, number_format: str):
    """One cell's value as the column takes it; `_CellError` with a code and a message when it can't."""
    kind = column.kind
    if kind == TEXT:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()[:10]
        return str(value)
    if kind in _MONEY_UNIT:
        unit = _MONEY_UNIT[kind]
        try:
            amount = _number(value)
            if not amount.is_finite():
                raise InvalidOperation
            return fen(amount * UNIT_FACTOR[unit])
        except (InvalidOperation, ValueError):
            raise _CellError(
                CoreErrorCode.INVALID_AMOUNT,
                _("Enter an amount in %(unit)s, e.g. 50 or 12.5.") % {"unit": money_unit_label(unit)},
            ) from None
    if kind == DATE:
        return _date(value)
    if kind == RATE_PERCENT:
        try:
            if isinstance(value, str) and value.endswith("%"):
                return _number(value[:-1]) / 100
            number = _number(value)
        except (InvalidOperation, ValueError):
            raise _CellError(CoreErrorCode.INVALID_RATE, _("Enter a percentage, e.g. 12.5.")) from None
        # A cell formatted as a percentage holds the ratio (12.5% is 0.125); a plain number is the percent.
        return number if "%" in number_format else number / 100
    if kind == INTEGER:
        try:
            number = _number(value)
            if number != number.to_integral_value():
                raise InvalidOperation
            return int(number)
        except (InvalidOperation, ValueError):
            raise _CellError(CoreErrorCode.INVALID_NUMBER, _("Enter a whole number.")) from None
    if kind in (CHOICE, YES_NO):
        if isinstance(value, bool) and kind == YES_NO:
            return value
        found = _lookup(column, translation.get_language()).get(_normal(value))
        if found is not None:
            return found
        if kind == YES_NO:
            raise _CellError(
                ImportErrorCode.INVALID_YES_NO,
                _("Enter %(yes)s or %(no)s.") % {"yes": _("Yes"), "no": _("No")},
            )
        raise _CellError(
            CoreErrorCode.INVALID_CHOICE,
            _("Choose one of: %(choices)s.")
            % {"choices": "、".join(str(label) for _v, label in column.choices)},
        )
    raise ValueError(f"unknown column kind {kind!r}")


@functools.lru_cache(maxsize=256)
def _lookup(column: Column, language: str | None) -> dict[str, Any]:
    """What people may type in a choice or yes/no column (labels in this language and in English, the
    stored values), read once per column and language rather than per cell."""
    if column.kind == YES_NO:
        table: dict[str, Any] = dict.fromkeys(_YES, True) | dict.fromkeys(_NO, False)
        table |= dict.fromkeys(_spellings(gettext_lazy("Yes")), True)
        table |= dict.fromkeys(_spellings(gettext_lazy("No")), False)
        return table
    table = {}
    for value, label in column.choices:
        table |= dict.fromkeys(_spellings(label, value), value)
    return table


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _date(value) -> datetime.date:
    """A date cell, or text written as 2024-03-01, 2024/3/1, 2024年3月1日 or 20240301; never in the future
    (an import loads what happened)."""
    day: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        text = re.sub(r"\s.*$", "", text)  # "2024-03-01 00:00:00"
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    day = datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    day = None
                break
    if day is None:
        raise _CellError(ImportErrorCode.INVALID_DATE, _("Enter a date as yyyy-mm-dd, e.g. 2024-03-01."))
    if day > clock.today():
        raise _CellError(CoreErrorCode.DATE_IN_FUTURE, _("This date cannot be in the future."))
    return day


# --- running ---------------------------------------------------------------------------------------


class _RollBack(Exception):
    """Raised to undo a run that is only a preview, or that a row failed."""


def _service_errors(row: Row, exc: ApplicationError) -> None:
    """A service's refusal as this row's errors: one per field error, on the column that fed the field;
    a refusal without fields on the column its code belongs to (`Sheet.codes`), else on the row."""
    sheet = row.sheet
    fields = exc.fields or {}
    generic = str(_("Some fields are invalid."))
    single = sum(len(v) for v in fields.values()) == 1
    for name, errors in fields.items():
        column = sheet.column_for_field(name)
        for error in errors:
            detail = error.get("detail", "")
            # One field's refusal with a precise message of its own (a forbidden use): the message says more.
            if single and str(exc.message) != generic and error.get("code") == exc.code:
                detail = exc.message
            row.fail(column, str(error.get("code") or exc.code), detail)
    if not fields:
        key = sheet.codes.get(str(exc.code))
        row.fail(sheet.column(key) if key else None, str(exc.code), exc.message)


def _run(actor: Actor, importer: Importer, batch: ImportBatch, rows: list[Row], *, commit: bool) -> None:
    """Every row through its sheet's `import_row` inside one transaction, each in a savepoint so one
    failure does not hide the next; rolled back unless `commit` and no row failed."""
    context = ImportContext(actor=actor, batch=batch)
    try:
        with transaction.atomic():
            for row in rows:
                if row.errors:
                    continue
                try:
                    with transaction.atomic():
                        row.sheet.import_row(context, dict(row.values))
                except ApplicationError as exc:
                    _service_errors(row, exc)
            if not commit or any(row.errors for row in rows):
                raise _RollBack
    except _RollBack:
        pass


def _require(actor: Actor, importer: Importer) -> None:
    if not importer.may_import(actor):
        raise PermissionDenied(_("Your role cannot use this import."))


@transaction.atomic
def import_upload(*, actor: Actor, importer: Importer, upload, commit: bool = False) -> ImportBatch:
    """Keep the uploaded file as a batch and check every row (a preview, nothing written); with `commit`,
    import it at once, all or nothing. The batch says how it went (`status`, `errors`); a file refused as
    a whole (size, type, headers, row count) raises and is not kept."""
    _require(actor, importer)
    name, content = read_upload(upload)
    rows = parse(content, importer)
    batch = ImportBatch.objects.create(
        city=actor.city,
        kind=importer.kind,
        uploaded_by=actor.user,
        file_name=name,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        status=ImportStatus.PREVIEWED,
    )
    _run(actor, importer, batch, rows, commit=commit)
    _record(actor, batch, rows, ImportStatus.COMMITTED if commit else ImportStatus.PREVIEWED)
    return batch


def import_commit(*, actor: Actor, batch: ImportBatch | int) -> ImportBatch:
    """Import a previewed file (the one stored, never a new upload), once: the batch's row is locked, so a
    second click or a second tab waits, then finds it imported (`ImportAlreadyCommitted`). The rows run
    again as things stand now; if any fails nothing is imported, the batch keeps the errors and
    `RowsInvalid` says so."""
    with transaction.atomic():
        found = visibility.get_visible_or_404(ImportBatch.objects.all(), actor, getattr(batch, "pk", batch))
        locked = ImportBatch.objects.select_for_update().get(pk=found.pk)
        if locked.status == ImportStatus.COMMITTED:
            raise ImportAlreadyCommitted()
        if locked.uploaded_by_id != actor.user.pk:
            raise PermissionDenied(_("Only the person who uploaded the file can import it."))
        importer = importer_for(locked.kind)
        _require(actor, importer)
        rows = parse(bytes(locked.content), importer)
        _run(actor, importer, locked, rows, commit=True)
        _record(actor, locked, rows, ImportStatus.COMMITTED)
    if locked.status != ImportStatus.COMMITTED:
        raise RowsInvalid(locked)
    return locked


def _record(actor: Actor, batch: ImportBatch, rows: list[Row], status: str) -> None:
    """Save what the run found; an import that went through is audited."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = counts.setdefault(row.sheet.key, {"rows": 0, "failed": 0})
        entry["rows"] += 1
        entry["failed"] += bool(row.errors)
    batch.counts = counts
    batch.errors = [e.as_dict() for row in rows for e in row.errors]
    batch.rows_total = len(rows)
    batch.rows_failed = sum(1 for row in rows if row.errors)
    batch.status = ImportStatus.FAILED if batch.rows_failed else status
    if batch.status == ImportStatus.COMMITTED:
        batch.committed_at = timezone.now()
        audit.record(
            actor=actor.user,
            city=actor.city,
            action="import_commit",
            obj=batch,
            data={"kind": batch.kind, "file": batch.file_name, "sha256": batch.sha256, "rows": counts},
        )
    batch.save(update_fields=["counts", "errors", "rows_total", "rows_failed", "status", "committed_at"])


def batch_sheets(batch: ImportBatch) -> list[dict]:
    """For a preview page: each sheet of the batch's import with its row counts and its errors in order."""
    importer = importer_for(batch.kind)
    out = []
    for sheet in importer.sheets:
        counts = (batch.counts or {}).get(sheet.key, {"rows": 0, "failed": 0})
        errors = [e for e in batch.errors or [] if e.get("sheet") == sheet.key]
        out.append(
            {
                "key": sheet.key,
                "name": sheet.name,
                "rows": counts["rows"],
                "failed": counts["failed"],
                "errors": errors,
            }
        )
    return out


def template_response(importer: Importer) -> HttpResponse:
    """The template as a download named by its kind and the day."""
    response = HttpResponse(template_workbook(importer), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{importer.kind}-template-{clock.today():%Y%m%d}.xlsx"'
    )
    return response


def filled_workbook(importer: Importer, rows: Mapping[str, Iterable[Mapping[str, Any]]]) -> bytes:
    """The template with rows written in (`{sheet key: [{column key: value}]}`) as a person would type
    them: amounts in the header's unit, choices by their stored value or label, yes/no as booleans. For
    demo data and tests, which load through the same door as people."""
    wb = load_workbook(io.BytesIO(template_workbook(importer)))
    for sheet in importer.sheets:
        ws = wb[str(sheet.name)[:31]]
        for values in rows.get(sheet.key, ()):
            ws.append([_typed(column, values.get(column.key)) for column in sheet.columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _typed(column: Column, value):
    if value is None:
        return None
    if column.kind == CHOICE:
        return next((str(label) for v, label in column.choices if v == value), value)
    if column.kind == YES_NO and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return float(value)
    return value
