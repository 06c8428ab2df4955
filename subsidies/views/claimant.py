"""The claimant's pages: the policy calculator (政策计算器), the claim wizard, my claims, and the
automatic claims (免申即享) waiting for a bank account."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ipops import clock
from ipops.errors import ApplicationError
from ipops.views.pages import CityPageMixin
from ipops.visibility import get_visible_or_404
from subsidies import bases, forms, rules, selectors, services
from subsidies.explain import explained, level_label
from subsidies.models import Basis, ClaimState, Mode, Policy
from subsidies.permissions import require
from subsidies.services.catalogue import rule_error
from subsidies.views._common import require_claimant, service_error
from subsidies.views.claims import step_forms


def _offers(actor) -> list[dict]:
    """The calculator's offers, each saying whether the claimant can start a claim from it now: open to it,
    not claimed for the period, and paid on application (the platform fills in automatic ones itself)."""
    return [
        {
            "offer": offer,
            "levels": [(level, level_label(level), amount) for level, amount in offer.levels],
            "cases": [(case, explained(c.as_json())) for case, c in offer.cases],
            "claimable": not offer.why_not and not offer.claimed and offer.policy.mode == Mode.APPLICATION,
            "automatic": offer.policy.mode == Mode.AUTOMATIC,
        }
        for offer in selectors.calculator(actor)
    ]


class CalculatorView(CityPageMixin, View):
    def get(self, request, city):
        require_claimant(self.actor)
        return render(request, "subsidies/calculator.html", {"offers": _offers(self.actor)})


class ApplyChooseView(CityPageMixin, View):
    """Step 1 of 3: choose a policy (those open to the claimant and not yet claimed)."""

    write_required = True

    def get(self, request, city):
        require(self.actor, "claim.apply")
        offers = [row for row in _offers(self.actor) if row["claimable"]]
        return render(request, "subsidies/apply_choose.html", {"offers": offers})


class ApplyFormView(CityPageMixin, View):
    """Step 2 of 3: what the rule needs, and the amount computed step by step ("compute" writes nothing);
    "save" starts the draft. Step 3 is the draft's own page: the bank account, then submit."""

    write_required = True

    def _policy(self, pk) -> Policy:
        policy = get_visible_or_404(Policy.objects.all(), self.actor, pk)
        if policy.mode != Mode.APPLICATION:
            raise Http404
        return policy

    def _cases(self, policy):
        if policy.basis == Basis.DECLARED:
            return []
        assert self.actor.organization is not None
        return bases.record_cases(policy, self.actor.organization, None, clock.today())

    def _render(self, request, policy, form, *, preview=None, status=200):
        return render(
            request,
            "subsidies/apply_form.html",
            {"policy": policy, "form": form, "preview": preview},
            status=status,
        )

    def get(self, request, city, policy):
        require(self.actor, "claim.apply")
        found = self._policy(policy)
        return self._render(request, found, forms.ClaimInputsForm(policy=found, cases=self._cases(found)))

    def post(self, request, city, policy):
        require(self.actor, "claim.apply")
        found = self._policy(policy)
        cases = self._cases(found)
        form = forms.ClaimInputsForm(request.POST, policy=found, cases=cases)
        if not form.is_valid():
            return self._render(request, found, form, status=400)
        if "save" not in request.POST:
            preview = self._preview(found, form, cases)
            return self._render(request, found, form, preview=preview, status=200 if preview else 400)
        try:
            claim = services.claim_start(actor=self.actor, policy=found, inputs=form.inputs())
        except ApplicationError as exc:
            service_error(form, exc)
            return self._render(request, found, form, status=400)
        messages.success(request, _("Draft saved. Give the bank account and submit it."))
        return redirect("subsidies-claim-detail", city=city, pk=claim.pk)

    def _preview(self, policy, form, cases) -> list[dict] | None:
        """The amount the rule gives for this declaration, step by step; nothing is written."""
        organization = self.actor.organization
        why = services.eligible(policy, organization)
        if why:
            form.add_error(None, why)
            return None
        inputs = form.inputs()
        case = next((c for c in cases if c.key == inputs.get("case")), None)
        try:
            evaluation = services.evaluate(policy, organization, inputs=inputs, case=case)
        except rules.RuleError as exc:
            service_error(form, rule_error(exc, "inputs."))
            return None
        return explained(evaluation.computation.as_json())


class MyClaimsView(CityPageMixin, View):
    def get(self, request, city):
        require_claimant(self.actor)
        page = Paginator(selectors.claims(self.actor), 25).get_page(request.GET.get("page"))
        return render(request, "subsidies/my_claims.html", {"page": page, "query": ""})


class ToConfirmView(CityPageMixin, View):
    """免申即享: the claims the platform filled in, each with its computation and the one step left —
    confirming the bank account."""

    def get(self, request, city):
        require_claimant(self.actor)
        claims = selectors.claims(self.actor).filter(state=ClaimState.TO_CONFIRM)
        rows = [
            {"claim": claim, "steps": explained(claim.computation), "actions": step_forms(self.actor, claim)}
            for claim in claims
        ]
        return render(request, "subsidies/to_confirm.html", {"rows": rows})
