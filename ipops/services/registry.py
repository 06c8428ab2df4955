"""Writes to the IP asset registry: assets, valuations, encumbrances, transfers.

Every asset-level "only once" rule — pledged once, never sold or exclusively
licensed while pledged — is decided here, with the asset rows locked
(`select_for_update`, in id order so two transactions never deadlock).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipops import audit, clock, ids, validators
from ipops import rules as registry_rules
from ipops.access import Actor
from ipops.errors import (
    Conflict,
    CoreErrorCode,
    FieldErrors,
    IpopsErrorCode,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    invalid_field,
)
from ipops.models import (
    AssetKind,
    AssetValuation,
    Encumbrance,
    IPAsset,
    LegalStatus,
    Organization,
)
from ipops.models.accounts import ASSET_HOLDER_KINDS
from ipops.models.registry import PATENT_KINDS, REGISTRABLE_STATUSES
from ipops.money import fen
from ipops.permissions import require
from ipops.tenancy import city_scope, scopes_disabled

_KIND_BY_TYPE_DIGIT = {
    "1": AssetKind.INVENTION,
    "8": AssetKind.INVENTION,
    "2": AssetKind.UTILITY_MODEL,
    "9": AssetKind.UTILITY_MODEL,
    "3": AssetKind.DESIGN,
}


class AssetDuplicateNumber(Conflict):
    code = IpopsErrorCode.ASSET_DUPLICATE_NUMBER
    default_message = _("An asset with this number is already registered in this city.")


class AssetRegisteredElsewhere(Conflict):
    code = IpopsErrorCode.ASSET_REGISTERED_ELSEWHERE
    default_message = _(
        "This patent is already registered on the platform by another organisation. A patent number "
        "exists once in the country; if the patent has been assigned to you, ask the platform to move it."
    )


class AssetMovedAway(Conflict):
    code = IpopsErrorCode.ASSET_MOVED_AWAY
    default_message = _(
        "This asset was assigned to an organisation of another city; it is registered there now."
    )


class MoveTargetInvalid(ValidationFailed):
    code = IpopsErrorCode.MOVE_TARGET_INVALID
    default_message = _("Choose an organisation of another city that can hold IP assets.")


class AssetNotInForce(Conflict):
    code = IpopsErrorCode.ASSET_NOT_IN_FORCE
    default_message = _("Only an asset in force can be listed, pledged or licensed.")


class AssetAlreadyPledged(Conflict):
    code = IpopsErrorCode.ASSET_ALREADY_PLEDGED
    default_message = _(
        "This asset is pledged; it cannot be pledged again, sold or exclusively licensed until the pledge is released."
    )


class AssetEncumbered(Conflict):
    code = IpopsErrorCode.ASSET_ENCUMBERED
    default_message = _("This asset is already licensed or being sold in a way that forbids this.")


class AssetNotOwned(Conflict):
    code = IpopsErrorCode.ASSET_NOT_OWNED
    default_message = _("This asset does not belong to the organisation acting.")


# --- assets ---------------------------------------------------------------------


def _clean_asset_fields(
    *, kind: str, number: str, ipc_codes: Iterable[str], filing_date, grant_date, legal_status: str
) -> dict:
    """Validate identifiers and dates; collect every field error before failing."""
    errors = FieldErrors()
    clean: dict = {}
    if kind not in AssetKind.values:
        errors.add("kind", CoreErrorCode.INVALID_CHOICE, _("Unknown asset kind."))
    if legal_status not in REGISTRABLE_STATUSES:
        errors.add("legal_status", CoreErrorCode.INVALID_CHOICE, _("Unknown legal status."))
    if kind in PATENT_KINDS:
        try:
            parsed = ids.parse_patent_number(number)
        except ids.InvalidIdentifier as exc:
            errors.add("number", exc.code, exc.message)
        else:
            clean["number"] = parsed.canonical
            if _KIND_BY_TYPE_DIGIT[parsed.type_digit] != kind:
                errors.add(
                    "number",
                    IpopsErrorCode.PATENT_NUMBER_KIND_MISMATCH,
                    _("The type digit of this number does not match the asset kind."),
                )
            elif filing_date and parsed.type_digit in "123" and filing_date.year != parsed.year:
                errors.add(
                    "filing_date",
                    IpopsErrorCode.FILING_YEAR_MISMATCH,
                    _("The filing date's year must match the year in the application number."),
                )
    else:
        clean["number"] = (number or "").strip()
        if not clean["number"]:
            errors.add("number", CoreErrorCode.REQUIRED, _("A registration number is required."))
    codes: list[str] = []
    for raw in ipc_codes or []:
        try:
            code = ids.normalize_ipc(raw)
        except ids.InvalidIdentifier as exc:
            errors.add("ipc_codes", exc.code, f"{raw}: {exc.message}")
        else:
            if code not in codes:
                codes.append(code)
    clean["ipc_codes"] = codes
    _asset_dates(kind, filing_date, grant_date, errors)
    if grant_date and filing_date and grant_date < filing_date:
        errors.add("grant_date", IpopsErrorCode.GRANT_BEFORE_FILING, _("Grant date precedes filing date."))
    if kind in PATENT_KINDS and legal_status == LegalStatus.IN_FORCE and not grant_date:
        errors.add("grant_date", CoreErrorCode.REQUIRED, _("A patent in force needs its grant date."))
    errors.raise_if_any(code=CoreErrorCode.INVALID)
    return clean


def _asset_dates(kind: str, filing_date, grant_date, errors: FieldErrors) -> None:
    """Filed and granted: days that happened, so not in the future; a patent's not before China's Patent Law
    took effect (1 April 1985), any other asset's not before the platform's earliest record."""
    earliest = validators.PATENT_LAW if kind in PATENT_KINDS else validators.EARLIEST
    today = clock.today()
    for field, value in (("filing_date", filing_date), ("grant_date", grant_date)):
        if isinstance(value, datetime.date):
            validators.not_in_future(value, field, errors, today=today, earliest=earliest)


@transaction.atomic
def asset_create(
    *,
    actor: Actor,
    kind: str,
    number: str,
    title: str,
    owner: Organization | None = None,
    abstract: str = "",
    ipc_codes: Iterable[str] = (),
    filing_date: datetime.date | None = None,
    grant_date: datetime.date | None = None,
    legal_status: str = LegalStatus.PENDING,
    is_pct: bool = False,
    industry: str = "other",
) -> IPAsset:
    require(actor, "asset.create")
    if owner is None or not actor.is_bureau:
        # Only bureau staff register assets for someone else.
        if owner is not None and owner.pk != actor.organization_id:
            raise PermissionDenied(_("You can register assets only for your own organisation."))
        owner = actor.organization
    if owner.kind not in ASSET_HOLDER_KINDS:
        raise invalid_field(
            "owner", "owner_cannot_hold_assets", _("This organisation cannot hold IP assets.")
        )
    clean = _clean_asset_fields(
        kind=kind,
        number=number,
        ipc_codes=ipc_codes,
        filing_date=filing_date,
        grant_date=grant_date,
        legal_status=legal_status,
    )
    if not (title or "").strip():
        raise ValidationFailed(
            _("A title is required."), fields={"title": [{"code": CoreErrorCode.REQUIRED, "detail": ""}]}
        )
    _refuse_duplicate_number(kind, clean["number"], city_id=actor.city.pk)
    try:
        with transaction.atomic():
            asset = IPAsset.objects.create(
                city=actor.city,
                owner=owner,
                kind=kind,
                title=title.strip(),
                abstract=abstract or "",
                filing_date=filing_date,
                grant_date=grant_date,
                legal_status=legal_status,
                is_pct=is_pct,
                industry=industry,
                **clean,
            )
    except IntegrityError as exc:  # the same number registered concurrently, here or in another city
        _refuse_duplicate_number(kind, clean["number"], city_id=actor.city.pk)
        raise AssetDuplicateNumber() from exc
    return asset


_EDITABLE = (
    "title",
    "abstract",
    "ipc_codes",
    "filing_date",
    "grant_date",
    "legal_status",
    "is_pct",
    "industry",
    "number",
    "kind",
)


@transaction.atomic
def asset_update(*, actor: Actor, asset: IPAsset, **changes) -> IPAsset:
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    asset = IPAsset.objects.select_for_update().get(pk=asset.pk)
    require(actor, "asset.change", asset)
    if asset.legal_status == LegalStatus.TRANSFERRED_OUT:
        raise AssetMovedAway()  # history: the record lives on in the city it moved to
    merged = {f: changes.get(f, getattr(asset, f)) for f in _EDITABLE}
    clean = _clean_asset_fields(
        kind=merged["kind"],
        number=merged["number"],
        ipc_codes=merged["ipc_codes"],
        filing_date=merged["filing_date"],
        grant_date=merged["grant_date"],
        legal_status=merged["legal_status"],
    )
    merged.update(clean)
    if "title" in changes and not (merged["title"] or "").strip():
        raise ValidationFailed(
            _("A title is required."), fields={"title": [{"code": CoreErrorCode.REQUIRED, "detail": ""}]}
        )
    if (merged["kind"], merged["number"]) != (asset.kind, asset.number):
        _refuse_duplicate_number(merged["kind"], merged["number"], city_id=asset.city_id, exclude=asset.pk)
    for name, value in merged.items():
        setattr(asset, name, value)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        _refuse_duplicate_number(merged["kind"], merged["number"], city_id=asset.city_id, exclude=asset.pk)
        raise AssetDuplicateNumber() from exc
    return asset


def _refuse_duplicate_number(kind: str, number: str, *, city_id: int, exclude: int | None = None) -> None:
    """409 if the number is taken: in this city (`asset_duplicate_number`) or, for a patent, anywhere in
    the country (`asset_registered_elsewhere`). CNIPA's register is public, so saying that another
    organisation holds it reveals nothing; which city or organisation does is not said."""
    with scopes_disabled():
        taken = (
            IPAsset.objects.filter(kind=kind, number=number)
            .exclude(pk=exclude)
            .exclude(legal_status=LegalStatus.TRANSFERRED_OUT)
        )
        if kind not in PATENT_KINDS:
            taken = taken.filter(city_id=city_id)
        holder_city = taken.values_list("city_id", flat=True).first()
    if holder_city is None:
        return
    if holder_city == city_id:
        raise AssetDuplicateNumber()
    raise AssetRegisteredElsewhere()


# --- encumbrances -------------------------------------------------------------------


def lock_assets(asset_ids: Iterable[int]) -> list[IPAsset]:
    """Lock the asset rows in id order (a fixed order, so concurrent lockers never deadlock)."""
    wanted = sorted(set(asset_ids))
    assets = list(IPAsset.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(assets) != len(wanted):
        raise NotFound(_("One of these assets does not exist."), code=IpopsErrorCode.ASSET_NOT_FOUND)
    return assets


def _active_kinds(asset_ids: list[int], *, ignore_source: str = "") -> dict[int, set[str]]:
    active: dict[int, set[str]] = {pk: set() for pk in asset_ids}
    rows = Encumbrance.objects.filter(asset_id__in=asset_ids, released_at__isnull=True)
    if ignore_source:
        rows = rows.exclude(source=ignore_source)
    for asset_id, kind in rows.values_list("asset_id", "kind"):
        active[asset_id].add(kind)
    return active


def check_assets_available(
    *, assets: list[IPAsset], action: str, owner_id: int | None = None, ignore_source: str = ""
) -> None:
    """Raise unless every asset is in force, owned by `owner_id` and free for `action`.

    `action` is one of `ipops.rules.BLOCKING`: pledge, assign, exclusive_licence, …
    """
    active = _active_kinds([a.pk for a in assets], ignore_source=ignore_source)
    for asset in assets:
        if owner_id is not None and asset.owner_id != owner_id:
            raise AssetNotOwned(
                fields={"assets": [{"code": IpopsErrorCode.ASSET_NOT_OWNED, "detail": asset.display_number}]}
            )
        if asset.legal_status == LegalStatus.TRANSFERRED_OUT:
            raise AssetMovedAway(
                fields={"assets": [{"code": IpopsErrorCode.ASSET_MOVED_AWAY, "detail": asset.display_number}]}
            )
        if not asset.is_in_force:
            raise AssetNotInForce(
                fields={
                    "assets": [{"code": IpopsErrorCode.ASSET_NOT_IN_FORCE, "detail": asset.display_number}]
                }
            )
        blockers = registry_rules.blocking_encumbrances(action, active[asset.pk])
        if "pledge" in blockers:
            raise AssetAlreadyPledged(
                fields={
                    "assets": [{"code": IpopsErrorCode.ASSET_ALREADY_PLEDGED, "detail": asset.display_number}]
                }
            )
        if blockers:
            raise AssetEncumbered(
                fields={"assets": [{"code": IpopsErrorCode.ASSET_ENCUMBERED, "detail": asset.display_number}]}
            )


@transaction.atomic
def encumbrance_add(
    *,
    asset_ids: Iterable[int],
    kind: str,
    source: str,
    owner_id: int | None = None,
    holder: Organization | None = None,
    reference: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    actor=None,
) -> list[Encumbrance]:
    """Place a pledge / licence / pending sale on assets, atomically and exclusively."""
    action = {"pledge": "pledge", "sale_pending": "assign"}.get(kind, kind)
    assets = lock_assets(asset_ids)
    check_assets_available(assets=assets, action=action, owner_id=owner_id)
    try:
        with transaction.atomic():
            rows = [
                Encumbrance.objects.create(
                    city_id=a.city_id,
                    asset=a,
                    kind=kind,
                    holder=holder,
                    source=source,
                    reference=reference,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
                for a in assets
            ]
    except IntegrityError as exc:  # the partial unique constraint: the database's last word
        raise AssetAlreadyPledged() if kind == "pledge" else AssetEncumbered() from exc
    for row in rows:
        audit.record(
            actor=getattr(actor, "user", actor),
            city=row.city_id,
            action="encumbrance_add",
            obj=row.asset,
            to_state=kind,
            data={"source": source, "reference": reference},
        )
    return rows


@transaction.atomic
def encumbrance_release(*, source: str, kind: str | None = None, actor=None) -> int:
    """Release every active encumbrance a record created (a repaid loan, an ended licence)."""
    rows = Encumbrance.objects.select_for_update().filter(source=source, released_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    released = 0
    now = timezone.now()
    for row in rows:
        row.released_at = now
        row.save(update_fields=["released_at"])
        audit.record(
            actor=getattr(actor, "user", actor),
            city=row.city_id,
            action="encumbrance_release",
            obj=row.asset,
            from_state=row.kind,
            data={"source": source},
        )
        released += 1
    return released


@transaction.atomic
def asset_transfer(
    *, asset_id: int, new_owner: Organization, source: str, reference: str = "", actor=None
) -> IPAsset:
    """Assignment completed (转让登记): the asset changes owner; the sale's own hold is released."""
    (asset,) = lock_assets([asset_id])
    if new_owner.kind not in ASSET_HOLDER_KINDS:
        raise ValidationFailed(
            _("This organisation cannot hold IP assets."), code=IpopsErrorCode.OWNER_CANNOT_HOLD_ASSETS
        )
    check_assets_available(assets=[asset], action="assign", ignore_source=source)
    previous = asset.owner_id
    asset.owner = new_owner
    asset.save(update_fields=["owner", "updated_at"])
    encumbrance_release(source=source, kind="sale_pending", actor=actor)
    audit.record(
        actor=getattr(actor, "user", actor),
        city=asset.city_id,
        action="asset_transfer",
        obj=asset,
        from_state=str(previous),
        to_state=str(new_owner.pk),
        data={"source": source, "reference": reference},
    )
    return asset


@transaction.atomic
def valuation_record(
    *,
    asset: IPAsset,
    value: Decimal,
    valued_on: datetime.date,
    appraiser: Organization | None = None,
    report_ref: str = "",
    actor=None,
) -> AssetValuation:
    value = fen(value)
    if value <= 0:
        raise ValidationFailed(
            _("An appraised value must be positive."),
            code=IpopsErrorCode.VALUATION_NOT_POSITIVE,
            fields={"value": [{"code": IpopsErrorCode.VALUATION_NOT_POSITIVE, "detail": ""}]},
        )
    valuation = AssetValuation.objects.create(
        city_id=asset.city_id,
        asset=asset,
        value=value,
        valued_on=valued_on,
        appraiser=appraiser,
        report_ref=report_ref,
    )
    audit.record(
        actor=getattr(actor, "user", actor),
        city=asset.city_id,
        action="valuation_record",
        obj=asset,
        data={"value": value, "report_ref": report_ref},
    )
    return valuation


@transaction.atomic
def asset_move_to_city(*, operator, asset: IPAsset, new_owner: Organization, reference: str) -> IPAsset:
    """An asset assigned to an organisation of another city (CNIPA recordal `reference`) moves there.

    Each city keeps its own history: the record here stays, as `transferred_out` (its loans, deals and
    valuations still name it), and the new owner's city registers the asset afresh, without this city's
    encumbrances, valuations or owner. The patent number is held by one record in the country at every
    moment. Only the platform operator moves assets between cities; the asset must be free to assign.
    Returns the new city's record.
    """
    if new_owner.city_id == asset.city_id or new_owner.kind not in ASSET_HOLDER_KINDS:
        raise MoveTargetInvalid(
            fields={
                "new_owner": [{"code": MoveTargetInvalid.code, "detail": MoveTargetInvalid.default_message}]
            }
        )
    if not (reference or "").strip():
        raise invalid_field("reference", CoreErrorCode.REQUIRED, _("Give the CNIPA recordal number."))
    with city_scope(asset.city_id):
        (current,) = lock_assets([asset.pk])
        check_assets_available(assets=[current], action="assign")
        status_before = current.legal_status
        current.legal_status = LegalStatus.TRANSFERRED_OUT
        current.save(update_fields=["legal_status", "updated_at"])
        audit.record(
            actor=operator,
            city=current.city_id,
            action="asset_move_out",
            obj=current,
            from_state=status_before,
            to_state=current.legal_status,
            data={"reference": reference, "to_city": new_owner.city_id},
        )
    with city_scope(new_owner.city_id):
        moved = IPAsset.objects.create(
            city_id=new_owner.city_id,
            owner=new_owner,
            legal_status=status_before,
            **{
                f: getattr(current, f)
                for f in (
                    "kind",
                    "number",
                    "title",
                    "abstract",
                    "ipc_codes",
                    "filing_date",
                    "grant_date",
                    "is_pct",
                    "industry",
                )
            },
        )
        audit.record(
            actor=operator,
            city=new_owner.city_id,
            action="asset_move_in",
            obj=moved,
            to_state=moved.legal_status,
            data={"reference": reference, "from_city": current.city_id},
        )
    return moved
