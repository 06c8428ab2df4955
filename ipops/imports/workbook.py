"""Workbooks the importer makes: the template to download, and filled ones (tests, demos)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ipops import clock
from ipops.excel import XLSX
from ipops.imports.spec import CHOICE, LISTS_SHEET, MAX_BYTES, MAX_ROWS, YES_NO, Column, Importer

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
