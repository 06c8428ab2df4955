"""The marketplace's lifecycles, declared once (`ipops.workflow`): states, steps, who may take them.

Services lock a row with its workflow and move it with `apply`, which checks the permission, the
state and the step's guard, saves, and writes the audit record `<entity>_<action>`. Pages and the
API's detail responses offer exactly `available_actions(actor, obj)`: a button never appears for a
step the service would refuse.

Steps without a permission are taken by the system, as a consequence of another step (a listing
goes `negotiating` when the first offer comes in) or on a schedule (expiry).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import validators
from ipops.errors import FieldErrors, InvalidTransition
from ipops.workflow import Step, Workflow

from .availability import require_available
from .errors import (
    ContractMissing,
    DealConcluded,
    DealInProgress,
    EscrowNotPaid,
    ListingNotOnMarket,
    ListingTaken,
)
from .models import (
    PUBLIC_LISTING_STATUSES,
    BuyRequest,
    BuyRequestStatus,
    Enquiry,
    EnquiryStatus,
    EscrowStatus,
    Listing,
    ListingStatus,
    Negotiation,
    NegotiationStatus,
    Offer,
    OfferStatus,
    Transaction,
    TransactionStatus,
)
from .permissions import can

#: A deal that is running or done holds its listing (and its negotiation).
LIVE_DEAL = (TransactionStatus.OPEN, TransactionStatus.COMPLETED)

# --- guards: preconditions beyond the state ---------------------------------------------------------


def _expiry_ahead(listing: Listing) -> None:
    errors = FieldErrors()
    validators.in_future(
        listing.expires_on,
        "expires_on",
        errors,
        today=timezone.localdate(),
        within_years=validators.FURTHEST_YEARS,
    )
    errors.raise_if_any()


def _no_open_deal(listing: Listing) -> None:
    if Transaction.objects.filter(listing_id=listing.pk, status=TransactionStatus.OPEN).exists():
        raise DealInProgress()


def _takes_offers(listing: Listing) -> None:
    if listing.status not in PUBLIC_LISTING_STATUSES:
        raise ListingNotOnMarket()
    if Transaction.objects.filter(listing_id=listing.pk, status=TransactionStatus.OPEN).exists():
        raise ListingTaken()
    # On the market, but an asset may have been pledged (or licensed, or lapsed) since: the registry says.
    require_available(listing)


def _no_live_deal(negotiation: Negotiation) -> None:
    if Transaction.objects.filter(negotiation_id=negotiation.pk, status__in=LIVE_DEAL).exists():
        raise DealConcluded()


def _negotiation_open(offer: Offer) -> None:
    if offer.negotiation.status != NegotiationStatus.OPEN:
        raise InvalidTransition()


def _counter_can_be_made(offer: Offer) -> None:
    """A counter-offer is a new price: only while the listing's assets can still go."""
    _negotiation_open(offer)
    require_available(offer.negotiation.listing)


def _deal_can_be_struck(offer: Offer) -> None:
    _negotiation_open(offer)
    listing = offer.negotiation.listing
    if listing.status not in PUBLIC_LISTING_STATUSES:
        raise ListingNotOnMarket()
    if Transaction.objects.filter(listing_id=listing.pk, status__in=LIVE_DEAL).exists():
        raise ListingTaken()
    require_available(listing)


def _paid_into_escrow(tx: Transaction) -> None:
    if tx.escrow_status != EscrowStatus.PAID:
        raise EscrowNotPaid()


def _payable(tx: Transaction) -> None:
    if tx.status != TransactionStatus.OPEN:
        raise InvalidTransition()
    if not tx.contract_ref:
        raise ContractMissing()


# --- the lifecycles ---------------------------------------------------------------------------------------

LISTING: Workflow[Listing] = Workflow(
    model=Listing,
    entity="listing",
    can=can,
    steps=[
        Step(
            "update",
            frozenset({ListingStatus.DRAFT, ListingStatus.PUBLISHED}),
            None,
            "listing.change",
            manual=False,
        ),
        Step(
            "publish",
            frozenset({ListingStatus.DRAFT, ListingStatus.WITHDRAWN, ListingStatus.EXPIRED}),
            ListingStatus.PUBLISHED,
            "listing.change",
            label=_("Publish"),
            guard=_expiry_ahead,
            style="success",
        ),
        Step(
            "withdraw",
            frozenset({ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING}),
            ListingStatus.WITHDRAWN,
            "listing.withdraw",
            label=_("Withdraw"),
            guard=_no_open_deal,
            style="outline-danger",
        ),
        # Making an offer keeps the listing's state (the first one moves it on, through `negotiate`);
        # whether the listing takes offers is the guard's question, so it answers with its own code.
        Step(
            "offer",
            frozenset(ListingStatus),
            None,
            "listing.offer",
            label=_("Make an offer"),
            guard=_takes_offers,
        ),
        Step("negotiate", frozenset({ListingStatus.PUBLISHED}), ListingStatus.NEGOTIATING, manual=False),
        Step("reopen", frozenset({ListingStatus.NEGOTIATING}), ListingStatus.PUBLISHED, manual=False),
        Step("sell", frozenset({ListingStatus.NEGOTIATING}), ListingStatus.SOLD, manual=False),
        Step("license", frozenset({ListingStatus.NEGOTIATING}), ListingStatus.LICENSED, manual=False),
        Step("expire", frozenset({ListingStatus.PUBLISHED}), ListingStatus.EXPIRED, manual=False),
    ],
)

BUY_REQUEST: Workflow[BuyRequest] = Workflow(
    model=BuyRequest,
    entity="buy_request",
    can=can,
    steps=[
        Step("update", frozenset({BuyRequestStatus.OPEN}), None, "buy_request.change", manual=False),
        Step(
            "close",
            frozenset({BuyRequestStatus.OPEN}),
            BuyRequestStatus.CLOSED,
            "buy_request.change",
            label=_("Close"),
            style="outline-secondary",
        ),
        Step(
            "reopen",
            frozenset({BuyRequestStatus.CLOSED}),
            BuyRequestStatus.OPEN,
            "buy_request.change",
            label=_("Reopen"),
            style="outline-primary",
        ),
    ],
)

NEGOTIATION: Workflow[Negotiation] = Workflow(
    model=Negotiation,
    entity="negotiation",
    can=can,
    steps=[
        Step(
            "message",
            frozenset({NegotiationStatus.OPEN, NegotiationStatus.AGREED}),
            None,
            "negotiation.act",
            label=_("Send"),
        ),
        # A party ends a negotiation; the system closes it when the listing leaves the market, another
        # offer is accepted or the deal is cancelled. One that ended in a deal closes only with the deal.
        Step(
            "close",
            frozenset({NegotiationStatus.OPEN, NegotiationStatus.AGREED}),
            NegotiationStatus.CLOSED,
            "negotiation.act",
            label=_("End this negotiation"),
            guard=_no_live_deal,
            style="link",
        ),
        Step("reopen", frozenset({NegotiationStatus.CLOSED}), NegotiationStatus.OPEN, manual=False),
        Step("agree", frozenset({NegotiationStatus.OPEN}), NegotiationStatus.AGREED, manual=False),
    ],
)

OFFER: Workflow[Offer] = Workflow(
    model=Offer,
    entity="offer",
    can=can,
    steps=[
        Step(
            "accept",
            frozenset({OfferStatus.PENDING}),
            OfferStatus.ACCEPTED,
            "offer.answer",
            label=_("Accept"),
            guard=_deal_can_be_struck,
        ),
        Step(
            "reject",
            frozenset({OfferStatus.PENDING}),
            OfferStatus.REJECTED,
            "offer.answer",
            label=_("Reject"),
            style="outline-danger",
        ),
        Step(
            "counter",
            frozenset({OfferStatus.PENDING}),
            OfferStatus.COUNTERED,
            "offer.answer",
            label=_("Counter"),
            guard=_counter_can_be_made,
            style="outline-primary",
        ),
        Step(
            "withdraw",
            frozenset({OfferStatus.PENDING}),
            OfferStatus.WITHDRAWN,
            "offer.withdraw",
            label=_("Withdraw my offer"),
            style="link",
        ),
        Step("close", frozenset({OfferStatus.PENDING}), OfferStatus.CLOSED, manual=False),
    ],
)

TRANSACTION: Workflow[Transaction] = Workflow(
    model=Transaction,
    entity="transaction",
    can=can,
    steps=[
        Step(
            "contract",
            frozenset({TransactionStatus.OPEN}),
            None,
            "transaction.contract",
            label=_("Record the contract"),
        ),
        Step(
            "complete",
            frozenset({TransactionStatus.OPEN}),
            TransactionStatus.COMPLETED,
            "transaction.complete",
            label=_("Recordal done: complete the deal"),
            guard=_paid_into_escrow,
            style="success",
        ),
        Step(
            "cancel",
            frozenset({TransactionStatus.OPEN}),
            TransactionStatus.CANCELLED,
            "transaction.cancel",
            label=_("Cancel the deal"),
            style="outline-danger",
        ),
    ],
)

#: The escrow (资金监管) of a deal: its own state beside the deal's, audited as `escrow_<action>`.
ESCROW: Workflow[Transaction] = Workflow(
    model=Transaction,
    entity="escrow",
    state_field="escrow_status",
    can=can,
    steps=[
        Step(
            "pay",
            frozenset({EscrowStatus.PENDING}),
            EscrowStatus.PAID,
            "transaction.pay",
            label=_("Pay into escrow"),
            guard=_payable,
        ),
        Step("release", frozenset({EscrowStatus.PAID}), EscrowStatus.RELEASED, manual=False),
        Step("refund", frozenset({EscrowStatus.PAID}), EscrowStatus.REFUNDED, manual=False),
    ],
)

#: An enquiry from a buyer in another city (`trading.models.Enquiry`): the seller answers it (again, if need
#: be) or closes it. Sending it is its creation (`services.enquiry_send`), by someone who is no actor here.
ENQUIRY: Workflow[Enquiry] = Workflow(
    model=Enquiry,
    entity="enquiry",
    can=can,
    steps=[
        Step(
            "answer",
            frozenset({EnquiryStatus.OPEN, EnquiryStatus.ANSWERED}),
            EnquiryStatus.ANSWERED,
            "enquiry.answer",
            label=_("Send the answer"),
        ),
        Step(
            "close",
            frozenset({EnquiryStatus.OPEN, EnquiryStatus.ANSWERED}),
            EnquiryStatus.CLOSED,
            "enquiry.answer",
            label=_("Close"),
            style="outline-secondary",
        ),
    ],
)

_BY_MODEL: dict[type[models.Model], tuple[Workflow, ...]] = {
    Listing: (LISTING,),
    BuyRequest: (BUY_REQUEST,),
    Negotiation: (NEGOTIATION,),
    Offer: (OFFER,),
    Transaction: (TRANSACTION, ESCROW),
    Enquiry: (ENQUIRY,),
}


def available_actions(actor, obj) -> list[Step]:
    """The steps `actor` may take on `obj` now, from every lifecycle the object has (a deal has two)."""
    return [step for wf in _BY_MODEL[type(obj)] for step in wf.available(actor, obj)]


def available_names(actor, obj) -> list[str]:
    return [step.action for step in available_actions(actor, obj)]
