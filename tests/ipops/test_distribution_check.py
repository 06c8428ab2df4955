"""`manage.py distribution_check`: what must change before distributing by city, read from the live schema."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from ipops import rls
from ipops.management.commands import distribution_check as dc

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("distribution_check", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return json.loads(_run("--json"))


def _table(report: dict, name: str) -> dict:
    return next(t for t in report["tables"] if t["table"] == name)


def _findings(report: dict, table: str, kind: str) -> dict[str, dict]:
    return {f["name"]: f for f in _table(report, table)["findings"] if f["kind"] == kind}


def test_every_walled_table_is_distributed_and_the_national_ones_are_reference_tables(report):
    placement = {t["table"]: t["placement"] for t in report["tables"]}
    assert {placement[t] for t in rls.walled_tables()} == {dc.DISTRIBUTED}
    assert placement["ipops_membership"] == dc.DISTRIBUTED  # city-keyed, read across cities by user
    assert _table(report, "ipops_membership")["cross_city_access"]
    assert {"ipops_city", "ipops_user"} <= set(report["summary"]["reference_tables"])
    assert placement["django_migrations"] == dc.LOCAL


def test_the_national_patent_number_is_listed_as_crossing_cities(report):
    unique = _findings(report, "ipops_ipasset", dc.UNIQUE)
    patent = unique["asset_patent_unique_nationally"]
    assert patent["crosses_cities"]
    assert patent["columns"] == ["kind", "number"]
    assert "transferred_out" in patent["detail"]  # a partial index: its condition is shown
    assert "ipops_ipasset.asset_patent_unique_nationally" in report["summary"]["crossing_cities"]
    # The per-city number already holds city_id: nothing to change there.
    assert "asset_unique_number_per_city" not in unique


def test_a_unique_key_on_a_foreign_key_to_a_city_row_is_per_city_already(report):
    unique = _findings(report, "trading_transaction", dc.UNIQUE)
    assert not unique["trading_transaction_offer_id_key"]["crosses_cities"]


def test_primary_keys_and_foreign_keys_without_city_id_are_listed(report):
    assert _findings(report, "ipops_ipasset", dc.PRIMARY_KEY)["ipops_ipasset_pkey"]["columns"] == ["id"]
    foreign = {f["detail"]: f for f in _findings(report, "trading_transaction", dc.FOREIGN_KEY).values()}
    assert foreign["trading_listing"]["columns"] == ["listing_id"]
    assert foreign["ipops_organization"]["columns"] in (["buyer_id"], ["seller_id"])
    # A foreign key to a reference table is fine as it is.
    assert not any(f["detail"] == "ipops_city" for t in report["tables"] for f in t["findings"])
    # pghistory's events point at their object with no database constraint: still not co-located.
    logical = _findings(report, "trading_transactionevent", dc.LOGICAL)
    assert logical["trading.TransactionEvent.pgh_obj"]["detail"] == "trading_transaction"


def test_the_summary_counts_the_findings(report):
    summary = report["summary"]
    findings = [f for t in report["tables"] for f in t["findings"]]
    assert summary[dc.PRIMARY_KEY] == summary[dc.DISTRIBUTED]
    assert summary[dc.FOREIGN_KEY] == sum(f["kind"] == dc.FOREIGN_KEY for f in findings) > 0
    assert summary["tables"] == len(report["tables"])
    assert summary["tables_to_change"] == sum(1 for t in report["tables"] if t["findings"])


def test_the_output_is_stable_and_readable():
    first, second = _run(), _run()
    assert first == second
    assert "asset_patent_unique_nationally" in first
    assert "CROSSES CITIES" in first
    assert "Summary" in first
    assert _run("--json") == _run("--json")
