"""The platform operator's console (/admin/): opening, editing and closing cities.

Operators take no business action: everything inside a city belongs to its bureau admin and members.
Cities are opened and closed through `ipops.services.cities` (audited), never deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ipops import ids
from ipops.errors import ApplicationError
from ipops.models import City, IPAsset, Organization
from ipops.services import cities, registry
from ipops.tenancy import scopes_disabled

admin.site.site_header = _("IPOps platform operations")
admin.site.site_title = "IPOps"


class CityOpenForm(forms.ModelForm):
    """Opening a city also creates its IP bureau and the bureau's first admin account."""

    bureau_name = forms.CharField(
        label=_("IP bureau's name"), max_length=200, help_text=_("e.g. 烟台市知识产权局")
    )
    bureau_uscc = forms.CharField(label=_("IP bureau's unified social credit code"), max_length=30)
    admin_username = forms.CharField(label=_("First bureau admin's username"), max_length=150)
    admin_password = forms.CharField(
        label=_("First bureau admin's password"),
        widget=forms.PasswordInput,
        help_text=_("At least 8 characters; give it to the bureau admin."),
    )

    class Meta:
        model = City
        fields = ["slug", "name_zh", "name_en", "province_zh", "province_en", "plan_start_year", "plan_years"]

    def clean(self):
        data = super().clean()
        names = [*self.Meta.fields, "bureau_name", "bureau_uscc", "admin_username", "admin_password"]
        if all(name in data for name in names):
            _clean, errors = cities.city_opening_errors(**{name: data[name] for name in names})
            for name, problems in errors.fields.items():
                for problem in problems:
                    self.add_error(name if name in self.fields else None, str(problem["detail"]))
        return data

    def validate_unique(self) -> None:
        """The service says whether the slug is taken (with the others' problems, in one go)."""


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "name_zh",
        "name_en",
        "province_zh",
        "plan_start_year",
        "plan_end_year",
        "is_active",
    ]
    list_filter = ["is_active", "province_zh"]
    search_fields = ["slug", "name_zh", "name_en"]
    actions = ["close_cities", "reopen_cities"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CityOpenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The slug is in every URL of the city; it never changes once opened. Closing is an action.
        return ["slug", "is_active"] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                *CityOpenForm.Meta.fields,
                "bureau_name",
                "bureau_uscc",
                "admin_username",
                "admin_password",
            ]
        return [
            "slug",
            "name_zh",
            "name_en",
            "province_zh",
            "province_en",
            "plan_start_year",
            "plan_years",
            "is_active",
        ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = cities.city_create(
            operator=request.user,
            **{name: data[name] for name in CityOpenForm.Meta.fields},
            bureau_name=data["bureau_name"],
            bureau_uscc=data["bureau_uscc"],
            admin_username=data["admin_username"],
            admin_password=data["admin_password"],
        )
        obj.pk = created.pk  # the admin's log entry and redirect name the city the service opened

    @admin.action(description=_("Close the selected cities (members can no longer enter)"))
    def close_cities(self, request, queryset) -> None:
        for city in queryset:
            cities.city_set_active(operator=request.user, city=city, active=False)
        self.message_user(request, _("%(n)d cities closed.") % {"n": queryset.count()})

    @admin.action(description=_("Reopen the selected cities"))
    def reopen_cities(self, request, queryset) -> None:
        for city in queryset:
            cities.city_set_active(operator=request.user, city=city, active=True)
        self.message_user(request, _("%(n)d cities reopened.") % {"n": queryset.count()})


class AssetMoveForm(forms.Form):
    """Where an asset assigned across cities goes: the new owner, by its unified social credit code."""

    new_owner_uscc = forms.CharField(label=_("New owner's unified social credit code"), max_length=30)
    reference = forms.CharField(label=_("CNIPA recordal number"), max_length=60)

    def clean_new_owner_uscc(self) -> Organization:
        try:
            uscc = ids.normalize_uscc(self.cleaned_data["new_owner_uscc"])
        except ids.InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        with scopes_disabled():  # the operator works across cities
            owner = Organization.objects.select_related("city").filter(uscc=uscc).first()
        if owner is None:
            raise forms.ValidationError(_("No organisation with this code is registered on the platform."))
        return owner


@admin.register(IPAsset)
class AssetAdmin(admin.ModelAdmin):
    """Every city's registry, read-only, to find an asset by its number and move it between cities."""

    list_display = ["number", "title", "kind", "city", "owner", "legal_status"]
    list_filter = ["city", "kind", "legal_status"]
    search_fields = ["number", "title"]
    actions = ["move_to_city"]
    list_select_related = ["city", "owner"]

    def get_queryset(self, request):
        # The changelist evaluates its queryset after this returns, so no `scopes_disabled()` block can
        # hold it. The console runs outside any city scope, where the database wall shows every city
        # (ipops.rls), so lifting django-scopes' own check on this one manager is the whole of it.
        return IPAsset.objects.with_scopes_disabled().all()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a city's registry is its members' and bureau's to keep

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Move to the assignee's city (assignment across cities)"))
    def move_to_city(self, request, queryset):
        form = AssetMoveForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            moved = 0
            for asset in queryset:
                try:
                    registry.asset_move_to_city(
                        operator=request.user,
                        asset=asset,
                        new_owner=form.cleaned_data["new_owner_uscc"],
                        reference=form.cleaned_data["reference"],
                    )
                except ApplicationError as exc:
                    self.message_user(request, f"{asset.number}: {exc.message}", level=messages.ERROR)
                else:
                    moved += 1
            if moved:
                self.message_user(request, _("%(n)d assets moved.") % {"n": moved})
            return None
        return TemplateResponse(
            request,
            "admin/ipops/move_assets.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Move to another city"),
                "form": form,
                "assets": queryset,
                "opts": self.model._meta,
            },
        )
