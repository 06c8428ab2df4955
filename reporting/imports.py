"""Importing reported statistics from Excel or CSV, on the core mechanism (`ipops.imports`): each row is
entered with `statistic_record`, the one service, so every value is versioned with who entered it, when and
from which batch; a row that repeats the current value writes nothing, a changed value is a new version."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from ipops import imports
from ipops.imports import CHOICE, INTEGER, TEXT, Column, ImportContext, Importer, Sheet
from reporting.models import StatisticCode
from reporting.permissions import can
from reporting.services.statistics import statistic_record


def _statistic(context: ImportContext, row: dict[str, Any]) -> object:
    return statistic_record(
        actor=context.actor,
        code=row["code"],
        year=row["year"],
        month=row["month"],
        value=row["value"],
        note=row["note"] or "",
        batch=context.batch,
    )


STATISTIC_SHEET = Sheet(
    key="statistics",
    name=gettext_lazy("Statistics"),
    columns=(
        Column(
            "code",
            gettext_lazy("Statistic"),
            CHOICE,
            choices=tuple((str(v), label) for v, label in StatisticCode.choices),
            example=StatisticCode.POPULATION.label,
        ),
        Column("year", gettext_lazy("Year"), INTEGER, example=2025),
        Column(
            "month",
            gettext_lazy("Month"),
            INTEGER,
            required=False,
            example="",
            help=gettext_lazy("Leave empty for a figure of the whole year."),
        ),
        Column(
            "value",
            gettext_lazy("Value"),
            TEXT,
            example="10371.5",
            help=gettext_lazy("In the statistic's own unit (people, items, days, points)."),
        ),
        Column("note", gettext_lazy("Source / note"), required=False, example="市统计局公报"),
    ),
    import_row=_statistic,
)

STATISTICS = imports.register(
    Importer(
        kind="statistics",
        title=gettext_lazy("Reported statistics"),
        sheets=(STATISTIC_SHEET,),
        may_import=lambda actor: can(actor, "statistic.enter"),
        notes=gettext_lazy(
            "One row per figure: a statistic for a year (leave the month empty) or a month. Entering a "
            "period again with another value keeps the earlier value as a previous version; the same value "
            "again changes nothing. A CSV file with the same columns (UTF-8 or GB18030) is accepted too."
        ),
    )
)
#: The kinds of import the reporting pages and API offer.
KINDS = (STATISTICS.kind,)


def seed_demo(*, city) -> None:
    """Demo: the bureau has uploaded last year's enforcement figures and checked them; the preview waits
    for its "import" button (nothing written). Called by `reporting.demo.seed`, inside the city's scope."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ipops import clock
    from ipops.access import actor_for
    from ipops.models import ImportBatch, User

    user = User.objects.filter(username=f"{city.slug}.bureau").first()
    bureau = actor_for(user, city) if user is not None else None
    if bureau is None or ImportBatch.objects.filter(kind=STATISTICS.kind).exists():
        return
    year = clock.today().year - 1
    rows = [
        {"code": StatisticCode.ENFORCEMENT_CASES, "year": year, "value": "512", "note": "市场监管局年报"},
        {"code": StatisticCode.CASE_CLOSING_DAYS, "year": year, "value": "38.5", "note": "市场监管局年报"},
    ]
    content = imports.filled_workbook(STATISTICS, {STATISTIC_SHEET.key: rows})
    upload = SimpleUploadedFile("执法统计补录.xlsx", content)
    imports.import_upload(actor=bureau, importer=STATISTICS, upload=upload)
