"""Page forms. They parse; the services decide (and their errors show on the form: `ServiceForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from funds.models import SourceKind
from ipops.forms import BootstrapWidgets, MoneyField, ServiceForm


class ReceiptForm(BootstrapWidgets, ServiceForm):
    kind = forms.ChoiceField(label=_("source"), choices=SourceKind.choices)
    amount = MoneyField(label=_("amount received"), positive=True)
    received_on = forms.DateField(
        label=_("received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
