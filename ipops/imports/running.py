"""Running an import: a preview rolled back, a commit once and all or nothing, the batch's record."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit, visibility
from ipops.access import Actor
from ipops.errors import (
    ApplicationError,
    PermissionDenied,
)
from ipops.imports.reading import Row, parse, read_upload
from ipops.imports.spec import ImportAlreadyCommitted, ImportContext, Importer, RowsInvalid, importer_for
from ipops.models import ImportBatch, ImportStatus

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
    rows = parse(content, importer, name=name)
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
        rows = parse(bytes(locked.content), importer, name=locked.file_name)
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
