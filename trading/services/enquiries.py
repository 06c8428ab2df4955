"""Enquiries (购买意向) from buyers in other cities on national-marketplace listings: sent, answered, closed.

A buyer of another city is no party the listing's city knows: it cannot negotiate (a negotiation's buyer is
an organisation of the city). It sends an enquiry instead: a row of the listing's city carrying only what the
buyer typed for the seller (`trading.models.Enquiry`). The seller answers it on the listing's page; the
buyer reads the answer on the national marketplace.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import audit, ids, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, PermissionDenied

from ..availability import require_available
from ..errors import (
    EnquiryFromOwnCity,
    EnquiryOpen,
    ListingNotFound,
    ListingNotOnMarket,
    ListingTaken,
    TradingErrorCode,
)
from ..lifecycles import ENQUIRY, LISTING
from ..models import (
    PUBLIC_LISTING_STATUSES,
    Enquiry,
    EnquiryStatus,
    Listing,
    Transaction,
    TransactionStatus,
    Visibility,
)
from ._common import hold_assets


def _contact(
    *, organization_name, uscc, contact_name, phone, email, price, message, errors: FieldErrors
) -> dict:
    """What the buyer typed for the seller, cleaned; every field error collected."""
    phone = validators.text(phone, "phone", errors, required=False, max_length=30)
    email = validators.text(email, "email", errors, required=False, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", CoreErrorCode.INVALID, _("Enter a valid e-mail address."))
    if not phone and not email:
        errors.add("phone", TradingErrorCode.CONTACT_REQUIRED, _("Give a phone number or an e-mail address."))
    try:
        uscc = ids.normalize_uscc(uscc)
    except ids.InvalidIdentifier as exc:
        errors.add("uscc", exc.code, exc.message)
    return {
        "organization_name": validators.text(
            organization_name,
            "organization_name",
            errors,
            max_length=120,
            message=_("Name your organisation."),
        ),
        "uscc": uscc,
        "contact_name": validators.text(
            contact_name, "contact_name", errors, max_length=60, message=_("Name the person to contact.")
        ),
        "phone": phone,
        "email": email,
        "price": validators.money(price, "price", errors, required=False),
        "message": validators.text(
            message,
            "message",
            errors,
            max_length=2000,
            message=_("Say what you would like to know or offer."),
        ),
    }


@atomic
def enquiry_send(
    *,
    buyer: Actor,
    listing: Listing,
    organization_name: str,
    uscc: str,
    contact_name: str,
    phone: str = "",
    email: str = "",
    price=None,
    message: str = "",
) -> Enquiry:
    """A buyer acting for an organisation of another city enquires about a national listing (one open enquiry
    per buyer and listing). `buyer` is the buyer's standing in its own city; nothing of it is stored but
    the user: the seller reads what the buyer typed."""
    if not (buyer.is_asset_holder and buyer.can_write):
        raise PermissionDenied(_("Only an organisation that can hold IP assets may enquire."))
    listing = LISTING.lock(listing)
    if listing.city_id == buyer.city.pk:
        raise EnquiryFromOwnCity()
    if listing.visibility != Visibility.NATIONAL:
        raise ListingNotFound()  # a city's own listing is not published to other cities
    errors = FieldErrors()
    clean = _contact(
        organization_name=organization_name,
        uscc=uscc,
        contact_name=contact_name,
        phone=phone,
        email=email,
        price=price,
        message=message,
        errors=errors,
    )
    errors.raise_if_any()
    # The same questions an offer meets: on the market, no deal running, its assets still free.
    hold_assets(listing)
    if listing.status not in PUBLIC_LISTING_STATUSES:
        raise ListingNotOnMarket()
    if Transaction.objects.filter(listing_id=listing.pk, status=TransactionStatus.OPEN).exists():
        raise ListingTaken()
    require_available(listing)
    if Enquiry.objects.filter(listing=listing, buyer_user=buyer.user, status=EnquiryStatus.OPEN).exists():
        raise EnquiryOpen()
    try:
        with atomic():
            enquiry = Enquiry.objects.create(
                city_id=listing.city_id,
                listing=listing,
                seller_id=listing.seller_id,
                buyer_user=buyer.user,
                **clean,
            )
    except IntegrityError as exc:  # the partial unique constraint, beneath the listing's lock
        raise EnquiryOpen() from exc
    audit.record(
        actor=buyer.user,
        city=listing.city_id,
        action="enquiry_send",
        obj=enquiry,
        to_state=enquiry.status,
        data={"listing": listing.pk, "price": enquiry.price},
    )
    return enquiry


@atomic
def enquiry_answer(*, actor: Actor, enquiry: Enquiry, reply: str) -> Enquiry:
    """The seller answers (and may answer again: the latest answer is what the buyer reads)."""
    enquiry = ENQUIRY.lock(enquiry)
    ENQUIRY.check(enquiry, "answer", actor=actor)
    errors = FieldErrors()
    enquiry.reply = validators.text(reply, "reply", errors, max_length=2000, message=_("Write your answer."))
    errors.raise_if_any()
    enquiry.answered_by = actor.user
    enquiry.answered_at = timezone.now()
    ENQUIRY.apply(enquiry, "answer", actor=actor, update_fields=["reply", "answered_by", "answered_at"])
    return enquiry


@atomic
def enquiry_close(*, actor: Actor, enquiry: Enquiry) -> Enquiry:
    enquiry = ENQUIRY.lock(enquiry)
    ENQUIRY.apply(enquiry, "close", actor=actor)
    return enquiry
