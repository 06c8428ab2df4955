"""The special budget's page for the bureau and officials: sources, spending by category and by month,
the two 40% shares against their floors and where they head by plan end, every expenditure with a link
to the record behind it, Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View

from funds import forms, selectors, services
from funds.permissions import can, require
from ipops import clock, excel
from ipops.errors import ApplicationError, PermissionDenied
from ipops.money import YUAN_UNIT, display_rate, to_wan
from ipops.platform import reference_url
from ipops.views.pages import CityPageMixin


def _month_chart(by_month) -> dict:
    """ECharts option: spending per month in 万元 (floats only for drawing, to six places)."""
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 10, "top": 30, "bottom": 30},
        "xAxis": {
            "type": "category",
            "data": [date_format(month, "YEAR_MONTH_FORMAT") for month, _ in by_month],
        },
        "yAxis": {"type": "value", "name": _("10k CNY")},
        "series": [
            {
                "name": _("Spent"),
                "type": "bar",
                "itemStyle": {"color": "#1f5f99"},
                "data": [float(to_wan(total, 6)) for _, total in by_month],
            }
        ],
    }


def _category_chart(by_category) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": label, "value": float(to_wan(total, 6))} for label, total in by_category],
            }
        ],
    }


def _floor_gauge(share) -> dict:
    """ECharts gauge: the share in percent, red below its floor, green above."""
    floor = float(share.floor)
    return {
        "series": [
            {
                "type": "gauge",
                "min": 0,
                "max": 100,
                "radius": "95%",
                "axisLine": {"lineStyle": {"width": 12, "color": [[floor, "#c0392b"], [1, "#2e8b57"]]}},
                "pointer": {"width": 4},
                "splitNumber": 5,
                "axisLabel": {"distance": 16, "fontSize": 10},
                "detail": {"formatter": "{value}%", "fontSize": 16, "offsetCenter": [0, "70%"]},
                "data": [{"value": round(float(share.ratio) * 100, 1) if share.ratio is not None else 0}],
            }
        ]
    }


def _projected(ratio, floor) -> dict | None:
    """A share as projected to plan end, and whether it would reach its floor."""
    if ratio is None:
        return None
    return {"shown": display_rate(ratio, 1), "meets_floor": ratio >= floor}


class BudgetView(CityPageMixin, View):
    def get(self, request, city):
        return self._render(request)

    def post(self, request, city):
        """Bureau: record money received."""
        require(self.actor, "budget.manage")
        form = forms.ReceiptForm(request.POST)
        if form.is_valid():
            try:
                services.budget_receive(actor=self.actor, **form.cleaned_data)
            except ApplicationError as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("funds-budget", city=city)
        return self._render(request, form, status=400)

    def _render(self, request, form=None, status=200):
        require(self.actor, "budget.view")
        summary = selectors.budget_summary(self.actor)
        ctx = {
            "summary": summary,
            "form": form or forms.ReceiptForm(),
            "can_manage": can(self.actor, "budget.manage") and summary.budget is not None,
            "floors": [
                {
                    "label": label,
                    "share": share,
                    "chart_id": f"chart-floor-{key}",
                    "option": _floor_gauge(share),
                    "projected": _projected(projected, share.floor),
                }
                for key, label, share, projected in (
                    (
                        "cluster",
                        _("Share spent in the cluster zone"),
                        summary.cluster_zone,
                        summary.projection.cluster_zone if summary.projection else None,
                    ),
                    (
                        "market",
                        _("Share spent through market-based means"),
                        summary.market_based,
                        summary.projection.market_based if summary.projection else None,
                    ),
                )
            ],
        }
        if summary.budget is not None:
            ctx["month_chart"] = _month_chart(summary.by_month)
            ctx["category_chart"] = _category_chart(summary.by_category)
            rows = selectors.expenditures(self.actor).filter(source__budget=summary.budget)
            page = Paginator(rows, 50).get_page(request.GET.get("page"))
            ctx["page"] = page
            # The record behind each payment, on the page of the app that wrote it (funds knows none of them).
            ctx["rows"] = [(e, reference_url(e.reference, self.actor.city.slug)) for e in page]
        return render(request, "funds/budget.html", ctx, status=status)


class BudgetExportView(CityPageMixin, View):
    """Every expenditure of the current plan, newest first, as the page lists them."""

    def get(self, request, city):
        require(self.actor, "budget.view")
        headers = [
            excel.Column(_("Date"), "date"),
            _("Source"),
            _("Category"),
            excel.Money(_("Amount"), YUAN_UNIT),
            _("In the cluster zone"),
            _("Market-based means"),
            _("Reference"),
            _("Note"),
        ]
        yes, no = _("Yes"), _("No")
        rows = (
            [
                e.spent_on,
                e.source.get_kind_display(),
                e.get_category_display(),
                e.amount,
                yes if e.in_cluster_zone else no,
                yes if e.market_based else no,
                e.reference,
                e.note,
            ]
            for e in selectors.expenditures(self.actor)
        )
        return excel.response(
            f"special-budget-{city}-{clock.today():%Y%m%d}.xlsx",
            _("Special budget expenditures"),
            headers,
            rows,
        )
