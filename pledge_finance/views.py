"""Pledge-loan pages: apply step by step, review queues, portfolios, the loan file, products, the reserve."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View

from ipops import clock, excel
from ipops.errors import ApplicationError, PermissionDenied
from ipops.money import YUAN_UNIT, to_wan
from ipops.views.pages import CityPageMixin
from pledge_finance import forms, selectors, services
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import PARTIES, InstitutionRole, LoanState
from pledge_finance.permissions import can, party_of, require


def _service_error(form, exc: ApplicationError) -> None:
    if isinstance(exc, PermissionDenied):
        raise exc
    form.add_service_errors(exc)


# --- lists ----------------------------------------------------------------------------


def _standing(loan) -> list:
    """Outstanding, overdue and next due date as the pages show them (`selectors.with_figures`): none
    unless the loan is live and something is due, for every export of loans."""
    return [
        loan.outstanding if loan.is_live else None,
        loan.overdue_amount if loan.overdue_amount > 0 else None,
        loan.next_due_on,
    ]


class LoanListView(CityPageMixin, View):
    """Enterprise: my loans. Institution: loans where we are a party. Bureau / official: the whole city."""

    def get(self, request, city):
        state = request.GET.get("state", "")
        state = state if state in LoanState.values else ""
        q = request.GET.get("q", "").strip()
        loans = selectors.loan_list(self.actor, state=state, q=q)
        page = Paginator(loans, 25).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        city_wide = can(self.actor, "loan.list_city")
        return render(
            request,
            "pledge_finance/loan_list.html",
            {
                "page": page,
                "state": state,
                "q": q,
                "states": LoanState.choices,
                "query": query.urlencode(),
                "city_wide": city_wide,
                "summary": selectors.city_summary() if city_wide else None,
                "can_apply": can(self.actor, "loan.create"),
            },
        )


class LoanExportView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "loan.list_city")
        state = request.GET.get("state", "")
        loans = selectors.loan_list(self.actor, state=state if state in LoanState.values else "")[:50000]
        headers = [
            _("Reference"),
            _("Enterprise"),
            _("Product"),
            _("State"),
            excel.Money(_("Amount")),
            excel.Column(_("Term (months)"), "integer"),
            _("Bank"),
            _("Insurer"),
            _("Guarantor"),
            excel.Money(_("Appraised value")),
            excel.Column(_("Annual rate"), "percent"),
            _("Contract number"),
            _("Pledge registration number"),
            _("Disbursed on"),
            _("Maturity date"),
            excel.Money(_("Outstanding principal")),
            excel.Money(_("Overdue amount")),
            excel.Column(_("Next due date"), "date"),
            _("Default date"),
            excel.Money(_("Loss")),
        ]
        rows = (
            [
                loan.reference,
                loan.enterprise.name,
                loan.product.name,
                loan.get_state_display(),
                loan.amount,
                loan.term_months,
                loan.bank.name,
                loan.insurer.name,
                loan.guarantor.name,
                loan.appraised_value,
                loan.annual_rate,
                loan.contract_number,
                loan.pledge_registration_number,
                loan.disbursed_on,
                loan.maturity_date,
                *_standing(loan),
                loan.default_on,
                loan.loss_total,
            ]
            for loan in loans
        )
        return excel.response(
            f"pledge-loans-{city}-{clock.today():%Y%m%d}.xlsx", _("Pledge loans"), headers, rows
        )


class QueueView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "loan.queue")
        return render(request, "pledge_finance/queue.html", selectors.review_queue(self.actor))


class PortfolioView(CityPageMixin, View):
    def get(self, request, city):
        require(self.actor, "loan.portfolio")
        figures = selectors.portfolio(self.actor)
        return render(
            request,
            "pledge_finance/portfolio.html",
            {
                **figures,
                "lending_chart": _lending_chart(figures["by_month"]),
                "states_held": [row for row in figures["by_state"] if row["n"]],
            },
        )


def _lending_chart(by_month: list[selectors.MonthFigures]) -> dict:
    """ECharts option: per month of disbursement, what was lent and what of it is still owed, in 万元.
    Floats only for drawing (to six places, so the bars add up to the figures above to the fen)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 10, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [date_format(m.month, "YEAR_MONTH_FORMAT") for m in by_month]},
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": name,
                "type": "bar",
                "itemStyle": {"color": colour},
                "data": [float(to_wan(getattr(m, figure), 6)) for m in by_month],
            }
            for name, figure, colour in (
                (_("Disbursed"), "disbursed", "#1f5f99"),
                (_("Still outstanding"), "outstanding", "#e0a030"),
            )
        ],
    }


class PortfolioExportView(CityPageMixin, View):
    """An institution's portfolio as a workbook: every loan it is a party to, its figures and our part."""

    def get(self, request, city):
        require(self.actor, "loan.portfolio")
        headers = [
            _("Reference"),
            _("Enterprise"),
            _("Product"),
            _("State"),
            _("Our role"),
            excel.Money(_("Amount")),
            excel.Column(_("Term (months)"), "integer"),
            excel.Money(_("Appraised value")),
            excel.Column(_("Our share"), "percent"),
            excel.Column(_("Annual rate"), "percent"),
            excel.Column(_("Disbursed on"), "date"),
            excel.Column(_("Maturity date"), "date"),
            excel.Money(_("Outstanding principal")),
            excel.Money(_("Overdue amount")),
            excel.Column(_("Next due date"), "date"),
            excel.Column(_("Default date"), "date"),
            excel.Money(_("Our loss")),
            excel.Money(_("Reserve paid")),
            excel.Money(_("Recovered")),
            excel.Money(_("Our net loss")),
        ]

        def row(loan):
            party = party_of(self.actor, loan)
            ours = loan.our_allocations[0] if loan.our_allocations else None
            return [
                loan.reference,
                loan.enterprise.name,
                loan.product.name,
                loan.get_state_display(),
                str(InstitutionRole(party).label) if party else "",
                loan.amount,
                loan.term_months,
                loan.appraised_value,
                loan.shares[party] if loan.shares and party else None,
                loan.annual_rate,
                loan.disbursed_on,
                loan.maturity_date,
                *_standing(loan),
                loan.default_on,
                ours.loss if ours else None,
                ours.reserve_paid if ours else None,
                ours.recovered if ours else None,
                ours.net_loss if ours else None,
            ]

        return excel.response(
            f"loan-portfolio-{city}-{clock.today():%Y%m%d}.xlsx",
            _("Loan portfolio"),
            headers,
            (row(loan) for loan in selectors.portfolio_loans(self.actor)[:50000]),
        )


# --- applying --------------------------------------------------------------------------


class ApplyProductView(CityPageMixin, View):
    """Step 1 of 3: choose a loan product."""

    write_required = True

    def get(self, request, city):
        require(self.actor, "loan.create")
        products = [
            (p, p.institutions_by_role()) for p in selectors.product_list(self.actor, active_only=True)
        ]
        assets = selectors.pledgeable_assets(self.actor)
        return render(
            request,
            "pledge_finance/apply_product.html",
            {
                "products": products,
                "asset_count": assets.count(),
                # Coming from an asset's "pledge it": the asset stays chosen through the steps.
                "chosen_asset": _chosen_asset(request, assets),
            },
        )


def _chosen_asset(request, assets):
    """The pledgeable asset named by `?asset=<id>`, if it is one of the actor's."""
    asset_id = request.GET.get("asset", "")
    return assets.filter(pk=int(asset_id)).first() if asset_id.isdigit() else None


class ApplyFormView(CityPageMixin, View):
    """Step 2 of 3: institutions, assets, amount, term, purpose → a draft. Step 3 is the draft's own page."""

    write_required = True

    def _form(self, product, data=None):
        return forms.LoanApplicationForm(
            data, product=product, assets=selectors.pledgeable_assets(self.actor)
        )

    def _render(self, request, product, form, status=200):
        return render(
            request, "pledge_finance/apply_form.html", {"product": product, "form": form}, status=status
        )

    def get(self, request, city, product):
        require(self.actor, "loan.create")
        product = selectors.product_get(self.actor, product)
        form = self._form(product)
        chosen = _chosen_asset(request, selectors.pledgeable_assets(self.actor))
        if chosen is not None:
            form.initial["assets"] = [str(chosen.pk)]
        return self._render(request, product, form)

    def post(self, request, city, product):
        require(self.actor, "loan.create")
        product = selectors.product_get(self.actor, product)
        form = self._form(product, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                loan = services.loan_create(
                    actor=self.actor,
                    product=product,
                    bank_id=d["bank"].pk,
                    insurer_id=d["insurer"].pk,
                    guarantor_id=d["guarantor"].pk,
                    asset_ids=[int(a) for a in d["assets"]],
                    amount=d["amount"],
                    term_months=d["term_months"],
                    purpose=d["purpose"],
                )
            except ApplicationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("Draft saved. Check it and submit it to the institutions."))
                return redirect("pledge-loan-detail", city=city, pk=loan.pk)
        return self._render(request, product, form, status=400)


# --- the loan file and its actions --------------------------------------------------------


#: The page's form and service for each step of the loan's lifecycle a person takes (`LOAN`).
STEPS = {
    "submit": (None, services.loan_submit),
    "withdraw": (forms.ReasonForm, services.loan_withdraw),
    "value": (forms.ValuationForm, services.loan_record_valuation),
    "decide": (forms.DecisionForm, services.loan_decide),
    "disburse": (forms.DisburseForm, services.loan_disburse),
    "repay": (forms.RepaymentForm, services.loan_record_repayment),
    "record_fee": (forms.FeeForm, services.loan_fee_record),
    "default": (forms.DefaultForm, services.loan_declare_default),
    "recover": (forms.RecoveryForm, services.loan_record_recovery),
    "release_pledge": (forms.ReleaseForm, services.loan_release_pledge),
}


def _initial(action: str, loan) -> dict:
    """What a step's form offers: today's date, the product's lowest rate, the next instalment."""
    today = clock.today()
    if action == "value":
        return {"valued_on": today}
    if action == "disburse":
        return {
            "contract_signed_on": today,
            "pledge_registered_on": today,
            "disbursed_on": today,
            "annual_rate": loan.product.min_rate,
        }
    if action == "repay":
        due = next((i for i in loan.instalments.all() if i.open_amount > 0), None)
        return {"paid_on": today, "amount": due.open_amount if due else None}
    if action == "record_fee":
        return {"paid_on": today}
    if action == "default":
        return {"default_on": today}
    if action == "recover":
        return {"received_on": today}
    return {}


def loan_page(request, actor, loan, *, bound: dict | None = None, status: int = 200):
    """The loan's file, with a form for each step the actor may take now (`LOAN.available`)."""
    actions = []
    for step in LOAN.available(actor, loan):
        form_class = STEPS[step.action][0]
        form = (bound or {}).get(step.action) or (
            form_class(initial=_initial(step.action, loan), prefix=step.action, loan=loan)
            if form_class
            else None
        )
        actions.append((step, form))
    shares = loan.shares or loan.product.shares
    return render(
        request,
        "pledge_finance/loan_detail.html",
        {
            "loan": loan,
            "assets": selectors.loan_assets(loan),
            "decisions": selectors.decisions_by_party(loan),
            "parties": [(party, getattr(loan, party), shares[party]) for party in PARTIES],
            "timeline": selectors.loan_timeline(loan),
            "repayments": loan.repayments.all(),
            "allocations": loan.allocations.all(),
            "recoveries": loan.recoveries.all(),
            "fees": loan.fees.all(),
            "fee_totals": selectors.fees_by_kind(loan.fees.all()),
            "actions": actions,
            "instalments": loan.instalments.all(),
        },
        status=status,
    )


class LoanDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        return loan_page(request, self.actor, selectors.loan_file(self.actor, pk))


class LoanActionView(CityPageMixin, View):
    """One step from the loan page. The service decides (permission, state, input); its refusal shows on
    the step's form."""

    write_required = True

    def post(self, request, city, pk, action):
        if action not in STEPS:
            raise Http404
        loan = selectors.loan_get(self.actor, pk)
        form_class, service = STEPS[action]
        form = (form_class or forms.StepForm)(request.POST, prefix=action, loan=loan)
        if form.is_valid():
            try:
                service(actor=self.actor, loan=loan, **form.service_arguments())
            except ApplicationError as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                # A step the page no longer offers (decided meanwhile, say) has no form to show it on.
                if form_class is None or action not in LOAN.available_names(self.actor, loan):
                    messages.error(request, str(exc.message))
                    return redirect("pledge-loan-detail", city=city, pk=loan.pk)
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("pledge-loan-detail", city=city, pk=loan.pk)
        return loan_page(
            request, self.actor, selectors.loan_file(self.actor, pk), bound={action: form}, status=400
        )


# --- products and the reserve --------------------------------------------------------------


class ProductListView(CityPageMixin, View):
    def get(self, request, city):
        products = [(p, p.institutions_by_role()) for p in selectors.product_list(self.actor)]
        return render(
            request,
            "pledge_finance/product_list.html",
            {"products": products, "can_manage": can(self.actor, "product.manage")},
        )


class ProductEditView(CityPageMixin, View):
    write_required = True

    def get(self, request, city, pk=None):
        require(self.actor, "product.manage")
        product = selectors.product_get(self.actor, pk) if pk else None
        return render(
            request,
            "pledge_finance/product_form.html",
            {"form": forms.ProductForm(product=product), "product": product},
        )

    def post(self, request, city, pk=None):
        require(self.actor, "product.manage")
        product = selectors.product_get(self.actor, pk) if pk else None
        form = forms.ProductForm(request.POST)
        if form.is_valid():
            values, institutions = form.service_values()
            try:
                if product is None:
                    services.product_create(actor=self.actor, institutions=institutions, **values)
                else:
                    services.product_update(
                        actor=self.actor, product=product, institutions=institutions, **values
                    )
            except ApplicationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("pledge-product-list", city=city)
        return render(
            request, "pledge_finance/product_form.html", {"form": form, "product": product}, status=400
        )


class ReserveView(CityPageMixin, View):
    def _render(self, request, form=None, status=200):
        require(self.actor, "reserve.view")
        reserve = selectors.reserve_get()
        ctx = {
            "reserve": reserve,
            "can_manage": can(self.actor, "reserve.manage") and reserve is not None,
            "form": form or forms.TopUpForm(),
        }
        if reserve is not None:
            # Oldest first, so the balance reads as a running balance; the latest movements open first.
            ledger = Paginator(selectors.reserve_ledger(reserve), 50)
            ctx["page"] = ledger.get_page(request.GET.get("page") or ledger.num_pages)
            ctx["totals"] = selectors.reserve_totals(reserve)
            ctx["paid_out"] = -ctx["totals"]["payout"]
        return render(request, "pledge_finance/reserve.html", ctx, status=status)

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "reserve.manage")
        form = forms.TopUpForm(request.POST)
        if form.is_valid():
            try:
                services.reserve_top_up(actor=self.actor, **form.cleaned_data)
            except ApplicationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("pledge-reserve", city=city)
        return self._render(request, form, status=400)


class ReserveExportView(CityPageMixin, View):
    """The reserve's ledger as the page shows it: in the order the movements happened, the running balance."""

    def get(self, request, city):
        require(self.actor, "reserve.view")
        reserve = selectors.reserve_get()
        if reserve is None:
            raise Http404
        headers = [
            excel.Column(_("Date"), "date"),
            _("Kind"),
            _("Loan"),
            _("Institution"),
            excel.Money(_("Amount"), YUAN_UNIT),
            excel.Money(_("Balance after"), YUAN_UNIT),
            _("Note"),
        ]
        rows = (
            [
                e.booked_on,
                e.get_kind_display(),
                e.loan.reference if e.loan else "",
                e.organization.name if e.organization else "",
                e.amount,
                e.balance,
                e.note,
            ]
            for e in selectors.reserve_ledger(reserve)
        )
        return excel.response(
            f"risk-reserve-{city}-{clock.today():%Y%m%d}.xlsx", _("Risk reserve ledger"), headers, rows
        )
