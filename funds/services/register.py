"""The fund register: registering a fund, its commitments, capital calls, investments and distributions.

Every "never more than" rule is kept under a row lock so two requests at the same moment queue: calls
lock their commitment (never called beyond it), investments and distributions lock their fund (never
invested beyond the capital paid in; an exit only once)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from funds.errors import (
    CallAlreadyPaid,
    CallExceedsCommitment,
    CommitmentExists,
    FundNameTaken,
    FundsErrorCode,
    FundWoundUp,
    InvestmentExceedsPaidIn,
    InvestmentExited,
)
from funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    DistributionKind,
    Fund,
    FundKind,
    FundStatus,
    Investment,
    InvestorSource,
)
from funds.permissions import require
from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors
from ipops.models import IPAsset, LegalStatus, Organization, OrgKind
from ipops.models.registry import PATENT_KINDS
from ipops.money import ZERO, display_money
from ipops.visibility import get_visible_or_404

#: A fund's vintage: no IP fund on the platform predates the first pilots; none is planned far ahead.
EARLIEST_VINTAGE = 2000
LONGEST_TERM = 30


def _day(value, field: str, errors: FieldErrors, *, required: bool = True) -> datetime.date | None:
    """A past or present day (the register records what happened)."""
    if value is None or value == "":
        if required:
            errors.add(field, CoreErrorCode.REQUIRED, _("Give the day."))
        return None
    return validators.not_in_future(value, field, errors, today=clock.today())


def _not_before(day, earlier, field: str, errors: FieldErrors, what: str) -> None:
    if day is not None and earlier is not None and day < earlier:
        errors.add(
            field,
            FundsErrorCode.DATE_BEFORE,
            _("This day is before %(what)s (%(day)s).") % {"what": what, "day": earlier.isoformat()},
        )


def _writable(fund: Fund) -> None:
    if fund.status == FundStatus.WOUND_UP:
        raise FundWoundUp()


def _locked_fund(actor: Actor, fund: Fund | int) -> Fund:
    """The fund the actor manages, locked (its investments and distributions are checked under it)."""
    found = get_visible_or_404(Fund.objects.select_for_update(of=("self",)), actor, getattr(fund, "pk", fund))
    require(actor, "fund.manage", found)
    _writable(found)
    return found


# --- funds -----------------------------------------------------------------------------------------


@transaction.atomic
def fund_register(
    *,
    actor: Actor,
    kind: str,
    name: str,
    target_size,
    vintage_year,
    term_years,
    manager: Organization | int | None = None,
    parent: Fund | int | None = None,
    status: str = FundStatus.RAISING,
) -> Fund:
    """The bureau registers a fund and names its manager; a fund manager registers one of its own."""
    require(actor, "fund.register")
    errors = FieldErrors()
    kind = validators.choice(kind, FundKind.values, "kind", errors) or ""
    name = validators.text(name, "name", errors, max_length=120, message=_("Give the fund's name."))
    size = validators.money(target_size, "target_size", errors)
    vintage = validators.whole_number(
        vintage_year, "vintage_year", errors, low=EARLIEST_VINTAGE, high=clock.today().year + 1
    )
    term = validators.whole_number(term_years, "term_years", errors, low=1, high=LONGEST_TERM)
    status = validators.choice(status, FundStatus.values, "status", errors) or FundStatus.RAISING
    manager_org = _manager(actor, manager, errors)
    guide = _guide_fund(actor, parent, kind, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            fund = Fund.objects.create(
                city=actor.city,
                kind=kind,
                name=name,
                target_size=size,
                manager=manager_org,
                vintage_year=vintage,
                term_years=term,
                parent=guide,
                status=status,
            )
    except IntegrityError as exc:
        raise FundNameTaken() from exc
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="fund_register",
        obj=fund,
        data={"kind": kind, "target_size": size, "manager": fund.manager_id, "parent": fund.parent_id},
    )
    return fund


def _manager(actor: Actor, manager, errors: FieldErrors) -> Organization | None:
    """A fund manager registers for itself; the bureau names a fund-manager organisation of the city."""
    if actor.role != "fund_manager" and manager in (None, ""):
        errors.add("manager", CoreErrorCode.REQUIRED, _("Choose the fund's manager."))
        return None
    if manager in (None, ""):
        return actor.organization
    found = Organization.objects.filter(pk=getattr(manager, "pk", manager), kind=OrgKind.FUND_MANAGER).first()
    if found is None or (actor.role == "fund_manager" and found.pk != actor.organization_id):
        errors.add("manager", FundsErrorCode.NOT_A_FUND_MANAGER, _("Not a fund manager of this city."))
        return None
    return found


def _guide_fund(actor: Actor, parent, kind: str, errors: FieldErrors) -> Fund | None:
    if parent in (None, ""):
        return None
    found = Fund.objects.filter(pk=getattr(parent, "pk", parent), kind=FundKind.GUIDE).first()
    if found is None or kind == FundKind.GUIDE:
        errors.add(
            "parent",
            FundsErrorCode.PARENT_NOT_GUIDE_FUND,
            _("A sub-fund's parent must be one of the city's guide funds (and a guide fund has none)."),
        )
        return None
    return found


@transaction.atomic
def fund_set_status(*, actor: Actor, fund: Fund | int, status: str) -> Fund:
    """The manager moves its fund on: raising → investing → exiting → wound up (wound up is final)."""
    errors = FieldErrors()
    status = validators.choice(status, FundStatus.values, "status", errors) or ""
    errors.raise_if_any()
    locked = _locked_fund(actor, fund)
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="fund_status",
        obj=locked,
        data={"from": before, "to": status},
    )
    return locked


# --- commitments and capital calls --------------------------------------------------------------------


@transaction.atomic
def commitment_add(
    *, actor: Actor, fund: Fund | int, investor: str, source: str, amount, committed_on
) -> Commitment:
    """The manager records an investor's commitment, from one purse (central, provincial, municipal,
    district or social capital): fiscal leverage is read from these."""
    errors = FieldErrors()
    investor = validators.text(investor, "investor", errors, max_length=120, message=_("Name the investor."))
    source = validators.choice(source, InvestorSource.values, "source", errors) or ""
    amount = validators.money(amount, "amount", errors)
    day = _day(committed_on, "committed_on", errors)
    errors.raise_if_any()
    locked = _locked_fund(actor, fund)
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                city=actor.city,
                fund=locked,
                investor=investor,
                source=source,
                amount=amount,
                committed_on=day,
            )
    except IntegrityError as exc:
        raise CommitmentExists() from exc
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="commitment_add",
        obj=commitment,
        data={"fund": locked.pk, "investor": investor, "source": source, "amount": amount},
    )
    return commitment


@transaction.atomic
def call_record(
    *, actor: Actor, commitment: Commitment | int, amount, called_on, paid_on=None
) -> CapitalCall:
    """The manager calls capital from one investor (paid in at once when `paid_on` is given). The calls
    on a commitment never add up to more than it: the commitment's row is locked while checking."""
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    called = _day(called_on, "called_on", errors)
    paid = _day(paid_on, "paid_on", errors, required=False)
    _not_before(paid, called, "paid_on", errors, _("the call"))
    errors.raise_if_any()
    assert amount is not None
    locked = get_visible_or_404(
        Commitment.objects.select_for_update(of=("self",)).select_related("fund"),
        actor,
        getattr(commitment, "pk", commitment),
    )
    require(actor, "fund.manage", locked.fund)
    _writable(locked.fund)
    _not_before(called, locked.committed_on, "called_on", errors, _("the commitment"))
    errors.raise_if_any()
    left = locked.amount - locked.called
    if amount > left:
        raise CallExceedsCommitment(
            _("%(investor)s has %(left)s of its commitment left to call; %(amount)s cannot be called.")
            % {"investor": locked.investor, "left": display_money(left), "amount": display_money(amount)}
        )
    locked.called += amount
    if paid is not None:
        locked.paid_in += amount
    locked.save(update_fields=["called", "paid_in"])
    call = CapitalCall.objects.create(
        city=actor.city,
        commitment=locked,
        amount=amount,
        called_on=called,
        paid_on=paid,
        created_by=actor.user,
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="capital_call",
        obj=call,
        data={"commitment": locked.pk, "amount": amount, "paid_on": paid.isoformat() if paid else None},
    )
    return call


@transaction.atomic
def call_mark_paid(*, actor: Actor, call: CapitalCall | int, paid_on) -> CapitalCall:
    """The investor's money for a call has arrived: it is paid in, once."""
    errors = FieldErrors()
    paid = _day(paid_on, "paid_on", errors)
    errors.raise_if_any()
    found = get_visible_or_404(
        CapitalCall.objects.select_related("commitment__fund"), actor, getattr(call, "pk", call)
    )
    require(actor, "fund.manage", found.commitment.fund)
    _writable(found.commitment.fund)
    commitment = Commitment.objects.select_for_update().get(pk=found.commitment_id)
    locked = CapitalCall.objects.select_for_update().get(pk=found.pk)
    if locked.paid_on is not None:
        raise CallAlreadyPaid()
    _not_before(paid, locked.called_on, "paid_on", errors, _("the call"))
    errors.raise_if_any()
    locked.paid_on = paid
    locked.save(update_fields=["paid_on"])
    commitment.paid_in += locked.amount
    commitment.save(update_fields=["paid_in"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="capital_call_paid",
        obj=locked,
        data={"amount": locked.amount, "paid_on": paid.isoformat() if paid else None},
    )
    return locked


# --- investments and distributions --------------------------------------------------------------------


def patents_in_force_on(organization: Organization, day: datetime.date) -> int:
    """The registry's count of an organisation's patents in force on `day`: granted by then and not lapsed,
    invalidated or moved away since (their end day is not recorded), nor past their statutory term."""
    candidates = IPAsset.objects.filter(
        owner=organization,
        kind__in=PATENT_KINDS,
        grant_date__lte=day,
        legal_status__in=[LegalStatus.IN_FORCE, LegalStatus.EXPIRED],
    ).only("kind", "filing_date", "grant_date")
    return sum(1 for asset in candidates if asset.expiry_date is None or asset.expiry_date >= day)


def _paid_in(fund: Fund) -> Decimal:
    return Commitment.objects.filter(fund=fund).aggregate(total=Sum("paid_in"))["total"] or ZERO


def _invested(fund: Fund) -> Decimal:
    return Investment.objects.filter(fund=fund).aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def investment_record(
    *,
    actor: Actor,
    fund: Fund | int,
    amount,
    invested_on,
    stake,
    investee: Organization | int | None = None,
    investee_name: str = "",
    patents_in_force: int | None = None,
    patents_acquired=0,
    fair_value=None,
) -> Investment:
    """The manager records an investment. An investee on the platform has its in-force patents read from
    the registry at the day of the investment; for one that is not, the manager gives the count. A fund
    invests only capital its investors have paid in."""
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    day = _day(invested_on, "invested_on", errors)
    stake = validators.rate(stake, "stake", errors, low=Decimal("0.000001"))
    acquired = validators.whole_number(patents_acquired or 0, "patents_acquired", errors, low=0, high=100000)
    value = validators.money(fair_value, "fair_value", errors, required=False, allow_zero=True)
    company = None
    if investee not in (None, ""):
        company = Organization.objects.filter(pk=getattr(investee, "pk", investee)).first()
        if company is None or company.kind not in (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE):
            errors.add(
                "investee",
                FundsErrorCode.INVESTEE_NOT_FOUND,
                _("Not an enterprise or university of this city."),
            )
    else:
        investee_name = validators.text(
            investee_name, "investee_name", errors, max_length=120, message=_("Name the company invested in.")
        )
        if patents_in_force not in (None, ""):
            patents_in_force = validators.whole_number(
                patents_in_force, "patents_in_force", errors, low=0, high=100000
            )
    errors.raise_if_any()
    assert amount is not None
    assert day is not None
    locked = _locked_fund(actor, fund)
    paid_in, invested = _paid_in(locked), _invested(locked)
    if invested + amount > paid_in:
        raise InvestmentExceedsPaidIn(
            _("The fund has %(left)s of paid-in capital not yet invested; %(amount)s cannot be invested.")
            % {"left": display_money(max(paid_in - invested, ZERO)), "amount": display_money(amount)}
        )
    in_force = patents_in_force_on(company, day) if company is not None else int(patents_in_force or 0)
    investment = Investment.objects.create(
        city=actor.city,
        fund=locked,
        investee=company,
        investee_name=company.name if company is not None else investee_name,
        amount=amount,
        invested_on=day,
        stake=stake,
        patents_in_force=in_force,
        patents_acquired=acquired or 0,
        fair_value=amount if value is None else value,
        valued_on=day,
        created_by=actor.user,
    )
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="investment_record",
        obj=investment,
        data={"fund": locked.pk, "investee": investment.investee_name, "amount": amount, "patents": in_force},
    )
    return investment


@transaction.atomic
def investment_revalue(*, actor: Actor, investment: Investment | int, fair_value, valued_on) -> Investment:
    """The manager's latest valuation of a holding (the residual value behind RVPI and the IRR)."""
    errors = FieldErrors()
    value = validators.money(fair_value, "fair_value", errors, allow_zero=True)
    day = _day(valued_on, "valued_on", errors)
    errors.raise_if_any()
    found = get_visible_or_404(Investment.objects.all(), actor, getattr(investment, "pk", investment))
    _locked_fund(actor, found.fund_id)
    locked = Investment.objects.select_for_update().get(pk=found.pk)
    if locked.exited_on is not None:
        raise InvestmentExited()
    _not_before(day, locked.invested_on, "valued_on", errors, _("the investment"))
    errors.raise_if_any()
    before = locked.fair_value
    locked.fair_value, locked.valued_on = value, day
    locked.save(update_fields=["fair_value", "valued_on"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="investment_revalue",
        obj=locked,
        data={"from": before, "to": value, "valued_on": day.isoformat() if day else None},
    )
    return locked


@transaction.atomic
def distribution_record(
    *,
    actor: Actor,
    fund: Fund | int,
    kind: str,
    amount,
    distributed_on,
    investment: Investment | int | None = None,
    remaining_value=None,
    note: str = "",
) -> Distribution:
    """The manager records money paid back to the investors. An exit names the investment: a full exit
    closes it (its value drops to zero), a partial one may give what the rest is worth now."""
    errors = FieldErrors()
    kind = validators.choice(kind, DistributionKind.values, "kind", errors) or ""
    amount = validators.money(amount, "amount", errors)
    day = _day(distributed_on, "distributed_on", errors)
    note = validators.text(note, "note", errors, required=False, max_length=200)
    rest = validators.money(remaining_value, "remaining_value", errors, required=False, allow_zero=True)
    if kind != DistributionKind.INCOME and investment in (None, ""):
        errors.add(
            "investment", FundsErrorCode.EXIT_NEEDS_INVESTMENT, _("Choose the investment the fund exited.")
        )
    errors.raise_if_any()
    locked = _locked_fund(actor, fund)
    held = None
    if investment not in (None, ""):
        held = (
            Investment.objects.select_for_update()
            .filter(fund=locked, pk=getattr(investment, "pk", investment))
            .first()
        )
        if held is None:
            errors.add(
                "investment", FundsErrorCode.INVESTMENT_NOT_FOUND, _("Not an investment of this fund.")
            )
            errors.raise_if_any()
        assert held is not None
        if held.exited_on is not None:
            raise InvestmentExited()
        _not_before(day, held.invested_on, "distributed_on", errors, _("the investment"))
        errors.raise_if_any()
    distribution = Distribution.objects.create(
        city=actor.city,
        fund=locked,
        investment=held,
        kind=kind,
        amount=amount,
        distributed_on=day,
        note=note,
        created_by=actor.user,
    )
    if held is not None and kind == DistributionKind.FULL_EXIT:
        held.exited_on, held.fair_value, held.valued_on = day, ZERO, day
        held.save(update_fields=["exited_on", "fair_value", "valued_on"])
    elif held is not None and rest is not None:
        held.fair_value, held.valued_on = rest, day
        held.save(update_fields=["fair_value", "valued_on"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="distribution_record",
        obj=distribution,
        data={"fund": locked.pk, "kind": kind, "amount": amount, "investment": getattr(held, "pk", None)},
    )
    return distribution
