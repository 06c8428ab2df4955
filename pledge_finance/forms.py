"""Page forms. They parse; the services decide (and their errors show on the form: `ServiceForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.forms import MoneyField, RateField, ServiceForm
from ipops.models import Organization
from ipops.money import YUAN_UNIT
from pledge_finance import rules
from pledge_finance.models import (
    INSTITUTIONS,
    PARTIES,
    ApprovalDecision,
    InstitutionRole,
    LoanFeeKind,
    LoanProduct,
    RepaymentMethod,
)

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})  # ISO: what <input type=date> accepts
#: The valuation form's field for an asset's value: `asset_<id>`.
ASSET_VALUE_PREFIX = "asset_"


class LoanApplicationForm(ServiceForm):
    bank: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("bank"), queryset=Organization.objects.none()
    )
    insurer: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("insurer"), queryset=Organization.objects.none()
    )
    guarantor: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("guarantor"), queryset=Organization.objects.none()
    )
    assets = forms.MultipleChoiceField(
        label=_("assets to pledge"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only your assets in force and not pledged elsewhere."),
    )
    amount = MoneyField(label=_("amount"), positive=True)
    term_months = forms.TypedChoiceField(label=_("term (months)"), coerce=int)
    purpose = forms.CharField(label=_("purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, product: LoanProduct, assets, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = product.institutions_by_role()
        for party in PARTIES:
            field = self.fields[party]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organization.objects.filter(pk__in=[o.pk for o in institutions[party]])
        assets_field, term_field = self.fields["assets"], self.fields["term_months"]
        assert isinstance(assets_field, forms.ChoiceField)
        assert isinstance(term_field, forms.ChoiceField)
        assets_field.choices = [(str(a.pk), f"{a.display_number} {a.title}") for a in assets]
        term_field.choices = [(t, _("%(n)s months") % {"n": t}) for t in product.allowed_terms]


class StepForm(ServiceForm):
    """The form of one step on the loan page. It is given the loan, for forms whose fields depend on it,
    and hands the step's service its arguments (`service_arguments`)."""

    def __init__(self, *args, loan=None, **kwargs):
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


class ValuationForm(StepForm):
    """One value per pledged asset, as the valuation report gives them; the package's value is their total."""

    report_ref = forms.CharField(label=_("valuation report reference"), max_length=80)
    valued_on = forms.DateField(label=_("valuation date"), widget=DATE)

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        own = dict(self.fields)
        self.fields.clear()
        pledged = list(loan.loan_assets.select_related("asset").order_by("asset_id"))
        for n, row in enumerate(pledged, start=1):
            self.fields[f"{ASSET_VALUE_PREFIX}{row.asset_id}"] = MoneyField(
                label=_("appraised value of %(number)s %(title)s")
                % {"number": row.asset.display_number, "title": row.asset.title},
                positive=True,
                help_text=_("The loan's appraised value is the total of the assets' values.")
                if n == len(pledged) and n > 1
                else "",
            )
        self.fields.update(own)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        values = {
            int(name.removeprefix(ASSET_VALUE_PREFIX)): data.pop(name)
            for name in list(data)
            if name.startswith(ASSET_VALUE_PREFIX)
        }
        return {**data, "asset_values": values}


class DecisionForm(StepForm):
    decision = forms.ChoiceField(
        label=_("decision"), choices=ApprovalDecision.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class DisburseForm(StepForm):
    contract_number = forms.CharField(label=_("contract number"), max_length=60)
    contract_signed_on = forms.DateField(label=_("contract signed on"), widget=DATE)
    pledge_registration_number = forms.CharField(label=_("CNIPA pledge registration number"), max_length=60)
    pledge_registered_on = forms.DateField(label=_("pledge registered on"), widget=DATE)
    disbursed_on = forms.DateField(label=_("disbursed on"), widget=DATE)
    annual_rate = RateField(label=_("annual interest rate"), high=rules.MAX_ANNUAL_RATE * 100)


class RepaymentForm(StepForm):
    amount = MoneyField(label=_("amount"), positive=True)
    paid_on = forms.DateField(label=_("paid on"), widget=DATE)
    reference = forms.CharField(label=_("bank reference"), max_length=60, required=False)


class FeeForm(StepForm):
    """A fee the enterprise paid, as its invoice shows it (in 元: fees are small sums)."""

    kind = forms.ChoiceField(label=_("kind of fee"), choices=LoanFeeKind.choices)
    amount = MoneyField(label=_("amount"), unit=YUAN_UNIT, positive=True)
    payee = forms.CharField(
        label=_("paid to"), max_length=120, help_text=_("e.g. the insurer, the guarantor or the appraiser")
    )
    paid_on = forms.DateField(label=_("paid on"), widget=DATE)
    invoice_ref = forms.CharField(label=_("invoice number"), max_length=60)


class DefaultForm(StepForm):
    default_on = forms.DateField(label=_("default date"), widget=DATE)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RecoveryForm(StepForm):
    amount = MoneyField(label=_("amount"), positive=True)
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    source = forms.CharField(
        label=_("source"), max_length=200, help_text=_("e.g. the pledged patents sold on the marketplace")
    )
    release_pledge = forms.BooleanField(label=_("release the pledge now"), required=False)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("reason"), max_length=2000, required=False)


class ReleaseForm(StepForm):
    reason = forms.CharField(label=_("reason"), max_length=2000)


class ProductForm(ServiceForm):
    """A product's terms and, per institution role, the organisations taking part (`<role>s`)."""

    name = forms.CharField(label=_("name"), max_length=120)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    insurer_share = RateField(
        label=_("insurer share"), help_text=_("The three shares must total exactly 100%.")
    )
    guarantor_share = RateField(label=_("guarantor share"))
    bank_share = RateField(label=_("bank share"))
    loan_to_value = RateField(label=_("loan-to-value ratio"))
    allowed_terms = forms.CharField(label=_("allowed terms (months)"))
    repayment_method = forms.ChoiceField(label=_("repayment method"), choices=RepaymentMethod.choices)
    min_rate = RateField(label=_("minimum annual rate"), high=rules.MAX_ANNUAL_RATE * 100)
    max_rate = RateField(label=_("maximum annual rate"), high=rules.MAX_ANNUAL_RATE * 100)
    min_amount = MoneyField(label=_("minimum amount"))
    max_amount = MoneyField(label=_("maximum amount"))
    is_active = forms.BooleanField(label=_("open for applications"), required=False)

    def __init__(self, *args, product: LoanProduct | None = None, **kwargs):
        """A new product starts from the defaults; an existing one shows what it holds now."""
        source = product or LoanProduct(**LoanProduct.defaults())
        kwargs.setdefault(
            "initial",
            {
                **{name: getattr(source, name) for name in LoanProduct.EDITABLE},
                "allowed_terms": ", ".join(map(str, source.allowed_terms)),
                **(
                    {f"{role}s": orgs for role, orgs in product.institutions_by_role().items()}
                    if product
                    else {}
                ),
            },
        )
        super().__init__(*args, **kwargs)
        for role in InstitutionRole:
            self.fields[f"{role}s"] = forms.ModelMultipleChoiceField(
                label=role.label,
                queryset=Organization.objects.filter(kind=INSTITUTIONS[role].org_kind).order_by("name"),
                widget=forms.CheckboxSelectMultiple,
            )

    def clean_allowed_terms(self) -> list[int]:
        raw = self.cleaned_data["allowed_terms"].replace("，", ",")
        try:
            return [int(p) for p in raw.split(",") if p.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("List whole months separated by commas.")) from exc

    def service_values(self) -> tuple[dict, dict]:
        """The product's fields, and the organisation ids per institution role."""
        data = dict(self.cleaned_data)
        institutions = {role: [o.pk for o in data.pop(f"{role}s")] for role in InstitutionRole.values}
        return data, institutions


class TopUpForm(ServiceForm):
    amount = MoneyField(label=_("amount"), positive=True)
    note = forms.CharField(label=_("source of funds"), max_length=200)
    booked_on = forms.DateField(label=_("booked on"), widget=DATE, required=False)
