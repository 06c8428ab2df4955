"""The records behind a computed figure (the deals of that month, the loans of that quarter), as a page and
as Excel: one small column spec per kind of record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Model
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from funds.models import Fund
from ipops import excel
from ipops.models import IPAsset
from ipops.views.pages import CityPageMixin
from pledge_finance.models import Loan
from reporting import rules, selectors
from reporting.permissions import require
from subsidies.models import Claim
from trading.models import Transaction


@dataclass(frozen=True)
class Col:
    header: Any
    kind: str  # text, money, date, integer
    read: Callable[[Any], Any]


@dataclass(frozen=True)
class RecordSpec:
    url_name: str
    columns: tuple[Col, ...]


def _local_date(value):
    return timezone.localdate(value) if value is not None else None


RECORD_SPECS: dict[type[Model], RecordSpec] = {
    Transaction: RecordSpec(
        "trading-deal",
        (
            Col(gettext_lazy("Completed on"), "date", lambda t: _local_date(t.completed_at)),
            Col(gettext_lazy("Listing"), "text", lambda t: t.listing.title),
            Col(gettext_lazy("Deal type"), "text", lambda t: t.get_deal_type_display()),
            Col(gettext_lazy("Seller"), "text", lambda t: t.seller.name),
            Col(gettext_lazy("Buyer"), "text", lambda t: t.buyer.name),
            Col(gettext_lazy("Agreed price"), "money", lambda t: t.agreed_price),
        ),
    ),
    Loan: RecordSpec(
        "pledge-loan-detail",
        (
            Col(gettext_lazy("Disbursed on"), "date", lambda loan: loan.disbursed_on),
            Col(gettext_lazy("Enterprise"), "text", lambda loan: loan.enterprise.name),
            Col(gettext_lazy("Bank"), "text", lambda loan: loan.bank.name if loan.bank_id else ""),
            Col(gettext_lazy("Term (months)"), "integer", lambda loan: loan.term_months),
            Col(gettext_lazy("Amount"), "money", lambda loan: loan.amount),
        ),
    ),
    Claim: RecordSpec(
        "subsidies-claim-detail",
        (
            Col(gettext_lazy("Paid on"), "date", lambda c: c.batch.paid_on if c.batch_id else None),
            Col(gettext_lazy("Policy"), "text", lambda c: c.policy.name),
            Col(gettext_lazy("Claimant"), "text", lambda c: c.organization.name),
            Col(gettext_lazy("Amount paid"), "money", lambda c: c.approved_amount),
        ),
    ),
    IPAsset: RecordSpec(
        "asset-detail",
        (
            Col(gettext_lazy("Number"), "text", lambda a: a.number),
            Col(gettext_lazy("Title"), "text", lambda a: a.title),
            Col(gettext_lazy("Owner"), "text", lambda a: a.owner.name),
            Col(gettext_lazy("Filed on"), "date", lambda a: a.filing_date),
            Col(gettext_lazy("Granted on"), "date", lambda a: a.grant_date),
        ),
    ),
    Fund: RecordSpec(
        "funds-detail",
        (
            Col(gettext_lazy("Fund"), "text", lambda f: f.name),
            Col(gettext_lazy("Guide fund"), "text", lambda f: f.parent.name if f.parent_id else ""),
            Col(gettext_lazy("Manager"), "text", lambda f: f.manager.name),
            Col(gettext_lazy("Vintage year"), "integer", lambda f: f.vintage_year),
        ),
    ),
}


def _records(actor, pk, request) -> tuple[selectors.Records, RecordSpec]:
    require(actor, "indicator.view")
    period = request.GET.get("period") or rules.PLAN
    found = selectors.records(actor, pk, period)
    spec = RECORD_SPECS[found.queryset.model]
    return found, spec


class RecordsView(CityPageMixin, View):
    def get(self, request, city, pk):
        found, spec = _records(self.actor, pk, request)
        page = Paginator(found.queryset, 50).get_page(request.GET.get("page"))
        rows = [
            {
                "url": reverse(spec.url_name, kwargs={"city": city, "pk": record.pk}),
                "cells": [(col.kind, col.read(record)) for col in spec.columns],
            }
            for record in page
        ]
        return render(
            request,
            "reporting/records.html",
            {
                "indicator": found.indicator,
                "found": found,
                "metric_label": found.metric.label,
                "period_label": _("Plan to date") if found.period == rules.PLAN else found.period,
                "columns": spec.columns,
                "rows": rows,
                "page": page,
                "query": urlencode({"period": found.period}),
            },
        )


class RecordsExportView(CityPageMixin, View):
    def get(self, request, city, pk):
        found, spec = _records(self.actor, pk, request)
        kinds = {"money": "money", "date": "date", "integer": "integer"}
        headers = [excel.Column(col.header, kinds.get(col.kind, "text")) for col in spec.columns]
        rows = ([col.read(r) for col in spec.columns] for r in found.queryset.iterator(chunk_size=500))
        name = f"records-{found.indicator.code}-{found.period}.xlsx"
        return excel.response(name, found.indicator.code, headers, rows)


urlpatterns = [
    path("indicators/<int:pk>/records/", RecordsView.as_view(), name="reporting-records"),
    path(
        "indicators/<int:pk>/records/export.xlsx",
        RecordsExportView.as_view(),
        name="reporting-records-export",
    ),
]
