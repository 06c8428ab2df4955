"""IP operations centres (知识产权运营中心), registered by the bureau, and their member organisations."""

from __future__ import annotations

import datetime

from django.db import IntegrityError
from django.db.transaction import atomic

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.models import Organization

from ..errors import CentreExists, CentreMemberExists, CentreMemberNotFound
from ..models import CentreKind, CentreMembership, OperationsCentre
from ..permissions import require


@atomic
def centre_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str = "",
    kind: str = CentreKind.UNIVERSITY,
    established_on: datetime.date | None = None,
) -> OperationsCentre:
    require(actor, "centre.manage")
    errors = FieldErrors()
    validators.choice(kind, CentreKind.values, "kind", errors)
    name = validators.text(name, "name", errors, required=False, max_length=120)
    validators.not_in_future(established_on, "established_on", errors, today=clock.today())
    errors.raise_if_any()
    if OperationsCentre.objects.filter(organization=organization).exists():
        raise CentreExists()
    try:
        with atomic():  # two bureau staff registering the same organisation at once: one centre
            centre = OperationsCentre.objects.create(
                city=actor.city,
                organization=organization,
                name=name or organization.name,
                kind=kind,
                established_on=established_on,
            )
    except IntegrityError as exc:
        raise CentreExists() from exc
    audit.record(actor=actor.user, city=actor.city, action="centre_create", obj=centre, data={"kind": kind})
    return centre


@atomic
def centre_member_add(
    *,
    actor: Actor,
    centre: OperationsCentre,
    organization: Organization,
    joined_on: datetime.date | None = None,
) -> CentreMembership:
    require(actor, "centre.manage")
    errors = FieldErrors()
    validators.not_in_future(joined_on, "joined_on", errors, today=clock.today())
    errors.raise_if_any()
    membership, created = CentreMembership.objects.get_or_create(
        centre=centre, organization=organization, defaults={"city_id": centre.city_id, "joined_on": joined_on}
    )
    if not created:
        raise CentreMemberExists()
    audit.record(
        actor=actor.user,
        city=centre.city_id,
        action="centre_member_add",
        obj=centre,
        data={"organization": organization.pk},
    )
    return membership


@atomic
def centre_member_remove(*, actor: Actor, centre: OperationsCentre, organization: Organization) -> None:
    require(actor, "centre.manage")
    deleted, _rows = CentreMembership.objects.filter(centre=centre, organization=organization).delete()
    if not deleted:
        raise CentreMemberNotFound()
    audit.record(
        actor=actor.user,
        city=centre.city_id,
        action="centre_member_remove",
        obj=centre,
        data={"organization": organization.pk},
    )
