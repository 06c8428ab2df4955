"""The bureau's subsidy pages, read-only for officials (their pages carry no form that writes): the review
queue with batch approval, objections, public-notice management, payment batches with the bank's payment
list, the catalogue and its sandbox (政策沙盘), budget use per policy, and the automatic task's button."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from ipops import clock, excel
from ipops.errors import ApplicationError, PermissionDenied
from ipops.models import OrgKind
from ipops.money import YUAN_UNIT, display_money, to_wan
from ipops.views.pages import CityPageMixin
from ipops.visibility import get_visible_or_404
from subsidies import forms, rules, selectors, services
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, Objection, PaymentBatch, Policy
from subsidies.permissions import can, require
from subsidies.services.catalogue import rule_error
from subsidies.views._common import NOTICE_STATES, service_error


def _reader(actor) -> bool:
    """Every bureau page is read by staff and officials; True when the reader may also act."""
    require(actor, "claim.view_all")
    return can(actor, "claim.review")


# --- the review queue and batch approval -------------------------------------------------------------


class QueueView(CityPageMixin, View):
    """Claims filtered by state, policy and year, with each state's count; submitted claims can be chosen
    and approved together, each with its rule's amount."""

    def get(self, request, city):
        can_review = _reader(self.actor)
        counts = selectors.queue_counts(self.actor)
        shown_policies = list(selectors.policies(self.actor))
        years = sorted(
            set(Claim.objects.restrict(self.actor).order_by().values_list("year", flat=True).distinct()),
            reverse=True,
        )
        filters = forms.QueueFilterForm(
            request.GET or None, policies=shown_policies, years=years, counts=counts
        )
        chosen = filters.filters()
        claims = selectors.claims(self.actor)
        if "state" in chosen:
            claims = claims.filter(state=chosen["state"])
        if "policy" in chosen:
            claims = claims.filter(policy_id=chosen["policy"])
        if "year" in chosen:
            claims = claims.filter(year=chosen["year"])
        page = Paginator(claims, 25).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        rows = [
            {
                "claim": claim,
                "approvable": can_review and "approve" in CLAIM.available_names(self.actor, claim),
            }
            for claim in page
        ]
        return render(
            request,
            "subsidies/queue.html",
            {
                "filters": filters,
                "page": page,
                "rows": rows,
                "query": query.urlencode(),
                "counts": [(value, label, counts.get(value, 0)) for value, label in ClaimState.choices],
                "total": sum(counts.values()),
                "can_review": can_review,
                "any_approvable": any(row["approvable"] for row in rows),
                "calendar_gap": selectors.calendar_gap() if can_review else None,
            },
        )


class BatchApproveView(CityPageMixin, View):
    """Approve the chosen claims, each with its rule's amount and in its own transaction (the service's):
    one refused (budget, quota, caps, a state changed meanwhile) leaves the others approved, and the page
    says which and why."""

    write_required = True

    def post(self, request, city):
        require(self.actor, "claim.review")
        ids = [int(pk) for pk in request.POST.getlist("claims") if pk.isdigit()]
        approved, refused = 0, []
        for pk in ids:
            try:
                services.claim_approve(actor=self.actor, claim=pk)
            except ApplicationError as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                refused.append(_("Claim %(pk)s: %(why)s") % {"pk": pk, "why": _reason(exc)})
            else:
                approved += 1
        if approved:
            messages.success(
                request,
                ngettext("%(n)d claim approved.", "%(n)d claims approved.", approved) % {"n": approved},
            )
        for line in refused:
            messages.error(request, line)
        if not ids:
            messages.error(request, _("Choose the claims to approve."))
        return redirect(f"{_queue_url(city)}?{request.POST.get('query', '')}")


def _reason(exc: ApplicationError) -> str:
    """A refusal in one line: its message, and its fields' details when it has them."""
    details = [str(e.get("detail")) for errors in exc.fields.values() for e in errors if e.get("detail")]
    return "; ".join([str(exc.message), *details]) if details else str(exc.message)


def _queue_url(city: str) -> str:
    return reverse("subsidies-queue", kwargs={"city": city})


class AutomaticRunView(CityPageMixin, View):
    """免申即享 now rather than tonight: the claims the records entitle organisations to, filled in."""

    write_required = True

    def post(self, request, city):
        require(self.actor, "claim.review")
        created = services.automatic_run(city=self.actor.city, actor=self.actor)
        messages.success(
            request,
            ngettext(
                "The automatic task filled in %(n)d claim.",
                "The automatic task filled in %(n)d claims.",
                created,
            )
            % {"n": created},
        )
        return redirect("subsidies-queue", city=city)


# --- objections and the public notice ----------------------------------------------------------------


class ObjectionsView(CityPageMixin, View):
    def _render(self, request, bound=None, status=200):
        can_review = _reader(self.actor)
        objections = (
            Objection.objects.restrict(self.actor)
            .select_related("claim__policy", "claim__organization")
            .order_by(F("resolved_at").asc(nulls_first=True), "-lodged_at")
        )
        page = Paginator(objections, 25).get_page(request.GET.get("page"))
        rows = []
        for objection in page:
            form = None
            if can_review and objection.resolved_at is None:
                form = (bound or {}).get(objection.pk) or forms.ResolveForm(prefix=f"o{objection.pk}")
            rows.append({"objection": objection, "form": form, "open": objection.resolved_at is None})
        return render(
            request, "subsidies/objections.html", {"rows": rows, "page": page, "query": ""}, status=status
        )

    def get(self, request, city, pk=None):
        return self._render(request)

    def post(self, request, city, pk):
        require(self.actor, "claim.review")
        objection = get_visible_or_404(Objection.objects.all(), self.actor, pk)
        form = forms.ResolveForm(request.POST, prefix=f"o{objection.pk}")
        if form.is_valid():
            try:
                services.objection_resolve(actor=self.actor, objection=objection, **form.cleaned_data)
            except ApplicationError as exc:
                service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("subsidies-objections", city=city)
        return self._render(request, {objection.pk: form}, status=400)


class NoticesView(CityPageMixin, View):
    """Awards in public notice (held ones with their open objections) and when each notice ends."""

    def get(self, request, city):
        can_review = _reader(self.actor)
        claims = (
            selectors.claims(self.actor)
            .filter(state__in=NOTICE_STATES)
            .annotate(open_objections=Count("objections", filter=Q(objections__resolved_at__isnull=True)))
            .order_by("notice_ends_on", "pk")
        )
        page = Paginator(claims, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "subsidies/notices.html",
            {"page": page, "query": "", "today": clock.today(), "can_review": can_review},
        )


# --- payments ----------------------------------------------------------------------------------------


class PaymentsView(CityPageMixin, View):
    """Claims whose notice passed, to be chosen for a batch; the batches paid."""

    def _render(self, request, form=None, status=200):
        can_review = _reader(self.actor)
        payable = list(selectors.claims(self.actor).filter(state=ClaimState.PAYABLE).order_by("pk")[:500])
        if can_review and form is None:
            form = forms.PaymentBatchForm(payable=payable, initial={"claims": [str(c.pk) for c in payable]})
        batches = Paginator(PaymentBatch.objects.restrict(self.actor), 25).get_page(request.GET.get("page"))
        return render(
            request,
            "subsidies/payments.html",
            {
                "payable": payable,
                "form": form if can_review else None,
                "page": batches,
                "query": "",
                "total": sum((c.approved_amount or rules.ZERO for c in payable), rules.ZERO),
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        require(self.actor, "claim.review")
        payable = list(selectors.claims(self.actor).filter(state=ClaimState.PAYABLE).order_by("pk")[:500])
        form = forms.PaymentBatchForm(request.POST, payable=payable)
        if form.is_valid():
            try:
                batch = services.batch_pay(actor=self.actor, **form.cleaned_data)
            except ApplicationError as exc:
                service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Batch %(pk)s paid: %(n)d claims, %(total)s booked against the special budget.")
                    % {"pk": batch.pk, "n": batch.count, "total": display_money(batch.total)},
                )
                return redirect("subsidies-batch-detail", city=city, pk=batch.pk)
        return self._render(request, form, status=400)


def _batch(actor, pk) -> PaymentBatch:
    require(actor, "claim.view_all")
    return get_visible_or_404(PaymentBatch.objects.all(), actor, pk)


class BatchDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        batch = _batch(self.actor, pk)
        claims = batch.claims.select_related("policy", "organization").order_by("pk")
        return render(
            request,
            "subsidies/batch_detail.html",
            {
                "batch": batch,
                "claims": claims,
                "reference": batch_reference(batch),
                "can_export": can(self.actor, "claim.review"),
            },
        )


def batch_reference(batch: PaymentBatch) -> str:
    """The reference the special budget books the batch under (`services.batch_pay`)."""
    return f"subsidies.paymentbatch:{batch.pk}"


class BatchBankListView(CityPageMixin, View):
    """The payment list for the bank: the only place the full account number leaves the platform, and only
    for bureau staff (officials and every screen see it masked)."""

    def get(self, request, city, pk):
        batch = _batch(self.actor, pk)
        require(self.actor, "claim.review")
        headers = [
            _("Organisation"),
            _("Bank"),
            _("Bank account"),
            excel.Money(_("Amount"), YUAN_UNIT),
            _("Reference"),
            excel.Column(_("Claim"), "integer"),
            _("Policy"),
        ]
        rows = (
            [
                claim.organization.name,
                claim.bank_name,
                claim.bank_account,
                claim.approved_amount,
                batch_reference(batch),
                claim.pk,
                claim.policy.name,
            ]
            for claim in batch.claims.select_related("policy", "organization").order_by("pk")
        )
        return excel.response(
            f"subsidy-payments-{city}-{batch.pk}-{batch.paid_on:%Y%m%d}.xlsx",
            _("Payment list for the bank"),
            headers,
            rows,
        )


# --- the catalogue and the sandbox -------------------------------------------------------------------


class PolicyListView(CityPageMixin, View):
    def get(self, request, city):
        _reader(self.actor)
        return render(
            request,
            "subsidies/policy_list.html",
            {"policies": selectors.policies(self.actor), "can_manage": can(self.actor, "policy.manage")},
        )


class PolicyEditView(CityPageMixin, View):
    write_required = True

    def _render(self, request, form, policy, status=200):
        return render(request, "subsidies/policy_form.html", {"form": form, "policy": policy}, status=status)

    def get(self, request, city, pk=None):
        require(self.actor, "policy.manage")
        policy = get_visible_or_404(Policy.objects.all(), self.actor, pk) if pk else None
        return self._render(request, forms.PolicyForm(policy=policy), policy)

    def post(self, request, city, pk=None):
        require(self.actor, "policy.manage")
        policy = get_visible_or_404(Policy.objects.all(), self.actor, pk) if pk else None
        form = forms.PolicyForm(request.POST, policy=policy)
        if form.is_valid():
            try:
                saved = services.policy_save(actor=self.actor, data=form.service_data(), policy=policy)
            except ApplicationError as exc:
                service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("subsidies-policy-detail", city=city, pk=saved.pk)
        return self._render(request, form, policy, status=400)


class PolicyView(CityPageMixin, View):
    """A policy, and for staff its sandbox: other parameters tried against last year's approved claims and
    this year's entitled organisations, beside the budget. The sandbox is a GET: nothing is written."""

    def get(self, request, city, pk):
        can_review = _reader(self.actor)
        policy = get_visible_or_404(Policy.objects.all(), self.actor, pk)
        form = result = None
        if can(self.actor, "policy.manage"):
            trying = "try" in request.GET
            form = forms.SandboxForm(request.GET if trying else None, policy=policy)
            if trying and form.is_valid():
                try:
                    result = selectors.sandbox(self.actor, policy, form.params())
                except rules.RuleError as exc:
                    service_error(form, rule_error(exc, "params."))
        use = next((u for u in selectors.budget_use(self.actor) if u.policy.pk == policy.pk), None)
        return render(
            request,
            "subsidies/policy_detail.html",
            {
                "policy": policy,
                "kinds": [OrgKind(k).label for k in policy.claimant_kinds if k in OrgKind.values],
                "form": form,
                "result": result,
                "use": use,
                "can_manage": can(self.actor, "policy.manage"),
                "can_review": can_review,
            },
        )


# --- budget use --------------------------------------------------------------------------------------


def _year(request) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


def _budget_chart(uses) -> dict:
    """ECharts option: per policy, approved and paid against the annual budget, in 万元 (floats only for
    drawing, to six places)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 10, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": [u.policy.code for u in uses], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": name,
                "type": "bar",
                "itemStyle": {"color": colour},
                "data": [float(to_wan(value(u), 6)) if value(u) is not None else None for u in uses],
            }
            for name, value, colour in (
                (_("Annual budget"), lambda u: u.policy.annual_budget, "#c8d3df"),
                (_("Approved"), lambda u: u.approved, "#1f5f99"),
                (_("Paid"), lambda u: u.paid, "#2e8b57"),
            )
        ],
    }


class BudgetUseView(CityPageMixin, View):
    def get(self, request, city):
        can_review = _reader(self.actor)
        year = _year(request)
        uses = selectors.budget_use(self.actor, year)
        return render(
            request,
            "subsidies/budget_use.html",
            {
                "uses": uses,
                "year": year,
                "years": list(range(clock.today().year, clock.today().year - 4, -1)),
                "chart": _budget_chart(uses),
                "can_review": can_review,
                "approved": sum((u.approved for u in uses), rules.ZERO),
                "paid": sum((u.paid for u in uses), rules.ZERO),
            },
        )


class BudgetUseExportView(CityPageMixin, View):
    def get(self, request, city):
        _reader(self.actor)
        year = _year(request)
        headers = [
            _("Code"),
            _("Policy"),
            excel.Column(_("Year"), "integer"),
            excel.Money(_("Annual budget")),
            excel.Money(_("Approved")),
            excel.Column(_("Awards approved"), "integer"),
            excel.Money(_("Paid")),
            excel.Money(_("Left")),
            excel.Column(_("Share of the budget used"), "percent"),
        ]
        rows = (
            [
                u.policy.code,
                u.policy.name,
                u.year,
                u.policy.annual_budget,
                u.approved,
                u.approved_count,
                u.paid,
                u.left,
                u.share,
            ]
            for u in selectors.budget_use(self.actor, year)
        )
        return excel.response(
            f"subsidy-budget-use-{city}-{year}.xlsx", _("Subsidy budget use"), headers, rows
        )
