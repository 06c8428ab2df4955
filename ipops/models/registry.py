"""The IP asset registry every app shares: assets, valuations and encumbrances.

`trading` and `pledge_finance` never import each other; what they must agree on —
an asset is pledged, exclusively licensed, transferred — is an `Encumbrance`
recorded here and checked under a row lock by `ipops.services.registry`.
"""

from __future__ import annotations

import datetime

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipops import rules as registry_rules
from ipops.tenancy import CityOwned


class AssetKind(models.TextChoices):
    INVENTION = "invention", _("Invention patent")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design patent")
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    TECHNOLOGY = "technology", _("Technology project")


PATENT_KINDS = frozenset({AssetKind.INVENTION, AssetKind.UTILITY_MODEL, AssetKind.DESIGN})


class LegalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_FORCE = "in_force", _("Granted / in force")
    LAPSED = "lapsed", _("Lapsed")
    EXPIRED = "expired", _("Expired")
    INVALIDATED = "invalidated", _("Invalidated")
    #: Assigned to an organisation of another city: the record stays here as history, the asset is
    #: registered there (`ipops.services.registry.asset_move_to_city`).
    TRANSFERRED_OUT = "transferred_out", _("Moved to another city")


#: What a person may register or edit an asset as: a move between cities sets `transferred_out` itself.
REGISTRABLE_STATUSES = [s for s in LegalStatus.values if s != LegalStatus.TRANSFERRED_OUT]
REGISTRABLE_STATUS_CHOICES = [
    (v, label) for v, label in LegalStatus.choices if v != LegalStatus.TRANSFERRED_OUT
]


class Industry(models.TextChoices):
    """Qingdao's key industries (seed [002])."""

    NEW_MATERIALS = "new_materials", _("New materials")
    MARINE = "marine", _("Marine economy")
    RAIL_TRANSIT = "rail_transit", _("Rail transit")
    SMART_APPLIANCES = "smart_appliances", _("Smart home appliances")
    CHEMICALS_RUBBER = "chemicals_rubber", _("Chemicals and rubber")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    AI = "ai", _("Artificial intelligence")
    NEW_ENERGY_VEHICLES = "nev", _("New energy vehicles")
    IT = "it", _("New-generation information technology")
    SMART_MANUFACTURING = "smart_manufacturing", _("Intelligent manufacturing equipment")
    OTHER = "other", _("Other")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IPAsset(CityOwned):
    """A patent, trademark, copyright or technology project owned by one organisation."""

    kind = models.CharField(_("kind"), max_length=20, choices=AssetKind.choices)
    number = models.CharField(
        _("number"), max_length=40, help_text=_("Patents: canonical application number, e.g. 201710601862.3")
    )
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"), blank=True)
    owner = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="assets", verbose_name=_("owner")
    )
    ipc_codes = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("IPC"))
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)
    legal_status = models.CharField(
        _("legal status"), max_length=20, choices=LegalStatus.choices, default=LegalStatus.PENDING
    )
    is_pct = models.BooleanField(_("PCT"), default=False)
    industry = models.CharField(
        _("industry"), max_length=30, choices=Industry.choices, default=Industry.OTHER
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filing_date", "-id"]
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        indexes = [
            models.Index(fields=["city", "owner"], name="asset_city_owner"),
            models.Index(fields=["city", "kind", "legal_status"], name="asset_city_kind_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "kind", "number"],
                condition=~Q(legal_status="transferred_out"),
                name="asset_unique_number_per_city",
            ),
            # A Chinese patent (application) number exists once in the country (CNIPA's register), so it
            # is held once on the platform, whichever city: two cities can't both pledge it. A record left
            # behind by a move to another city is history, not a holding.
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(kind__in=["invention", "utility_model", "design"])
                & ~Q(legal_status="transferred_out"),
                name="asset_patent_unique_nationally",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.title}"

    @property
    def display_number(self) -> str:
        if self.kind in PATENT_KINDS and self.legal_status != LegalStatus.PENDING:
            return f"ZL{self.number}"
        return self.number

    @property
    def expiry_date(self) -> datetime.date | None:
        return registry_rules.expiry_date(self.kind, self.filing_date, self.grant_date)

    def remaining_term_days(self, today: datetime.date) -> int | None:
        expiry = self.expiry_date
        return None if expiry is None else max((expiry - today).days, 0)

    @property
    def is_in_force(self) -> bool:
        return self.legal_status == LegalStatus.IN_FORCE


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class AssetValuation(CityOwned):
    """An appraisal (评估) of an asset: value, date, appraiser, report reference."""

    asset = models.ForeignKey(IPAsset, on_delete=models.CASCADE, related_name="valuations")
    value = models.DecimalField(_("appraised value"), max_digits=18, decimal_places=2)
    valued_on = models.DateField(_("valuation date"))
    appraiser = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    report_ref = models.CharField(_("report reference"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valued_on", "-id"]
        indexes = [models.Index(fields=["city", "asset"], name="valuation_city_asset")]


class EncumbranceKind(models.TextChoices):
    PLEDGE = "pledge", _("Pledge")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("Exclusive licence")
    SOLE_LICENCE = "sole_licence", _("Sole licence")
    NON_EXCLUSIVE_LICENCE = "non_exclusive_licence", _("Non-exclusive licence")
    SALE_PENDING = "sale_pending", _("Assignment in progress")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Encumbrance(CityOwned):
    """A right someone else holds over an asset: a pledge, a licence, a sale under way.

    Active while `released_at` is null. Partial unique constraints make "pledged once"
    and "one exclusive licence" hold in the database too, beneath the service's lock.
    """

    asset = models.ForeignKey(IPAsset, on_delete=models.PROTECT, related_name="encumbrances")
    kind = models.CharField(_("kind"), max_length=30, choices=EncumbranceKind.choices)
    holder = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=80, help_text=_("The record that created it, e.g. pledge_finance.loan:42")
    )
    reference = models.CharField(_("registration number"), max_length=80, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["city", "asset"], name="encumbrance_city_asset")]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(kind="pledge", released_at__isnull=True),
                name="encumbrance_one_active_pledge",
            ),
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(kind__in=["exclusive_licence", "sole_licence"], released_at__isnull=True),
                name="encumbrance_one_active_exclusive_licence",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.released_at is None
