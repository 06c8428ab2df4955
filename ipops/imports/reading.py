"""Reading an upload: the limits, the headers, each cell by its column's kind, errors by row and column."""

from __future__ import annotations

import datetime
import functools
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import filetype
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from ipops import clock
from ipops.errors import (
    CoreErrorCode,
    ImportErrorCode,
)
from ipops.excel import XLSX
from ipops.imports.spec import (
    _MONEY_UNIT,
    _NO,
    _YES,
    CHOICE,
    DATE,
    INTEGER,
    LISTS_SHEET,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    RATE_PERCENT,
    TEXT,
    YES_NO,
    Column,
    FileRefused,
    FileTooLarge,
    Importer,
    Sheet,
    _refused,
)
from ipops.money import UNIT_FACTOR, fen, money_unit_label

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
    name = str(getattr(upload, "name", "") or "upload.xlsx").replace("\\", "/").rsplit("/", 1)[-1]
    # A file named .csv is text: anything with binary magic bytes (a workbook, an .exe renamed) is not one.
    is_csv = is_csv_name(name) and kind is None and b"\0" not in content
    if not is_csv and (kind is None or kind.mime != XLSX):
        raise _refused(ImportErrorCode.FILE_TYPE_NOT_ALLOWED, _("Upload an Excel workbook (.xlsx)."))
    # The batch keeps the name, and a stored CSV is read again on commit by its extension: keep the end.
    return (name[-200:] if is_csv else name[:200]), content


def is_csv_name(name: str) -> bool:
    """A .csv upload (by its name: text has no magic bytes); its content is then read as CSV."""
    return str(name or "").lower().endswith(".csv")


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


def parse(content: bytes, importer: Importer, *, name: str = "") -> list[Row]:
    """Every non-empty row of every sheet, each cell read by its column's kind (cell errors kept on the
    row). The workbook as a whole is refused for unknown sheets, missing or unknown headers, no rows or
    too many. A .csv file (`name`) fills the one sheet of a single-sheet import, read the same way."""
    if is_csv_name(name):
        return _rows(_csv_workbook(content, importer), importer)
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


def _csv_workbook(content: bytes, importer: Importer) -> Workbook:
    """A CSV file (UTF-8, with or without its BOM, or GB18030 as Chinese Excel saves it) as a workbook of
    one sheet, every cell text, for the importer's one sheet: the same headers, limits and cell rules."""
    import pandas as pd  # only when a CSV comes in

    if len(importer.sheets) != 1:
        raise _refused(
            ImportErrorCode.FILE_TYPE_NOT_ALLOWED,
            _("This import has several sheets: upload the Excel workbook (.xlsx)."),
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refused(ImportErrorCode.FILE_TYPE_NOT_ALLOWED, _("Save the CSV file as UTF-8 or GB18030."))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
            names=range(MAX_COLUMNS),  # rows of any length up to the limit; a longer one is refused
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _refused(
            ImportErrorCode.FILE_TYPE_NOT_ALLOWED, _("The file could not be read as a CSV file.")
        ) from exc
    wb = Workbook()
    ws = wb.active
    ws.title = str(importer.sheets[0].name)[:31]
    filled = 0
    for values in frame.itertuples(index=False, name=None):
        cells = [None if not isinstance(v, str) or v == "" else v for v in values]
        while cells and cells[-1] is None:
            cells.pop()
        ws.append(cells)
        filled += any(v is not None and str(v).strip() for v in cells)
        if filled > MAX_ROWS + 1:  # the header and one row too many: `_rows` refuses the file
            break
    return wb


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
