"""The public marketplace pages: the city's marketplace, a listing's page (where buyers of other cities
also send enquiries), the national marketplace and a user's own enquiries.

The marketplace and a listing's page are public (anonymous visitors browse what is on the
market); they still use `request.city` and its scope, but not `CityPageMixin`, which requires a
login. The pages of the other modules are workbench pages behind `CityPageMixin`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ipops.access import actor_for
from ipops.errors import ApplicationError, NotFound

from .. import forms, selectors, services
from ..lifecycles import available_actions
from ..models import Visibility
from ..permissions import can
from ._common import _query_string


def _ranked_page(request, result, fetch, per_page=20):
    paginator = Paginator(result.ids, per_page)
    page = paginator.get_page(request.GET.get("page"))
    page.rows = fetch(list(page.object_list))
    return page


class MarketView(View):
    """The city's marketplace: anyone may browse and search what is on the market."""

    def get(self, request, city):
        form = forms.SearchForm(request.GET or None)
        params = form.params()
        try:
            result = selectors.listing_search(None, **params)
        except ApplicationError as exc:
            form.add_error("ipc", str(exc.message))
            result = selectors.listing_search(None)
        page = _ranked_page(request, result, lambda ids: selectors.with_blocks(selectors.listing_page(ids)))
        actor = actor_for(request.user, request.city)
        request.actor = actor
        return render(
            request,
            "trading/market.html",
            {
                "form": form,
                "page": page,
                "result": result,
                "query": _query_string(request),
                "city": request.city,
                "can_sell": can(actor, "listing.create"),
            },
        )


class ListingDetailView(View):
    """A listing with its due-diligence panel; members of the city also negotiate here, and a buyer of another
    city sends a national listing's seller an enquiry (`services.enquiry_send`)."""

    def _listing(self, request, pk):
        actor = actor_for(request.user, request.city)
        request.actor = actor
        try:
            return actor, selectors.listing_get(actor, pk)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    def get(self, request, city, pk):
        actor, listing = self._listing(request, pk)
        return self._render(request, actor, listing)

    def post(self, request, city, pk):
        """An enquiry from another city: the form, judged by the service; its refusals show on the form."""
        actor, listing = self._listing(request, pk)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        identities = {a.membership.pk: a for a in selectors.enquiry_identities(request.user, request.city)}
        if actor is not None or not identities:
            return render(
                request,
                "ipops/forbidden.html",
                {"message": _("Only buyers of other cities enquire here.")},
                status=403,
            )
        form = forms.EnquiryForm(request.POST, identities=identities.values())
        if form.is_valid():
            data = dict(form.cleaned_data)
            buyer = identities[data.pop("acting_for")]
            try:
                services.enquiry_send(buyer=buyer, listing=listing, **data)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc
            except ApplicationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your enquiry is sent to %(seller)s. Its answer will show here and under "
                        "“My enquiries” on the national marketplace."
                    )
                    % {"seller": listing.seller.name},
                )
                return redirect("trading-listing", city=city, pk=pk)
        return self._render(request, actor, listing, enquiry_form=form, status=400)

    def _render(self, request, actor, listing, *, enquiry_form=None, status=200):
        ctx = {
            "listing": listing,
            "diligence": selectors.due_diligence(listing, viewer=actor),
            "blocks": selectors.listing_blocks([listing]).get(listing.pk, []),
            "is_seller": actor is not None and actor.organization_id == listing.seller_id,
            "city": request.city,
            "actor": actor,
        }
        if actor is not None:
            steps = available_actions(actor, listing)
            ctx["actions"] = {step.action: step for step in steps}
            # Making an offer is a form of its own; the other steps are buttons.
            ctx["buttons"] = [step for step in steps if step.action != "offer"]
            ctx["negotiations"] = list(selectors.listing_negotiations(actor, listing))
            ctx["offer_form"] = forms.OfferForm(auto_id="offer-%s")
            if can(actor, "listing.matches", listing) and listing.is_public:
                ctx["matches"] = selectors.listing_matches(actor, listing, limit=10)
            ctx["enquiries"] = [
                (e, {s.action: s for s in available_actions(actor, e)})
                for e in selectors.listing_enquiries(actor, listing)
            ]
            ctx["answer_form"] = forms.EnquiryAnswerForm()
        elif listing.visibility == Visibility.NATIONAL and request.user.is_authenticated:
            identities = selectors.enquiry_identities(request.user, request.city)
            ctx["my_enquiries"] = selectors.own_enquiries(request.user, listing)
            if identities and listing.is_public and not ctx["blocks"]:
                first = identities[0].organization
                ctx["enquiry_form"] = enquiry_form or forms.EnquiryForm(
                    identities=identities,
                    initial={"organization_name": first.name, "uscc": first.uscc},
                )
            ctx["can_enquire"] = bool(identities)
        return render(request, "trading/listing_detail.html", ctx, status=status)


class NationalMarketView(View):
    """Listings published to the national marketplace by every city — published fields only."""

    def get(self, request):
        cities = selectors.national_cities()
        form = forms.NationalSearchForm(request.GET or None, cities=cities)
        params = form.params()
        try:
            result = selectors.national_listings(**params)
        except ApplicationError as exc:
            form.add_error("ipc", str(exc.message))
            result = selectors.national_listings()
        page = _ranked_page(
            request, result, lambda ids: selectors.with_national_blocks(selectors.national_page(ids))
        )
        return render(
            request,
            "trading/national.html",
            {"form": form, "page": page, "result": result, "query": _query_string(request)},
        )


class MyEnquiriesView(LoginRequiredMixin, View):
    """The enquiries this user sent to sellers of other cities, across cities, with their answers."""

    def get(self, request):
        return render(request, "trading/my_enquiries.html", {"rows": selectors.my_enquiries(request.user)})
