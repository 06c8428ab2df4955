"""The fund register's reads the API needs besides `funds.selectors`: one record through its visibility
rule (404 otherwise), and the records of one fund or commitment, in the order the pages show them."""

from __future__ import annotations

from django.db.models import QuerySet

from funds.models import CapitalCall, Commitment, Distribution, Fund, Investment
from ipops.visibility import get_visible_or_404


def fund_get(actor, pk) -> Fund:
    return get_visible_or_404(Fund.objects.select_related("manager", "parent"), actor, pk)


def commitment_get(actor, pk) -> Commitment:
    return get_visible_or_404(Commitment.objects.select_related("fund"), actor, pk)


def call_get(actor, pk) -> CapitalCall:
    return get_visible_or_404(CapitalCall.objects.all(), actor, pk)


def investment_get(actor, pk) -> Investment:
    return get_visible_or_404(Investment.objects.select_related("investee"), actor, pk)


def commitments_of(actor, fund: Fund) -> QuerySet[Commitment]:
    return Commitment.objects.restrict(actor).filter(fund=fund).order_by("committed_on", "pk")


def calls_of(actor, commitment: Commitment) -> QuerySet[CapitalCall]:
    return CapitalCall.objects.restrict(actor).filter(commitment=commitment).order_by("called_on", "pk")


def investments_of(actor, fund: Fund) -> QuerySet[Investment]:
    return (
        Investment.objects.restrict(actor)
        .filter(fund=fund)
        .select_related("investee")
        .order_by("-invested_on", "-pk")
    )


def distributions_of(actor, fund: Fund) -> QuerySet[Distribution]:
    return Distribution.objects.restrict(actor).filter(fund=fund).order_by("-distributed_on", "-pk")
