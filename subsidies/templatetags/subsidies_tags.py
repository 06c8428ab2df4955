from django import template

from ipops.money import display_rate

register = template.Library()

#: A claim state's badge colour: what waits for someone stands out, what is settled is quiet.
_BADGES = {
    "draft": "secondary",
    "to_confirm": "warning",
    "submitted": "info",
    "returned": "warning",
    "in_notice": "primary",
    "held": "danger",
    "payable": "success",
    "paid": "success",
    "rejected": "dark",
    "withdrawn": "light",
}


@register.filter
def claim_badge(state: str) -> str:
    return _BADGES.get(str(state), "secondary")


@register.filter
def percent(value, places: int = 2):
    """0.05 → 5%; nothing → —."""
    if value in (None, ""):
        return "—"
    return display_rate(value, int(places))
