"""Importing a fund's history from Excel: commitments, capital calls, investments and distributions, in
that order, each row through the same service a fund manager's form calls (so a call never exceeds its
commitment, an investment never the capital paid in, and no date lies in the future)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funds import services
from funds.errors import CommitmentNotFound, FundNotFound, FundsErrorCode, InvestmentNotFound
from funds.models import Commitment, DistributionKind, Fund, Investment, InvestorSource
from funds.permissions import is_fund_manager
from ipops.errors import CoreErrorCode
from ipops.imports import (
    CHOICE,
    DATE,
    INTEGER,
    MONEY_WAN,
    RATE_PERCENT,
    Column,
    ImportContext,
    Importer,
    Sheet,
)
from ipops.models import Organization, OrgKind

INVESTEE_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
EXAMPLE_DAY = datetime.date(2024, 3, 1)

FUND = Column(
    "fund",
    gettext_lazy("Fund name"),
    example="青岛市知识产权产业投资基金",
    help=gettext_lazy("Exactly as registered on the platform; the fund must be one you manage."),
)


def _choices(choices) -> tuple[tuple[str, Any], ...]:
    return tuple((str(value), label) for value, label in choices)


def _fund(context: ImportContext, name: str) -> Fund:
    found = Fund.objects.restrict(context.actor).filter(name=name).first()
    if found is None:
        raise FundNotFound(_("You manage no fund named %(name)s.") % {"name": name})
    return found


# --- commitments ---------------------------------------------------------------------------------------


def _commitment(context: ImportContext, row: dict[str, Any]) -> object:
    return services.commitment_add(
        actor=context.actor,
        fund=_fund(context, row["fund"]),
        investor=row["investor"],
        source=row["source"],
        amount=row["amount"],
        committed_on=row["committed_on"],
    )


INVESTOR = Column("investor", gettext_lazy("Investor"), example="青岛市财政局")
SOURCE = Column(
    "source",
    gettext_lazy("Source of money"),
    CHOICE,
    choices=_choices(InvestorSource.choices),
    example=InvestorSource.MUNICIPAL.label,
)

COMMITMENTS = Sheet(
    key="commitments",
    name=gettext_lazy("Commitments"),
    columns=(
        FUND,
        INVESTOR,
        SOURCE,
        Column("amount", gettext_lazy("Amount committed"), MONEY_WAN, example=3000),
        Column("committed_on", gettext_lazy("Committed on"), DATE, example=EXAMPLE_DAY),
    ),
    import_row=_commitment,
    codes={
        FundsErrorCode.FUND_NOT_FOUND: "fund",
        FundsErrorCode.FUND_WOUND_UP: "fund",
        CoreErrorCode.PERMISSION_DENIED: "fund",
        FundsErrorCode.COMMITMENT_EXISTS: "investor",
    },
)


# --- capital calls -----------------------------------------------------------------------------------


def _call(context: ImportContext, row: dict[str, Any]) -> object:
    fund = _fund(context, row["fund"])
    commitment = (
        Commitment.objects.restrict(context.actor)
        .filter(fund=fund, investor=row["investor"], source=row["source"])
        .first()
    )
    if commitment is None:
        raise CommitmentNotFound(
            _("%(fund)s has no commitment by %(investor)s from this source (it may be on an earlier row).")
            % {"fund": fund.name, "investor": row["investor"]}
        )
    return services.call_record(
        actor=context.actor,
        commitment=commitment,
        amount=row["amount"],
        called_on=row["called_on"],
        paid_on=row["paid_on"],
    )


CALLS = Sheet(
    key="calls",
    name=gettext_lazy("Capital calls"),
    columns=(
        FUND,
        INVESTOR,
        SOURCE,
        Column("amount", gettext_lazy("Amount called"), MONEY_WAN, example=1500),
        Column("called_on", gettext_lazy("Called on"), DATE, example=datetime.date(2024, 4, 1)),
        Column(
            "paid_on",
            gettext_lazy("Paid in on"),
            DATE,
            required=False,
            example=datetime.date(2024, 4, 15),
            help=gettext_lazy("Leave empty while the money has not arrived."),
        ),
    ),
    import_row=_call,
    codes={
        FundsErrorCode.FUND_NOT_FOUND: "fund",
        FundsErrorCode.FUND_WOUND_UP: "fund",
        CoreErrorCode.PERMISSION_DENIED: "fund",
        FundsErrorCode.COMMITMENT_NOT_FOUND: "investor",
        FundsErrorCode.CALL_EXCEEDS_COMMITMENT: "amount",
    },
)


# --- investments -------------------------------------------------------------------------------------


def _investee(name: str, uscc: str | None) -> Organization | None:
    """The platform's organisation for an investee: by its credit code when given, else by exact name."""
    companies = Organization.objects.filter(kind__in=INVESTEE_KINDS)
    if uscc:
        found = companies.filter(uscc=uscc.strip().upper()).first()
        if found is not None:
            return found
    return companies.filter(name=name).first()


def _investment(context: ImportContext, row: dict[str, Any]) -> object:
    fund = _fund(context, row["fund"])
    company = _investee(row["investee"], row["uscc"])
    return services.investment_record(
        actor=context.actor,
        fund=fund,
        investee=company,
        investee_name="" if company else row["investee"],
        patents_in_force=None if company else row["patents_in_force"],
        amount=row["amount"],
        invested_on=row["invested_on"],
        stake=row["stake"],
        patents_acquired=row["patents_acquired"] or 0,
        fair_value=row["fair_value"],
    )


INVESTMENTS = Sheet(
    key="investments",
    name=gettext_lazy("Investments"),
    columns=(
        FUND,
        Column(
            "investee",
            gettext_lazy("Investee"),
            example="青岛海洋科技有限公司",
            help=gettext_lazy(
                "A company on the platform is matched by its credit code, else by its exact name, and its "
                "in-force patents are read from the registry; any other company is kept by name."
            ),
            fields=("investee_name",),
        ),
        Column(
            "uscc", gettext_lazy("Unified social credit code"), required=False, example="91370200MA3C5XXXXX"
        ),
        Column("amount", gettext_lazy("Amount invested"), MONEY_WAN, example=800),
        Column("invested_on", gettext_lazy("Invested on"), DATE, example=datetime.date(2024, 6, 1)),
        Column("stake", gettext_lazy("Stake"), RATE_PERCENT, example=12.5),
        Column(
            "patents_in_force",
            gettext_lazy("In-force patents at investment"),
            INTEGER,
            required=False,
            example=6,
            help=gettext_lazy("Only for a company that is not on the platform."),
        ),
        Column("patents_acquired", gettext_lazy("Patents acquired"), INTEGER, required=False, example=2),
        Column(
            "fair_value",
            gettext_lazy("Fair value"),
            MONEY_WAN,
            required=False,
            example=900,
            help=gettext_lazy("Leave empty to value the holding at cost."),
        ),
    ),
    import_row=_investment,
    codes={
        FundsErrorCode.FUND_NOT_FOUND: "fund",
        FundsErrorCode.FUND_WOUND_UP: "fund",
        CoreErrorCode.PERMISSION_DENIED: "fund",
        FundsErrorCode.INVESTMENT_EXCEEDS_PAID_IN: "amount",
    },
)


# --- distributions -----------------------------------------------------------------------------------


def _distribution(context: ImportContext, row: dict[str, Any]) -> object:
    fund = _fund(context, row["fund"])
    held = None
    if row["investee"]:
        held = (
            Investment.objects.filter(fund=fund, investee_name=row["investee"])
            .order_by("exited_on", "-invested_on", "-pk")
            .first()
        )
        if held is None:
            raise InvestmentNotFound(
                _("%(fund)s has no investment in %(investee)s (it may be on an earlier row).")
                % {"fund": fund.name, "investee": row["investee"]}
            )
    return services.distribution_record(
        actor=context.actor,
        fund=fund,
        kind=row["kind"],
        amount=row["amount"],
        distributed_on=row["distributed_on"],
        investment=held,
        remaining_value=row["remaining_value"],
        note=row["note"] or "",
    )


DISTRIBUTIONS = Sheet(
    key="distributions",
    name=gettext_lazy("Distributions"),
    columns=(
        FUND,
        Column(
            "kind",
            gettext_lazy("Kind"),
            CHOICE,
            choices=_choices(DistributionKind.choices),
            example=DistributionKind.PARTIAL_EXIT.label,
        ),
        Column("amount", gettext_lazy("Amount distributed"), MONEY_WAN, example=300),
        Column("distributed_on", gettext_lazy("Distributed on"), DATE, example=datetime.date(2025, 6, 30)),
        Column(
            "investee",
            gettext_lazy("Investee exited"),
            required=False,
            example="青岛海洋科技有限公司",
            help=gettext_lazy("Required for an exit: the company as named on the investments sheet."),
            fields=("investment",),
        ),
        Column(
            "remaining_value",
            gettext_lazy("Value of the rest"),
            MONEY_WAN,
            required=False,
            example=600,
            help=gettext_lazy("After a partial exit, what the holding left is worth."),
        ),
        Column("note", gettext_lazy("Note"), required=False),
    ),
    import_row=_distribution,
    codes={
        FundsErrorCode.FUND_NOT_FOUND: "fund",
        FundsErrorCode.FUND_WOUND_UP: "fund",
        CoreErrorCode.PERMISSION_DENIED: "fund",
        FundsErrorCode.INVESTMENT_NOT_FOUND: "investee",
        FundsErrorCode.INVESTMENT_EXITED: "investee",
    },
)


FUND_RECORDS = Importer(
    kind="fund_records",
    title=gettext_lazy("Fund records"),
    sheets=(COMMITMENTS, CALLS, INVESTMENTS, DISTRIBUTIONS),
    may_import=lambda actor: bool(is_fund_manager(actor)),
    notes=gettext_lazy(
        "The history of funds you manage: register each fund on the platform first. Sheets are read in "
        "order (commitments, capital calls, investments, distributions), so a call may follow its "
        "commitment and an exit its investment in the same file. Leave a sheet empty when you have "
        "nothing for it."
    ),
)
