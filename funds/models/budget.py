"""The city's special budget (知识产权运营服务体系建设专项资金): its sources and every expenditure booked
against them. Other apps post here through `funds.services.budget_spend` when they pay public money."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from funds import rules
from ipops.money import MoneyField
from ipops.tenancy import CityOwned


class SourceKind(models.TextChoices):
    CENTRAL_1 = rules.CENTRAL_1, _("Central funds, first tranche")
    CENTRAL_2 = rules.CENTRAL_2, _("Central funds, second tranche")
    PROVINCIAL = rules.PROVINCIAL, _("Provincial funds")
    MUNICIPAL = rules.MUNICIPAL, _("Municipal funds")
    DISTRICT = rules.DISTRICT, _("District funds")


class Category(models.TextChoices):
    SUBSIDY_AWARD = rules.SUBSIDY_AWARD, _("Subsidy and award payments")
    RISK_RESERVE = rules.RISK_RESERVE, _("Risk compensation reserve")
    GUIDE_FUND = rules.GUIDE_FUND, _("Guide fund contribution")
    CLUSTER_ZONE = rules.CLUSTER_ZONE, _("Service-industry cluster zone")
    SERVICE_PURCHASE = rules.SERVICE_PURCHASE, _("Government purchase of services")
    EQUITY_INVESTMENT = rules.EQUITY_INVESTMENT, _("Equity investment")
    PLATFORM = rules.PLATFORM, _("Operations platform")
    TRAINING = rules.TRAINING, _("Training")
    RENOVATION = rules.RENOVATION, _("Building renovation")
    LAND_ACQUISITION = rules.LAND_ACQUISITION, _("Land acquisition and demolition")
    PERSONNEL = rules.PERSONNEL, _("Personnel costs")
    RECURRING_COSTS = rules.RECURRING_COSTS, _("Other recurring costs")
    STAFF_WELFARE = rules.STAFF_WELFARE, _("Staff welfare funds")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class SpecialBudget(CityOwned):
    """The special budget of one city's three-year plan."""

    name = models.CharField(_("name"), max_length=120)
    plan_start_year = models.PositiveSmallIntegerField(_("plan start year"))
    years = models.PositiveSmallIntegerField(_("plan length (years)"), default=3)
    opened_on = models.DateField(_("opened on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("special budget")
        constraints = [
            models.UniqueConstraint(fields=["city", "plan_start_year"], name="funds_budget_one_per_plan")
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class BudgetSource(CityOwned):
    """Where a budget's money comes from. `spent` is kept under the row's lock by the posting service, so
    two payments booked at the same moment queue and the database refuses an overdraft too."""

    budget = models.ForeignKey(SpecialBudget, on_delete=models.PROTECT, related_name="sources")
    kind = models.CharField(_("source"), max_length=12, choices=SourceKind.choices)
    allotted = MoneyField(_("amount allotted"))
    received = MoneyField(_("amount received"), default=0)
    spent = MoneyField(_("amount spent"), default=0)
    received_on = models.DateField(_("last received on"), null=True, blank=True)
    # The second central tranche: paid only once the mid-term performance review has passed; the review
    # may reduce it (the allotment is then lowered).
    review_passed_on = models.DateField(_("mid-term review passed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("budget source")
        constraints = [
            models.UniqueConstraint(fields=["city", "budget", "kind"], name="funds_source_one_per_kind"),
            models.CheckConstraint(
                condition=Q(received__lte=models.F("allotted")), name="funds_source_received"
            ),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(spent__lte=models.F("received")),
                name="funds_source_not_overspent",
            ),
        ]

    @property
    def remaining(self):
        return rules.remaining(self.received, self.spent)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Expenditure(CityOwned):
    """One payment of public money; a reversal is a second row with the opposite amount that names it."""

    source = models.ForeignKey(BudgetSource, on_delete=models.PROTECT, related_name="expenditures")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    amount = MoneyField(_("amount"), help_text=_("Negative for a reversal"))
    spent_on = models.DateField(_("spent on"))
    in_cluster_zone = models.BooleanField(_("in the cluster zone"), default=False)
    market_based = models.BooleanField(_("market-based means"), default=False)
    # "app_label.model:pk" of the record that caused it: funds never imports the apps that post to it.
    reference = models.CharField(_("reference"), max_length=80)
    note = models.CharField(_("note"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        ordering = ["-spent_on", "-pk"]
        indexes = [
            models.Index(fields=["city", "spent_on"], name="funds_exp_city_day"),
            models.Index(fields=["city", "reference"], name="funds_exp_city_ref"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & Q(amount__lt=0)),
                name="funds_exp_sign",
            )
        ]
