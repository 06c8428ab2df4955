"""A claim's page, for the claimant and the bureau alike: what was declared, the computation in words,
the bank account (masked), the notice, the objections; and a form for each step the reader may take now
(`CLAIM.available`). The service decides; its refusal shows on the step's form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ipops.errors import ApplicationError, NotFound, PermissionDenied
from ipops.money import display_money
from ipops.views.pages import CityPageMixin
from ipops.visibility import get_visible_or_404
from subsidies import forms, services
from subsidies.explain import explained, level_label
from subsidies.forms import EvidenceForm
from subsidies.lifecycles import CLAIM
from subsidies.models import Basis, Claim
from subsidies.permissions import can
from subsidies.services.evidence import OPEN_FOR_EVIDENCE, claim_evidence

#: The page's form and service for each step of the claim's lifecycle a person takes.
STEPS = {
    "submit": (forms.BankForm, services.claim_submit),
    "confirm": (forms.BankForm, services.claim_confirm),
    "withdraw": (None, services.claim_withdraw),
    "return": (forms.ReasonForm, services.claim_return),
    "approve": (forms.ApproveForm, services.claim_approve),
    "reject": (forms.ReasonForm, services.claim_reject),
}
#: Changing a draft's (or a returned claim's) declaration: offered while the claim may be submitted.
UPDATE = "update"


def claim_get(actor, pk) -> Claim:
    return get_visible_or_404(Claim.objects.select_related("policy", "organization"), actor, pk)


def step_forms(actor, claim, bound: dict | None = None) -> list[tuple]:
    """Each step the actor may take on the claim now, with its form (a bound one that was refused)."""
    out = []
    for step in CLAIM.available(actor, claim):
        form_class = STEPS[step.action][0]
        form = (bound or {}).get(step.action) or (
            form_class(prefix=step.action, claim=claim, initial=_initial(step.action, claim))
            if form_class
            else None
        )
        out.append((step, form))
    return out


def _initial(action: str, claim) -> dict:
    if action in ("submit", "confirm"):
        return {"bank_name": claim.bank_name}
    return {}


def inputs_form(actor, claim, data=None):
    """The declaration's form, while the claimant may still change it (the claim can be submitted)."""
    if claim.policy.basis != Basis.DECLARED or "submit" not in CLAIM.available_names(actor, claim):
        return None
    return forms.ClaimInputsForm(data, policy=claim.policy, initial=claim.inputs, prefix=UPDATE)


def declared(claim) -> list[tuple[str, str]]:
    """The claimant's declaration as the page shows it: each input under its field's label, a level in
    words, an amount in 万元."""
    labels = {name: field.label for name, field in forms.ClaimInputsForm(policy=claim.policy).fields.items()}
    rows = []
    for name, value in (claim.inputs or {}).items():
        if name == "level":
            value = level_label(value)
        elif name == "base":
            try:
                value = display_money(Decimal(str(value)))
            except InvalidOperation:
                pass
        rows.append((str(labels.get(name, name)), str(value)))
    return rows


def evidence_context(actor, claim, form=None) -> dict:
    """What the claim page's evidence card shows: the files, and the upload form while the claimant may
    still change them."""
    open_for_changes = claim.state in OPEN_FOR_EVIDENCE and can(actor, "claim.edit", claim)
    return {
        "evidence": list(claim_evidence(actor, claim)),
        "evidence_form": (form or EvidenceForm(policy=claim.policy)) if open_for_changes else None,
        "evidence_open": open_for_changes,
    }


def claim_page(request, actor, claim, *, bound: dict | None = None, evidence_form=None, status: int = 200):
    bound = bound or {}
    reads_city = can(actor, "claim.view_all")
    return render(
        request,
        "subsidies/claim_detail.html",
        {
            "claim": claim,
            "steps": explained(claim.computation),
            "declared": declared(claim),
            "actions": step_forms(actor, claim, bound),
            "inputs_form": bound.get(UPDATE) or inputs_form(actor, claim),
            "objections": list(claim.objections.order_by("-lodged_at")) if reads_city else [],
            "reads_city": reads_city,
            **evidence_context(actor, claim, evidence_form),
        },
        status=status,
    )


class ClaimDetailView(CityPageMixin, View):
    def get(self, request, city, pk):
        return claim_page(request, self.actor, claim_get(self.actor, pk))


class ClaimActionView(CityPageMixin, View):
    """One step from the claim's page (or the declaration changed: `update`)."""

    write_required = True

    def post(self, request, city, pk, action):
        claim = claim_get(self.actor, pk)
        if action == UPDATE:
            form = inputs_form(self.actor, claim, request.POST)
            if form is None:
                raise Http404
            if form.is_valid():
                try:
                    services.claim_update(actor=self.actor, claim=claim, inputs=form.inputs())
                except ApplicationError as exc:
                    if isinstance(exc, PermissionDenied | NotFound):
                        raise
                    form.add_service_errors(exc)
                else:
                    messages.success(request, _("Saved. The amount was computed again."))
                    return redirect("subsidies-claim-detail", city=city, pk=claim.pk)
            return claim_page(request, self.actor, claim, bound={UPDATE: form}, status=400)
        if action not in STEPS:
            raise Http404
        form_class, service = STEPS[action]
        form = (form_class or forms.StepForm)(request.POST, prefix=action, claim=claim)
        if form.is_valid():
            try:
                service(actor=self.actor, claim=claim, **form.service_arguments())
            except ApplicationError as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                # A step the page no longer offers (decided meanwhile) has no form to show it on.
                if form_class is None or action not in CLAIM.available_names(self.actor, claim):
                    messages.error(request, str(exc.message))
                    return redirect("subsidies-claim-detail", city=city, pk=claim.pk)
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("subsidies-claim-detail", city=city, pk=claim.pk)
        return claim_page(request, self.actor, claim_get(self.actor, pk), bound={action: form}, status=400)
