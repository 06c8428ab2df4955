"""Reads of the city's organisations and their people (成员)."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ipops import visibility
from ipops.access import Actor
from ipops.errors import NotFound
from ipops.models import City, CityGrant, Membership, Organization, User
from ipops.permissions import reads_city


class MemberNotFound(NotFound):
    code = "member_not_found"
    default_message = _("No such member.")


def members_seen(actor: Actor) -> Q | bool:
    """Who sees which people: the bureau and officials everyone of the city, others their own
    organisation's. Membership is not a scoped model (the tenancy layer reads it to let people in), so
    the rule names the city itself."""
    here = Q(city_id=actor.city.pk)
    if reads_city(actor):
        return here
    return here & Q(organization_id=actor.organization_id) if actor.organization_id else False


visibility.register(Membership, view=members_seen, not_found=MemberNotFound)


def organization_get(pk) -> Organization:
    """An organisation of the current city, or 404 — the same answer for another city's as for none."""
    try:
        return Organization.objects.get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such organisation."), code="organization_not_found") from exc


def organization_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The current city's organisations grouped by kind, for a <select> with one group per kind."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for org in Organization.objects.order_by("kind", "name").only("pk", "name", "kind"):
        groups.setdefault(org.get_kind_display(), []).append((org.pk, org.name))
    return list(groups.items())


def _acts_in_other_cities(user_ref, city: City) -> Q:
    """The account acts in (membership) or reads (grant) a city other than `city`."""
    return Q(Exists(Membership.objects.filter(user_id=user_ref).exclude(city_id=city.pk))) | Q(
        Exists(CityGrant.objects.filter(user_id=user_ref).exclude(city_id=city.pk))
    )


def user_acts_in_other_cities(user: User, city: City) -> bool:
    return User.objects.filter(pk=user.pk).filter(_acts_in_other_cities(OuterRef("pk"), city)).exists()


def _memberships(city: City) -> QuerySet[Membership]:
    """Membership is not a scoped model (the tenancy layer reads it to let people in): the city is
    filtered here. Each row says whether the account also serves another city."""
    return (
        Membership.objects.filter(city=city)
        .select_related("user", "organization")
        .annotate(
            acts_in_other_cities=ExpressionWrapper(
                _acts_in_other_cities(OuterRef("user_id"), city), output_field=BooleanField()
            )
        )
    )


def membership_list(
    actor: Actor,
    *,
    q: str = "",
    organization: int | None = None,
    kind: str = "",
    is_admin: bool | None = None,
) -> QuerySet[Membership]:
    """The members the actor may see: the whole city for the bureau and officials, else their own
    organisation's. One query however long the page (user and organisation ride along)."""
    qs = visibility.restrict(_memberships(actor.city), actor)
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__display_name__icontains=q)
            | Q(organization__name__icontains=q)
        )
    if organization:
        qs = qs.filter(organization_id=organization)
    if kind:
        qs = qs.filter(organization__kind=kind)
    if is_admin is not None:
        qs = qs.filter(is_admin=is_admin)
    return qs.order_by("organization__name", "-is_admin", "user__username", "pk")


def membership_get(actor: Actor, pk) -> Membership:
    """One member of this city the actor may see, or 404 — the same answer for another city's as for none."""
    return visibility.get_visible_or_404(_memberships(actor.city), actor, pk)
