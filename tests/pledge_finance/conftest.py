"""A city with everything a pledge loan needs, built with the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.test import Client

from ipops import clock
from ipops.models import City, IPAsset, Organization, User
from ipops.money import split_by_shares
from ipops.tenancy import city_scope
from pledge_finance import services
from pledge_finance.models import Loan, LoanProduct
from tests.conftest import actor, make_asset, make_city, make_org, make_user
from tests.funds.conftest import open_budget

D = Decimal
THIRTY_MILLION = D("30000000")
TWO_MILLION = D("2000000")
RATE = D("0.0435")


@dataclass
class World:
    city: City
    product: LoanProduct
    enterprise: User
    enterprise2: User
    bank: User
    bank2: User
    insurer: User
    guarantor: User
    appraiser: User
    bureau: User
    official: User
    assets: list[IPAsset] = field(default_factory=list)
    assets2: list[IPAsset] = field(default_factory=list)

    def org(self, user: User) -> Organization:
        return user.memberships.get(city=self.city).organization

    def actor(self, user: User):
        return actor(user, self.city)

    def scope(self):
        return city_scope(self.city)

    def url(self, tail: str = "") -> str:
        return f"/api/v1/{self.city.slug}/loans/{tail}"

    def application(self, **over) -> dict:
        body = {
            "product": self.product.pk,
            "bank": self.org(self.bank).pk,
            "insurer": self.org(self.insurer).pk,
            "guarantor": self.org(self.guarantor).pk,
            "assets": [self.assets[0].pk],
            "amount": "2000000.00",
            "term_months": 12,
            "purpose": "研发投入与设备采购",
        }
        body.update(over)
        return body


def build_world(city: City, *, reserve: Decimal | None = THIRTY_MILLION) -> World:
    bureau = make_user(city, "bureau_staff")
    users = {role: make_user(city, role) for role in ("enterprise", "bank", "insurer", "guarantor")}
    enterprise2 = make_user(city, "enterprise")
    bank2 = make_user(city, "bank")
    appraiser = make_user(city, "service")
    official = make_user(city, "official")
    w = World(
        city=city,
        product=None,
        enterprise=users["enterprise"],
        enterprise2=enterprise2,
        bank=users["bank"],
        bank2=bank2,
        insurer=users["insurer"],
        guarantor=users["guarantor"],
        appraiser=appraiser,
        bureau=bureau,
        official=official,
    )
    w.assets = [make_asset(city, w.org(w.enterprise)) for _ in range(3)]
    w.assets2 = [make_asset(city, w.org(w.enterprise2)) for _ in range(2)]
    with w.scope():
        w.product = services.product_create(
            actor=w.actor(bureau),
            name="专利权质押保险贷款",
            insurer_share=D("0.6"),
            guarantor_share=D("0.2"),
            bank_share=D("0.2"),
            loan_to_value=D("0.5"),
            allowed_terms=[6, 12, 24, 36],
            repayment_method="equal_instalments",
            min_rate=D("0.0300"),
            max_rate=D("0.0800"),
            min_amount=D("100000"),
            max_amount=D("10000000"),
            institutions={
                "bank": [w.org(w.bank).pk, w.org(bank2).pk],
                "insurer": [w.org(w.insurer).pk],
                "guarantor": [w.org(w.guarantor).pk],
                "appraiser": [w.org(appraiser).pk],
            },
        )
        if reserve is not None:
            # The reserve's money is paid out of the city's special budget.
            open_budget(city)
            services.reserve_open(
                actor=w.actor(bureau),
                opening_balance=reserve,
                payout_share=D("0.3"),
                opened_on=datetime.date(2024, 1, 1),
            )
    return w


def loan_to_state(
    w: World,
    state: str,
    *,
    assets=None,
    amount=TWO_MILLION,
    term=12,
    bank=None,
    disbursed_on=datetime.date(2025, 1, 15),
    rate=RATE,
    user=None,
) -> Loan:
    """Walk a loan through the real services up to `state`, the events dated before `disbursed_on`."""
    bank = bank or w.bank
    user = user or w.enterprise
    applied = disbursed_on - datetime.timedelta(days=40)
    with w.scope():
        with clock.at(applied):
            loan = services.loan_create(
                actor=w.actor(user),
                product=w.product,
                bank_id=w.org(bank).pk,
                insurer_id=w.org(w.insurer).pk,
                guarantor_id=w.org(w.guarantor).pk,
                asset_ids=[a.pk for a in (assets or [w.assets[0]])],
                amount=amount,
                term_months=term,
                purpose="研发投入",
            )
            if state == "draft":
                return loan
            services.loan_submit(actor=w.actor(user), loan=loan)
        if state == "submitted":
            return Loan.objects.get(pk=loan.pk)
        with clock.at(applied + datetime.timedelta(days=10)):
            # The report values each pledged asset; the package is worth three times the loan.
            services.loan_record_valuation(
                actor=w.actor(w.appraiser),
                loan=loan,
                asset_values=split_by_shares(amount * 3, {a.pk: D(1) for a in (assets or [w.assets[0]])}),
                report_ref="中评报字[2024]第001号",
            )
        if state == "valued":
            return Loan.objects.get(pk=loan.pk)
        with clock.at(applied + datetime.timedelta(days=20)):
            for u in (bank, w.insurer, w.guarantor):
                services.loan_decide(actor=w.actor(u), loan=loan, decision="approve", comment="同意")
        if state == "approved":
            return Loan.objects.get(pk=loan.pk)
        with clock.at(disbursed_on):
            services.loan_disburse(
                actor=w.actor(bank),
                loan=loan,
                contract_number=f"HT-{loan.pk}",
                contract_signed_on=disbursed_on,
                pledge_registration_number=f"Y{loan.pk:09d}",
                pledge_registered_on=disbursed_on,
                disbursed_on=disbursed_on,
                annual_rate=rate,
            )
        if state == "disbursed":
            return Loan.objects.get(pk=loan.pk)
        raise ValueError(state)


def client_for(user) -> Client:
    """A browser session of `user`, for the pages."""
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world(qingdao) -> World:
    return build_world(qingdao)


@pytest.fixture
def other_city(db) -> World:
    return build_world(make_city("jinan", "济南", 2025), reserve=None)


__all__ = ["World", "build_world", "client_for", "loan_to_state", "make_org"]
