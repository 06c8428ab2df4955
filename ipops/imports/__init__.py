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

from ipops.imports.reading import Row, RowError, parse, read_upload
from ipops.imports.running import batch_sheets, import_commit, import_upload
from ipops.imports.spec import (
    CHOICE,
    DATE,
    INTEGER,
    LISTS_SHEET,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    MONEY_WAN,
    MONEY_YUAN,
    RATE_PERCENT,
    TEXT,
    YES_NO,
    Column,
    FileRefused,
    FileTooLarge,
    ImportAlreadyCommitted,
    ImportContext,
    Importer,
    ImportKindUnknown,
    ImportNotFound,
    RowsInvalid,
    Sheet,
    batch_visibility,
    importer_for,
    importers_for,
    register,
)
from ipops.imports.workbook import filled_workbook, template_response, template_workbook

__all__ = [
    "CHOICE",
    "DATE",
    "INTEGER",
    "LISTS_SHEET",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MONEY_WAN",
    "MONEY_YUAN",
    "RATE_PERCENT",
    "TEXT",
    "YES_NO",
    "Column",
    "FileRefused",
    "FileTooLarge",
    "ImportAlreadyCommitted",
    "ImportContext",
    "ImportKindUnknown",
    "ImportNotFound",
    "Importer",
    "Row",
    "RowError",
    "RowsInvalid",
    "Sheet",
    "batch_sheets",
    "batch_visibility",
    "filled_workbook",
    "import_commit",
    "import_upload",
    "importer_for",
    "importers_for",
    "parse",
    "read_upload",
    "register",
    "template_response",
    "template_workbook",
]
