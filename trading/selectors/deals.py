"""Negotiations, offers and deals: what a party (or a reader of the whole city) sees of them, and where a
deal stands: its steps, who acts next, what happened."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipops.access import Actor
from ipops.models import AuditEvent, Membership, OrgKind
from ipops.visibility import get_visible_or_404, restrict

from ..lifecycles import available_names
from ..models import (
    EscrowStatus,
    Negotiation,
    Offer,
    Transaction,
    TransactionStatus,
)

# --- negotiations and offers --------------------------------------------------------------------------


def negotiation_get(actor: Actor, pk) -> Negotiation:
    qs = Negotiation.objects.select_related("listing", "buyer", "seller", "transaction").prefetch_related(
        "offers", "messages"
    )
    return get_visible_or_404(qs, actor, pk)


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "negotiation", "negotiation__listing", "negotiation__buyer", "negotiation__seller"
    )


def offer_queryset(actor: Actor, *, side: str = "", status: str = "") -> QuerySet[Offer]:
    qs = restrict(_offers(), actor)
    if side == "buyer":
        qs = qs.filter(negotiation__buyer_id=actor.organization_id)
    elif side == "seller":
        qs = qs.filter(negotiation__seller_id=actor.organization_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def offer_get(actor: Actor, pk) -> Offer:
    return get_visible_or_404(_offers(), actor, pk)


# --- transactions ---------------------------------------------------------------------------------------


def transaction_queryset(
    actor: Actor, *, status: str = "", deal_type: str = "", year: int | None = None, mine: bool = False
) -> QuerySet[Transaction]:
    qs = Transaction.objects.restrict(actor).select_related("listing", "buyer", "seller")
    if mine:
        org = actor.organization_id
        qs = qs.filter(Q(buyer_id=org) | Q(seller_id=org)) if org else qs.none()
    if status:
        qs = qs.filter(status=status)
    if deal_type:
        qs = qs.filter(deal_type=deal_type)
    if year:
        qs = qs.filter(created_at__year=year)
    return qs.order_by("-created_at", "-id")


def transaction_get(actor: Actor, pk) -> Transaction:
    return get_visible_or_404(Transaction.objects.select_related("listing", "buyer", "seller"), actor, pk)


# --- where a deal stands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealStage:
    """One step of a deal as the parties see it: contract → escrow → recordal → completed."""

    key: str
    label: str | Promise
    state: str  # "done", "current", "todo" or "cancelled"


@dataclass(frozen=True)
class DealEvent:
    """Something that happened to the deal, from its audit trail (`at` in UTC; pages show Beijing time)."""

    at: datetime.datetime
    action: str
    label: str | Promise
    who: str
    detail: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class DealProgress:
    stages: list[DealStage]
    #: What happens next, in words ("The buyer pays the agreed price into escrow."); empty once it is over.
    next_step: str | Promise
    #: Who takes it: "buyer", "seller", "either" (buyer or seller); empty once it is over.
    next_party: str
    #: The actor may take that step now (the page says "your turn").
    yours: bool
    history: list[DealEvent]

    @property
    def who_next(self) -> str | Promise:
        return PARTIES.get(self.next_party, "")


@dataclass(frozen=True)
class _Stage:
    key: str
    label: str | Promise
    action: str  # the lifecycle step that does it (`trading.lifecycles`: TRANSACTION or ESCROW)
    #: Who takes it, as the step's permission says (`transaction.contract`: either party;
    #: `transaction.pay`: the buyer; `transaction.complete`: the seller, or the bureau on their behalf).
    party: str
    next_step: str | Promise


_STAGES = (
    _Stage(
        "contract",
        _("Contract"),
        "contract",
        "either",
        _("The buyer or the seller records the signed contract."),
    ),
    _Stage("escrow", _("Escrow"), "pay", "buyer", _("The buyer pays the agreed price into escrow.")),
    _Stage(
        "recordal",
        _("Recordal"),
        "complete",
        "seller",
        _(
            "The seller has CNIPA record the deal and enters the recordal or filing number here; the escrow "
            "is then released to the seller. The IP bureau may do this on the parties' behalf."
        ),
    ),
)

PARTIES = {"either": _("Buyer or seller"), "buyer": _("Buyer"), "seller": _("Seller (or the IP bureau)")}


def _stage_done(key: str, tx: Transaction) -> bool:
    """Whether a step is behind the deal. Recording the contract keeps the deal's state (it may be recorded
    again while the deal runs), so its trace is the contract reference; escrow is done once paid (and not
    refunded), the recordal once the deal completed."""
    if key == "contract":
        return bool(tx.contract_ref)
    if key == "escrow":
        return tx.escrow_status in (EscrowStatus.PAID, EscrowStatus.RELEASED)
    return tx.status == TransactionStatus.COMPLETED


#: Audit actions of a deal (its own lifecycle, its escrow's, and its opening) in the parties' words.
_EVENTS = {
    "transaction_open": _("Offer accepted: the deal opened"),
    "transaction_contract": _("Contract recorded"),
    "escrow_pay": _("Price paid into escrow"),
    "transaction_complete": _("Recorded with CNIPA: the deal completed"),
    "escrow_release": _("Escrow released to the seller"),
    "transaction_cancel": _("Deal cancelled"),
    "escrow_refund": _("Escrow refunded to the buyer"),
}


def _sides(tx: Transaction, user_ids: set[int]) -> dict[int, str]:
    """The side each user acted for in this deal's city: "买方 · <name>", "卖方 · <name>", or the IP bureau."""
    out: dict[int, str] = {}
    for user_id, org_id, kind in Membership.objects.filter(
        user_id__in=user_ids, city_id=tx.city_id
    ).values_list("user_id", "organization_id", "organization__kind"):
        if org_id == tx.buyer_id:
            out[user_id] = f"{_('Buyer')} · {tx.buyer.name}"
        elif org_id == tx.seller_id:
            out[user_id] = f"{_('Seller')} · {tx.seller.name}"
        elif kind == OrgKind.BUREAU:
            out[user_id] = str(_("IP bureau"))
    return out


def _detail(event: AuditEvent) -> tuple[str, Decimal | None]:
    data = event.data or {}
    if event.action == "transaction_contract":
        return data.get("contract_ref", ""), None
    if event.action == "transaction_complete":
        return data.get("recordal_number", ""), None
    if event.action == "transaction_cancel":
        return event.reason, None
    amount = data.get("amount") or data.get("agreed_price")
    return "", Decimal(amount) if amount else None


def deal_history(tx: Transaction) -> list[DealEvent]:
    """What happened to the deal, in the order it happened (its audit trail): two queries."""
    events = list(
        AuditEvent.objects.filter(
            city_id=tx.city_id, object_type=Transaction._meta.label_lower, object_id=str(tx.pk)
        ).order_by("created_at", "id")
    )
    sides = _sides(tx, {e.actor_id for e in events if e.actor_id})
    out = []
    for event in events:
        if event.action not in _EVENTS:
            continue
        detail, amount = _detail(event)
        who = sides.get(event.actor_id, "") if event.actor_id else str(_("The platform"))
        out.append(DealEvent(event.created_at, event.action, _EVENTS[event.action], who, detail, amount))
    return out


def deal_progress(actor: Actor, tx: Transaction) -> DealProgress:
    """The deal's steps (done, current, to do), who acts next and whether it is the actor, and its history."""
    running = tx.status == TransactionStatus.OPEN
    current: _Stage | None = None
    stages = []
    for stage in _STAGES:
        if _stage_done(stage.key, tx):
            state = "done"
        elif running and current is None:
            state, current = "current", stage
        else:
            state = "todo"
        stages.append(DealStage(stage.key, stage.label, state))
    if tx.status == TransactionStatus.CANCELLED:
        stages.append(DealStage("cancelled", _("Cancelled"), "cancelled"))
    else:
        stages.append(DealStage("completed", _("Completed"), "done" if not running else "todo"))
    return DealProgress(
        stages=stages,
        next_step=current.next_step if current else "",
        next_party=current.party if current else "",
        yours=current is not None and current.action in available_names(actor, tx),
        history=deal_history(tx),
    )
