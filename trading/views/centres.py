"""Operations centres: the list with their yearly deals, and a centre's page with its members."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ipops import clock
from ipops.errors import PermissionDenied
from ipops.selectors.organisations import organization_get
from ipops.views.pages import CityPageMixin, submit_form

from .. import forms, selectors, services
from ..models import CentreKind
from ..permissions import can
from ..rules.centres import CENTRE_MIN_AMOUNT, CENTRE_MIN_MEMBERS, CENTRE_MIN_PROJECTS
from ._common import _act, _yearly_amounts_chart


def _evaluations(centres) -> dict[int, list]:
    """Each industry centre against [003]'s national level, this year (so far) and last year."""
    industry = [c for c in centres if c.kind == CentreKind.INDUSTRY]
    out: dict[int, list] = {c.pk: [] for c in industry}
    if industry:
        this_year = clock.today().year
        for year in (this_year, this_year - 1):
            for evaluation in selectors.centres_evaluation(year, industry):
                out[evaluation.centre.pk].append(evaluation)
    return out


#: [003]'s thresholds as the pages write them.
THRESHOLDS = {"amount": CENTRE_MIN_AMOUNT, "projects": CENTRE_MIN_PROJECTS, "members": CENTRE_MIN_MEMBERS}


class CentreListView(CityPageMixin, View):
    """Operations centres and their yearly deals; the bureau registers new ones here."""

    def _render(self, request, form=None, status=200):
        manage = can(self.actor, "centre.manage")
        if manage and form is None:
            form = forms.CentreForm(organizations=selectors.centre_candidates())
        rows = selectors.centres_overview()
        evaluations = _evaluations([row["centre"] for row in rows])
        for row in rows:
            row["evaluations"] = evaluations.get(row["centre"].pk)
        return render(
            request,
            "trading/centres.html",
            {"rows": rows, "form": form if manage else None, "thresholds": THRESHOLDS},
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        if not can(self.actor, "centre.manage"):
            raise PermissionDenied()
        form = forms.CentreForm(request.POST, organizations=selectors.centre_candidates())
        done, centre = submit_form(form, services.centre_create, actor=self.actor)
        if done:
            messages.success(request, _("Registered %(name)s.") % {"name": centre.name})
            return redirect("trading-centre", city=city, pk=centre.pk)
        return self._render(request, form, status=400)


class CentreDetailView(CityPageMixin, View):
    """One centre: its yearly deals and its members; the bureau adds and removes members."""

    def _render(self, request, centre, form=None, status=200):
        manage = can(self.actor, "centre.manage")
        if manage and form is None:
            form = forms.CentreMemberForm(organizations=selectors.centre_candidates(centre))
        years = selectors.centre_yearly(centre)
        chart = _yearly_amounts_chart(
            [y.year for y in years], (_("Deal amount"), [y.amount for y in years], "#1f5f99")
        )
        return render(
            request,
            "trading/centre_detail.html",
            {
                "centre": centre,
                "years": years,
                "chart": chart,
                "members": selectors.centre_members(centre),
                "form": form if manage else None,
                "can_manage": manage,
                "evaluations": _evaluations([centre]).get(centre.pk),
                "thresholds": THRESHOLDS,
            },
            status=status,
        )

    def get(self, request, city, pk):
        return self._render(request, selectors.centre_get(self.actor, pk))

    def post(self, request, city, pk):
        centre = selectors.centre_get(self.actor, pk)
        if not can(self.actor, "centre.manage"):
            raise PermissionDenied()
        if request.POST.get("action") == "remove":
            member = organization_get(request.POST.get("organization"))
            back = reverse("trading-centre", kwargs={"city": city, "pk": pk})
            return _act(
                request,
                lambda: services.centre_member_remove(actor=self.actor, centre=centre, organization=member),
                back,
            )
        form = forms.CentreMemberForm(request.POST, organizations=selectors.centre_candidates(centre))
        done, _membership = submit_form(form, services.centre_member_add, actor=self.actor, centre=centre)
        if done:
            messages.success(
                request, _("%(name)s joined the centre.") % {"name": form.cleaned_data["organization"].name}
            )
            return redirect("trading-centre", city=city, pk=pk)
        return self._render(request, centre, form, status=400)
