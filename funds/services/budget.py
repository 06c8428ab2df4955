"""The special budget: opening it, receiving money, the mid-term review, and posting payments."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from funds import rules
from funds.errors import (
    AlreadyReversed,
    BudgetAlreadyOpen,
    BudgetNotOpen,
    ExpenditureNotFound,
    ForbiddenUse,
    FundsErrorCode,
    ReviewAlreadyRecorded,
    ReviewNotPassed,
    SourceExhausted,
    SourceNotFound,
    SourceNotReceived,
)
from funds.models import BudgetSource, Category, Expenditure, SourceKind, SpecialBudget
from funds.permissions import require
from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, invalid_field
from ipops.money import ZERO, display_money

#: The national notice [004]: 150,000,000 per city, 100,000,000 in year one, the rest after the review.
CENTRAL_ALLOTMENT: dict[str, Decimal] = {
    rules.CENTRAL_1: Decimal("100000000"),
    rules.CENTRAL_2: Decimal("50000000"),
}


def current_budget(city) -> SpecialBudget | None:
    """The budget of the city's current plan (a city runs one plan at a time)."""
    return (
        SpecialBudget.objects.filter(city_id=getattr(city, "pk", city)).order_by("-plan_start_year").first()
    )


@transaction.atomic
def budget_open(
    *, actor: Actor, local: Mapping[str, object], opened_on: datetime.date | None = None, name: str = ""
) -> SpecialBudget:
    """Bureau: open the special budget of the city's plan with the two central tranches (fixed by the
    notice) and the local matching money allotted by kind (`{"municipal": 100000000, ...}`)."""
    require(actor, "budget.manage")
    errors = FieldErrors()
    allotments: dict[str, Decimal] = dict(CENTRAL_ALLOTMENT)
    for kind, value in local.items():
        if kind in rules.CENTRAL_KINDS or kind not in SourceKind.values:
            errors.add("local", FundsErrorCode.SOURCE_NOT_FOUND, _("Not a kind of local money: %s") % kind)
            continue
        amount = validators.money(value, f"local.{kind}", errors)
        if amount is not None:
            allotments[kind] = amount
    opened_on = validators.not_in_future(opened_on, "opened_on", errors, today=clock.today())
    errors.raise_if_any()
    city = actor.city
    try:
        with transaction.atomic():
            budget = SpecialBudget.objects.create(
                city=city,
                name=name or _("IP operations service system special budget"),
                plan_start_year=city.plan_start_year,
                years=city.plan_years,
                opened_on=opened_on or clock.today(),
            )
    except IntegrityError as exc:
        raise BudgetAlreadyOpen() from exc
    for kind, amount in allotments.items():
        BudgetSource.objects.create(city=city, budget=budget, kind=kind, allotted=amount)
    audit.record(actor=actor.user, city=city, action="budget_open", obj=budget, data={"allotted": allotments})
    return budget


def _source(city, *, kind: str | None = None, source: BudgetSource | int | None = None) -> BudgetSource:
    """The source, locked: every change to what a source received or spent goes through this row lock."""
    budget = current_budget(city)
    if budget is None:
        raise BudgetNotOpen()
    rows = BudgetSource.objects.select_for_update().filter(budget=budget)
    if source is not None:
        rows = rows.filter(pk=getattr(source, "pk", source))
    else:
        rows = rows.filter(kind=kind)
    found = rows.first()
    if found is None:
        raise SourceNotFound()
    return found


@transaction.atomic
def budget_review_record(
    *, actor: Actor, passed_on: datetime.date, tranche_2: object | None = None
) -> BudgetSource:
    """Bureau: record that the mid-term performance review passed, opening the second central tranche;
    `tranche_2` lowers its allotment when the review reduced it."""
    require(actor, "budget.manage")
    errors = FieldErrors()
    validators.not_in_future(passed_on, "passed_on", errors, today=clock.today())
    amount = (
        validators.money(tranche_2, "tranche_2", errors, required=False) if tranche_2 is not None else None
    )
    errors.raise_if_any()
    source = _source(actor.city, kind=SourceKind.CENTRAL_2)
    if source.review_passed_on is not None:
        raise ReviewAlreadyRecorded()
    if amount is not None and amount > source.allotted:
        raise _over_allotment("tranche_2", source.allotted)
    before = source.allotted
    source.review_passed_on = passed_on
    if amount is not None:
        source.allotted = amount
    source.save(update_fields=["review_passed_on", "allotted"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="budget_review_passed",
        obj=source,
        data={"passed_on": passed_on.isoformat(), "allotted_before": before, "allotted": source.allotted},
    )
    return source


def _over_allotment(field: str, limit: Decimal):
    return invalid_field(
        field,
        FundsErrorCode.RECEIPT_EXCEEDS_ALLOTMENT,
        _("This is more than the %(limit)s the allotment leaves.") % {"limit": display_money(limit)},
    )


@transaction.atomic
def budget_receive(
    *, actor: Actor, kind: str, amount, received_on: datetime.date | None = None
) -> BudgetSource:
    """Bureau: money of one source has arrived (in one or several payments, never beyond its allotment);
    the second central tranche only after the mid-term review has passed."""
    require(actor, "budget.manage")
    errors = FieldErrors()
    chosen = validators.choice(kind, SourceKind.values, "kind", errors)
    amount = validators.money(amount, "amount", errors)
    received_on = validators.not_in_future(received_on, "received_on", errors, today=clock.today())
    errors.raise_if_any()
    assert amount is not None
    source = _source(actor.city, kind=chosen)
    if source.kind == SourceKind.CENTRAL_2 and source.review_passed_on is None:
        raise ReviewNotPassed()
    if source.received + amount > source.allotted:
        raise _over_allotment("amount", source.allotted - source.received)
    source.received += amount
    source.received_on = received_on or clock.today()
    source.save(update_fields=["received", "received_on"])
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="budget_receive",
        obj=source,
        data={"kind": source.kind, "amount": amount, "received": source.received},
    )
    return source


@transaction.atomic
def budget_spend(
    *,
    actor: Actor | None,
    city,
    category: str,
    amount,
    spent_on: datetime.date | None,
    reference: str,
    source_kind: str | None = None,
    source: BudgetSource | int | None = None,
    in_cluster_zone: bool = False,
    market_based: bool | None = None,
    note: str = "",
) -> Expenditure:
    """Book one payment of public money against a source of the city's special budget (`actor` None: the
    system). Callers check their own permission and call this inside their transaction, so their record
    and its expenditure are written together or not at all. `reference` names the record that caused it
    ("pledge_finance.reserveentry:12"); `market_based` defaults to the category's nature."""
    errors = FieldErrors()
    chosen = validators.choice(category, Category.values, "category", errors)
    amount = validators.money(amount, "amount", errors)
    reference = validators.text(
        reference, "reference", errors, max_length=80, message=_("Name the record that caused the payment.")
    )
    note = validators.text(note, "note", errors, required=False, max_length=200)
    if spent_on is None:
        errors.add("spent_on", CoreErrorCode.REQUIRED, _("Give the day of the payment."))
    else:
        # Every caller checks its own day; the ledger still never books a payment in 1 AD or next year.
        validators.not_in_future(spent_on, "spent_on", errors, today=clock.today())
    errors.raise_if_any()
    assert amount is not None
    assert chosen is not None
    category = chosen
    locked = _source(city, kind=source_kind, source=source)
    if not rules.central_may_pay(locked.kind, category):
        raise ForbiddenUse(
            _(
                "Central money may not pay for %(use)s (renovation, land acquisition, personnel and other recurring costs)."
            )
            % {"use": Category(category).label},
            fields={
                "category": [
                    {
                        "code": FundsErrorCode.CENTRAL_MONEY_FORBIDDEN_USE,
                        "detail": _("Not payable from central money."),
                    }
                ]
            },
        )
    if locked.received <= ZERO:
        raise SourceNotReceived(
            _("%(source)s has not been received yet: nothing can be spent from it.")
            % {"source": locked.get_kind_display()}
        )
    if not rules.spendable(received=locked.received, spent=locked.spent, amount=amount):
        raise SourceExhausted(
            _("%(source)s has %(left)s left; %(amount)s cannot be spent from it.")
            % {
                "source": locked.get_kind_display(),
                "left": display_money(locked.remaining),
                "amount": display_money(amount),
            }
        )
    locked.spent += amount
    locked.save(update_fields=["spent"])
    expenditure = Expenditure.objects.create(
        city_id=locked.city_id,
        source=locked,
        category=category,
        amount=amount,
        spent_on=spent_on,
        in_cluster_zone=in_cluster_zone,
        market_based=category in rules.MARKET_BASED_CATEGORIES if market_based is None else market_based,
        reference=reference,
        note=note,
        created_by=getattr(actor, "user", None),
    )
    audit.record(
        actor=getattr(actor, "user", None),
        city=locked.city_id,
        action="budget_spend",
        obj=expenditure,
        data={"source": locked.kind, "category": category, "amount": amount, "reference": reference},
    )
    return expenditure


@transaction.atomic
def budget_spend_reverse(
    *,
    actor: Actor | None,
    city,
    expenditure: Expenditure | int,
    reason: str,
    reversed_on: datetime.date | None = None,
) -> Expenditure:
    """Undo a payment (returned, booked in error): a row with the opposite amount, the money back in its
    source. Only once per expenditure."""
    errors = FieldErrors()
    reason = validators.text(reason, "reason", errors, max_length=200, message=_("Give the reason."))
    errors.raise_if_any()
    original = Expenditure.objects.filter(
        pk=getattr(expenditure, "pk", expenditure), city_id=getattr(city, "pk", city)
    ).first()
    if original is None or original.reverses_id is not None:
        raise ExpenditureNotFound()
    locked = _source(city, source=original.source_id)
    if Expenditure.objects.filter(reverses=original).exists():
        raise AlreadyReversed()
    locked.spent -= original.amount
    locked.save(update_fields=["spent"])
    reversal = Expenditure.objects.create(
        city_id=locked.city_id,
        source=locked,
        category=original.category,
        amount=-original.amount,
        spent_on=reversed_on or clock.today(),
        in_cluster_zone=original.in_cluster_zone,
        market_based=original.market_based,
        reference=original.reference,
        note=reason,
        reverses=original,
        created_by=getattr(actor, "user", None),
    )
    audit.record(
        actor=getattr(actor, "user", None),
        city=locked.city_id,
        action="budget_spend_reverse",
        obj=reversal,
        reason=reason,
        data={"reverses": original.pk, "amount": original.amount},
    )
    return reversal
