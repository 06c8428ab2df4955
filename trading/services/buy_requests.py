"""Buy requests (求购): post, edit, close and reopen; each change refreshes the stored matches."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.transaction import atomic
from django.utils.translation import gettext_lazy as _

from ipops import audit, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import Industry

from .. import rules
from ..errors import TradingErrorCode
from ..lifecycles import BUY_REQUEST
from ..models import BuyRequest, DealType
from ..permissions import require
from ._common import organization_of
from .matches import refresh_matches_on_commit


def buy_request_search_fields(br: BuyRequest) -> None:
    """Fill a buy request's search columns (used by services, demo and benchmark bulk loads)."""
    br.title_terms = rules.index_text(br.title, br.keywords)
    br.body_terms = rules.index_text(br.description)
    br.ipc_prefixes = rules.ipc_prefixes(br.ipc_codes)


def _clean(data: dict, *, budget_min=None, budget_max=None) -> dict:
    """Every field given in `data`, cleaned; every error at once. `budget_*`: the values the budget
    range is judged with when a change gives only one end."""
    errors = FieldErrors()
    if "title" in data:
        data["title"] = validators.text(
            data["title"], "title", errors, max_length=300, message=_("A title is required.")
        )
    if "ipc_codes" in data:
        data["ipc_codes"] = validators.ipc_codes(data["ipc_codes"], "ipc_codes", errors)
    for field in ("budget_min", "budget_max"):
        if field in data:
            data[field] = validators.money(data[field], field, errors, required=False)
    if "deal_types" in data:
        data["deal_types"] = list(dict.fromkeys(data["deal_types"] or ()))
        for value in data["deal_types"]:
            validators.choice(value, DealType.values, "deal_types", errors)
    if "industry" in data:
        validators.choice(data["industry"], Industry.values, "industry", errors, required=False)
    low = data.get("budget_min", budget_min)
    high = data.get("budget_max", budget_max)
    if low is not None and high is not None and low > high:
        errors.add(
            "budget_max",
            TradingErrorCode.BUDGET_RANGE_INVERTED,
            _("The budget's upper end is below its lower end."),
        )
    errors.raise_if_any()
    return data


@atomic
def buy_request_create(
    *,
    actor: Actor,
    title: str,
    keywords: str = "",
    description: str = "",
    ipc_codes: Iterable[str] = (),
    industry: str = "",
    budget_min=None,
    budget_max=None,
    deal_types: Iterable[str] = (),
    region: str = "",
) -> BuyRequest:
    require(actor, "buy_request.create")
    buyer_id = organization_of(actor)
    data = _clean(
        dict(
            title=title,
            keywords=keywords or "",
            description=description or "",
            ipc_codes=list(ipc_codes or ()),
            industry=industry or "",
            budget_min=budget_min,
            budget_max=budget_max,
            deal_types=list(deal_types or ()),
            region=region or "",
        )
    )
    br = BuyRequest(city=actor.city, buyer_id=buyer_id, created_by=actor.user, **data)
    buy_request_search_fields(br)
    br.save()
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="buy_request_create",
        obj=br,
        to_state=br.status,
        data={"budget_min": br.budget_min, "budget_max": br.budget_max},
    )
    refresh_matches_on_commit(br)
    return br


_BUY_REQUEST_EDITABLE = {
    "title",
    "keywords",
    "description",
    "ipc_codes",
    "industry",
    "budget_min",
    "budget_max",
    "deal_types",
    "region",
}


@atomic
def buy_request_update(*, actor: Actor, buy_request: BuyRequest, **changes) -> BuyRequest:
    """Edit an open buy request."""
    unknown = set(changes) - _BUY_REQUEST_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)),
            code=CoreErrorCode.NOT_EDITABLE,
        )
    br = BUY_REQUEST.lock(buy_request)
    BUY_REQUEST.check(br, "update", actor=actor)
    changes = _clean(dict(changes), budget_min=br.budget_min, budget_max=br.budget_max)
    for name, value in changes.items():
        setattr(br, name, value)
    buy_request_search_fields(br)
    br.save()
    BUY_REQUEST.apply(br, "update", actor=actor, save=False, data={k: str(v) for k, v in changes.items()})
    refresh_matches_on_commit(br)
    return br


@atomic
def buy_request_close(*, actor: Actor, buy_request: BuyRequest) -> BuyRequest:
    br = BUY_REQUEST.lock(buy_request)
    BUY_REQUEST.apply(br, "close", actor=actor)
    return br


@atomic
def buy_request_reopen(*, actor: Actor, buy_request: BuyRequest) -> BuyRequest:
    br = BUY_REQUEST.lock(buy_request)
    BUY_REQUEST.apply(br, "reopen", actor=actor)
    refresh_matches_on_commit(br)
    return br
