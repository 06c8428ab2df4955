"""Importing reported statistics from Excel or CSV: the template round trip, every row a version with its
batch, one bad row imports nothing and is reported by row, column, code and message, CSV in UTF-8 and
GB18030, a re-import changes nothing, a correction is version 2, and the limits."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from ipops import clock, imports
from ipops.errors import CoreErrorCode, ImportErrorCode
from ipops.models import ImportBatch, ImportStatus
from ipops.tenancy import city_scope
from reporting.errors import ReportingErrorCode
from reporting.imports import STATISTIC_SHEET, STATISTICS
from reporting.models import Statistic, StatisticCode
from tests.conftest import api, make_user
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
URL = "/api/v1/qingdao/statistics/import/"
YEAR = clock.today().year - 1


@pytest.fixture
def bureau(qingdao):
    return make_user(qingdao, "bureau_staff")


def _xlsx(rows: list[dict]) -> bytes:
    return imports.filled_workbook(STATISTICS, {STATISTIC_SHEET.key: rows})


GOOD = [
    {"code": StatisticCode.POPULATION, "year": YEAR, "value": "10371.5", "note": "统计公报"},
    {"code": StatisticCode.ENFORCEMENT_CASES, "year": YEAR, "month": 3, "value": "42"},
    {"code": StatisticCode.SATISFACTION, "year": YEAR, "value": 81},
]


def _upload(client, content: bytes, name: str = "statistics.xlsx", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **extra}, format="multipart")


def _current(qingdao) -> dict:
    with city_scope(qingdao):
        return {
            (s.code, s.year, s.month): (s.value, s.version, s.batch_id)
            for s in Statistic.objects.filter(is_current=True)
        }


def test_a_good_workbook_previews_then_imports_every_row_as_a_version_with_its_batch(qingdao, bureau):
    client = api(bureau)
    template = client.get(f"{URL}template/")
    assert template.status_code == 200
    with city_scope(qingdao):
        headers = [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
        assert headers == [c.title for c in STATISTIC_SHEET.columns]
    with city_scope(qingdao), nothing_changed(Statistic):
        preview = _upload(client, _xlsx(GOOD))
    assert preview.status_code == 201, preview.json()
    batch = preview.json()
    assert (
        batch["status"] == ImportStatus.PREVIEWED and batch["rows_total"] == 3 and batch["row_errors"] == []
    )
    committed = client.post(f"{URL}{batch['id']}/commit/")
    assert committed.status_code == 200 and committed.json()["status"] == ImportStatus.COMMITTED
    assert _current(qingdao) == {
        ("population", YEAR, None): (Decimal("10371.5"), 1, batch["id"]),
        ("enforcement_cases", YEAR, 3): (Decimal("42"), 1, batch["id"]),
        ("satisfaction", YEAR, None): (Decimal("81"), 1, batch["id"]),
    }
    again = client.post(f"{URL}{batch['id']}/commit/")
    assert again.status_code == 409 and again.json()["code"] == ImportErrorCode.IMPORT_ALREADY_COMMITTED
    detail = client.get(f"{URL}{batch['id']}/")
    assert detail.status_code == 200 and detail.json()["status"] == ImportStatus.COMMITTED


def test_one_bad_row_imports_nothing_and_is_reported_by_row_column_and_code(qingdao, bureau):
    rows = [*GOOD, {"code": StatisticCode.PCT_APPLICATIONS, "year": YEAR, "value": "-3"}]
    with city_scope(qingdao), nothing_changed(Statistic):
        answer = _upload(api(bureau), _xlsx(rows), commit="true")
    assert answer.status_code == 400 and answer.json()["code"] == ImportErrorCode.IMPORT_ROWS_INVALID
    (error,) = answer.json()["batch"]["row_errors"]
    value = STATISTIC_SHEET.column("value")
    assert (error["row"], error["column"], error["code"]) == (
        5,
        value.title,
        ReportingErrorCode.NEGATIVE_VALUE,
    )
    assert error["detail"]
    # A cell the reader refuses (an unknown statistic) and a value the service refuses (month 13), each on
    # its row and column.
    bad = [
        {"code": "no such statistic", "year": YEAR, "value": "1"},
        {"code": StatisticCode.PCT_APPLICATIONS, "year": YEAR, "month": 13, "value": "1"},
    ]
    with city_scope(qingdao), nothing_changed(Statistic):
        preview = _upload(api(bureau), _xlsx(bad)).json()
    assert preview["status"] == ImportStatus.FAILED and preview["rows_failed"] == 2
    found = {(e["row"], e["column"], e["code"]) for e in preview["row_errors"]}
    assert (2, STATISTIC_SHEET.column("code").title, CoreErrorCode.INVALID_CHOICE) in found
    assert {(r, c) for r, c, _code in found} == {
        (2, STATISTIC_SHEET.column("code").title),
        (3, STATISTIC_SHEET.column("month").title),
    }


def _csv(rows: list[list[str]]) -> str:
    header = ",".join(c.title for c in STATISTIC_SHEET.columns)
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_file_imports_the_same_way(qingdao, bureau, encoding):
    rows = [
        [str(StatisticCode.POPULATION.label), str(YEAR), "", "10371.5", "青岛市统计局公报"],
        ["enforcement_cases", str(YEAR), "3", "42", ""],
        ["", "", "", "", ""],
    ]
    with city_scope(qingdao):
        content = _csv(rows).encode(encoding)
    answer = _upload(api(bureau), content, name="统计.csv", commit="true")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["rows_total"] == 2
    current = _current(qingdao)
    assert current[("population", YEAR, None)][0] == Decimal("10371.5")
    with city_scope(qingdao):
        assert Statistic.objects.get(code="population").note == "青岛市统计局公报"
    assert current[("enforcement_cases", YEAR, 3)][0] == Decimal("42")


def test_a_csv_with_a_bad_row_imports_nothing(qingdao, bureau):
    with city_scope(qingdao):
        content = _csv([["population", str(YEAR), "", "1", ""], ["population", "abc", "", "2", ""]]).encode()
    with city_scope(qingdao), nothing_changed(Statistic):
        answer = _upload(api(bureau), content, name="s.csv", commit="true")
    assert answer.status_code == 400
    (error,) = answer.json()["batch"]["row_errors"]
    assert error["row"] == 3 and error["column"] == STATISTIC_SHEET.column("year").title


def test_a_csv_preview_is_committed_from_the_stored_file(qingdao, bureau):
    with city_scope(qingdao):
        content = _csv([["population", str(YEAR), "", "1", ""]]).encode("gb18030")
    client = api(bureau)
    batch = _upload(client, content, name="s.csv").json()
    assert batch["status"] == ImportStatus.PREVIEWED
    assert client.post(f"{URL}{batch['id']}/commit/").json()["status"] == ImportStatus.COMMITTED
    assert _current(qingdao)[("population", YEAR, None)][0] == Decimal("1")


def test_reimporting_the_same_values_adds_no_version_and_a_correction_is_version_2(qingdao, bureau):
    client = api(bureau)
    first = _upload(client, _xlsx(GOOD), commit="true").json()
    _upload(client, _xlsx(GOOD), commit="true")
    with city_scope(qingdao):
        assert Statistic.objects.count() == 3
    corrected = [dict(GOOD[0], value="10400"), *GOOD[1:]]
    second = _upload(client, _xlsx(corrected), commit="true").json()
    with city_scope(qingdao):
        assert Statistic.objects.count() == 4
        versions = list(
            Statistic.objects.filter(code="population", year=YEAR)
            .order_by("version")
            .values_list("version", "value", "is_current", "batch_id")
        )
    assert versions == [
        (1, Decimal("10371.5"), False, first["id"]),
        (2, Decimal("10400"), True, second["id"]),
    ]


def test_the_limits_and_the_roles(qingdao, bureau):
    too_big = _upload(api(bureau), b"0" * (imports.MAX_BYTES + 1), name="big.xlsx")
    assert too_big.status_code == 413 and too_big.json()["code"] == ImportErrorCode.FILE_TOO_LARGE
    big_csv = _upload(api(bureau), b"a," * (imports.MAX_BYTES // 2 + 1), name="big.csv")
    assert big_csv.status_code == 413
    not_csv = _upload(api(bureau), b"MZ\x90\x00\x03" + b"\0" * 2000, name="evil.csv")
    assert not_csv.status_code == 400 and not_csv.json()["code"] == ImportErrorCode.FILE_TYPE_NOT_ALLOWED
    official = make_user(qingdao, "official")
    assert _upload(api(official), _xlsx(GOOD)).status_code == 403
    assert api(official).get(f"{URL}template/").status_code == 403
    with city_scope(qingdao):
        assert not ImportBatch.objects.exists()


def test_the_pages_preview_and_commit(qingdao, bureau):
    client = Client()
    client.force_login(bureau)
    page = client.get("/qingdao/indicators/statistics/import/")
    assert page.status_code == 200 and 'id="upload-form"' in page.content.decode()
    template = client.get("/qingdao/indicators/statistics/import/template.xlsx")
    assert template.status_code == 200
    uploaded = client.post(
        "/qingdao/indicators/statistics/import/", {"file": SimpleUploadedFile("s.xlsx", _xlsx(GOOD))}
    )
    assert uploaded.status_code == 302
    preview = client.get(uploaded["Location"]).content.decode()
    assert 'data-status="previewed"' in preview and 'id="commit"' in preview
    assert client.post(uploaded["Location"]).status_code == 302
    assert 'data-status="committed"' in client.get(uploaded["Location"]).content.decode()
    assert len(_current(qingdao)) == 3
    bad = client.post(
        "/qingdao/indicators/statistics/import/", {"file": SimpleUploadedFile("s.xlsx", b"not a workbook")}
    )
    assert bad.status_code == 400 and 'id="upload-errors"' in bad.content.decode()
    official = Client()
    official.force_login(make_user(qingdao, "official"))
    assert official.get("/qingdao/indicators/statistics/import/").status_code == 403
