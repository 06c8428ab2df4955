"""A negotiation's page: its offers and messages, and the steps on them (message, counter, accept,
reject, withdraw, close)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ipops.money import display_money
from ipops.views.pages import CityPageMixin

from .. import forms, selectors, services
from ..lifecycles import available_actions
from ..models import OfferStatus
from ._common import _act, _offer_sent


def _deal_opened(actor, tx) -> str:
    return _("Offer accepted: the deal is open. Next: %(next)s") % {
        "next": selectors.deal_progress(actor, tx).next_step
    }


class NegotiationView(CityPageMixin, View):
    def get(self, request, city, pk):
        negotiation = selectors.negotiation_get(self.actor, pk)
        offers = list(negotiation.offers.all())
        pending = next((o for o in offers if o.status == OfferStatus.PENDING), None)
        return render(
            request,
            "trading/negotiation.html",
            {
                "n": negotiation,
                "blocks": selectors.listing_blocks([negotiation.listing]).get(negotiation.listing_id, []),
                "offers": offers,
                "pending": pending,
                "actions": {s.action: s for s in available_actions(self.actor, negotiation)},
                "offer_actions": {
                    s.action: s for s in (available_actions(self.actor, pending) if pending else [])
                },
                "offer_form": forms.OfferForm(auto_id="counter-%s"),
                "message_form": forms.MessageForm(),
                "tx": getattr(negotiation, "transaction", None),
                "thread": sorted(
                    [
                        *({"kind": "offer", "at": o.created_at, "o": o} for o in offers),
                        *(
                            {"kind": "message", "at": m.created_at, "m": m}
                            for m in negotiation.messages.all()
                        ),
                    ],
                    key=lambda item: item["at"],
                ),
            },
        )

    def post(self, request, city, pk):
        negotiation = selectors.negotiation_get(self.actor, pk)
        back = reverse("trading-negotiation", kwargs={"city": city, "pk": pk})
        action = request.POST.get("action")
        if action == "message":
            form = forms.MessageForm(request.POST)
            body = form.data.get("body", "")
            return _act(
                request,
                lambda: services.message_post(actor=self.actor, negotiation=negotiation, body=body),
                back,
            )
        if action == "close":
            return _act(
                request, lambda: services.negotiation_close(actor=self.actor, negotiation=negotiation), back
            )
        offer = selectors.offer_get(self.actor, request.POST.get("offer"))
        if offer.negotiation_id != negotiation.pk:
            raise Http404
        if action == "accept":
            holder = {}

            def accept():
                holder["tx"] = services.offer_accept(actor=self.actor, offer=offer)

            response = _act(request, accept, back, lambda _none: _deal_opened(self.actor, holder["tx"]))
            return redirect("trading-deal", city=city, pk=holder["tx"].pk) if "tx" in holder else response
        if action == "reject":
            return _act(
                request,
                lambda: services.offer_reject(
                    actor=self.actor, offer=offer, message=request.POST.get("message", "")
                ),
                back,
                lambda done: _("Offer of %(price)s rejected.") % {"price": display_money(done.price)},
            )
        if action == "withdraw":
            return _act(
                request,
                lambda: services.offer_withdraw(actor=self.actor, offer=offer),
                back,
                lambda done: (
                    _("Your offer of %(price)s is withdrawn.") % {"price": display_money(done.price)}
                ),
            )
        if action == "counter":
            form = forms.OfferForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Enter a valid price."))
                return redirect(back)
            return _act(
                request,
                lambda: services.offer_counter(actor=self.actor, offer=offer, **form.cleaned_data),
                back,
                _offer_sent,
            )
        raise Http404
