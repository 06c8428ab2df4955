"""Reads of the registry, always through the actor's view of the city."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from ipops import ids
from ipops.access import Actor
from ipops.models import AssetKind, Encumbrance, IPAsset, LegalStatus
from ipops.visibility import get_visible_or_404


def asset_queryset(actor: Actor) -> QuerySet[IPAsset]:
    """The assets this actor may see (`ipops.permissions.asset_visibility`)."""
    return IPAsset.objects.restrict(actor).select_related("owner")


def asset_list(
    actor: Actor,
    *,
    q: str = "",
    kind: str = "",
    legal_status: str = "",
    industry: str = "",
    ipc: str = "",
    owner: int | None = None,
    is_pct: bool | None = None,
) -> QuerySet[IPAsset]:
    qs = asset_queryset(actor)
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(number__icontains=q.replace("ZL", "").replace("zl", ""))
            | Q(owner__name__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if legal_status:
        qs = qs.filter(legal_status=legal_status)
    if industry:
        qs = qs.filter(industry=industry)
    if owner:
        qs = qs.filter(owner_id=owner)
    if is_pct is not None:
        qs = qs.filter(is_pct=is_pct)
    if ipc:
        prefix = ids.normalize_ipc_prefix(ipc)
        # ipc_codes is text[]; match any element by prefix.
        qs = qs.extra(
            where=["EXISTS (SELECT 1 FROM unnest(ipops_ipasset.ipc_codes) c WHERE c LIKE %s)"],  # noqa: S610
            params=[prefix.replace("%", "") + "%"],
        )
    return qs


def asset_get(actor: Actor, pk) -> IPAsset:
    """One asset, or 404 — the same answer for another city's asset as for a missing one."""
    return get_visible_or_404(IPAsset.objects.select_related("owner"), actor, pk)


def active_encumbrances(asset_ids) -> dict[int, list[Encumbrance]]:
    out: dict[int, list[Encumbrance]] = {}
    for row in Encumbrance.objects.filter(
        asset_id__in=list(asset_ids), released_at__isnull=True
    ).select_related("holder"):
        out.setdefault(row.asset_id, []).append(row)
    return out


def registry_by_month(*, city) -> dict:
    """The platform's own registry by month: in-force invention patents by month of grant, and PCT
    applications by month of filing — {"inventions": {month: n}, "pct": {month: n}} (two grouped queries)."""
    return registry_by_city_month(cities=[city.pk]).get(city.pk, {"inventions": {}, "pct": {}})


def registry_by_city_month(*, cities) -> dict[int, dict]:
    """`registry_by_month` of many cities in the same two queries (the nightly roll-up reads every city at
    once; inside `scopes_disabled()`): {city id: {"inventions": {month: n}, "pct": {month: n}}}."""
    inventions = (
        IPAsset.objects.filter(
            city_id__in=cities,
            kind=AssetKind.INVENTION,
            legal_status=LegalStatus.IN_FORCE,
            grant_date__isnull=False,
        )
        .annotate(m=TruncMonth("grant_date"))
        .values_list("city_id", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pct = (
        IPAsset.objects.filter(city_id__in=cities, is_pct=True, filing_date__isnull=False)
        .annotate(m=TruncMonth("filing_date"))
        .values_list("city_id", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[int, dict] = {}
    for part, rows in (("inventions", inventions), ("pct", pct)):
        for city_id, month, n in rows:
            out.setdefault(city_id, {"inventions": {}, "pct": {}})[part][month] = n
    return out


def registry_records(*, city, date_from, date_to, pct: bool) -> QuerySet[IPAsset]:
    """The assets behind a registry figure: PCT applications filed, or inventions granted, in a period."""
    if pct:
        qs = IPAsset.objects.filter(
            city=city, is_pct=True, filing_date__gte=date_from, filing_date__lte=date_to
        )
    else:
        qs = IPAsset.objects.filter(
            city=city,
            kind=AssetKind.INVENTION,
            legal_status=LegalStatus.IN_FORCE,
            grant_date__gte=date_from,
            grant_date__lte=date_to,
        )
    return qs.select_related("owner").order_by("-filing_date", "-pk")
