from django import template

from ipops.money import display_rate
from pledge_finance.models import Instalment

register = template.Library()

_BADGES = {
    "draft": "secondary",
    "submitted": "info",
    "valued": "primary",
    "approved": "success",
    "rejected": "danger",
    "withdrawn": "light",
    "disbursed": "warning",
    "repaid": "success",
    "defaulted": "dark",
    "pending": "secondary",
    "overdue": "danger",
    "paid": "success",
}


@register.filter
def percent(value, places: int = 2):
    """0.0435 → 4.35%; 0.6 → 60%."""
    if value in (None, ""):
        return "—"
    return display_rate(value, int(places))


@register.filter
def badge(state: str) -> str:
    return _BADGES.get(str(state), "secondary")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def instalment_label(standing: str):
    """An instalment's standing as of today (`selectors.instalments_as_of`), in words."""
    return Instalment.Status(standing).label
