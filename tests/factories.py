"""factory_boy factories for the core's rows: cities, organisations, people in a role, IP assets.

Each builds a valid row with as little as possible said: `MemberFactory(city=qingdao, role="bank")`
is a bank employee of a new bank of Qingdao; `IPAssetFactory(city=qingdao, owner=org)` an invention in
force with a well-formed patent number. City-owned rows are written inside their city's scope. The
helpers in tests/conftest.py (`make_city`, `make_org`, `make_user`, `make_asset`) are these factories
under the names the tests already use.
"""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory, Password

from ipops.demo_data import make_patent_number, make_uscc
from ipops.models import City, IPAsset, Membership, Organization, OrgKind, Role, User
from ipops.tenancy import city_scope

PASSWORD = "pw-123456"

#: role → the kind of organisation that has it, and whether the membership is its admin
ROLE_ORG: dict[str, tuple[str, bool]] = {
    Role.ENTERPRISE: (OrgKind.ENTERPRISE, False),
    Role.UNIVERSITY: (OrgKind.UNIVERSITY, False),
    Role.SERVICE: (OrgKind.SERVICE, False),
    Role.BANK: (OrgKind.BANK, False),
    Role.INSURER: (OrgKind.INSURER, False),
    Role.GUARANTOR: (OrgKind.GUARANTOR, False),
    Role.FUND_MANAGER: (OrgKind.FUND_MANAGER, False),
    Role.BUREAU_STAFF: (OrgKind.BUREAU, False),
    Role.BUREAU_ADMIN: (OrgKind.BUREAU, True),
    Role.OFFICIAL: (OrgKind.GOVERNMENT, False),
}
#: The patent-number type digit of each asset kind.
TYPE_DIGIT = {"invention": "1", "utility_model": "2", "design": "3"}


class CityScopedFactory(DjangoModelFactory):
    """Writes the row inside its city's scope (city-owned models refuse to be read without one)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with city_scope(kwargs["city"]):
            return super()._create(model_class, *args, **kwargs)


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city{n}")
    name_zh = factory.SelfAttribute("slug")
    name_en = factory.LazyAttribute(lambda city: city.slug.title())
    province_zh = "山东省"
    province_en = "Shandong"
    plan_start_year = 2024


class OrganizationFactory(CityScopedFactory):
    class Meta:
        model = Organization

    city = factory.SubFactory(CityFactory)
    kind = OrgKind.ENTERPRISE
    name = factory.LazyAttributeSequence(lambda org, n: f"{org.kind}-{n}")
    uscc = factory.LazyAttribute(lambda org: make_uscc(org.city.slug, org.name))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user.{n}")
    password = Password(PASSWORD)


class MemberFactory(DjangoModelFactory):
    """A person acting for an organisation of a city in `role` (a new organisation of the role's kind
    unless one is given)."""

    class Meta:
        model = Membership

    class Params:
        role = Role.ENTERPRISE

    city = factory.SubFactory(CityFactory)
    organization = factory.SubFactory(
        OrganizationFactory,
        city=factory.SelfAttribute("..city"),
        kind=factory.LazyAttribute(lambda org: ROLE_ORG[org.factory_parent.role][0]),
    )
    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttributeSequence(
            lambda user, n: f"{user.factory_parent.city.slug}.{user.factory_parent.role}.{n}"
        ),
    )
    is_admin = factory.LazyAttribute(lambda member: ROLE_ORG[member.role][1])


class IPAssetFactory(CityScopedFactory):
    """A granted invention in force (a pending one has no grant date)."""

    class Meta:
        model = IPAsset

    class Params:
        serial = factory.Sequence(lambda n: 1_000_000 + n)

    city = factory.SubFactory(CityFactory)
    owner = factory.SubFactory(OrganizationFactory, city=factory.SelfAttribute("..city"))
    kind = "invention"
    legal_status = "in_force"
    title = "一种石墨烯复合导热膜及其制备方法"
    ipc_codes = factory.LazyFunction(lambda: ["C08K 3/04"])
    filing_date = datetime.date(2019, 5, 6)
    grant_date = factory.LazyAttribute(
        lambda asset: None if asset.legal_status == "pending" else datetime.date(2020, 8, 1)
    )
    number = factory.LazyAttribute(
        lambda asset: make_patent_number(asset.filing_date, TYPE_DIGIT[asset.kind], asset.serial)
    )
