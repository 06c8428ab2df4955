"""What each role's home page shows: real figures of its own work, read in one place."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from ipops.access import Actor
from ipops.models import City, Encumbrance, IPAsset, JobRun, LegalStatus, Membership, Organization
from ipops.rules import add_years
from ipops.tenancy import scopes_disabled


def _kind_counts(qs) -> list[dict]:
    labels = dict(IPAsset.kind.field.choices or ())
    return [
        {"kind": row["kind"], "label": str(labels.get(row["kind"], row["kind"])), "n": row["n"]}
        for row in qs.values("kind").annotate(n=Count("id")).order_by("-n")
    ]


def _industry_counts(qs) -> list[dict]:
    labels = dict(IPAsset.industry.field.choices or ())
    return [
        {"industry": row["industry"], "label": str(labels.get(row["industry"])), "n": row["n"]}
        for row in qs.values("industry").annotate(n=Count("id")).order_by("-n")
    ]


def holder_home(actor: Actor, *, today: datetime.date) -> dict:
    """Enterprise / university / service institution: my organisation and my portfolio."""
    mine = IPAsset.objects.filter(owner_id=actor.organization_id)
    in_force = mine.filter(legal_status=LegalStatus.IN_FORCE)
    # Assets whose term ends within a year: time to license, sell or plan succession.
    expiring = [
        a
        for a in in_force.order_by("filing_date")[:500]
        if a.expiry_date and a.expiry_date <= add_years(today, 1)
    ][:10]
    pledged = Encumbrance.objects.filter(asset__owner_id=actor.organization_id, released_at__isnull=True)
    return {
        "org": actor.organization,
        "asset_total": mine.count(),
        "in_force_total": in_force.count(),
        "invention_total": in_force.filter(kind="invention").count(),
        "pct_total": mine.filter(is_pct=True).count(),
        "kind_counts": _kind_counts(mine),
        "recent_assets": mine.order_by("-created_at")[:8],
        "expiring": expiring,
        "encumbrances": pledged.select_related("asset", "holder")[:10],
    }


def institution_home(actor: Actor) -> dict:
    """Bank / insurer / guarantor / fund manager: my organisation and the rights it holds over assets."""
    held = Encumbrance.objects.filter(holder=actor.organization).select_related("asset", "asset__owner")
    return {
        "org": actor.organization,
        "colleagues": Membership.objects.filter(organization=actor.organization).select_related("user"),
        "held_active": held.filter(released_at__isnull=True)[:20],
        "held_active_total": held.filter(released_at__isnull=True).count(),
        "held_released_total": held.filter(released_at__isnull=False).count(),
        "city_in_force": IPAsset.objects.filter(legal_status=LegalStatus.IN_FORCE).count(),
    }


def bureau_home(actor: Actor) -> dict:
    """Bureau: the city's registry at a glance, organisations by kind, the last snapshot job."""
    assets = IPAsset.objects.all()
    orgs = Organization.objects.all()
    kind_labels = dict(Organization.kind.field.choices or ())
    return {
        "org": actor.organization,
        "asset_total": assets.count(),
        "in_force_total": assets.filter(legal_status=LegalStatus.IN_FORCE).count(),
        "pct_total": assets.filter(is_pct=True).count(),
        "pledged_total": Encumbrance.objects.filter(kind="pledge", released_at__isnull=True).count(),
        "kind_counts": _kind_counts(assets),
        "industry_counts": _industry_counts(assets),
        "org_counts": [
            {"kind": r["kind"], "label": str(kind_labels[r["kind"]]), "n": r["n"]}
            for r in orgs.values("kind").annotate(n=Count("id")).order_by("kind")
        ],
        "recent_assets": assets.select_related("owner").order_by("-created_at")[:10],
        "last_snapshot": JobRun.objects.filter(city=actor.city, name="registry_snapshot").first(),
    }


def official_home(actor: Actor, cities: list[City]) -> dict:
    """Official: this city's figures, and a comparison across every city they may read."""
    current = bureau_home(actor)
    current.pop("recent_assets")
    city_ids = [c.pk for c in cities]
    # Cross-city comparison: leaving the scope is explicit, and limited to the cities granted.
    with scopes_disabled():
        rows = (
            IPAsset.objects.filter(city_id__in=city_ids)
            .values("city_id")
            .annotate(
                total=Count("id"),
                in_force=Count("id", filter=Q(legal_status=LegalStatus.IN_FORCE)),
                pct=Count("id", filter=Q(is_pct=True)),
            )
        )
        by_city = {r["city_id"]: r for r in rows}
    comparison = [
        {
            "city": c,
            "total": by_city.get(c.pk, {}).get("total", 0),
            "in_force": by_city.get(c.pk, {}).get("in_force", 0),
            "pct": by_city.get(c.pk, {}).get("pct", 0),
        }
        for c in cities
    ]
    current.update({"comparison": comparison, "read_only": True})
    return current
