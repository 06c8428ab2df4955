"""The platform operator's console (/admin/): opening, editing and closing cities.

Operators take no business action: everything inside a city belongs to its bureau admin and members.
Cities are opened and closed through `ipops.services.cities` (audited), never deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ipops.models import City
from ipops.services import cities

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
