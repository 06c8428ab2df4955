"""The lifecycles as declared: where each step leads, and which steps only the system takes."""

from __future__ import annotations

from trading.lifecycles import BUY_REQUEST, ESCROW, LISTING, NEGOTIATION, OFFER, TRANSACTION


def test_listing_lifecycle():
    assert LISTING.target("publish", "draft") == "published"
    assert LISTING.target("publish", "expired") == "published"
    assert LISTING.target("withdraw", "sold") is None
    assert LISTING.target("sell", "negotiating") == "sold"
    assert LISTING.target("offer", "published") == "published"  # an offer keeps the state


def test_deal_and_escrow_lifecycles():
    assert ESCROW.target("release", "pending") is None
    assert ESCROW.target("refund", "paid") == "refunded"
    assert TRANSACTION.target("complete", "cancelled") is None
    assert TRANSACTION.target("contract", "open") == "open"


def test_steps_the_system_takes_are_never_offered_as_buttons():
    system = {
        (wf.entity, step.action)
        for wf in (LISTING, BUY_REQUEST, NEGOTIATION, OFFER, TRANSACTION, ESCROW)
        for step in wf.steps
        if not step.manual
    }
    assert system == {
        ("listing", "update"),
        ("listing", "negotiate"),
        ("listing", "reopen"),
        ("listing", "sell"),
        ("listing", "license"),
        ("listing", "expire"),
        ("buy_request", "update"),
        ("negotiation", "reopen"),
        ("negotiation", "agree"),
        ("offer", "close"),
        ("escrow", "release"),
        ("escrow", "refund"),
    }
