"""The city's register of IP funds: each fund, who committed how much from which purse, the capital
called and paid in, what the fund invested in (and the investee's patents at the time), and what came
back. The figures a bureau and a fund manager read (leverage, ratios, DPI/RVPI/TVPI, IRR) are derived
from these rows by `funds.rules`; none is stored."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from funds import rules
from ipops.money import MoneyField, RateField
from ipops.tenancy import CityOwned


class FundKind(models.TextChoices):
    GUIDE = rules.GUIDE, _("Guide fund / fund of funds")
    POLICY = rules.POLICY, _("Policy IP operations fund")
    MARKET = rules.MARKET, _("Market IP industry investment fund")


class FundStatus(models.TextChoices):
    RAISING = "raising", _("Raising")
    INVESTING = "investing", _("Investing")
    EXITING = "exiting", _("Exiting")
    WOUND_UP = "wound_up", _("Wound up")


class InvestorSource(models.TextChoices):
    CENTRAL = rules.FROM_CENTRAL, _("Central government")
    PROVINCIAL = rules.FROM_PROVINCIAL, _("Provincial government")
    MUNICIPAL = rules.FROM_MUNICIPAL, _("Municipal government")
    DISTRICT = rules.FROM_DISTRICT, _("District government")
    SOCIAL = rules.FROM_SOCIAL, _("Social capital")


class DistributionKind(models.TextChoices):
    INCOME = "income", _("Income (dividends, interest)")
    PARTIAL_EXIT = "partial_exit", _("Partial exit")
    FULL_EXIT = "full_exit", _("Full exit")


def _tracked(cls):
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())(cls)


@_tracked
class Fund(CityOwned):
    """One fund. A guide fund's sub-funds name it as `parent`; the market funds among them are the funds
    it has guided (the plan asks for at least three)."""

    kind = models.CharField(_("kind"), max_length=10, choices=FundKind.choices)
    name = models.CharField(_("name"), max_length=120)
    target_size = MoneyField(_("target size"))
    manager = models.ForeignKey(
        "ipops.Organization",
        on_delete=models.PROTECT,
        related_name="managed_funds",
        verbose_name=_("manager"),
    )
    vintage_year = models.PositiveSmallIntegerField(_("vintage year"))
    term_years = models.PositiveSmallIntegerField(_("term (years)"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_funds",
        verbose_name=_("guide fund"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FundStatus.choices, default=FundStatus.RAISING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="funds_fund_name_per_city"),
            models.CheckConstraint(condition=Q(target_size__gt=0), name="funds_fund_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name


@_tracked
class Commitment(CityOwned):
    """What one investor promised a fund, from one purse (a government's budget or social capital)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="commitments")
    investor = models.CharField(_("investor"), max_length=120)
    source = models.CharField(_("source of money"), max_length=12, choices=InvestorSource.choices)
    amount = MoneyField(_("amount committed"))
    committed_on = models.DateField(_("committed on"))
    # Called (and paid-in) so far, kept under this row's lock by the call service: calls never exceed
    # the commitment, even when two are recorded at the same moment.
    called = MoneyField(_("called"), default=0)
    paid_in = MoneyField(_("paid in"), default=0)

    class Meta:
        verbose_name = _("commitment")
        ordering = ["fund_id", "committed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "fund", "investor", "source"], name="funds_commitment_one_per_investor"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_commitment_positive"),
            models.CheckConstraint(
                condition=Q(paid_in__gte=0) & Q(paid_in__lte=models.F("called")),
                name="funds_commitment_paid_within_called",
            ),
            models.CheckConstraint(
                condition=Q(called__lte=models.F("amount")), name="funds_commitment_called_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investor} → {self.fund}"

    @property
    def unfunded(self):
        return rules.unfunded(self.amount, self.paid_in)


@_tracked
class CapitalCall(CityOwned):
    """A drawdown notice to one investor; paid-in once the money arrives (`paid_on`)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="calls")
    amount = MoneyField(_("amount called"))
    called_on = models.DateField(_("called on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("capital call")
        ordering = ["called_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_call_positive"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=models.F("called_on")),
                name="funds_call_paid_after_called",
            ),
        ]


@_tracked
class Investment(CityOwned):
    """One investment by a fund. The investee's in-force patents are read from the registry at the day of
    the investment and kept (the registry moves on; what the fund bought into does not)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="investments")
    investee = models.ForeignKey(
        "ipops.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_investments",
        verbose_name=_("investee"),
    )
    # The investee's name as of the investment; the only name for a company not on the platform.
    investee_name = models.CharField(_("investee"), max_length=120)
    amount = MoneyField(_("amount invested"))
    invested_on = models.DateField(_("invested on"))
    stake = RateField(_("stake"))
    patents_in_force = models.PositiveIntegerField(_("in-force patents at investment"), default=0)
    patents_acquired = models.PositiveIntegerField(_("patents acquired"), default=0)
    # The manager's latest valuation of what is still held (net asset value); zero once fully exited.
    fair_value = MoneyField(_("fair value"))
    valued_on = models.DateField(_("valued on"))
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("investment")
        ordering = ["-invested_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_investment_positive"),
            models.CheckConstraint(condition=Q(fair_value__gte=0), name="funds_investment_value"),
            models.CheckConstraint(condition=Q(stake__gt=0) & Q(stake__lte=1), name="funds_investment_stake"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} → {self.investee_name}"

    @property
    def holds_ip(self) -> bool:
        return rules.holds_ip(self.patents_in_force, self.patents_acquired)


@_tracked
class Distribution(CityOwned):
    """Money a fund paid back to its investors: income, or the proceeds of (part of) an exit."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="distributions")
    investment = models.ForeignKey(
        Investment, on_delete=models.PROTECT, null=True, blank=True, related_name="distributions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DistributionKind.choices)
    amount = MoneyField(_("amount distributed"))
    distributed_on = models.DateField(_("distributed on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("distribution")
        ordering = ["-distributed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_distribution_positive"),
            models.CheckConstraint(
                condition=Q(kind="income") | Q(investment__isnull=False), name="funds_exit_names_investment"
            ),
        ]
