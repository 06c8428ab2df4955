import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ipops.errors import ApplicationError
from ipops.errors import CoreErrorCode as Code
from ipops.ids import InvalidIdentifier, normalize_ipc_prefix
from ipops.models import AssetKind, Industry, LegalStatus, OrgKind
from ipops.models.registry import REGISTRABLE_STATUS_CHOICES
from ipops.money import MONEY_LIMIT, RATE_PLACES, UNIT_FACTOR, WAN_UNIT, fen, money_unit_label


class UnitInput(forms.TextInput):
    """A text input with its unit beside it (万元, 元, %), so nobody wonders what to type."""

    def __init__(self, unit_label, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
        self.unit_label = unit_label
        self.size = "sm"

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        group = f"input-group input-group-{self.size}" if self.size else "input-group"
        return format_html(
            '<div class="{}">{}<span class="input-group-text">{}</span></div>', group, field, self.unit_label
        )


def _decimal(value: str) -> Decimal | None:
    """What a person typed as a number: thousands separators and full-width digits allowed."""
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class MoneyField(forms.Field):
    """An amount as people type it: in 万元 (the default) or 元 (`unit=YUAN`, for small sums like fees),
    with the unit beside the field. The form hands the service 元 to the fen, half up; the field shows a
    stored amount back in its unit, and its errors speak the same unit."""

    default_error_messages = {
        "invalid": _("Enter an amount, e.g. 50 or 12.5."),
        "min_value": _("Enter at least %(limit)s %(unit)s."),
        "positive": _("Enter an amount greater than 0 %(unit)s."),
        "too_large": _("This amount is too large."),
    }

    def __init__(self, *, unit: str = WAN_UNIT, min_value=None, positive: bool = False, **kwargs):
        self.unit = unit
        self.min_value = min_value  # in 元
        self.positive = positive
        kwargs.setdefault("widget", UnitInput(money_unit_label(unit)))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):  # a stored amount in 元 shown in the field's unit
            return f"{(Decimal(value) / UNIT_FACTOR[self.unit]).normalize():f}"
        return value

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        number = _decimal(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code=Code.INVALID_AMOUNT)
        return fen(number * UNIT_FACTOR[self.unit])

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        unit = money_unit_label(self.unit)
        if abs(value) >= MONEY_LIMIT:
            raise forms.ValidationError(self.error_messages["too_large"], code=Code.AMOUNT_TOO_LARGE)
        if self.positive and value <= 0:
            raise forms.ValidationError(
                self.error_messages["positive"], code=Code.AMOUNT_NOT_POSITIVE, params={"unit": unit}
            )
        if self.min_value is not None and value < self.min_value:
            limit = Decimal(self.min_value) / UNIT_FACTOR[self.unit]
            raise forms.ValidationError(
                self.error_messages["min_value"],
                code=Code.AMOUNT_BELOW_MINIMUM,
                params={"limit": f"{limit:,f}", "unit": unit},
            )


class RateField(forms.Field):
    """A rate or share typed as a percentage (4.35 for 4.35%); the service receives the ratio 0.0435."""

    default_error_messages = {
        "invalid": _("Enter a percentage, e.g. 4.35."),
        "range": _("Enter a percentage between %(low)s%% and %(high)s%%."),
    }

    def __init__(self, *, low=Decimal(0), high=Decimal(100), **kwargs):
        self.low, self.high = Decimal(low), Decimal(high)  # in percent
        kwargs.setdefault("widget", UnitInput("%"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return f"{(Decimal(value) * 100).normalize():f}"
        return value

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        number = _decimal(str(value).rstrip("%％"))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code=Code.INVALID_RATE)
        if not self.low <= number <= self.high:
            raise forms.ValidationError(
                self.error_messages["range"],
                code=Code.RATE_OUT_OF_RANGE,
                params={"low": f"{self.low.normalize():f}", "high": f"{self.high.normalize():f}"},
            )
        return (number / 100).quantize(RATE_PLACES)


class ServiceForm(forms.Form):
    """A form whose input a service judges: the service's errors show on the form."""

    def add_service_errors(self, exc: ApplicationError) -> None:
        """Show a service's field errors beside the fields, the rest at the top."""
        if not exc.fields:
            self.add_error(None, str(exc.message))
        for name, errors in exc.fields.items():
            target = name if name in self.fields else None
            for err in errors:
                self.add_error(target, str(err.get("detail") or exc.message))


class BootstrapWidgets:
    """Bootstrap's classes on the widgets, server-side, so the form looks right without JavaScript.

    `widget_size`: "sm" for dense forms (filters, side panels), "" for a page's main form.
    """

    widget_size = "sm"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = f" form-control-{self.widget_size}" if self.widget_size else ""
        select_size = f" form-select-{self.widget_size}" if self.widget_size else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select" + select_size)
            elif not widget.is_hidden:
                widget.attrs.setdefault("class", "form-control" + size)
                if isinstance(widget, UnitInput):
                    widget.size = self.widget_size


class AssetForm(ServiceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=AssetKind.choices)
    number = forms.CharField(
        label=_("number"),
        max_length=60,
        help_text=_("e.g. ZL201710601862.3 — prefixes, spaces and the dot are optional"),
    )
    title = forms.CharField(label=_("title"), max_length=300)
    abstract = forms.CharField(label=_("abstract"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    ipc_codes = forms.CharField(
        label=_("IPC"),
        required=False,
        help_text=_("One or more, separated by commas or semicolons, e.g. H04L 29/06"),
    )
    filing_date = forms.DateField(
        label=_("filing date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    grant_date = forms.DateField(
        label=_("grant date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    legal_status = forms.ChoiceField(label=_("legal status"), choices=REGISTRABLE_STATUS_CHOICES)
    is_pct = forms.BooleanField(label=_("PCT"), required=False)
    industry = forms.ChoiceField(label=_("industry"), choices=Industry.choices)

    def clean_ipc_codes(self) -> list[str]:
        raw = self.cleaned_data.get("ipc_codes") or ""
        return [
            part.strip()
            for part in raw.replace("；", ";").replace("，", ",").replace(";", ",").split(",")
            if part.strip()
        ]


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *AssetKind.choices]
    )
    legal_status = forms.ChoiceField(
        label=_("legal status"), required=False, choices=[("", _("Any status")), *LegalStatus.choices]
    )
    industry = forms.ChoiceField(
        label=_("industry"), required=False, choices=[("", _("All industries")), *Industry.choices]
    )
    ipc = forms.CharField(label=_("IPC prefix"), required=False)

    def clean_ipc(self) -> str:
        raw = self.cleaned_data.get("ipc") or ""
        if not raw.strip():
            return ""
        try:
            return normalize_ipc_prefix(raw)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class OrganizationForm(ServiceForm):
    name = forms.CharField(label=_("name"), max_length=120)
    kind = forms.ChoiceField(label=_("kind"), choices=OrgKind.choices)
    uscc = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        help_text=_("18 characters, e.g. 91370200163562681G"),
    )
    district = forms.CharField(label=_("district"), max_length=40, required=False)
    is_tech_sme = forms.BooleanField(label=_("tech SME"), required=False)


class MemberAddForm(BootstrapWidgets, ServiceForm):
    """Add a person: to any organisation (bureau admin, `organizations` given) or to one's own (no field)."""

    organization = forms.TypedChoiceField(label=_("organisation"), coerce=int)
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        help_text=_(
            "Letters, digits and @ . + - _. An account that already acts in "
            "another city is linked and keeps its own password."
        ),
    )
    display_name = forms.CharField(label=_("display name"), max_length=80, required=False)
    password = forms.CharField(
        label=_("initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Hand it to the person in person."),
    )
    is_admin = forms.BooleanField(label=_("organisation admin"), required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = [("", "—"), *organizations]


class MemberFilterForm(BootstrapWidgets, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Username, name or organisation")}),
    )
    organization = forms.TypedChoiceField(
        label=_("organisation"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("organisation kind"), required=False, choices=[("", _("All kinds")), *OrgKind.choices]
    )
    is_admin = forms.TypedChoiceField(
        label=_("admin"),
        required=False,
        empty_value=None,
        coerce=lambda value: value == "yes",
        choices=[("", _("Admins and members")), ("yes", _("Admins only")), ("no", _("Members only"))],
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("All organisations")), *organizations]


class MemberAdminForm(ServiceForm):
    """The flag as it will be: a repeated or stale confirmation page can't flip it back."""

    is_admin = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MemberPasswordForm(BootstrapWidgets, ServiceForm):
    password = forms.CharField(
        label=_("new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. The person's API token stops working."),
    )
    password_again = forms.CharField(
        label=_("new password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        data.pop("password_again", None)
        return data
