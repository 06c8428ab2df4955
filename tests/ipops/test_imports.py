"""The import mechanism (`ipops.imports`) on a small importer of its own: the template, the limits on a
file, every cell's error where Excel shows it, a preview that writes nothing, and a commit that happens
once."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from ipops import audit, imports
from ipops.errors import CoreErrorCode, ImportErrorCode, PermissionDenied, ValidationFailed, invalid_field
from ipops.imports import Column, Importer, Sheet
from ipops.models import AuditEvent, ImportBatch, ImportStatus
from ipops.tenancy import city_scope
from tests.conftest import actor, make_user
from tests.support import failures, nothing_changed, race, successes

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def _thing(context, row):
    """Writes an audit record per row; a "needs" row wants an earlier row's name (a rule across rows)."""
    if row["name"] == "refused":
        raise invalid_field("label", CoreErrorCode.INVALID, "refused by the service")
    if row["needs"] and not AuditEvent.objects.filter(action="test_thing", data__name=row["needs"]).exists():
        raise ValidationFailed("no such earlier thing", code=CoreErrorCode.NOT_FOUND)
    return audit.record(
        actor=context.actor.user,
        city=context.actor.city,
        action="test_thing",
        obj=context.batch,
        data={"name": row["name"], "amount": row["amount"], "share": row["share"]},
    )


THINGS = Sheet(
    key="things",
    name=gettext_lazy("Things"),
    columns=(
        Column("name", "Name", fields=("label",)),
        Column("amount", "Amount", imports.MONEY_WAN),
        Column("day", "Day", imports.DATE),
        Column("share", "Share", imports.RATE_PERCENT, required=False),
        Column("count", "Count", imports.INTEGER, required=False),
        Column(
            "colour", "Colour", imports.CHOICE, choices=(("red", "Red"), ("blue", "Blue")), required=False
        ),
        Column("flag", "Flag", imports.YES_NO, required=False),
        Column("needs", "Needs", required=False),
    ),
    import_row=_thing,
    codes={CoreErrorCode.NOT_FOUND: "needs"},
)
TEST_THINGS = imports.register(
    Importer(kind="test_things", title="Things", sheets=(THINGS,), may_import=lambda actor: actor.can_write)
)


def _upload(content: bytes, name: str = "things.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _filled(*rows: dict) -> bytes:
    return imports.filled_workbook(TEST_THINGS, {"things": rows})


def _raw(header: list, *rows: list, title: str = "Things") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _refusal(content: bytes, name: str = "things.xlsx"):
    with pytest.raises(ValidationFailed) as caught:
        imports.parse(imports.read_upload(_upload(content, name))[1], TEST_THINGS)
    return caught.value


#: The headers as the template writes them (units in the active language).
HEADER = [c.title for c in THINGS.columns]


def test_the_template_has_headers_with_units_dropdowns_and_notes():
    wb = load_workbook(io.BytesIO(imports.template_workbook(TEST_THINGS)))
    assert wb.sheetnames == ["Things", _("Notes"), imports.LISTS_SHEET]
    assert wb[imports.LISTS_SHEET].sheet_state == "hidden"
    things = wb["Things"]
    assert [c.value for c in things[1]] == HEADER
    lists = {str(v.formula1): str(v.sqref) for v in things.data_validations.dataValidation}
    assert len(lists) == 2  # colour and flag
    notes = [[c.value for c in row] for row in wb[_("Notes")].iter_rows()]
    assert [HEADER[1], _("Yes"), THINGS.columns[1].describe(), None] in notes


def test_cells_are_read_by_their_column(qingdao):
    content = _raw(
        HEADER,
        ["A", 12.5, datetime.date(2024, 3, 1), 12.5, 3, "Red", "是", None],
        [None],  # an empty row keeps Excel's numbering
        [1001, "1,200", "2024/3/2", "7.5%", "4", "blue", False, "A"],
        ["C", "0.01", "2024年3月3日", None, None, None, "no", None],
    )
    rows = imports.parse(content, TEST_THINGS)
    assert [r.number for r in rows] == [2, 4, 5]
    assert all(not r.errors for r in rows), [r.errors for r in rows]
    first, second, third = (r.values for r in rows)
    assert first["amount"] == D("125000.00") and first["share"] == D("0.125") and first["flag"] is True
    assert first["colour"] == "red" and first["count"] == 3 and first["day"] == datetime.date(2024, 3, 1)
    assert second["name"] == "1001" and second["amount"] == D("12000000.00") and second["share"] == D("0.075")
    assert (
        second["colour"] == "blue" and second["flag"] is False and second["day"] == datetime.date(2024, 3, 2)
    )
    assert (
        third["amount"] == D("100.00")
        and third["day"] == datetime.date(2024, 3, 3)
        and third["flag"] is False
    )


def test_a_percentage_cell_holds_the_ratio(qingdao):
    content = _filled({"name": "A", "amount": 1, "day": datetime.date(2024, 1, 1)})
    wb = load_workbook(io.BytesIO(content))
    wb["Things"]["D2"] = 0.125
    wb["Things"]["D2"].number_format = "0.00%"
    buffer = io.BytesIO()
    wb.save(buffer)
    (row,) = imports.parse(buffer.getvalue(), TEST_THINGS)
    assert row.values["share"] == D("0.125")


def test_every_bad_cell_is_reported_with_its_row_and_header():
    content = _raw(
        HEADER,
        [None, "lots", "yesterday", "half", 1.5, "Green", "maybe", None],
        ["B", 1, datetime.date(2999, 1, 1), None, None, None, None, None],
    )
    rows = imports.parse(content, TEST_THINGS)
    found = {(e.row, e.column, e.code) for r in rows for e in r.errors}
    assert found == {
        (2, "Name", CoreErrorCode.REQUIRED),
        (2, HEADER[1], CoreErrorCode.INVALID_AMOUNT),
        (2, "Day", ImportErrorCode.INVALID_DATE),
        (2, HEADER[3], CoreErrorCode.INVALID_RATE),
        (2, "Count", CoreErrorCode.INVALID_NUMBER),
        (2, "Colour", CoreErrorCode.INVALID_CHOICE),
        (2, "Flag", ImportErrorCode.INVALID_YES_NO),
        (3, "Day", CoreErrorCode.DATE_IN_FUTURE),
    }


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(imports.FileTooLarge) as caught:
        imports.read_upload(_upload(b"0" * (imports.MAX_BYTES + 1)))
    assert caught.value.status == 413 and caught.value.code == ImportErrorCode.FILE_TOO_LARGE


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 2000, "old.xlsx"),  # an .xls renamed
        ("名称,金额\nA,1\n".encode(), "things.xlsx"),  # a .csv renamed
        (b"", "empty.xlsx"),
    ],
)
def test_a_file_that_is_not_really_xlsx_is_refused(content, name):
    assert _refusal(content, name).code == ImportErrorCode.FILE_TYPE_NOT_ALLOWED


def test_a_zip_that_only_looks_like_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not a workbook")
    refusal = _refusal(buffer.getvalue())
    assert refusal.code == ImportErrorCode.FILE_TYPE_NOT_ALLOWED


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports.reading, "MAX_ROWS", 3)  # where the limit is read
    content = _raw(HEADER, *([f"T{i}", 1, "2024-01-01"] for i in range(4)))
    refusal = _refusal(content)
    assert refusal.code == ImportErrorCode.TOO_MANY_ROWS and "3" in str(refusal.message)


def test_missing_and_unknown_headers_are_named():
    refusal = _refusal(_raw(["Name", "Amount", "Colour", "Price", "Weight"], ["A", 1, "Red", 2, 3]))
    assert refusal.code == ImportErrorCode.MISSING_COLUMNS
    details = {e["code"]: e["detail"] for e in refusal.fields["file"]}
    assert "Day" in details[ImportErrorCode.MISSING_COLUMNS]
    assert (
        "Price" in details[ImportErrorCode.UNKNOWN_COLUMNS]
        and "Weight" in details[ImportErrorCode.UNKNOWN_COLUMNS]
    )
    # The header without its unit is the same column; only the template's sheets are read.
    assert imports.parse(_raw(["Name", "Amount", "Day"], ["A", 1, "2024-01-01"]), TEST_THINGS)[0].values[
        "amount"
    ]
    assert _refusal(_raw(HEADER)).code == ImportErrorCode.NO_ROWS
    assert _refusal(_raw(["Name", "Name", "Amount", "Day"], ["A", "A", 1, "2024-01-01"])).code == (
        ImportErrorCode.DUPLICATE_COLUMNS
    )


def _bureau(city):
    return actor(make_user(city, "bureau_staff"), city)


def test_the_preview_runs_every_rule_and_writes_nothing(qingdao):
    who = _bureau(qingdao)
    day = datetime.date(2024, 1, 1)
    content = _filled(
        {"name": "A", "amount": 1, "day": day},
        {"name": "B", "amount": 2, "day": day, "needs": "A"},  # needs the row above: found in the preview
        {"name": "refused", "amount": 3, "day": day},
        {"name": "C", "amount": 4, "day": day, "needs": "Z"},
    )
    with city_scope(qingdao), nothing_changed():
        batch = imports.import_upload(actor=who, importer=TEST_THINGS, upload=_upload(content))
    assert batch.status == ImportStatus.FAILED
    assert (batch.rows_total, batch.rows_failed) == (4, 2)
    assert [(e["row"], e["column"], e["code"], e["detail"]) for e in batch.errors] == [
        (4, "Name", CoreErrorCode.INVALID, "refused by the service"),
        (5, "Needs", CoreErrorCode.NOT_FOUND, "no such earlier thing"),
    ]
    with city_scope(qingdao):
        assert bytes(ImportBatch.objects.get().content) == content


def test_a_clean_file_is_previewed_then_imported_once_even_when_committed_twice_at_once(qingdao):
    who = _bureau(qingdao)
    day = datetime.date(2024, 1, 1)
    content = _filled(
        {"name": "A", "amount": 1, "day": day}, {"name": "B", "amount": 2, "day": day, "needs": "A"}
    )
    with city_scope(qingdao), nothing_changed():
        batch = imports.import_upload(actor=who, importer=TEST_THINGS, upload=_upload(content))
    assert batch.status == ImportStatus.PREVIEWED and batch.errors == []

    results = race(
        lambda: imports.import_commit(actor=who, batch=batch.pk),
        lambda: imports.import_commit(actor=who, batch=batch.pk),
        context=lambda: city_scope(qingdao),
    )
    assert len(successes(results)) == 1
    assert [f.code for f in failures(results)] == [ImportErrorCode.IMPORT_ALREADY_COMMITTED]
    with city_scope(qingdao):
        assert AuditEvent.objects.filter(action="test_thing").count() == 2
        assert AuditEvent.objects.filter(action="import_commit", object_id=str(batch.pk)).count() == 1
        batch.refresh_from_db()
        assert batch.status == ImportStatus.COMMITTED and batch.committed_at is not None


def test_a_commit_that_now_fails_imports_nothing_and_keeps_the_errors(qingdao):
    who = _bureau(qingdao)
    day = datetime.date(2024, 1, 1)
    content = _filled(
        {"name": "A", "amount": 1, "day": day}, {"name": "B", "amount": 2, "day": day, "needs": "X"}
    )
    with city_scope(qingdao):
        batch = imports.import_upload(actor=who, importer=TEST_THINGS, upload=_upload(content))
        assert batch.status == ImportStatus.FAILED
        with pytest.raises(imports.RowsInvalid):
            imports.import_commit(actor=who, batch=batch)
        batch.refresh_from_db()
        assert batch.status == ImportStatus.FAILED and batch.rows_failed == 1
        assert not AuditEvent.objects.filter(action="test_thing").exists()


def test_only_the_uploader_commits_and_others_do_not_see_the_batch(qingdao):
    uploader = actor(make_user(qingdao, "enterprise"), qingdao)
    content = _filled({"name": "A", "amount": 1, "day": datetime.date(2024, 1, 1)})
    with city_scope(qingdao):
        batch = imports.import_upload(actor=uploader, importer=TEST_THINGS, upload=_upload(content))
        other = actor(make_user(qingdao, "enterprise"), qingdao)
        with pytest.raises(imports.ImportNotFound):
            imports.import_commit(actor=other, batch=batch)
        with pytest.raises(PermissionDenied):
            imports.import_commit(actor=_bureau(qingdao), batch=batch)  # sees it, cannot import it
        assert list(ImportBatch.objects.restrict(other)) == []
        assert list(ImportBatch.objects.restrict(uploader)) == [batch]


def test_a_commit_with_the_upload_imports_at_once(qingdao):
    who = _bureau(qingdao)
    content = _filled({"name": "A", "amount": "2.5", "day": datetime.date(2024, 1, 1), "share": 40})
    with city_scope(qingdao):
        batch = imports.import_upload(actor=who, importer=TEST_THINGS, upload=_upload(content), commit=True)
        assert batch.status == ImportStatus.COMMITTED
        (event,) = AuditEvent.objects.filter(action="test_thing")
        assert event.data["amount"] == "25000.00" and event.data["share"] == "0.4"
