"""The buyer's pages: the workbench, a new buy request and a buy request with its matching listings."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from ipops.errors import PermissionDenied
from ipops.views.pages import CityPageMixin, submit_form

from .. import forms, selectors, services
from ..lifecycles import available_actions
from ..permissions import can
from ._common import _act


class BuyerWorkbenchView(CityPageMixin, View):
    def get(self, request, city):
        actor = self.actor
        requests_ = selectors.buy_request_page(selectors.buy_request_list(actor, mine=True)[:50])
        matches = selectors.best_matches(actor, [br for br in requests_ if br.status == "open"], limit=3)
        rows = [(br, matches.get(br.pk, [])) for br in requests_]
        offers = selectors.offer_queryset(actor, side="buyer")[:50]
        deals = selectors.transaction_queryset(actor, mine=True).filter(buyer_id=actor.organization_id)[:50]
        return render(request, "trading/buyer.html", {"rows": rows, "offers": offers, "deals": deals})


class BuyRequestCreateView(CityPageMixin, View):
    write_required = True

    def get(self, request, city):
        return render(request, "trading/buy_request_form.html", {"form": forms.BuyRequestForm()})

    def post(self, request, city):
        form = forms.BuyRequestForm(request.POST)
        done, br = submit_form(form, services.buy_request_create, actor=self.actor)
        if done:
            return redirect("trading-buy-request", city=city, pk=br.pk)
        return render(request, "trading/buy_request_form.html", {"form": form}, status=400)


class BuyRequestDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        br = selectors.buy_request_get(self.actor, pk)
        matches = (
            selectors.buy_request_matches(self.actor, br)
            if can(self.actor, "buy_request.matches", br)
            else []
        )
        return render(
            request,
            "trading/buy_request_detail.html",
            {"br": br, "matches": matches, "buttons": available_actions(self.actor, br)},
        )

    def post(self, request, city, pk):
        if not self.actor.can_write:
            raise PermissionDenied()
        br = selectors.buy_request_get(self.actor, pk)
        fn = {"close": services.buy_request_close, "reopen": services.buy_request_reopen}.get(
            request.POST.get("action")
        )
        if fn is None:
            raise Http404
        return _act(
            request,
            lambda: fn(actor=self.actor, buy_request=br),
            reverse("trading-buy-request", kwargs={"city": city, "pk": pk}),
        )
