"""Page forms. They parse; the services decide (and their errors show on the form: `ServiceForm`).

Field names are the services' argument names, so a service's field error lands beside its field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from funds.models import DistributionKind, FundKind, FundStatus, InvestorSource, SourceKind
from ipops.forms import BootstrapWidgets, MoneyField, RateField, ServiceForm


def _day(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _choices(field: forms.Field, choices, *, blank: str | None = None) -> None:
    field.choices = [("", blank or "—"), *choices]  # type: ignore[attr-defined]


class ReceiptForm(BootstrapWidgets, ServiceForm):
    kind = forms.ChoiceField(label=_("source"), choices=SourceKind.choices)
    amount = MoneyField(label=_("amount received"), positive=True)
    received_on = _day(_("received on"), required=False)


# --- the fund register -------------------------------------------------------------------------------


class FundRegisterForm(BootstrapWidgets, ServiceForm):
    """The bureau names the manager (one of the city's fund-manager organisations); a fund manager
    registers a fund of its own (no manager field)."""

    kind = forms.ChoiceField(label=_("kind"), choices=FundKind.choices)
    name = forms.CharField(label=_("name"), max_length=120)
    target_size = MoneyField(label=_("target size"), positive=True)
    vintage_year = forms.IntegerField(label=_("vintage year"))
    term_years = forms.IntegerField(label=_("term (years)"))
    manager = forms.TypedChoiceField(label=_("manager"), coerce=int, required=False, empty_value=None)
    parent = forms.TypedChoiceField(label=_("guide fund"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, managers=None, guide_funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        if managers is None:
            del self.fields["manager"]
        else:
            _choices(self.fields["manager"], managers)
        _choices(self.fields["parent"], guide_funds, blank=_("none (not a sub-fund)"))


class StatusForm(BootstrapWidgets, ServiceForm):
    status = forms.ChoiceField(label=_("status"), choices=FundStatus.choices)


class CommitmentForm(BootstrapWidgets, ServiceForm):
    investor = forms.CharField(label=_("investor"), max_length=120)
    source = forms.ChoiceField(label=_("source of money"), choices=InvestorSource.choices)
    amount = MoneyField(label=_("amount committed"), positive=True)
    committed_on = _day(_("committed on"))


class CallForm(BootstrapWidgets, ServiceForm):
    commitment = forms.TypedChoiceField(label=_("commitment"), coerce=int)
    amount = MoneyField(label=_("amount called"), positive=True)
    called_on = _day(_("called on"))
    paid_on = _day(_("paid on"), required=False)

    def __init__(self, *args, commitments=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self.fields["commitment"], commitments)
        self.fields["paid_on"].help_text = _("Leave empty while the money has not arrived.")


class CallPaidForm(BootstrapWidgets, ServiceForm):
    call = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = _day(_("paid on"))


class InvestmentForm(BootstrapWidgets, ServiceForm):
    """An investee on the platform has its in-force patents read from the registry; for a company that
    is not, the manager types its name and the count."""

    investee = forms.TypedChoiceField(label=_("investee"), coerce=int, required=False, empty_value=None)
    investee_name = forms.CharField(
        label=_("or a company not on the platform"), max_length=120, required=False
    )
    patents_in_force = forms.IntegerField(
        label=_("its in-force patents"),
        required=False,
        min_value=0,
        help_text=_("Only for a company not on the platform: the registry counts the others'."),
    )
    amount = MoneyField(label=_("amount invested"), positive=True)
    invested_on = _day(_("invested on"))
    stake = RateField(label=_("stake"))
    patents_acquired = forms.IntegerField(label=_("patents acquired"), required=False, min_value=0)
    fair_value = MoneyField(label=_("fair value"), required=False, help_text=_("Empty: the amount invested."))

    def __init__(self, *args, investees=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self.fields["investee"], investees, blank=_("not on the platform"))


class RevalueForm(BootstrapWidgets, ServiceForm):
    investment = forms.TypedChoiceField(label=_("investment"), coerce=int)
    fair_value = MoneyField(label=_("fair value"))
    valued_on = _day(_("valued on"))

    def __init__(self, *args, investments=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self.fields["investment"], investments)


class DistributionForm(BootstrapWidgets, ServiceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=DistributionKind.choices)
    amount = MoneyField(label=_("amount distributed"), positive=True)
    distributed_on = _day(_("distributed on"))
    investment = forms.TypedChoiceField(
        label=_("investment exited"), coerce=int, required=False, empty_value=None
    )
    remaining_value = MoneyField(
        label=_("value of what is still held"),
        required=False,
        help_text=_("After a partial exit; empty keeps the last valuation."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, investments=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self.fields["investment"], investments, blank=_("none (income)"))
