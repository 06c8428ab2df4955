"""The seller's pages: the workbench, a new listing, a listing's steps (publish, withdraw, an offer on
it) and the answers to enquiries from other cities."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ipops.models import IPAsset, LegalStatus
from ipops.views.pages import CityPageMixin, submit_form

from .. import forms, selectors, services
from ..models import DealType, OfferStatus
from ._common import _act, _offer_sent


class SellerWorkbenchView(CityPageMixin, View):
    def get(self, request, city):
        actor = self.actor
        listings = selectors.with_blocks(
            selectors.listing_page(selectors.listing_search(actor, mine=True).ids[:200])
        )
        awaiting = selectors.offer_queryset(actor, side="seller", status=OfferStatus.PENDING).filter(
            side="buyer"
        )
        deals = selectors.transaction_queryset(actor, mine=True).filter(seller_id=actor.organization_id)[:50]
        return render(
            request,
            "trading/seller.html",
            {
                "listings": listings,
                "blocked": selectors.blocked_listings(actor),
                "enquiries": selectors.enquiries_to_answer(actor)[:50],
                "awaiting": awaiting[:50],
                "deals": deals,
            },
        )


class ListingCreateView(CityPageMixin, View):
    write_required = True

    def _assets(self):
        return IPAsset.objects.filter(
            owner_id=self.actor.organization_id, legal_status=LegalStatus.IN_FORCE
        ).order_by("-filing_date")[:500]

    def get(self, request, city):
        initial = {"visibility": "city", "deal_type": DealType.ASSIGNMENT, "publish": True}
        if request.GET.get("asset"):
            initial["asset_ids"] = [request.GET["asset"]]
        return render(
            request,
            "trading/listing_form.html",
            {"form": forms.ListingForm(initial=initial, assets=self._assets())},
        )

    def post(self, request, city):
        form = forms.ListingForm(request.POST, assets=self._assets())
        done, listing = submit_form(form, services.listing_create, actor=self.actor)
        if done:
            messages.success(request, _("Listing %(ref)s saved.") % {"ref": listing.reference})
            return redirect("trading-listing", city=city, pk=listing.pk)
        return render(request, "trading/listing_form.html", {"form": form}, status=400)


class ListingActionView(CityPageMixin, View):
    write_required = True

    def post(self, request, city, pk, action):
        listing = selectors.listing_get(self.actor, pk)
        back = reverse("trading-listing", kwargs={"city": city, "pk": pk})
        if action == "publish":
            return _act(
                request,
                lambda: services.listing_publish(actor=self.actor, listing=listing),
                back,
                lambda done: _("Listing %(ref)s is on the market.") % {"ref": done.reference},
            )
        if action == "withdraw":
            return _act(
                request,
                lambda: services.listing_withdraw(actor=self.actor, listing=listing),
                back,
                lambda done: _("Listing %(ref)s is withdrawn from the market.") % {"ref": done.reference},
            )
        if action == "offer":
            form = forms.OfferForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Enter a valid price."))
                return redirect(back)

            def make():
                offer = services.offer_make(actor=self.actor, listing=listing, **form.cleaned_data)
                request.session["last_negotiation"] = offer.negotiation_id
                return offer

            response = _act(request, make, back, _offer_sent)
            if "last_negotiation" in request.session:
                return redirect("trading-negotiation", city=city, pk=request.session.pop("last_negotiation"))
            return response
        raise Http404


class EnquiryActionView(CityPageMixin, View):
    """The seller answers an enquiry from another city, or closes it."""

    write_required = True

    def post(self, request, city, pk):
        enquiry = selectors.enquiry_get(self.actor, pk)
        back = reverse("trading-listing", kwargs={"city": city, "pk": enquiry.listing_id}) + "#enquiries"
        action = request.POST.get("action")
        if action == "answer":
            form = forms.EnquiryAnswerForm(request.POST)
            reply = form.data.get("reply", "")
            return _act(
                request,
                lambda: services.enquiry_answer(actor=self.actor, enquiry=enquiry, reply=reply),
                back,
                lambda done: _("Your answer is sent to %(buyer)s.") % {"buyer": done.organization_name},
            )
        if action == "close":
            return _act(
                request,
                lambda: services.enquiry_close(actor=self.actor, enquiry=enquiry),
                back,
                lambda done: _("The enquiry from %(buyer)s is closed.") % {"buyer": done.organization_name},
            )
        raise Http404
