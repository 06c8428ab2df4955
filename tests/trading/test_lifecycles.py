"""The lifecycles as declared: where each step leads, and what a step offered as a button needs."""

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


def test_every_step_offered_as_a_button_names_its_rule_and_its_label():
    offered = [
        (wf.entity, step)
        for wf in (LISTING, BUY_REQUEST, NEGOTIATION, OFFER, TRANSACTION, ESCROW)
        for step in wf.steps
        if step.manual
    ]
    assert offered
    assert [(entity, s.action) for entity, s in offered if not (s.permission and s.label)] == []
