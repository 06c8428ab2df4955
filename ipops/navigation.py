"""The navigation bar, as data. Each app registers its entries in its AppConfig.ready(),
so no app edits another's templates to appear in the menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation
    url_name: str
    roles: frozenset[str]  # Role values; empty = every role
    order: int = 100
    icon: str = ""


_ITEMS: list[NavItem] = []


def register(label, url_name: str, roles=(), order: int = 100, icon: str = "") -> None:
    item = NavItem(label, url_name, frozenset(str(r) for r in roles), order, icon)
    if item not in _ITEMS:
        _ITEMS.append(item)


def items_for(role: str, city_slug: str) -> list[dict]:
    out = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.roles and role not in item.roles:
            continue
        try:
            url = reverse(item.url_name, kwargs={"city": city_slug})
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "icon": item.icon, "name": item.url_name})
    return out


# --- home panels ---------------------------------------------------------------------------
# A role's home shows the work waiting for it in every app: an app registers a panel (a template
# and a function of the actor returning its context) and the core's home page renders it.


@dataclass(frozen=True)
class HomePanel:
    template: str
    context: Callable[[object], dict]
    roles: frozenset[str]
    order: int = 100


_PANELS: list[HomePanel] = []


def register_panel(template: str, context: Callable[[object], dict], roles, order: int = 100) -> None:
    panel = HomePanel(template, context, frozenset(str(r) for r in roles), order)
    if all(p.template != template or p.roles != panel.roles for p in _PANELS):
        _PANELS.append(panel)


def panels_for(actor) -> list[dict]:
    role = str(actor.role)
    return [
        {"template": p.template, "data": p.context(actor)}
        for p in sorted(_PANELS, key=lambda p: p.order)
        if role in p.roles
    ]
