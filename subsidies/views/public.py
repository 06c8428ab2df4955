"""The public notice (公示), for anyone, without logging in: the city's awards in notice and a form to
object to one.

Where it lives: `/<city>/notice/`, among the city's pages (`page_urls`), like the city's marketplace
(`/<city>/market/`) — the other public page of a city. No new hook is needed in the core for it:
`ipops.tenancy.CityScopeMiddleware` resolves the `<city>` of any URL before the view runs, whoever asks,
so the view runs inside the city's scope (Python and database walls) with no member logged in; an
unknown or switched-off city is a 404 there (`UnknownCity`) and never reaches the view. The page does
not use `CityPageMixin` (which asks for a login) and keeps Django's CSRF protection: the form carries
the token like every other form. The objection goes to `services.objection_lodge(city=...)`, which
checks that the claim is this city's and still in notice.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ipops.access import actor_for
from ipops.errors import ApplicationError
from subsidies import forms, services
from subsidies.selectors import awards_in_notice


class PublicNoticeView(View):
    def _render(self, request, form=None, status=200):
        # A member who happens to be logged in sees the usual menu; anyone else the bare page.
        request.actor = actor_for(request.user, request.city)
        awards = awards_in_notice()
        page = Paginator(awards, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "subsidies/public_notice.html",
            {
                "city": request.city,
                "page": page,
                "query": "",
                "form": form or forms.ObjectionForm(awards=awards),
            },
            status=status,
        )

    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        form = forms.ObjectionForm(request.POST, awards=awards_in_notice())
        if form.is_valid():
            try:
                services.objection_lodge(city=request.city, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Your objection was received. The award is held until the bureau has looked into it."),
                )
                return redirect("subsidies-public-notice", city=city)
        return self._render(request, form, status=400)
