"""Excel exports: every table an official or bureau user sees can leave as .xlsx."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ipops.money import UNIT_FACTOR, WAN_UNIT, money_unit_label, to_decimal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: What makes a spreadsheet read text as a formula (or, pasted on, as one): = + - @, and a leading tab or
#: carriage return that some importers strip before looking.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell) -> None:
    """Keep a text cell text: an enterprise that names its asset `=HYPERLINK(…)` or a DDE payload must not
    put a live formula into the bureau's spreadsheet. The cell is written as a string with Excel's quote
    prefix, so the text reads exactly as typed and stays text when someone edits it."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
        cell.data_type = "s"
        cell.quotePrefix = True


@dataclass(frozen=True)
class Column:
    """A column with a meaning: its header carries the unit, its cells a number format Excel understands.

    `kind`: "text", "money" (an amount in 元, written in `unit`: 万元 by default), "percent" (a ratio,
    0.6 → 60.00%), "date", "datetime" (Beijing time), "integer".
    """

    header: object
    kind: str = "text"
    unit: str = WAN_UNIT

    @property
    def title(self) -> str:
        if self.kind == "money":
            return f"{self.header}（{money_unit_label(self.unit)}）"
        return str(self.header)

    def cell(self, value):
        if value is None or value == "":
            return ""
        if self.kind == "money":
            return to_decimal(value) / UNIT_FACTOR[self.unit]
        if isinstance(value, datetime.datetime) and value.tzinfo:
            # Excel has no time zones: write the wall-clock time readers expect (Asia/Shanghai), not UTC.
            return timezone.localtime(value).replace(tzinfo=None)
        return value

    @property
    def number_format(self) -> str | None:
        return {
            "money": "#,##0.00",
            "percent": "0.00%",
            "date": "yyyy-mm-dd",
            "datetime": "yyyy-mm-dd hh:mm",
            "integer": "#,##0",
        }.get(self.kind)


def Money(header, unit: str = WAN_UNIT) -> Column:  # noqa: N802 - reads as a column type
    return Column(header, "money", unit)


def _column(spec) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


def workbook_bytes(sheet_title: str, headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """One sheet: bold frozen header row with units, typed cells with number formats."""
    columns = [_column(h) for h in headers]
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = str(sheet_title)[:31]
    ws.append([c.title for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(c.title) * 2 + 2 for c in columns]
    for row in rows:
        values = []
        for i, (column, value) in enumerate(zip(columns, row, strict=True)):
            if column.kind == "text" and isinstance(value, datetime.datetime | datetime.date):
                column = columns[i] = Column(
                    column.header, "datetime" if isinstance(value, datetime.datetime) else "date"
                )
            values.append(column.cell(value))
            widths[i] = min(max(widths[i], len(str(value or "")) + 4), 60)
        ws.append(values)
        for cell in ws[ws.max_row]:
            neutralise(cell)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1]
        if column.number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = column.number_format
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def response(filename: str, sheet_title, headers: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    resp = HttpResponse(workbook_bytes(sheet_title, headers, rows), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
