"""Demo data for the imports: the bureau has uploaded a file of two past expenditures and checked it; the
preview waits for its "import" button (called by `funds.demo.seed`, inside the city's scope)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from funds.imports.expenditures import EXPENDITURES
from ipops import imports
from ipops.access import actor_for
from ipops.models import City, ImportBatch, User

ROWS = [
    {
        "source": "municipal",
        "category": "training",
        "amount": 8,
        "spent_on": datetime.date(2025, 3, 20),
        "in_cluster_zone": False,
        "note": "知识产权运营实务培训班（补录）",
    },
    {
        "source": "municipal",
        "category": "service_purchase",
        "amount": 25,
        "spent_on": datetime.date(2025, 4, 18),
        "in_cluster_zone": True,
        "note": "集聚区专利导航服务采购（补录）",
    },
]


def seed(*, city: City) -> None:
    user = User.objects.filter(username=f"{city.slug}.bureau").first()
    bureau = actor_for(user, city) if user is not None else None
    if bureau is None or ImportBatch.objects.filter(kind=EXPENDITURES.kind).exists():
        return
    content = imports.filled_workbook(EXPENDITURES, {"expenditures": ROWS})
    upload = SimpleUploadedFile("专项资金历史支出补录.xlsx", content)
    imports.import_upload(actor=bureau, importer=EXPENDITURES, upload=upload)
