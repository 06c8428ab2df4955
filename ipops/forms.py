from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.errors import ApplicationError
from ipops.ids import InvalidIdentifier, normalize_ipc_prefix
from ipops.models import AssetKind, Industry, LegalStatus, OrgKind


class AssetForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AssetKind.choices)
    number = forms.CharField(label=_("number"), max_length=60,
                             help_text=_("e.g. ZL201710601862.3 — prefixes, spaces and the dot are optional"))
    title = forms.CharField(label=_("title"), max_length=300)
    abstract = forms.CharField(label=_("abstract"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    ipc_codes = forms.CharField(label=_("IPC"), required=False,
                                help_text=_("One or more, separated by commas or semicolons, e.g. H04L 29/06"))
    filing_date = forms.DateField(label=_("filing date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    grant_date = forms.DateField(label=_("grant date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    legal_status = forms.ChoiceField(label=_("legal status"), choices=LegalStatus.choices)
    is_pct = forms.BooleanField(label=_("PCT"), required=False)
    industry = forms.ChoiceField(label=_("industry"), choices=Industry.choices)

    def clean_ipc_codes(self) -> list[str]:
        raw = self.cleaned_data.get("ipc_codes") or ""
        return [part.strip() for part in raw.replace("；", ";").replace("，", ",").replace(";", ",").split(",")
                if part.strip()]

    def add_service_errors(self, exc: ApplicationError) -> None:
        """Show a service's field errors beside the fields, the rest at the top."""
        if not exc.fields:
            self.add_error(None, str(exc.message))
        for name, errors in exc.fields.items():
            target = name if name in self.fields else None
            for err in errors:
                self.add_error(target, str(err.get("detail") or exc.message))


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *AssetKind.choices])
    legal_status = forms.ChoiceField(label=_("legal status"), required=False,
                                     choices=[("", _("Any status")), *LegalStatus.choices])
    industry = forms.ChoiceField(label=_("industry"), required=False,
                                 choices=[("", _("All industries")), *Industry.choices])
    ipc = forms.CharField(label=_("IPC prefix"), required=False)

    def clean_ipc(self) -> str:
        raw = self.cleaned_data.get("ipc") or ""
        if not raw.strip():
            return ""
        try:
            return normalize_ipc_prefix(raw)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=120)
    kind = forms.ChoiceField(label=_("kind"), choices=OrgKind.choices)
    uscc = forms.CharField(label=_("unified social credit code"), max_length=40,
                           help_text=_("18 characters, e.g. 91370200163562681G"))
    district = forms.CharField(label=_("district"), max_length=40, required=False)
    is_tech_sme = forms.BooleanField(label=_("tech SME"), required=False)

    add_service_errors = AssetForm.add_service_errors
