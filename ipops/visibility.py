"""Who sees which rows: one visibility rule per entity, from which every read derives.

An app declares, once per model, a function `rule(actor) -> Q | bool` for each action (at least
"view"): the rows of the city this actor may see (`True`: all of them, `False`: none). From it:

- `restrict(queryset, actor, action)`: a list filtered to what the actor may see (NetBox's
  `RestrictedQuerySet.restrict(user, action)`); `Model.objects.restrict(actor)` does the same;
- `get_visible_or_404(queryset, actor, pk)`: a detail lookup that answers 404 both for a row of
  another city and for one this actor may not see (Zulip: "not found" and "not yours" look alike);
- `visible(actor, obj)`: a django-rules predicate for the same rule, for permissions that read
  "who may see it may also …".

So a list and its detail page cannot disagree: both are the same filter. The city itself is the
scope's business (django-scopes and row-level security), never the rule's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import rules
from django.db import models
from django.db.models import Q, QuerySet

from ipops.errors import NotFound

M = TypeVar("M", bound=models.Model)

Rule = Callable[[Any], "Q | bool"]

_RULES: dict[tuple[type[models.Model], str], Rule] = {}
_NOT_FOUND: dict[type[models.Model], type[NotFound]] = {}


def register(
    model: type[models.Model], *, view: Rule, not_found: type[NotFound] = NotFound, **actions: Rule
) -> None:
    """Declare `model`'s visibility: `view` (required) and any further actions' row filters."""
    _RULES[(model, "view")] = view
    for action, rule in actions.items():
        _RULES[(model, action)] = rule
    _NOT_FOUND[model] = not_found


_WIDENINGS: dict[tuple[type[models.Model], str], list[Rule]] = {}


def widen(model: type[models.Model], action: str = "view", *, rule: Rule) -> None:
    """Let another app show more rows of a model it does not own, without the owner knowing the app.

    The registry does not know pledge loans; `pledge_finance` widens `IPAsset`'s view so the parties to
    a loan see its pledged assets. The rows an actor sees are the owner's rule OR every widening.
    """
    _WIDENINGS.setdefault((model, action), []).append(rule)


def rule_for(model: type[models.Model], action: str = "view") -> Rule:
    try:
        base = _RULES[(model, action)]
    except KeyError:
        raise LookupError(f"no visibility rule {action!r} for {model._meta.label}") from None
    widenings = _WIDENINGS.get((model, action))
    if not widenings:
        return base

    def widened(actor) -> Q | bool:
        conditions = [base(actor), *(w(actor) for w in widenings)]
        if any(c is True for c in conditions):
            return True
        rows = [c for c in conditions if isinstance(c, Q)]
        if not rows:
            return False
        combined = rows[0]
        for condition in rows[1:]:
            combined |= condition
        return combined

    return widened


def restrict(queryset: QuerySet[M], actor, action: str = "view") -> QuerySet[M]:
    """`queryset` narrowed to the rows `actor` may `action`; nothing for no actor."""
    if actor is None:
        return queryset.none()
    condition = rule_for(queryset.model, action)(actor)
    if condition is True:
        return queryset
    if condition is False:
        return queryset.none()
    return queryset.filter(condition)


def get_visible_or_404(queryset: QuerySet[M] | type[M], actor, pk, action: str = "view") -> M:
    """The row `pk` if `actor` may see it; otherwise the model's NotFound (404), whatever the reason."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    error = _NOT_FOUND.get(qs.model, NotFound)
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise error() from None
    found = restrict(qs, actor, action).filter(pk=key).first()
    if found is None:
        raise error()
    return found


def can_see(actor, obj, action: str = "view") -> bool:
    if actor is None or obj is None:
        return False
    model = type(obj)
    condition = rule_for(model, action)(actor)
    if condition is True or condition is False:
        return bool(condition)
    return model._default_manager.filter(condition, pk=obj.pk).exists()


@rules.predicate
def visible(actor, obj) -> bool:
    """django-rules predicate: the actor's `view` rule admits the object (one query, or none)."""
    return can_see(actor, obj)


_PERMITS: dict[str, rules.Predicate] = {"view": visible}


def permits(action: str) -> rules.Predicate:
    """django-rules predicate for another registered row rule ("matches": whose matches one may read)."""
    if action not in _PERMITS:
        _PERMITS[action] = rules.predicate(
            lambda actor, obj: can_see(actor, obj, action), name=f"permits_{action}"
        )
    return _PERMITS[action]
