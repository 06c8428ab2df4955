"""Cities (the tenants): the platform operator opens and closes them; no business action is theirs.

Opening a city creates what it needs to start working on its own: the city with its three-year plan
(三年规划), its IP bureau (知识产权局) and the bureau's first admin, who then registers the city's
organisations and people (成员与账号). Closing a city keeps every record; its pages and API answer 404.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ipops import audit, ids
from ipops.errors import Conflict, CoreErrorCode, FieldErrors, IpopsErrorCode
from ipops.models import City, Membership, Organization, OrgKind, User
from ipops.services.organisations import _check_password, _clean_username
from ipops.tenancy import city_scope, forget_city, scopes_disabled
from ipops.validators import text, whole_number


class CityExists(Conflict):
    code = IpopsErrorCode.CITY_EXISTS
    default_message = _("A city with this slug already exists.")


def _clean_city(
    *, slug, name_zh, name_en, province_zh, province_en, plan_start_year, plan_years, errors: FieldErrors
) -> dict:
    this_year = timezone.localdate().year
    clean = {
        "slug": slugify(slug or ""),
        "name_zh": text(name_zh, "name_zh", errors, max_length=40),
        "name_en": text(name_en, "name_en", errors, max_length=80),
        "province_zh": text(province_zh, "province_zh", errors, max_length=40),
        "province_en": text(province_en, "province_en", errors, max_length=80),
        "plan_start_year": whole_number(
            plan_start_year, "plan_start_year", errors, low=2000, high=this_year + 5
        ),
        "plan_years": whole_number(plan_years, "plan_years", errors, low=1, high=10),
    }
    if not clean["slug"] or clean["slug"] != (slug or "").strip().lower():
        errors.add(
            "slug", CoreErrorCode.INVALID, _("Use lower-case letters, digits and hyphens, e.g. yantai.")
        )
    return clean


def city_opening_errors(
    *,
    slug: str,
    name_zh: str,
    name_en: str,
    province_zh: str,
    province_en: str,
    plan_start_year,
    plan_years,
    bureau_name: str,
    bureau_uscc: str,
    admin_username: str,
    admin_password: str,
) -> tuple[dict, FieldErrors]:
    """Everything wrong with opening this city, field by field (the operator's form shows the same)."""
    errors = FieldErrors()
    clean = _clean_city(
        slug=slug,
        name_zh=name_zh,
        name_en=name_en,
        province_zh=province_zh,
        province_en=province_en,
        plan_start_year=plan_start_year,
        plan_years=plan_years,
        errors=errors,
    )
    if clean["slug"] and City.objects.filter(slug=clean["slug"]).exists():
        errors.add("slug", IpopsErrorCode.CITY_EXISTS, CityExists.default_message)
    clean["bureau_name"] = text(bureau_name, "bureau_name", errors, max_length=200)
    try:
        clean["bureau_uscc"] = ids.normalize_uscc(bureau_uscc)
    except ids.InvalidIdentifier as exc:
        errors.add("bureau_uscc", exc.code, exc.message)
    else:
        with scopes_disabled():  # USCCs are national
            if Organization.objects.filter(uscc=clean["bureau_uscc"]).exists():
                errors.add(
                    "bureau_uscc",
                    IpopsErrorCode.ORGANIZATION_DUPLICATE_USCC,
                    _("An organisation with this unified social credit code is already registered."),
                )
    account = FieldErrors()  # the people service's checks, which name the fields username / password
    clean["admin_username"] = _clean_username(admin_username, account)
    if clean["admin_username"] and User.objects.filter(username__iexact=clean["admin_username"]).exists():
        account.add("username", IpopsErrorCode.USERNAME_TAKEN, _("This username is taken."))
    _check_password(admin_password, account)
    for name, problems in account.fields.items():
        for problem in problems:
            errors.add(f"admin_{name}", problem["code"], problem["detail"])
    return clean, errors


@transaction.atomic
def city_create(*, operator: User, admin_password: str, **fields) -> City:
    """Open a city: the city, its IP bureau and the bureau's first admin (a new account).

    `fields` are `city_opening_errors`' arguments; every problem is reported at once (400), and a
    city or account opened by someone else meanwhile is a 409 `city_exists`.
    """
    clean, errors = city_opening_errors(admin_password=admin_password, **fields)
    errors.raise_if_any()
    bureau, uscc, username = clean.pop("bureau_name"), clean.pop("bureau_uscc"), clean.pop("admin_username")
    try:
        with transaction.atomic():
            city = City.objects.create(**clean)
            user = User.objects.create(username=username, password=make_password(admin_password))
    except IntegrityError as exc:
        raise CityExists() from exc
    with city_scope(city):
        org = Organization.objects.create(city=city, kind=OrgKind.BUREAU, name=bureau, uscc=uscc)
        Membership.objects.create(user=user, organization=org, city=city, is_admin=True)
        audit.record(
            actor=operator,
            city=city,
            action="city_create",
            obj=city,
            to_state="active",
            data={
                "bureau": bureau,
                "admin": username,
                "plan_start_year": clean["plan_start_year"],
                "plan_years": clean["plan_years"],
            },
        )
    return city


@transaction.atomic
def city_set_active(*, operator: User, city: City, active: bool, reason: str = "") -> City:
    """Open (again) or close a city. Closed, its members can't enter it; nothing is deleted."""
    city = City.objects.select_for_update().get(pk=city.pk)
    if city.is_active == active:
        return city
    city.is_active = active
    city.save(update_fields=["is_active"])
    transaction.on_commit(lambda: forget_city(city.slug))
    with city_scope(city):
        audit.record(
            actor=operator,
            city=city,
            action="city_activate" if active else "city_deactivate",
            obj=city,
            from_state="inactive" if active else "active",
            to_state="active" if active else "inactive",
            reason=reason,
        )
    return city
