"""Organisations and their people (成员与账号).

The city's bureau admin (知识产权局管理员) registers organisations and manages everyone's access to the
city; an organisation's own admin manages its members. A person is one account (`User`) that may act in
several cities, once per city (`Membership`); what a city's admins decide ends at that city's border.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ipops import audit, ids
from ipops.access import Actor
from ipops.errors import Conflict, CoreErrorCode, FieldErrors, IpopsErrorCode, NotFound, PermissionDenied
from ipops.models import Membership, Organization, OrgKind, User
from ipops.permissions import require
from ipops.security.models import ApiToken
from ipops.selectors.organisations import user_acts_in_other_cities
from ipops.tenancy import scopes_disabled


class MemberExists(Conflict):
    code = IpopsErrorCode.MEMBER_EXISTS
    default_message = _("This user already acts for an organisation in this city.")


class UsernameTaken(Conflict):
    code = IpopsErrorCode.USERNAME_TAKEN
    default_message = _("Another account already uses this username in a different letter case.")


class MemberIsSelf(PermissionDenied):
    code = IpopsErrorCode.MEMBER_IS_SELF
    default_message = _("You cannot change or remove your own membership; ask another admin.")


class LastBureauAdmin(Conflict):
    code = IpopsErrorCode.LAST_BUREAU_ADMIN
    default_message = _("This is the bureau organisation's last admin; make someone else admin first.")


class AccountInOtherCity(PermissionDenied):
    code = IpopsErrorCode.MEMBER_IN_OTHER_CITY
    default_message = _("This person also acts in another city; only they can change their password.")


class PlatformAccount(PermissionDenied):
    code = IpopsErrorCode.MEMBER_PLATFORM_ACCOUNT
    default_message = _("This is a platform operator's account; a city cannot change its password.")


def _clean(*, name: str, kind: str, uscc: str) -> dict:
    errors = FieldErrors()
    clean = {"name": (name or "").strip()}
    if not clean["name"]:
        errors.add("name", CoreErrorCode.REQUIRED, _("A name is required."))
    if kind not in OrgKind.values:
        errors.add("kind", CoreErrorCode.INVALID_CHOICE, _("Unknown organisation kind."))
    try:
        clean["uscc"] = ids.normalize_uscc(uscc)
    except ids.InvalidIdentifier as exc:
        errors.add("uscc", exc.code, exc.message)
    errors.raise_if_any(code=CoreErrorCode.INVALID)
    return clean


@transaction.atomic
def organization_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    uscc: str,
    district: str = "",
    is_tech_sme: bool = False,
    name_en: str = "",
) -> Organization:
    require(actor, "organization.manage")
    clean = _clean(name=name, kind=kind, uscc=uscc)
    # USCCs are national: the same code may not be registered twice, in any city. A read across cities,
    # so it leaves the city's scope explicitly (the database wall would hide the other cities otherwise).
    with scopes_disabled():
        uscc_taken = Organization.objects.filter(uscc=clean["uscc"]).exists()
    if uscc_taken:
        raise Conflict(
            _("An organisation with this unified social credit code is already registered."),
            code=IpopsErrorCode.ORGANIZATION_DUPLICATE_USCC,
        )
    try:
        with transaction.atomic():
            org = Organization.objects.create(
                city=actor.city,
                kind=kind,
                district=district,
                name_en=name_en,
                is_tech_sme=is_tech_sme,
                **clean,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("An organisation with this name or code is already registered."),
            code=IpopsErrorCode.ORGANIZATION_DUPLICATE,
        ) from exc
    audit.record(actor=actor.user, city=actor.city, action="organization_create", obj=org, to_state=kind)
    return org


_USERNAME_MAX: int = User._meta.get_field("username").max_length or 150
_DISPLAY_NAME_MAX: int = User._meta.get_field("display_name").max_length or 100


def _clean_username(username: str, errors: FieldErrors) -> str:
    name = User.normalize_username((username or "").strip())
    if not name:
        errors.add("username", CoreErrorCode.REQUIRED, _("A username is required."))
    elif len(name) > _USERNAME_MAX:
        errors.add(
            "username",
            IpopsErrorCode.USERNAME_TOO_LONG,
            _("A username has at most %(max)d characters.") % {"max": _USERNAME_MAX},
        )
    else:
        try:
            User.username_validator(name)
        except DjangoValidationError:
            errors.add(
                "username",
                IpopsErrorCode.USERNAME_INVALID,
                _("A username may contain only letters, digits and the characters @ . + - _"),
            )
    return name


def _check_password(password: str, errors: FieldErrors, user: User | None = None) -> None:
    """The project's password policy (AUTH_PASSWORD_VALIDATORS: at least 10 characters of two kinds, not a
    common one, not only digits, not like the username, not a place's name with digits, no edge spaces).
    Every place a password is set comes here: adding a member, resetting a password, opening a city."""
    if not password:
        errors.add("password", CoreErrorCode.REQUIRED, _("A password is required."))
        return
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        for error in exc.error_list:
            if error.code == "password_too_short":
                # Django 5.2 reworded this message and its Chinese catalogue still has the old wording.
                detail = _("A password needs at least %(min_length)d characters.") % error.params
            else:
                detail = " ".join(error.messages)
            errors.add("password", error.code or IpopsErrorCode.PASSWORD_INVALID, detail)


def _is_platform_account(user: User) -> bool:
    return user.is_superuser or user.is_staff or user.is_platform_admin


def _password_refusal(user: User, city) -> PermissionDenied | None:
    """Why this city's admins may not set `user`'s password, if they may not: the account serves
    more than this city (another city's people rely on it), or runs the platform."""
    if _is_platform_account(user):
        return PlatformAccount()
    if user_acts_in_other_cities(user, city):
        return AccountInOtherCity()
    return None


def _set_password(user: User, password: str) -> bool:
    """Set the password and end every old credential: sessions die with the old hash (Django checks it
    on each request), the API token is deleted so integrations must log in again. True if a token went."""
    user.set_password(password)
    user.save(update_fields=["password"])
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def _audit_member(actor: Actor, action: str, membership: Membership, **kwargs) -> None:
    data = {
        "username": membership.user.username,
        "organization": membership.organization_id,
        **kwargs.pop("data", {}),
    }
    audit.record(actor=actor.user, city=actor.city, action=action, obj=membership, data=data, **kwargs)


@transaction.atomic
def member_add(
    *,
    actor: Actor,
    organization: Organization,
    username: str,
    password: str,
    display_name: str = "",
    is_admin: bool = False,
) -> Membership:
    """Give a person access to this city as a member of one of its organisations (one per person per city).

    A new username creates the account with `password`. An existing username is that person's account:
    someone who acts in another city is linked as they are and keeps their own password; an account that
    acts nowhere any more (a former member) is taken over with `password`, so whoever held it before
    cannot log in with the old one.
    """
    if organization.city_id != actor.city.pk:
        raise NotFound(_("No such organisation."), code=IpopsErrorCode.ORGANIZATION_NOT_FOUND)
    require(actor, "member.add", organization)
    errors = FieldErrors()
    username = _clean_username(username, errors)
    display_name = (display_name or "").strip()
    if len(display_name) > _DISPLAY_NAME_MAX:
        errors.add(
            "display_name",
            IpopsErrorCode.DISPLAY_NAME_TOO_LONG,
            _("A display name has at most %(max)d characters.") % {"max": _DISPLAY_NAME_MAX},
        )
    # Not saved: what the similarity rule compares the password with (the username, the display name).
    _check_password(password, errors, User(username=username, display_name=display_name))
    errors.raise_if_any(code=IpopsErrorCode.MEMBER_INVALID)

    same_name = set(User.objects.filter(username__iexact=username).values_list("username", flat=True))
    if same_name and username not in same_name:
        # Logins match the exact case: "LiWei" beside "liwei" would be two people nobody can tell apart.
        raise UsernameTaken(
            fields={"username": [{"code": UsernameTaken.code, "detail": UsernameTaken.default_message}]}
        )
    # A concurrent add of the same new username waits on the unique username, then finds this account.
    user, created = User.objects.get_or_create(  # type: ignore[misc]
        username=username,
        # The hash is made only when the account is new: a callable default (not in the stubs' types).
        defaults={"display_name": display_name, "password": lambda: make_password(password)},
    )
    account = "created"
    if not created:
        # Locked so that a concurrent add elsewhere can't link it while we decide whether to take it over.
        user = User.objects.select_for_update().get(pk=user.pk)
        if Membership.objects.filter(user=user, city=actor.city).exists():
            raise MemberExists()
        account = "linked"
        if not (_is_platform_account(user) or user.memberships.exists() or user.city_grants.exists()):
            account = "reclaimed"
            _set_password(user, password)
            if display_name:
                user.display_name = display_name
                user.save(update_fields=["display_name"])
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, organization=organization, city=actor.city, is_admin=is_admin
            )
    except IntegrityError as exc:  # membership_one_per_city: a concurrent add got there first
        raise MemberExists() from exc
    _audit_member(
        actor,
        "member_add",
        membership,
        to_state="admin" if is_admin else "member",
        data={"is_admin": is_admin, "account": account},
    )
    return membership


def _lock_for_change(actor: Actor, membership: Membership) -> Membership:
    """Lock the member's organisation, then the membership, as it is now (404 if it went meanwhile).

    Every change to an organisation's members waits on the organisation's row first, so "is this its
    last admin?" holds until the change commits and two admins changing each other can't deadlock.
    """
    Organization.objects.select_for_update().filter(pk=membership.organization_id).first()
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .filter(pk=membership.pk, city=actor.city)
        .first()
    )
    if current is None:
        raise NotFound(_("No such member."), code=IpopsErrorCode.MEMBER_NOT_FOUND)
    require(actor, "member.manage", current)
    if current.user_id == actor.user.pk:
        raise MemberIsSelf()
    return current


def _keep_a_bureau_admin(membership: Membership) -> None:
    """Nobody but a bureau organisation's own admins can manage it: it never loses its last one."""
    if membership.organization.kind != OrgKind.BUREAU or not membership.is_admin:
        return
    if (
        not Membership.objects.filter(organization_id=membership.organization_id, is_admin=True)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise LastBureauAdmin()


@transaction.atomic
def member_remove(*, actor: Actor, membership: Membership) -> None:
    """End the person's access to this city (the account itself stays: it may act in other cities)."""
    membership = _lock_for_change(actor, membership)
    _keep_a_bureau_admin(membership)
    _audit_member(
        actor,
        "member_remove",
        membership,
        from_state="admin" if membership.is_admin else "member",
        to_state="removed",
    )
    membership.delete()


@transaction.atomic
def member_set_admin(*, actor: Actor, membership: Membership, is_admin: bool) -> Membership:
    """Grant or revoke the organisation-admin flag (a bureau organisation's admins are bureau admins)."""
    membership = _lock_for_change(actor, membership)
    if membership.is_admin == is_admin:
        return membership
    if not is_admin:
        _keep_a_bureau_admin(membership)
    membership.is_admin = is_admin
    membership.save(update_fields=["is_admin"])
    _audit_member(
        actor,
        "member_set_admin",
        membership,
        from_state="member" if is_admin else "admin",
        to_state="admin" if is_admin else "member",
    )
    return membership


@transaction.atomic
def member_reset_password(*, actor: Actor, membership: Membership, password: str) -> Membership:
    """Set a new password the admin hands to the person, and revoke their API token.

    Only for accounts that serve this city alone: the same account in another city is that city's
    business too, and a city admin must never take over a platform operator's account.
    """
    membership = _lock_for_change(actor, membership)
    user = User.objects.select_for_update().get(pk=membership.user_id)
    refusal = _password_refusal(user, actor.city)
    if refusal is not None:
        raise refusal
    errors = FieldErrors()
    _check_password(password, errors, user)
    errors.raise_if_any(code=IpopsErrorCode.PASSWORD_INVALID)
    token_revoked = _set_password(user, password)
    _audit_member(actor, "member_reset_password", membership, data={"token_revoked": token_revoked})
    return membership
