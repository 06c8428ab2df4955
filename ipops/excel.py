"""Excel exports: every table an official or bureau user sees can leave as .xlsx."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheet_title: str, headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = str(sheet_title)[:31]
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        values = []
        for i, value in enumerate(row):
            if isinstance(value, datetime.datetime) and value.tzinfo:
                # Excel has no time zones: write the wall-clock time readers expect (Asia/Shanghai), not UTC.
                value = timezone.localtime(value).replace(tzinfo=None)
            values.append(value if value is not None else "")
            widths[i] = min(max(widths[i], len(str(value or "")) + 2), 60)
        ws.append(values)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def response(filename: str, sheet_title, headers: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    resp = HttpResponse(workbook_bytes(sheet_title, headers, rows), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
