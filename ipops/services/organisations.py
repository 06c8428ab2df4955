"""Organisations and their people, managed by the city's bureau admin (知识产权局管理员)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ipops import audit, ids
from ipops.access import Actor
from ipops.errors import Conflict, FieldErrors, ValidationFailed
from ipops.models import Membership, Organization, OrgKind, User
from ipops.permissions import require


def _clean(*, name: str, kind: str, uscc: str) -> dict:
    errors = FieldErrors()
    clean = {"name": (name or "").strip()}
    if not clean["name"]:
        errors.add("name", "required", _("A name is required."))
    if kind not in OrgKind.values:
        errors.add("kind", "invalid_choice", _("Unknown organisation kind."))
    try:
        clean["uscc"] = ids.normalize_uscc(uscc)
    except ids.InvalidIdentifier as exc:
        errors.add("uscc", exc.code, exc.message)
    errors.raise_if_any(code="invalid")
    return clean


@transaction.atomic
def organization_create(*, actor: Actor, name: str, kind: str, uscc: str, district: str = "",
                        is_tech_sme: bool = False, name_en: str = "") -> Organization:
    require(actor, "organization.manage")
    clean = _clean(name=name, kind=kind, uscc=uscc)
    # USCCs are national: the same code may not be registered twice, in any city.
    if Organization.objects.model._base_manager.filter(uscc=clean["uscc"]).exists():
        raise Conflict(_("An organisation with this unified social credit code is already registered."),
                       code="organization_duplicate_uscc")
    try:
        with transaction.atomic():
            org = Organization.objects.create(city=actor.city, kind=kind, district=district, name_en=name_en,
                                              is_tech_sme=is_tech_sme, **clean)
    except IntegrityError as exc:
        raise Conflict(_("An organisation with this name or code is already registered."),
                       code="organization_duplicate") from exc
    audit.record(actor=actor.user, city=actor.city, action="organization_create", obj=org, to_state=kind)
    return org


@transaction.atomic
def member_add(*, actor: Actor, organization: Organization, username: str, password: str,
               display_name: str = "", is_admin: bool = False) -> Membership:
    """Create a user for an organisation of this city (one organisation per user per city)."""
    require(actor, "organization.manage")
    if not username or len(password or "") < 8:
        raise ValidationFailed(_("A username and a password of at least 8 characters are required."),
                               code="member_invalid")
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if Membership.objects.filter(user=user, city=actor.city).exists():
        raise Conflict(_("This user already acts for an organisation in this city."), code="member_exists")
    membership = Membership.objects.create(user=user, organization=organization, city=actor.city,
                                           is_admin=is_admin)
    audit.record(actor=actor.user, city=actor.city, action="member_add", obj=organization,
                 data={"username": username, "is_admin": is_admin})
    return membership
