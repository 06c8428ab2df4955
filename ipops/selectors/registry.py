"""Reads of the registry, always through the actor's view of the city."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ipops import ids, visibility
from ipops.access import Actor
from ipops.errors import NotFound
from ipops.models import Encumbrance, IPAsset
from ipops.permissions import reads_city


class AssetNotFound(NotFound):
    code = "asset_not_found"
    default_message = _("No such asset.")


def assets_seen(actor: Actor) -> Q | bool:
    """Who sees which assets: bureau staff and officials all of the city's, a holder its own."""
    if reads_city(actor):
        return True
    return Q(owner_id=actor.organization_id) if actor.organization_id else False


visibility.register(IPAsset, view=assets_seen, not_found=AssetNotFound)


def asset_queryset(actor: Actor) -> QuerySet[IPAsset]:
    """The assets this actor may see."""
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
    """One asset, or 404 — the same answer for another city's asset, or one the actor may not see, as
    for a missing one."""
    return visibility.get_visible_or_404(IPAsset.objects.select_related("owner"), actor, pk)


def active_encumbrances(asset_ids) -> dict[int, list[Encumbrance]]:
    out: dict[int, list[Encumbrance]] = {}
    for row in Encumbrance.objects.filter(
        asset_id__in=list(asset_ids), released_at__isnull=True
    ).select_related("holder"):
        out.setdefault(row.asset_id, []).append(row)
    return out
