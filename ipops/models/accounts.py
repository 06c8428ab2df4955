"""Cities (tenants), users, organisations and who may act where."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ipops.tenancy import CityOwned


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class City(models.Model):
    """A tenant: one city's IP operations service system (知识产权运营服务体系)."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    province_zh = models.CharField(_("province (Chinese)"), max_length=40)
    province_en = models.CharField(_("province (English)"), max_length=80)
    plan_start_year = models.PositiveSmallIntegerField(_("plan start year"))
    plan_years = models.PositiveSmallIntegerField(_("plan length (years)"), default=3)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "zh-hans").startswith("en") else self.name_zh

    @property
    def plan_end_year(self) -> int:
        return self.plan_start_year + self.plan_years - 1


class User(AbstractUser):
    """A person. What they may do comes from memberships and city grants, per city."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    is_platform_admin = models.BooleanField(
        _("platform admin"), default=False, help_text=_("Creates cities; takes no business actions.")
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    INSTITUTE = "institute", _("Research institute")
    SERVICE = "service", _("IP service institution")
    BANK = "bank", _("Bank")
    INSURER = "insurer", _("Insurer")
    GUARANTOR = "guarantor", _("Guarantor")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    BUREAU = "bureau", _("IP bureau")
    GOVERNMENT = "government", _("Government")


#: Kinds that own and trade IP assets.
ASSET_HOLDER_KINDS = frozenset({OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.SERVICE})


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Organization(CityOwned):
    """An enterprise, university, bank, bureau… registered in one city."""

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    is_tech_sme = models.BooleanField(_("tech SME"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["city", "kind"], name="org_city_kind")]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="org_unique_name_per_city")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a person does in a city — derived from their organisation's kind and their membership."""

    ENTERPRISE = "enterprise", _("Enterprise user")
    UNIVERSITY = "university", _("University / institute user")
    SERVICE = "service", _("Service institution user")
    BANK = "bank", _("Bank reviewer")
    INSURER = "insurer", _("Insurer reviewer")
    GUARANTOR = "guarantor", _("Guarantor reviewer")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    BUREAU_ADMIN = "bureau_admin", _("Bureau admin")
    OFFICIAL = "official", _("Official")


_ROLE_BY_KIND = {
    OrgKind.ENTERPRISE: Role.ENTERPRISE,
    OrgKind.UNIVERSITY: Role.UNIVERSITY,
    OrgKind.INSTITUTE: Role.UNIVERSITY,
    OrgKind.SERVICE: Role.SERVICE,
    OrgKind.BANK: Role.BANK,
    OrgKind.INSURER: Role.INSURER,
    OrgKind.GUARANTOR: Role.GUARANTOR,
    OrgKind.FUND_MANAGER: Role.FUND_MANAGER,
    OrgKind.BUREAU: Role.BUREAU_STAFF,
    OrgKind.GOVERNMENT: Role.OFFICIAL,
}


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Membership(models.Model):
    """A user acting for one organisation; at most one per city, so "who am I here" is unambiguous.

    Not a scoped model: the tenancy layer reads it to decide who may enter a city.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    is_admin = models.BooleanField(_("organisation admin"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="membership_one_per_city")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id}"

    @property
    def role(self) -> Role:
        kind = self.organization.kind
        if kind == OrgKind.BUREAU and self.is_admin:
            return Role.BUREAU_ADMIN
        return _ROLE_BY_KIND[OrgKind(kind)]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CityGrant(models.Model):
    """Read-only access to a further city, for provincial or national officials."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="city_grants")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("city grant")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="citygrant_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.city_id}"
