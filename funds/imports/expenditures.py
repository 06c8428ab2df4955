"""Importing the special budget's past expenditures from Excel: each row is booked with `budget_spend`,
the one posting service, so the central money's forbidden uses and every source's balance apply; the
reference names the import batch the expenditure came from."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from funds import services
from funds.errors import FundsErrorCode
from funds.models import Category, SourceKind
from funds.permissions import can
from ipops.imports import CHOICE, DATE, MONEY_WAN, YES_NO, Column, ImportContext, Importer, Sheet


def reference(batch) -> str:
    """What an imported expenditure's `reference` says: the batch it came from."""
    return f"{batch._meta.label_lower}:{batch.pk}"


def _expenditure(context: ImportContext, row: dict[str, Any]) -> object:
    return services.budget_spend(
        actor=context.actor,
        city=context.actor.city,
        source_kind=row["source"],
        category=row["category"],
        amount=row["amount"],
        spent_on=row["spent_on"],
        in_cluster_zone=bool(row["in_cluster_zone"]),
        market_based=row["market_based"],
        note=row["note"] or "",
        reference=reference(context.batch),
    )


EXPENDITURE_SHEET = Sheet(
    key="expenditures",
    name=gettext_lazy("Expenditures"),
    columns=(
        Column(
            "source",
            gettext_lazy("Source"),
            CHOICE,
            choices=tuple((str(v), label) for v, label in SourceKind.choices),
            example=SourceKind.MUNICIPAL.label,
        ),
        Column(
            "category",
            gettext_lazy("Category"),
            CHOICE,
            choices=tuple((str(v), label) for v, label in Category.choices),
            example=Category.SERVICE_PURCHASE.label,
            help=gettext_lazy(
                "Central money may not pay for renovation, land acquisition, personnel or other recurring costs."
            ),
        ),
        Column("amount", gettext_lazy("Amount"), MONEY_WAN, example=120),
        Column("spent_on", gettext_lazy("Spent on"), DATE, example=datetime.date(2024, 5, 20)),
        Column("in_cluster_zone", gettext_lazy("In the cluster zone"), YES_NO, example=True),
        Column(
            "market_based",
            gettext_lazy("Market-based means"),
            YES_NO,
            required=False,
            example=True,
            help=gettext_lazy(
                "Leave empty to follow the category (equity investment, purchase of services)."
            ),
        ),
        Column("note", gettext_lazy("Note"), required=False, example="知识产权运营公共服务采购"),
    ),
    import_row=_expenditure,
    codes={
        FundsErrorCode.SOURCE_NOT_FOUND: "source",
        FundsErrorCode.SOURCE_NOT_RECEIVED: "source",
        FundsErrorCode.SOURCE_EXHAUSTED: "amount",
    },
)

EXPENDITURES = Importer(
    kind="expenditures",
    title=gettext_lazy("Special budget expenditures"),
    sheets=(EXPENDITURE_SHEET,),
    may_import=lambda actor: can(actor, "budget.manage"),
    notes=gettext_lazy(
        "Past payments of the special budget, each booked against its source as if paid through the "
        "platform: a source is never spent beyond what it received, and central money never pays for a "
        "forbidden use."
    ),
)
