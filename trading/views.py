"""Server-rendered marketplace pages. Views parse, call one service or selector, and render.

The marketplace and a listing's page are public (anonymous visitors browse what is on the
market); they still use `request.city` and its scope, but not `CityPageMixin`, which requires a
login. Everything else is a workbench page behind `CityPageMixin`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ipops import excel
from ipops.access import actor_for
from ipops.errors import ApplicationError, NotFound, PermissionDenied
from ipops.models import IPAsset, LegalStatus
from ipops.money import display_money, to_wan
from ipops.selectors.organisations import organization_get
from ipops.views.pages import CityPageMixin, submit_form

from . import forms, selectors, services
from .lifecycles import available_actions
from .models import DealType, EscrowStatus, OfferStatus, TransactionStatus, Visibility
from .permissions import can


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _ranked_page(request, result, fetch, per_page=20):
    paginator = Paginator(result.ids, per_page)
    page = paginator.get_page(request.GET.get("page"))
    page.rows = fetch(list(page.object_list))
    return page


def _act(request, fn, back: str, done: Callable[[Any], str] | None = None):
    """Run one service for a form post; business errors come back as a message on the page, success as
    `done(what the service returned)` when given."""
    try:
        result = fn()
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as exc:
        details = [str(e.get("detail")) for errs in exc.fields.values() for e in errs if e.get("detail")]
        messages.error(request, " ".join([str(exc.message), *details]))
    else:
        if done is not None:
            messages.success(request, done(result))
    return redirect(back)


def _offer_sent(offer) -> str:
    return _("Your offer of %(price)s is sent; the other side answers it.") % {
        "price": display_money(offer.price)
    }


def _deal_opened(actor, tx) -> str:
    return _("Offer accepted: the deal is open. Next: %(next)s") % {
        "next": selectors.deal_progress(actor, tx).next_step
    }


# --- public -----------------------------------------------------------------------------------------


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
            "diligence": selectors.due_diligence(listing),
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


# --- seller ---------------------------------------------------------------------------------------------


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


# --- buyer ----------------------------------------------------------------------------------------------


class BuyerWorkbenchView(CityPageMixin, View):
    def get(self, request, city):
        actor = self.actor
        requests_ = selectors.buy_request_page(selectors.buy_request_list(actor, mine=True)[:50])
        rows = [
            (br, selectors.buy_request_matches(actor, br, limit=3) if br.status == "open" else [])
            for br in requests_
        ]
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


# --- negotiation ------------------------------------------------------------------------------------------


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


# --- deals ------------------------------------------------------------------------------------------------


class DealListView(CityPageMixin, View):
    def get(self, request, city):
        actor = self.actor
        status = request.GET.get("status", "")
        year = request.GET.get("year", "")
        qs = selectors.transaction_queryset(
            actor,
            status=status if status in TransactionStatus.values else "",
            year=int(year) if year.isdigit() else None,
        )
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        ctx = {
            "page": page,
            "query": _query_string(request),
            "status": status,
            "year": year,
            "statuses": TransactionStatus.choices,
            "reads_all": can(actor, "deals.read_all"),
        }
        if ctx["reads_all"]:
            ctx["figures"] = selectors.deal_figures_by_year(city=request.city)
            figures = ctx["figures"]
            ctx["chart"] = _yearly_amounts_chart(
                figures,
                (_("Transfer amount"), [f.transfers_amount for f in figures.values()], "#1f5f99"),
                (_("Licence amount"), [f.licences_amount for f in figures.values()], "#5fb37c"),
            )
        return render(request, "trading/deals.html", ctx)


def _yearly_amounts_chart(years, *series) -> dict:
    """ECharts option: amounts per year as bars in 万元, `series` = (name, amounts, colour), stacked when
    several. Floats only for drawing; the table beside each chart shows the exact amounts and counts."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "show": len(series) > 1},
        "grid": {"left": 60, "right": 10, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": name,
                "type": "bar",
                "stack": "amount",
                "itemStyle": {"color": colour},
                "data": [float(to_wan(a)) for a in amounts],
            }
            for name, amounts, colour in series
        ],
    }


class DealExportView(CityPageMixin, View):
    def get(self, request, city):
        if not can(self.actor, "deals.read_all"):
            raise PermissionDenied()
        rows = selectors.transaction_queryset(self.actor).select_related("listing")[:50000]
        headers = [
            _("Listing number"),
            _("Title"),
            _("Deal type"),
            _("Seller"),
            _("Buyer"),
            excel.Money(_("Agreed price")),
            _("Contract reference"),
            _("Escrow"),
            _("Status"),
            _("CNIPA recordal / filing number"),
            _("Opened"),
            _("Completed"),
        ]
        data = (
            [
                t.listing.reference,
                t.listing.title,
                t.get_deal_type_display(),
                t.seller.name,
                t.buyer.name,
                t.agreed_price,
                t.contract_ref,
                t.get_escrow_status_display(),
                t.get_status_display(),
                t.recordal_number,
                timezone.localtime(t.created_at),
                timezone.localtime(t.completed_at) if t.completed_at else None,
            ]
            for t in rows
        )
        return excel.response(f"deals-{city}-{timezone.localdate():%Y%m%d}.xlsx", _("Deals"), headers, data)


class DealDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        tx = selectors.transaction_get(self.actor, pk)
        return render(
            request,
            "trading/deal_detail.html",
            {
                "tx": tx,
                "progress": selectors.deal_progress(self.actor, tx),
                "diligence": selectors.due_diligence(tx.listing),
                "actions": {s.action: s for s in available_actions(self.actor, tx)},
                "contract_form": forms.ContractForm(initial={"contract_ref": tx.contract_ref}),
                "complete_form": forms.CompleteForm(),
                "cancel_form": forms.CancelForm(),
                "is_licence": not tx.is_transfer,
            },
        )

    def post(self, request, city, pk):
        if not self.actor.can_write:
            raise PermissionDenied()
        tx = selectors.transaction_get(self.actor, pk)
        back = reverse("trading-deal", kwargs={"city": city, "pk": pk})
        action = request.POST.get("action")
        form_class = {
            "contract": forms.ContractForm,
            "complete": forms.CompleteForm,
            "cancel": forms.CancelForm,
            "pay": None,
        }.get(action, False)
        if form_class is False:
            raise Http404
        data = {}
        if form_class is not None:
            form = form_class(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
                return redirect(back)
            data = form.cleaned_data
        fn = {
            "contract": services.transaction_record_contract,
            "pay": services.transaction_pay,
            "complete": services.transaction_complete,
            "cancel": services.transaction_cancel,
        }[action]
        return _act(
            request,
            lambda: fn(actor=self.actor, transaction=tx, **data),
            back,
            lambda done: self._done(action, done),
        )

    def _done(self, action: str, tx) -> str:
        """What the step did and what comes next, e.g. "合同已登记。下一步：买方将价款付至监管账户。"."""
        said = {
            "contract": _("Contract %(ref)s recorded.") % {"ref": tx.contract_ref},
            "pay": _("%(amount)s paid into escrow.") % {"amount": display_money(tx.agreed_price)},
            "complete": _(
                "The deal is complete: the recordal is entered and the escrow released to the seller."
            ),
            "cancel": _("The deal is cancelled; the escrow is refunded to the buyer.")
            if tx.escrow_status == EscrowStatus.REFUNDED
            else _("The deal is cancelled."),
        }[action]
        progress = selectors.deal_progress(self.actor, tx)
        if not progress.next_step:
            return str(said)
        return _("%(done)s Next: %(next)s") % {"done": said, "next": progress.next_step}


class CentreListView(CityPageMixin, View):
    """Operations centres and their yearly deals; the bureau registers new ones here."""

    def _render(self, request, form=None, status=200):
        manage = can(self.actor, "centre.manage")
        if manage and form is None:
            form = forms.CentreForm(organizations=selectors.centre_candidates())
        return render(
            request,
            "trading/centres.html",
            {"rows": selectors.centres_overview(), "form": form if manage else None},
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        if not can(self.actor, "centre.manage"):
            raise PermissionDenied()
        form = forms.CentreForm(request.POST, organizations=selectors.centre_candidates())
        done, centre = submit_form(form, services.centre_create, actor=self.actor)
        if done:
            messages.success(request, _("Registered %(name)s.") % {"name": centre.name})
            return redirect("trading-centre", city=city, pk=centre.pk)
        return self._render(request, form, status=400)


class CentreDetailView(CityPageMixin, View):
    """One centre: its yearly deals and its members; the bureau adds and removes members."""

    def _render(self, request, centre, form=None, status=200):
        manage = can(self.actor, "centre.manage")
        if manage and form is None:
            form = forms.CentreMemberForm(organizations=selectors.centre_candidates(centre))
        years = selectors.centre_yearly(centre)
        chart = _yearly_amounts_chart(
            [y.year for y in years], (_("Deal amount"), [y.amount for y in years], "#1f5f99")
        )
        return render(
            request,
            "trading/centre_detail.html",
            {
                "centre": centre,
                "years": years,
                "chart": chart,
                "members": selectors.centre_members(centre),
                "form": form if manage else None,
                "can_manage": manage,
            },
            status=status,
        )

    def get(self, request, city, pk):
        return self._render(request, selectors.centre_get(self.actor, pk))

    def post(self, request, city, pk):
        centre = selectors.centre_get(self.actor, pk)
        if not can(self.actor, "centre.manage"):
            raise PermissionDenied()
        if request.POST.get("action") == "remove":
            member = organization_get(request.POST.get("organization"))
            back = reverse("trading-centre", kwargs={"city": city, "pk": pk})
            return _act(
                request,
                lambda: services.centre_member_remove(actor=self.actor, centre=centre, organization=member),
                back,
            )
        form = forms.CentreMemberForm(request.POST, organizations=selectors.centre_candidates(centre))
        done, _membership = submit_form(form, services.centre_member_add, actor=self.actor, centre=centre)
        if done:
            messages.success(
                request, _("%(name)s joined the centre.") % {"name": form.cleaned_data["organization"].name}
            )
            return redirect("trading-centre", city=city, pk=pk)
        return self._render(request, centre, form, status=400)
