"""Page forms. They parse; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.forms import AssetForm
from ipops.models import Organization
from pledge_finance.models import ApprovalDecision, RepaymentMethod

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})  # ISO: what <input type=date> accepts
add_service_errors = AssetForm.add_service_errors


class ServiceErrorsMixin:
    add_service_errors = add_service_errors


def _money(label, **kw):
    return forms.DecimalField(label=label, max_digits=18, decimal_places=2, **kw)


def _ratio(label, **kw):
    return forms.DecimalField(label=label, max_digits=9, decimal_places=6, **kw)


class LoanApplicationForm(ServiceErrorsMixin, forms.Form):
    bank = forms.ModelChoiceField(label=_("bank"), queryset=Organization.objects.none())
    insurer = forms.ModelChoiceField(label=_("insurer"), queryset=Organization.objects.none())
    guarantor = forms.ModelChoiceField(label=_("guarantor"), queryset=Organization.objects.none())
    assets = forms.MultipleChoiceField(
        label=_("assets to pledge"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only your assets in force and not pledged elsewhere."),
    )
    amount = _money(_("amount (CNY)"), min_value=Decimal("0.01"))
    term_months = forms.TypedChoiceField(label=_("term (months)"), coerce=int)
    purpose = forms.CharField(label=_("purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, product, institutions, assets, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ("bank", "insurer", "guarantor"):
            self.fields[role].queryset = Organization.objects.filter(
                pk__in=[o.pk for o in institutions[role]]
            )
        self.fields["assets"].choices = [(str(a.pk), f"{a.display_number} {a.title}") for a in assets]
        self.fields["term_months"].choices = [
            (t, _("%(n)s months") % {"n": t}) for t in product.allowed_terms
        ]


class ValuationForm(ServiceErrorsMixin, forms.Form):
    appraised_value = _money(_("appraised value (CNY)"))
    report_ref = forms.CharField(label=_("valuation report reference"), max_length=80)
    valued_on = forms.DateField(label=_("valuation date"), widget=DATE)


class DecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=ApprovalDecision.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class DisburseForm(ServiceErrorsMixin, forms.Form):
    contract_number = forms.CharField(label=_("contract number"), max_length=60)
    contract_signed_on = forms.DateField(label=_("contract signed on"), widget=DATE)
    pledge_registration_number = forms.CharField(label=_("CNIPA pledge registration number"), max_length=60)
    pledge_registered_on = forms.DateField(label=_("pledge registered on"), widget=DATE)
    disbursed_on = forms.DateField(label=_("disbursed on"), widget=DATE)
    annual_rate = _ratio(_("annual interest rate"), help_text=_("As a fraction: 0.0435 for 4.35%"))


class RepaymentForm(ServiceErrorsMixin, forms.Form):
    amount = _money(_("amount (CNY)"))
    paid_on = forms.DateField(label=_("paid on"), widget=DATE)
    reference = forms.CharField(label=_("bank reference"), max_length=60, required=False)


class DefaultForm(ServiceErrorsMixin, forms.Form):
    default_on = forms.DateField(label=_("default date"), widget=DATE)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RecoveryForm(ServiceErrorsMixin, forms.Form):
    amount = _money(_("amount (CNY)"))
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    source = forms.CharField(
        label=_("source"), max_length=200, help_text=_("e.g. the pledged patents sold on the marketplace")
    )
    release_pledge = forms.BooleanField(label=_("release the pledge now"), required=False)


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000, required=False)


class ReleaseForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000)


class ProductForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=120)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    insurer_share = _ratio(_("insurer share"), help_text=_("Fractions; the three must total exactly 1"))
    guarantor_share = _ratio(_("guarantor share"))
    bank_share = _ratio(_("bank share"))
    loan_to_value = _ratio(_("loan-to-value ratio"), initial=Decimal("0.5"))
    allowed_terms = forms.CharField(label=_("allowed terms (months)"), initial="6, 12, 24, 36")
    repayment_method = forms.ChoiceField(label=_("repayment method"), choices=RepaymentMethod.choices)
    min_rate = _ratio(_("minimum annual rate"))
    max_rate = _ratio(_("maximum annual rate"))
    min_amount = _money(_("minimum amount"))
    max_amount = _money(_("maximum amount"))
    is_active = forms.BooleanField(label=_("open for applications"), required=False, initial=True)
    banks = forms.ModelMultipleChoiceField(
        label=_("banks"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    insurers = forms.ModelMultipleChoiceField(
        label=_("insurers"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    guarantors = forms.ModelMultipleChoiceField(
        label=_("guarantors"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    appraisers = forms.ModelMultipleChoiceField(
        label=_("appraisers"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    ROLES = {
        "banks": ("bank", "bank"),
        "insurers": ("insurer", "insurer"),
        "guarantors": ("guarantor", "guarantor"),
        "appraisers": ("appraiser", "service"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (_role, kind) in self.ROLES.items():
            self.fields[name].queryset = Organization.objects.filter(kind=kind).order_by("name")

    def clean_allowed_terms(self) -> list[int]:
        raw = self.cleaned_data["allowed_terms"].replace("，", ",")
        try:
            return [int(p) for p in raw.split(",") if p.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("List whole months separated by commas.")) from exc

    def service_values(self) -> tuple[dict, dict]:
        data = dict(self.cleaned_data)
        institutions = {role: [o.pk for o in data.pop(name)] for name, (role, _k) in self.ROLES.items()}
        return data, institutions


class TopUpForm(ServiceErrorsMixin, forms.Form):
    amount = _money(_("amount (CNY)"))
    note = forms.CharField(label=_("source of funds"), max_length=200)
    booked_on = forms.DateField(label=_("booked on"), widget=DATE, required=False)
