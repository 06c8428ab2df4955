"""Template helpers of the marketplace."""

from django import template

from trading import explain
from trading.errors import ListingAssetsUnavailable
from trading.models import DealType, EnquiryStatus

register = template.Library()

# Bootstrap colours for listing, deal, escrow and buy-request states (a shared value means the same): green is live on the
# market or done, amber is in motion, blue is a closed sale or licence, grey is out of play.
_BADGES = {
    "draft": "secondary",
    "published": "success",
    "negotiating": "warning",
    "sold": "primary",
    "licensed": "primary",
    "withdrawn": "light",
    "expired": "light",
    "open": "warning",
    "completed": "success",
    "cancelled": "light",
    "pending": "light",
    "paid": "info",
    "released": "success",
    "refunded": "secondary",
    "fulfilled": "primary",
    "closed": "light",  # buy requests ("open" as above)
}


@register.filter
def status_badge(status: str) -> str:
    return _BADGES.get(str(status), "light")


@register.filter
def deal_type_label(value: str) -> str:
    """The deal type's name, for rows read as plain values (the national marketplace)."""
    try:
        return str(DealType(value).label)
    except ValueError:
        return value


@register.filter
def explained(match) -> dict:
    """A match's score on 0–100 and its reasons in words (`trading.explain`), for `_reasons.html`."""
    return explain.explained(match.score, match.reasons)


@register.filter
def enquiry_status(value: str) -> str:
    """An enquiry's status in words, for rows read as plain values (the buyer's enquiries across cities)."""
    try:
        return str(EnquiryStatus(value).label)
    except ValueError:
        return value


@register.filter
def unavailable(blocks) -> str:
    """Why a listing takes no offers (`trading.availability.AssetBlock`s), in the words its refusal uses."""
    return ListingAssetsUnavailable.sentence(blocks)
