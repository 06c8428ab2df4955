"""Marketplace errors: every code the marketplace answers with beyond the core's (`CoreErrorCode`).

Codes are stable: clients and tests rely on them; messages may change.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ipops.errors import Conflict, ErrorCode, InvalidTransition, NotFound, ValidationFailed


class TradingErrorCode(ErrorCode):
    LISTING_NOT_ON_MARKET = "listing_not_on_market"
    LISTING_TAKEN = "listing_taken"
    LISTING_ASSETS_UNAVAILABLE = "listing_assets_unavailable"
    OFFER_PENDING = "offer_pending"
    OWN_OFFER = "own_offer"
    NOT_OWN_OFFER = "not_own_offer"
    DEAL_IN_PROGRESS = "deal_in_progress"
    CONTRACT_MISSING = "contract_missing"
    ESCROW_NOT_PAID = "escrow_not_paid"
    NOT_A_LICENCE = "not_a_licence"
    LICENCE_ENDS_BEFORE_START = "licence_ends_before_start"
    LICENSEE_CANNOT_HOLD = "owner_cannot_hold_assets"
    BUDGET_RANGE_INVERTED = "budget_range_inverted"
    CENTRE_EXISTS = "centre_exists"
    CENTRE_MEMBER_EXISTS = "centre_member_exists"
    CENTRE_MEMBER_NOT_FOUND = "centre_member_not_found"
    LISTING_NOT_FOUND = "listing_not_found"
    BUY_REQUEST_NOT_FOUND = "buy_request_not_found"
    NEGOTIATION_NOT_FOUND = "negotiation_not_found"
    OFFER_NOT_FOUND = "offer_not_found"
    TRANSACTION_NOT_FOUND = "transaction_not_found"
    CENTRE_NOT_FOUND = "centre_not_found"
    ENQUIRY_NOT_FOUND = "enquiry_not_found"
    ENQUIRY_OPEN = "enquiry_open"
    ENQUIRY_FROM_OWN_CITY = "enquiry_from_own_city"
    CONTACT_REQUIRED = "contact_required"
    ASSET_NOT_FOUND = "asset_not_found"


Code = TradingErrorCode

# --- not found (404): also the answer for a row the actor may not see --------------------------------


class ListingNotFound(NotFound):
    code = Code.LISTING_NOT_FOUND
    default_message = _("No such listing.")


class BuyRequestNotFound(NotFound):
    code = Code.BUY_REQUEST_NOT_FOUND
    default_message = _("No such buy request.")


class NegotiationNotFound(NotFound):
    code = Code.NEGOTIATION_NOT_FOUND
    default_message = _("No such negotiation.")


class OfferNotFound(NotFound):
    code = Code.OFFER_NOT_FOUND
    default_message = _("No such offer.")


class TransactionNotFound(NotFound):
    code = Code.TRANSACTION_NOT_FOUND
    default_message = _("No such transaction.")


class CentreNotFound(NotFound):
    code = Code.CENTRE_NOT_FOUND
    default_message = _("No such operations centre.")


class CentreMemberNotFound(NotFound):
    code = Code.CENTRE_MEMBER_NOT_FOUND
    default_message = _("This organisation is not a member.")


class EnquiryNotFound(NotFound):
    code = Code.ENQUIRY_NOT_FOUND
    default_message = _("No such enquiry.")


class AssetNotFound(NotFound):
    code = Code.ASSET_NOT_FOUND
    default_message = _("One of these assets does not exist.")


# --- state conflicts (409) ------------------------------------------------------------------------------


class ListingNotOnMarket(Conflict):
    code = Code.LISTING_NOT_ON_MARKET
    default_message = _("This listing is not on the market.")


class ListingTaken(Conflict):
    code = Code.LISTING_TAKEN
    default_message = _("Another offer on this listing has already been accepted.")


class ListingAssetsUnavailable(Conflict):
    """An asset of the listing was pledged, licensed elsewhere, lapsed or changed owner since it was listed
    (`trading.availability`): the listing takes no offer until the registry says it can go again."""

    code = Code.LISTING_ASSETS_UNAVAILABLE
    default_message = _("This listing cannot take offers now: its assets cannot go as listed.")

    @staticmethod
    def sentence(blocks) -> str:
        """Each asset and why, as the refusal and the listing's pages say it: "该挂牌暂不能接受报价：ZL… 已质押。"."""
        why = _("; ").join(block.explanation for block in blocks)
        return str(_("This listing cannot take offers now: %(why)s.") % {"why": why})

    @classmethod
    def because(cls, blocks) -> ListingAssetsUnavailable:
        return cls(
            cls.sentence(blocks),
            fields={"assets": [{"code": block.code, "detail": block.explanation} for block in blocks]},
        )


class OfferPending(Conflict):
    code = Code.OFFER_PENDING
    default_message = _("An offer in this negotiation is still awaiting an answer.")


class OwnOffer(InvalidTransition):
    code = Code.OWN_OFFER
    default_message = _("The other side answers an offer.")


class NotOwnOffer(InvalidTransition):
    code = Code.NOT_OWN_OFFER
    default_message = _("Only the side that made an offer can withdraw it.")


class DealInProgress(Conflict):
    code = Code.DEAL_IN_PROGRESS
    default_message = _("A deal on this listing is in progress; cancel it first.")


class DealConcluded(InvalidTransition):
    default_message = _("This negotiation ended in a deal; cancel the deal instead.")


class ContractMissing(Conflict):
    code = Code.CONTRACT_MISSING
    default_message = _("Record the signed contract before paying into escrow.")


class EscrowNotPaid(Conflict):
    code = Code.ESCROW_NOT_PAID
    default_message = _("The price must be paid into escrow before the deal completes.")


class EnquiryOpen(Conflict):
    code = Code.ENQUIRY_OPEN
    default_message = _("Your enquiry on this listing is still awaiting the seller's answer.")


class EnquiryFromOwnCity(Conflict):
    code = Code.ENQUIRY_FROM_OWN_CITY
    default_message = _("Members of the listing's city make offers on the listing itself.")


class CentreExists(Conflict):
    code = Code.CENTRE_EXISTS
    default_message = _("This organisation already runs an operations centre.")


class CentreMemberExists(Conflict):
    code = Code.CENTRE_MEMBER_EXISTS
    default_message = _("This organisation is already a member.")


# --- bad input (400) ------------------------------------------------------------------------------------


class LicenseeCannotHold(ValidationFailed):
    code = Code.LICENSEE_CANNOT_HOLD
    default_message = _("This organisation cannot hold a licence.")
