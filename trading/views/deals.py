"""Deals: the list (the city's yearly figures for those who read them all), the Excel export, and a
deal's page with its steps (contract, payment into escrow, completion, cancellation)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ipops import excel
from ipops.errors import PermissionDenied
from ipops.money import display_money
from ipops.views.pages import CityPageMixin

from .. import forms, selectors, services
from ..lifecycles import available_actions
from ..models import EscrowStatus, TransactionStatus
from ..permissions import can
from ._common import _act, _query_string, _yearly_amounts_chart


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
                "diligence": selectors.due_diligence(tx.listing, viewer=self.actor),
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
