"""What the platform's own records say about a claim: the base, level or item count a policy's rule
runs on when its `basis` is not the claimant's declaration (a repaid loan's interest, the fees paid on a
loan, a centre's deals, the patent pool), and the awards an organisation already had.

Reads only (selectors of the apps subsidies builds on: pledge finance, trading, the registry); those
apps never import subsidies."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from ipops.models import AssetKind, IPAsset, LegalStatus, Organization
from ipops.money import ZERO
from pledge_finance import selectors as loans
from pledge_finance.models import Loan, LoanFeeKind, LoanState
from subsidies.models import COMMITTED_STATES, Basis, Claim, Policy
from trading.models import CentreMembership, OperationsCentre, Transaction, TransactionStatus

#: The interest subsidy is for 1-year loans ([002]).
INTEREST_SUBSIDY_MAX_TERM_MONTHS = 12
#: The patent-pool award's thresholds when the policy does not set its own ([002]).
POOL_MIN_INVENTIONS = 50
POOL_MIN_PCT = 10


@dataclass(frozen=True)
class Case:
    """One thing an organisation may be paid for under a record-based policy: its key (the claim's
    `case`), the year it falls in, the rule's input and what it rests on, for the computation's steps."""

    key: str
    year: int
    base: Decimal | None = None
    items: int | None = None
    facts: tuple[tuple[str, str], ...] = ()


def repaid_loans(organization: Organization, year: int | None = None):
    """The organisation's repaid 1-year pledge loans (closed in `year`), with the interest paid on each."""
    loans = Loan.objects.filter(
        enterprise=organization,
        state=LoanState.REPAID,
        term_months__lte=INTEREST_SUBSIDY_MAX_TERM_MONTHS,
        closed_on__isnull=False,
    )
    if year is not None:
        loans = loans.filter(closed_on__year=year)
    return loans.annotate(interest_paid=Sum("repayments__interest")).order_by("closed_on", "pk")


def _loan_cases(organization: Organization, year: int | None) -> list[Case]:
    return [
        Case(
            key=f"loan:{loan.pk}",
            year=loan.closed_on.year,
            base=loan.interest_paid or ZERO,
            facts=(("loan", loan.reference), ("closed_on", loan.closed_on.isoformat())),
        )
        for loan in repaid_loans(organization, year)
    ]


#: The fee subsidies (四补 besides the interest subsidy): which fee each one's base is.
FEE_BASES = {
    Basis.LOAN_PREMIUM: LoanFeeKind.INSURANCE_PREMIUM,
    Basis.LOAN_GUARANTEE_FEE: LoanFeeKind.GUARANTEE_FEE,
    Basis.LOAN_APPRAISAL_FEE: LoanFeeKind.APPRAISAL_FEE,
    Basis.LOAN_INTERMEDIARY_FEE: LoanFeeKind.INTERMEDIARY_FEE,
}


def _fee_cases(organization: Organization, kind: str, year: int | None) -> list[Case]:
    """One case per loan and year of payment: the fees of `kind` the enterprise paid on that loan in that
    year, as the loan's bank recorded them from the invoices. The year of payment decides the year the
    subsidy counts against (and its yearly cap), so fees paid in December and January are two cases."""
    return [
        Case(
            key=f"loan:{row.loan.pk}:{row.year}",
            year=row.year,
            base=row.amount,
            facts=(
                ("loan", row.loan.reference),
                ("fees_paid", str(row.amount)),
                ("invoices", str(row.invoices)),
            ),
        )
        for row in loans.fees_paid(enterprise_id=organization.pk, kind=kind, year=year)
    ]


def centre_deals_amount(organization: Organization, year: int) -> Decimal | None:
    """The year's completed patent deals sold by the organisation's operations centre or its members;
    None when the organisation runs no centre."""
    centre = OperationsCentre.objects.filter(organization=organization).first()
    if centre is None:
        return None
    members = CentreMembership.objects.filter(centre=centre).values("organization_id")
    total = Transaction.objects.filter(
        Q(seller=organization) | Q(seller_id__in=members),
        status=TransactionStatus.COMPLETED,
        completed_at__year=year,
    ).aggregate(total=Sum("agreed_price"))["total"]
    return total or ZERO


def patent_pool(organization: Organization, day: datetime.date) -> tuple[int, int]:
    """(in-force invention patents, PCT applications) the registry holds for the organisation."""
    rows = IPAsset.objects.filter(owner=organization).aggregate(
        inventions=Count("pk", filter=Q(kind=AssetKind.INVENTION, legal_status=LegalStatus.IN_FORCE)),
        pct=Count("pk", filter=Q(is_pct=True) & ~Q(legal_status=LegalStatus.TRANSFERRED_OUT)),
    )
    return int(rows["inventions"] or 0), int(rows["pct"] or 0)


def record_cases(
    policy: Policy, organization: Organization, year: int | None, today: datetime.date
) -> list[Case]:
    """Every case the records give the organisation under a record-based policy (in `year`, or any)."""
    if policy.basis == Basis.LOAN_INTEREST:
        return _loan_cases(organization, year)
    if policy.basis in FEE_BASES:
        return _fee_cases(organization, FEE_BASES[Basis(policy.basis)], year)
    if policy.basis == Basis.CENTRE_DEALS:
        in_year = year or today.year - 1
        amount = centre_deals_amount(organization, in_year)
        if amount is None or amount <= ZERO:
            return []
        return [Case(key="", year=in_year, base=amount, facts=(("year", str(in_year)),))]
    if policy.basis == Basis.PATENT_POOL:
        inventions, pct = patent_pool(organization, today)
        params = policy.params or {}
        if inventions < int(params.get("min_inventions", POOL_MIN_INVENTIONS)) or pct < int(
            params.get("min_pct", POOL_MIN_PCT)
        ):
            return []
        in_year = year or today.year
        return [
            Case(
                key=f"pool:{in_year}",
                year=in_year,
                items=1,
                facts=(("inventions", str(inventions)), ("pct", str(pct))),
            )
        ]
    return []


def not_on_record(policy: Policy) -> str:
    return _("The platform's records give nothing to claim under %(policy)s.") % {"policy": policy.name}


def awarded(
    organization: Organization,
    *,
    policy: Policy | None = None,
    family: str = "",
    year: int | None = None,
    excluding: Claim | None = None,
) -> Decimal:
    """What the organisation was awarded (approved, in notice, payable or paid) under a policy or a
    family of policies, in a year or ever."""
    claims = Claim.objects.filter(organization=organization, state__in=COMMITTED_STATES)
    if policy is not None:
        claims = claims.filter(policy=policy)
    if family:
        claims = claims.filter(policy__family=family)
    if year is not None:
        claims = claims.filter(year=year)
    if excluding is not None and excluding.pk:
        claims = claims.exclude(pk=excluding.pk)
    return claims.aggregate(total=Sum("approved_amount"))["total"] or ZERO
