from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.forms import BootstrapWidgets, MoneyField, ServiceForm
from ipops.models import AssetKind, Industry, Organization

from .models import CentreKind, DealType, Visibility


class _Styled(BootstrapWidgets):
    """The marketplace's forms are a page's main form: full-size widgets."""

    widget_size = ""


def _split(raw: str) -> list[str]:
    return [
        p.strip()
        for p in (raw or "").replace("；", ";").replace("，", ",").replace(";", ",").split(",")
        if p.strip()
    ]


class SearchForm(_Styled, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Words, a listing number or a patent number (GP2026…, ZL…)"),
                "id": "search-q",
            }
        ),
    )
    ipc = forms.CharField(label=_("IPC prefix"), required=False, max_length=30)
    kind = forms.ChoiceField(
        label=_("Asset kind"), required=False, choices=[("", _("All kinds")), *AssetKind.choices]
    )
    deal_type = forms.ChoiceField(
        label=_("Deal type"), required=False, choices=[("", _("Any deal")), *DealType.choices]
    )
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=[("", _("All industries")), *Industry.choices]
    )
    price_min = MoneyField(label=_("Price from"), required=False)
    price_max = MoneyField(label=_("Price up to"), required=False)

    def params(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class NationalSearchForm(SearchForm):
    city = forms.ChoiceField(label=_("City"), required=False)

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("All cities")), *((c.slug, c.name) for c in cities)]


class ListingForm(_Styled, ServiceForm):
    asset_ids = forms.TypedMultipleChoiceField(
        label=_("Assets"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One asset, or several as a package."),
    )
    deal_type = forms.ChoiceField(label=_("Deal type"), choices=DealType.choices)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=300,
        help_text=_("Optional for one asset (its title is used); required for a package."),
    )
    asking_price = MoneyField(label=_("Asking price"), required=False, positive=True)
    negotiable = forms.BooleanField(label=_("Price negotiable"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    keywords = forms.CharField(label=_("Keywords"), required=False, max_length=300)
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=[("", _("As the asset")), *Industry.choices]
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=60)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset_ids"].choices = [(a.pk, f"{a.display_number} {a.title}") for a in assets]


class BuyRequestForm(_Styled, ServiceForm):
    title = forms.CharField(label=_("What are you looking for?"), max_length=300)
    keywords = forms.CharField(label=_("Keywords"), required=False, max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    ipc_codes = forms.CharField(
        label=_("IPC"), required=False, help_text=_("e.g. H01M 10/613, separated by commas")
    )
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=[("", _("All industries")), *Industry.choices]
    )
    budget_min = MoneyField(label=_("Budget from"), required=False)
    budget_max = MoneyField(label=_("Budget up to"), required=False)
    deal_types = forms.MultipleChoiceField(
        label=_("Deal types"), required=False, choices=DealType.choices, widget=forms.CheckboxSelectMultiple
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=60)

    def clean_ipc_codes(self) -> list[str]:
        return _split(self.cleaned_data.get("ipc_codes") or "")


class OfferForm(_Styled, forms.Form):
    """An offer or counter-offer: the price in 万元, the unit beside the field, as everywhere."""

    price = MoneyField(label=_("Price"), positive=True)
    licence_years = forms.IntegerField(
        label=_("Licence term (years)"), required=False, min_value=1, max_value=20
    )
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ContractForm(forms.Form):
    contract_ref = forms.CharField(label=_("Contract reference"), max_length=80)
    signed_on = forms.DateField(
        label=_("Signed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CompleteForm(forms.Form):
    recordal_number = forms.CharField(label=_("CNIPA recordal / filing number"), max_length=80)
    licence_starts_on = forms.DateField(
        label=_("Licence starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    licence_ends_on = forms.DateField(
        label=_("Licence ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CentreForm(_Styled, ServiceForm):
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Run by"), queryset=Organization.objects.none()
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=120,
        help_text=_("Leave empty to use the organisation's name."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CentreKind.choices)
    established_on = forms.DateField(
        label=_("Established on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class CentreMemberForm(_Styled, ServiceForm):
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Member organisation"), queryset=Organization.objects.none()
    )
    joined_on = forms.DateField(
        label=_("Joined on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class EnquiryForm(_Styled, ServiceForm):
    """A buyer of another city enquires about a national listing: what it types here is all the seller sees."""

    # The service judges the rest (and says everything that is missing at once): the fields only carry it.
    acting_for = forms.TypedChoiceField(label=_("Enquiring for"), coerce=int)
    organization_name = forms.CharField(label=_("Organisation"), required=False)
    uscc = forms.CharField(label=_("Unified social credit code"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    price = MoneyField(label=_("Indicative price"), required=False, positive=True)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, identities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acting_for"].choices = [
            (a.membership.pk, _("%(org)s (%(city)s)") % {"org": a.organization.name, "city": a.city.name})
            for a in identities
        ]


class EnquiryAnswerForm(forms.Form):
    reply = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
