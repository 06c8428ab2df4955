"""Dates a real record can have: nothing before 1985 (China's Patent Law took effect on 1 April 1985), nothing
in the future for what has happened, nothing years ahead for an expiry. Year 1 and year 9999 are typing
errors; each is refused with a stable code and a message naming the bound, and nothing is written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ipops import clock, validators
from ipops.errors import ApplicationError, CoreErrorCode, FieldErrors
from ipops.models import AuditEvent, IPAsset
from ipops.services import registry
from ipops.tenancy import city_scope
from pledge_finance import services as pledge
from pledge_finance.models import ReserveEntry
from tests.conftest import actor, api, make_org, make_user
from tests.ipops.test_registry_api import GOOD
from tests.pledge_finance.conftest import build_world
from tests.support import nothing_changed
from tests.trading.conftest import create_listing, url
from trading.models import Listing, OperationsCentre

pytestmark = pytest.mark.django_db

YEAR_1 = datetime.date(1, 1, 1)
YEAR_9999 = datetime.date(9999, 12, 31)


def field_codes(exc) -> dict[str, list[str]]:
    return {name: [e["code"] for e in errors] for name, errors in exc.fields.items()}


# --- the helper ----------------------------------------------------------------------------------------


def test_the_helper_names_the_bound():
    errors = FieldErrors()
    assert (
        validators.date_in_range(datetime.date(1984, 12, 31), "d", errors, earliest=validators.EARLIEST)
        is None
    )
    assert validators.date_in_range(YEAR_9999, "e", errors, latest=datetime.date(2030, 1, 1)) is None
    assert validators.date_in_range(datetime.date(2000, 1, 1), "f", errors, earliest=validators.EARLIEST)
    assert [e["code"] for e in errors.fields["d"]] == [CoreErrorCode.DATE_TOO_EARLY]
    assert [e["code"] for e in errors.fields["e"]] == [CoreErrorCode.DATE_TOO_FAR]
    assert "1985" in str(errors.fields["d"][0]["detail"]) and "2030" in str(errors.fields["e"][0]["detail"])
    assert "f" not in errors.fields


def test_what_happened_is_neither_in_the_future_nor_before_1985():
    today = datetime.date(2026, 3, 1)
    cases = {
        YEAR_1: CoreErrorCode.DATE_TOO_EARLY,
        datetime.date(1984, 12, 31): CoreErrorCode.DATE_TOO_EARLY,
        datetime.date(2026, 3, 2): CoreErrorCode.DATE_IN_FUTURE,
        YEAR_9999: CoreErrorCode.DATE_IN_FUTURE,
    }
    for day, code in cases.items():
        errors = FieldErrors()
        assert validators.not_in_future(day, "d", errors, today=today) is None
        assert errors.fields["d"][0]["code"] == code, day
    for day in (validators.EARLIEST, today):
        errors = FieldErrors()
        assert validators.not_in_future(day, "d", errors, today=today) == day and not errors


def test_an_expiry_lies_ahead_but_not_more_than_five_years():
    today = datetime.date(2024, 2, 29)
    errors = FieldErrors()
    validators.in_future(datetime.date(2029, 3, 1), "x", errors, today=today, within_years=5)
    assert errors.fields["x"][0]["code"] == CoreErrorCode.DATE_TOO_FAR
    errors = FieldErrors()
    assert validators.in_future(datetime.date(2029, 2, 28), "x", errors, today=today, within_years=5)
    assert not errors


# --- the registry: a patent's dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "day", "code"),
    [
        ("filing_date", "1984-06-01", CoreErrorCode.DATE_TOO_EARLY),
        ("filing_date", "0001-01-01", CoreErrorCode.DATE_TOO_EARLY),
        ("grant_date", "1985-03-31", CoreErrorCode.DATE_TOO_EARLY),
        ("grant_date", "9999-12-31", CoreErrorCode.DATE_IN_FUTURE),
    ],
)
def test_a_patents_dates_through_the_api(qingdao, field, day, code):
    body = {**GOOD, field: day}
    if field == "filing_date":
        body["number"] = "ZL 2017 1 0601862.3"
    with nothing_changed(IPAsset, AuditEvent):
        answer = api(make_user(qingdao, "enterprise")).post("/api/v1/qingdao/assets/", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert code in [e["code"] for e in answer.json()["fields"][field]]


def test_a_grant_date_tomorrow_is_refused_by_the_service(qingdao):
    user = make_user(qingdao, "enterprise")
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with city_scope(qingdao), nothing_changed(IPAsset, AuditEvent), pytest.raises(ApplicationError) as caught:
        registry.asset_create(
            actor=actor(user, qingdao),
            **{
                **GOOD,
                "filing_date": datetime.date(2017, 7, 27),
                "grant_date": tomorrow,
            },
        )
    assert field_codes(caught.value)["grant_date"] == [CoreErrorCode.DATE_IN_FUTURE]


# --- the marketplace: a listing's expiry, a centre's days ---------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "code"),
    [("9999-12-31", CoreErrorCode.DATE_TOO_FAR), ("2000-01-01", CoreErrorCode.DATE_IN_PAST)],
)
def test_a_listing_expiry_through_the_api(qingdao, seller, patent, expires_on, code):
    body = {"asset_ids": [patent.pk], "deal_type": "assignment", "asking_price": "500000.00"}
    with nothing_changed(Listing, AuditEvent):
        answer = seller.client().post(
            url(qingdao, "listings/"), {**body, "expires_on": expires_on}, format="json"
        )
    assert answer.status_code == 400, answer.json()
    assert [e["code"] for e in answer.json()["fields"]["expires_on"]] == [code]


def test_a_listing_expiry_is_checked_on_create_and_on_edit(qingdao, seller, patent):
    far = timezone.localdate().replace(year=timezone.localdate().year + 6)
    with nothing_changed(Listing, AuditEvent), pytest.raises(ApplicationError) as caught:
        create_listing(qingdao, seller, [patent], expires_on=far)
    assert field_codes(caught.value)["expires_on"] == [CoreErrorCode.DATE_TOO_FAR]
    listing = create_listing(qingdao, seller, [patent], publish=False)
    with nothing_changed(Listing, AuditEvent):
        answer = seller.client().patch(url(qingdao, f"listings/{listing.pk}/"), {"expires_on": "9999-01-01"})
    assert answer.status_code == 400 and answer.json()["fields"]["expires_on"][0]["code"] == "date_too_far"
    soon = timezone.localdate() + datetime.timedelta(days=90)
    answer = seller.client().patch(url(qingdao, f"listings/{listing.pk}/"), {"expires_on": soon.isoformat()})
    assert answer.status_code == 200, answer.json()


def test_a_centre_established_in_the_future_or_in_year_one_is_refused(qingdao, bureau):
    from ipops.models import OrgKind

    university = make_org(qingdao, OrgKind.UNIVERSITY, "青岛某大学")
    for day, code in (("0001-01-01", "date_too_early"), ("9999-01-01", CoreErrorCode.DATE_IN_FUTURE)):
        with nothing_changed(OperationsCentre, AuditEvent):
            answer = bureau.client().post(
                url(qingdao, "centres/"),
                {"organization": university.pk, "kind": "university", "established_on": day},
            )
        assert answer.status_code == 400, answer.json()
        assert answer.json()["fields"]["established_on"][0]["code"] == code


# --- pledge finance: the reserve ledger ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("booked_on", "code"),
    [("0001-01-01", CoreErrorCode.DATE_TOO_EARLY), ("9999-12-31", CoreErrorCode.DATE_IN_FUTURE)],
)
def test_a_reserve_top_up_dated_where_no_money_moved(qingdao, booked_on, code):
    w = build_world(qingdao)
    body = {"amount": "100000.00", "note": "追加", "booked_on": booked_on}
    with nothing_changed(ReserveEntry, AuditEvent):
        answer = api(w.bureau).post("/api/v1/qingdao/loans/reserve/ledger/", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert [e["code"] for e in answer.json()["fields"]["booked_on"]] == [code]
    with w.scope(), nothing_changed(ReserveEntry, AuditEvent), pytest.raises(ApplicationError) as caught:
        pledge.reserve_top_up(
            actor=w.actor(w.bureau),
            amount=Decimal("100000"),
            note="追加",
            booked_on=datetime.date.fromisoformat(booked_on),
        )
    assert field_codes(caught.value)["booked_on"] == [code]


@pytest.mark.parametrize(
    ("field", "day", "code"),
    [("opens_on", YEAR_1, "date_too_early"), ("closes_on", YEAR_9999, "date_too_far")],
)
def test_a_subsidy_programme_opens_and_closes_within_the_platforms_time(qingdao, field, day, code):
    from subsidies import demo as subsidies_demo
    from subsidies import services as subsidies
    from subsidies.models import Policy

    bureau = actor(make_user(qingdao, "bureau_staff"), qingdao)
    data = {**subsidies_demo.CATALOGUE[0], field: day}
    with city_scope(qingdao), nothing_changed(Policy), pytest.raises(ApplicationError) as refused:
        subsidies.policy_save(actor=bureau, data=data)
    assert field_codes(refused.value)[field] == [code]


@pytest.mark.parametrize(("day", "code"), [(YEAR_1, "date_too_early"), (YEAR_9999, "in_future")])
def test_the_special_budget_books_no_payment_where_no_money_moved(qingdao, day, code):
    from funds import services as funds
    from funds.models import Expenditure
    from tests.funds.conftest import open_budget

    open_budget(qingdao)
    bureau = actor(make_user(qingdao, "bureau_staff"), qingdao)
    with city_scope(qingdao), nothing_changed(Expenditure), pytest.raises(ApplicationError) as refused:
        funds.budget_spend(
            actor=bureau, city=qingdao, source_kind="municipal", category="subsidy_award", amount="1000",
            spent_on=day, reference="test:1",
        )  # fmt: skip
    assert field_codes(refused.value)["spent_on"] == [code]
