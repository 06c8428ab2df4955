"""Registry statistics the nightly job snapshots per city (a first, real roll-up)."""

from __future__ import annotations

from django.db.models import Count

from ipops.models import City, IPAsset, LegalStatus
from ipops.tenancy import city_scope


def registry_counts(*, city_id: int) -> dict:
    """Counts of assets by kind and status — the figures the bureau's home page charts."""
    city = City.objects.get(pk=city_id)
    with city_scope(city):
        by_kind = dict(IPAsset.objects.values_list("kind").annotate(n=Count("id")).order_by())
        in_force = IPAsset.objects.filter(legal_status=LegalStatus.IN_FORCE).count()
        pct = IPAsset.objects.filter(is_pct=True).count()
    return {"by_kind": by_kind, "in_force": in_force, "pct": pct, "total": sum(by_kind.values())}
