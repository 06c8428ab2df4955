"""Panels for the role homes: the marketplace work waiting for each role (see ipops.navigation)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from ipops.access import Actor
from ipops.models import Industry
from trading import selectors
from trading.models import (
    PUBLIC_LISTING_STATUSES,
    BuyRequestStatus,
    OfferSide,
    OfferStatus,
    TransactionStatus,
)


def holder_trading(actor: Actor) -> dict:
    """Enterprise / university / service institution: offers and enquiries from other cities to answer, deals
    under way, my market presence, and my listings that cannot take offers now."""
    org = actor.organization_id
    to_answer = selectors.offer_queryset(actor, status=OfferStatus.PENDING).filter(
        Q(negotiation__seller_id=org, side=OfferSide.BUYER)
        | Q(negotiation__buyer_id=org, side=OfferSide.SELLER)
    )
    enquiries = selectors.enquiries_to_answer(actor)
    return {
        "blocked": selectors.blocked_listings(actor)[:5],
        "enquiries": list(enquiries[:5]),
        "enquiries_count": enquiries.count(),
        "to_answer": list(to_answer[:5]),
        "to_answer_count": to_answer.count(),
        "listings_on_market": selectors.listing_queryset(actor, mine=True)
        .filter(status__in=PUBLIC_LISTING_STATUSES)
        .count(),
        "open_buy_requests": selectors.buy_request_queryset(actor, mine=True)
        .filter(status=BuyRequestStatus.OPEN)
        .count(),
        "deals_open": selectors.transaction_queryset(actor, status=TransactionStatus.OPEN, mine=True).count(),
    }


def city_trading(actor: Actor) -> dict:
    """Bureau / officials: completed transfers and licences this year and last (the city's figures)."""
    year = timezone.localdate().year
    return {
        "year": year,
        "this_year": selectors.deal_figures(city=actor.city, year=year),
        "last_year": selectors.deal_figures(city=actor.city, year=year - 1),
    }


def market_watch(actor: Actor) -> dict:
    """Fund manager (基金管理人): deal flow to source from — the patents newest on the city's market, by the
    city's key industries, and what the city's transfers and licences came to this year."""
    on_market = selectors.listing_queryset(actor).filter(status__in=PUBLIC_LISTING_STATUSES)
    by_industry = on_market.values("industry").annotate(n=Count("id")).order_by("-n", "industry")[:8]
    labels = dict(Industry.choices)
    year = timezone.localdate().year
    return {
        "newest": list(on_market.select_related("seller").order_by("-published_at", "-id")[:6]),
        "on_market": on_market.count(),
        "by_industry": [
            {"label": str(labels.get(r["industry"], r["industry"])), "n": r["n"]} for r in by_industry
        ],
        "year": year,
        "this_year": selectors.deal_figures(city=actor.city, year=year),
    }
