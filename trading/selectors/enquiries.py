"""Enquiries from buyers in other cities: what the seller reads in its city, and what the buyer reads of its own
across cities (by its user, the one key that crosses)."""

from __future__ import annotations

from django.db.models import QuerySet

from ipops.access import Actor
from ipops.models import City, Membership
from ipops.tenancy import scopes_disabled
from ipops.visibility import get_visible_or_404

from ..models import Enquiry, EnquiryStatus, Listing

#: What the buyer reads of its enquiries: its own words, the seller's answer, and the listing's published fields.
MY_ENQUIRY_FIELDS = (
    "pk",
    "status",
    "price",
    "message",
    "reply",
    "answered_at",
    "created_at",
    "listing_id",
    "listing__reference",
    "listing__title",
    "listing__city__slug",
    "listing__city__name_zh",
    "listing__city__name_en",
    "listing__seller__name",
)


def enquiry_identities(user, city: City) -> list[Actor]:
    """Whom the user may enquire for about a listing of `city`: each organisation of another active city that
    the user acts for with write access and that can hold IP assets. The user's own memberships, read across
    cities (a user is the platform's, their organisations are their cities')."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
        memberships = list(
            Membership.objects.filter(user=user, city__is_active=True)
            .exclude(city=city)
            .select_related("organization", "city")
            .order_by("city__slug")
        )
    actors = [Actor(user=user, city=m.city, membership=m) for m in memberships]
    return [a for a in actors if a.is_asset_holder and a.can_write]


def own_enquiries(user, listing: Listing) -> list[Enquiry]:
    """The user's own enquiries on this listing (rows of the listing's city, the request's scope)."""
    if not user.is_authenticated:
        return []
    return list(Enquiry.objects.filter(listing=listing, buyer_user=user).order_by("-created_at", "-id"))


def my_enquiries(user, *, limit: int = 200) -> list[dict]:
    """Every enquiry the user sent, in every city, newest first: their own rows only, and of the listing only
    what its seller published. The one read of enquiries across cities."""
    with scopes_disabled():
        return list(
            Enquiry.objects.filter(buyer_user=user)
            .order_by("-created_at", "-id")
            .values(*MY_ENQUIRY_FIELDS)[:limit]
        )


def listing_enquiries(actor: Actor, listing: Listing) -> list[Enquiry]:
    """The enquiries on a listing the actor may read: all of them for its seller, none for anyone else."""
    return list(Enquiry.objects.restrict(actor).filter(listing=listing).order_by("-created_at", "-id"))


def enquiries_to_answer(actor: Actor) -> QuerySet[Enquiry]:
    return (
        Enquiry.objects.restrict(actor)
        .filter(status=EnquiryStatus.OPEN)
        .select_related("listing")
        .order_by("-created_at", "-id")
    )


def enquiry_get(actor: Actor, pk) -> Enquiry:
    return get_visible_or_404(Enquiry.objects.select_related("listing"), actor, pk)
