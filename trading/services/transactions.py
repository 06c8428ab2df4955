"""Deals (交易): the contract, escrow (资金监管), the CNIPA recordal that completes them, or their cancellation."""

from __future__ import annotations

import datetime

from django.db.transaction import atomic
from django.utils.translation import gettext_lazy as _

from ipops import clock, events, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.models.accounts import ASSET_HOLDER_KINDS
from ipops.rules import add_years
from ipops.services import registry

from ..errors import LicenseeCannotHold, TradingErrorCode
from ..lifecycles import ESCROW, LISTING, NEGOTIATION, TRANSACTION
from ..models import EscrowStatus, Listing, Transaction
from ._common import reopen_if_idle


def _lock(tx: Transaction) -> tuple[Listing, Transaction]:
    return LISTING.lock(tx.listing), TRANSACTION.lock(tx, "buyer", "seller")


@atomic
def transaction_record_contract(
    *, actor: Actor, transaction: Transaction, contract_ref: str, signed_on: datetime.date | None = None
) -> Transaction:
    """Either party records the signed contract; escrow can be paid only after this."""
    listing, tx = _lock(transaction)
    TRANSACTION.check(tx, "contract", actor=actor)
    today = clock.today()
    errors = FieldErrors()
    contract_ref = validators.text(
        contract_ref, "contract_ref", errors, max_length=80, message=_("A contract reference is required.")
    )
    validators.not_in_future(signed_on, "signed_on", errors, today=today)
    errors.raise_if_any()
    tx.contract_ref = contract_ref
    tx.contract_signed_on = signed_on or today
    TRANSACTION.apply(
        tx,
        "contract",
        actor=actor,
        update_fields=["contract_ref", "contract_signed_on"],
        data={"contract_ref": tx.contract_ref},
    )
    return tx


@atomic
def transaction_pay(*, actor: Actor, transaction: Transaction) -> Transaction:
    """The buyer pays the agreed price into escrow (资金监管)."""
    listing, tx = _lock(transaction)
    tx.paid_at = clock.now()
    ESCROW.apply(tx, "pay", actor=actor, update_fields=["paid_at"], data={"amount": tx.agreed_price})
    return tx


def _licence_term(
    tx: Transaction, starts_on: datetime.date | None, ends_on: datetime.date | None, errors: FieldErrors
) -> tuple[datetime.date, datetime.date | None]:
    """The licence's first and last day: from the recordal (today) for the agreed years, unless given."""
    starts = starts_on or clock.today()
    ends = ends_on
    if ends is None and tx.licence_years:
        ends = add_years(starts, tx.licence_years) - datetime.timedelta(days=1)
    if ends and ends <= starts:
        errors.add(
            "licence_ends_on",
            TradingErrorCode.LICENCE_ENDS_BEFORE_START,
            _("A licence must end after it starts."),
        )
    return starts, ends


@atomic
def transaction_complete(
    *,
    actor: Actor,
    transaction: Transaction,
    recordal_number: str,
    licence_starts_on: datetime.date | None = None,
    licence_ends_on: datetime.date | None = None,
) -> Transaction:
    """CNIPA recorded the assignment (转让登记) or licence (许可备案): ownership moves or the licence
    is entered in the registry, the escrow is released to the seller, the listing closes."""
    listing, tx = _lock(transaction)
    TRANSACTION.check(tx, "complete", actor=actor)
    errors = FieldErrors()
    recordal_number = validators.text(
        recordal_number,
        "recordal_number",
        errors,
        max_length=80,
        message=_("The CNIPA recordal or filing number is required."),
    )
    if not tx.is_transfer:
        tx.licence_starts_on, tx.licence_ends_on = _licence_term(
            tx, licence_starts_on, licence_ends_on, errors
        )
    errors.raise_if_any()
    asset_ids = sorted(listing.listing_assets.values_list("asset_id", flat=True))
    if tx.is_transfer:
        for asset_id in asset_ids:
            registry.asset_transfer(
                asset_id=asset_id,
                new_owner=tx.buyer,
                source=tx.source,
                reference=recordal_number,
                actor=actor,
            )
    else:
        if tx.buyer.kind not in ASSET_HOLDER_KINDS:
            raise LicenseeCannotHold()
        registry.encumbrance_add(
            asset_ids=asset_ids,
            kind=tx.deal_type,
            source=tx.source,
            owner_id=tx.seller_id,
            holder=tx.buyer,
            reference=recordal_number,
            starts_on=tx.licence_starts_on,
            ends_on=tx.licence_ends_on,
            actor=actor,
        )
    tx.recordal_number = recordal_number
    tx.completed_at = clock.now()
    TRANSACTION.apply(
        tx,
        "complete",
        actor=actor,
        update_fields=["recordal_number", "completed_at", "licence_starts_on", "licence_ends_on"],
        data={"agreed_price": tx.agreed_price, "recordal_number": tx.recordal_number, "assets": asset_ids},
    )
    ESCROW.apply(tx, "release", actor=actor, data={"amount": tx.agreed_price})
    listing.closed_at = tx.completed_at
    LISTING.apply(listing, "sell" if tx.is_transfer else "license", actor=actor, update_fields=["closed_at"])
    events.publish(tx.city_id, events.DEAL_COMPLETED)
    return tx


@atomic
def transaction_cancel(*, actor: Actor, transaction: Transaction, reason: str) -> Transaction:
    """Call the deal off: escrow refunded if paid, the registry hold released, the listing back on the market."""
    listing, tx = _lock(transaction)
    TRANSACTION.check(tx, "cancel", actor=actor)
    errors = FieldErrors()
    reason = validators.text(
        reason, "reason", errors, max_length=300, message=_("Say why the deal is cancelled.")
    )
    errors.raise_if_any()
    refunded = tx.escrow_status == EscrowStatus.PAID
    tx.cancelled_at = clock.now()
    tx.cancel_reason = reason
    TRANSACTION.apply(
        tx,
        "cancel",
        actor=actor,
        reason=reason,
        update_fields=["cancelled_at", "cancel_reason"],
        data={"agreed_price": tx.agreed_price, "escrow": "refunded" if refunded else "not_paid"},
    )
    if refunded:
        ESCROW.apply(tx, "refund", actor=actor, data={"amount": tx.agreed_price})
    registry.encumbrance_release(source=tx.source, kind="sale_pending", actor=actor)
    # The negotiation ends with its deal, whoever cancelled it (bureau staff too).
    negotiation = NEGOTIATION.lock(tx.negotiation)
    negotiation.closed_reason = "deal_cancelled"
    NEGOTIATION.apply(
        negotiation, "close", actor=actor, reason=reason, update_fields=["closed_reason"], system=True
    )
    reopen_if_idle(listing, actor=actor)
    return tx
