"""Who is acting, where: the `Actor` every service and selector receives.

A user may act in a city through a membership of one of its organisations, or read
it through a city grant (officials). The city always comes from the URL, never
from a preference.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipops.models import City, CityGrant, Membership, Role, User

ASSET_HOLDER_ROLES = frozenset({Role.ENTERPRISE, Role.UNIVERSITY, Role.SERVICE})
FINANCIAL_ROLES = frozenset({Role.BANK, Role.INSURER, Role.GUARANTOR})
BUREAU_ROLES = frozenset({Role.BUREAU_STAFF, Role.BUREAU_ADMIN})
#: Read every record of the city (`ipops.permissions.reads_city`).
CITY_READER_ROLES = BUREAU_ROLES | {Role.OFFICIAL}
EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Actor:
    user: User
    city: City
    membership: Membership | None
    #: True when the user reaches this city only through a read-only grant.
    via_grant: bool = False

    @property
    def organization(self):
        return self.membership.organization if self.membership else None

    @property
    def organization_id(self) -> int | None:
        return self.membership.organization_id if self.membership else None

    @property
    def role(self) -> Role:
        return self.membership.role if self.membership else Role.OFFICIAL

    @property
    def is_bureau(self) -> bool:
        return self.role in BUREAU_ROLES

    @property
    def is_official(self) -> bool:
        return self.role == Role.OFFICIAL

    @property
    def is_asset_holder(self) -> bool:
        return self.role in ASSET_HOLDER_ROLES

    @property
    def can_write(self) -> bool:
        return not self.via_grant and not self.is_official


def actor_for(user, city: City) -> Actor | None:
    """The user's standing in `city`, or None when they have none there."""
    if not user or not user.is_authenticated:
        return None
    known = getattr(user, "_ipops_membership", None)
    if known is not None and known.city_id == city.pk:
        return Actor(user=user, city=city, membership=known)
    # At most one membership per city (a constraint), so no ordering is needed.
    membership = next(
        iter(Membership.objects.select_related("organization").filter(user=user, city=city)[:1]), None
    )
    if membership:
        membership.city = city  # the request's own City instance; saves a join
        return Actor(user=user, city=city, membership=membership)
    if CityGrant.objects.filter(user=user, city=city).exists():
        return Actor(user=user, city=city, membership=None, via_grant=True)
    return None


def remember_membership(user, membership: Membership) -> None:
    """Let `actor_for` reuse a membership the authenticator already loaded with the user (same request,
    same user object: nothing outlives the request)."""
    user._ipops_membership = membership


def request_cities(request) -> list[City]:
    """`cities_for(request.user)`, asked once per request (the city switcher and a page may both need it)."""
    if not hasattr(request, "_my_cities"):
        request._my_cities = cities_for(getattr(request, "user", None))
    return request._my_cities


def cities_for(user) -> list[City]:
    """Every active city the user may enter, in a stable order."""
    if not user or not user.is_authenticated:
        return []
    ids = set(Membership.objects.filter(user=user).values_list("city_id", flat=True))
    ids |= set(CityGrant.objects.filter(user=user).values_list("city_id", flat=True))
    return list(City.objects.filter(pk__in=ids, is_active=True).order_by("slug"))
