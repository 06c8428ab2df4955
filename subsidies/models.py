"""Subsidies and awards: the city's policy catalogue (data, edited by the bureau, with history), the
claims against it, objections lodged during a public notice, and the payment batches that pay them.

A policy is never code: its rule kind and parameters (`subsidies.rules`) and where its base comes from
(`basis`: the claimant's declaration, or the platform's own records) decide every amount."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipops import clock
from ipops.money import MoneyField
from ipops.tenancy import CityOwned
from subsidies import rules


class RuleKind(models.TextChoices):
    FIXED = rules.FIXED, _("Fixed amount")
    TIERED = rules.TIERED, _("Tiered, capped at the highest level held")
    PERCENT = rules.PERCENT, _("Percentage of a base")
    PER_ITEM = rules.PER_ITEM, _("Amount per item")


class Frequency(models.TextChoices):
    ONE_TIME = rules.ONE_TIME, _("Once per organisation")
    ANNUAL = rules.ANNUAL, _("Once a year")
    PER_CASE = rules.PER_CASE, _("Once per case")


class Mode(models.TextChoices):
    APPLICATION = "application", _("On application")
    AUTOMATIC = "automatic", _("Automatic (免申即享)")


class Basis(models.TextChoices):
    """Where a claim's level, base or item count comes from."""

    DECLARED = "declared", _("Declared by the claimant, with evidence")
    LOAN_INTEREST = "loan_interest", _("Interest paid on a repaid 1-year pledge loan")
    LOAN_PREMIUM = "loan_premium", _("Insurance premium paid on a pledge loan")
    LOAN_GUARANTEE_FEE = "loan_guarantee_fee", _("Guarantee fee paid on a pledge loan")
    LOAN_APPRAISAL_FEE = "loan_appraisal_fee", _("Appraisal fee paid on a pledge loan")
    LOAN_INTERMEDIARY_FEE = "loan_intermediary_fee", _("Intermediary service fee paid on a pledge loan")
    CENTRE_DEALS = "centre_deals", _("The operations centre's members' completed deals in the year")
    PATENT_POOL = "patent_pool", _("In-force invention patents and PCT applications in the registry")


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TO_CONFIRM = "to_confirm", _("Awaiting the claimant's confirmation")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for more information")
    IN_NOTICE = "in_notice", _("Approved, in public notice")
    HELD = "held", _("Held by an objection")
    PAYABLE = "payable", _("Notice passed, to be paid")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The states in which a claim's approved amount counts against the policy's budget and quota.
COMMITTED_STATES = frozenset({ClaimState.IN_NOTICE, ClaimState.HELD, ClaimState.PAYABLE, ClaimState.PAID})


def _tracked(cls):
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())(cls)


@_tracked
class Policy(CityOwned):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    # Policies whose awards share one cumulative cap (the highest level held), e.g. advantage and
    # demonstration enterprises at provincial and national level.
    family = models.CharField(_("family"), max_length=40, blank=True)
    claimant_kinds = ArrayField(models.CharField(max_length=20), verbose_name=_("who may claim"))
    tech_sme_only = models.BooleanField(_("tech SMEs only"), default=False)
    rule_kind = models.CharField(_("rule"), max_length=10, choices=RuleKind.choices)
    params = models.JSONField(_("rule parameters"), default=dict)
    basis = models.CharField(_("basis"), max_length=24, choices=Basis.choices, default=Basis.DECLARED)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    claim_cap = MoneyField(_("cap per claim"), null=True, blank=True)
    year_cap = MoneyField(_("cap per organisation per year"), null=True, blank=True)
    annual_quota = models.PositiveIntegerField(_("annual quota (claims)"), null=True, blank=True)
    annual_budget = MoneyField(_("annual budget"), null=True, blank=True)
    evidence = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, verbose_name=_("required evidence")
    )
    opens_on = models.DateField(_("open from"))
    closes_on = models.DateField(_("open until"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.APPLICATION)
    notice_days = models.PositiveSmallIntegerField(_("public notice (working days)"), default=5)
    # The special budget's source that pays it (funds.services.budget_spend).
    budget_source = models.CharField(_("paid from"), max_length=12, default="municipal")
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="subsidies_policy_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PolicyYear(CityOwned):
    """What a policy has committed in one year: the row approvals lock to keep its budget and quota."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField()
    approved_amount = MoneyField(default=0)
    approved_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "policy", "year"], name="subsidies_policy_year"),
            models.CheckConstraint(condition=Q(approved_amount__gte=0), name="subsidies_policy_year_amount"),
        ]


@_tracked
class Claim(CityOwned):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims")
    organization = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="claims")
    year = models.PositiveSmallIntegerField(_("year"))
    # once / <year> / <year>:<case>: one claim per organisation, policy and period (a unique constraint).
    period = models.CharField(_("period"), max_length=60)
    case = models.CharField(_("case"), max_length=60, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ClaimState.choices, default=ClaimState.DRAFT)
    automatic = models.BooleanField(_("automatic"), default=False)
    # The claimant's declaration (level, base, items, description), as entered.
    inputs = models.JSONField(default=dict, blank=True)
    # The rule's computation, step by step; recomputed until approval, frozen from then on.
    computation = models.JSONField(default=list, blank=True)
    rule_amount = MoneyField(_("amount by the rule"), default=0)
    approved_amount = MoneyField(_("approved amount"), null=True, blank=True)
    reduction_reason = models.CharField(_("reason for the reduction"), max_length=200, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=80, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_starts_on = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice until"), null=True, blank=True)
    batch = models.ForeignKey(
        "PaymentBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("claim")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["city", "state"], name="subsidies_claim_state"),
            models.Index(fields=["city", "organization", "year"], name="subsidies_claim_org_year"),
        ]
        constraints = [
            # A withdrawn claim frees its period; every other state holds it.
            models.UniqueConstraint(
                fields=["city", "policy", "organization", "period"],
                condition=~Q(state="withdrawn"),
                name="subsidies_claim_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__lte=models.F("rule_amount")),
                name="subsidies_claim_never_above_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} · {self.organization}"

    @property
    def masked_account(self) -> str:
        """Screens show only the last four digits; the bank's payment list has the whole number."""
        account = self.bank_account.replace(" ", "")
        return f"**** {account[-4:]}" if account else ""


@_tracked
class Objection(CityOwned):
    """An objection (异议) lodged by anyone during a claim's public notice; it holds the claim."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="objections")
    lodged_by = models.CharField(_("name"), max_length=60)
    contact = models.CharField(_("contact"), max_length=60)
    reason = models.TextField(_("reason"), max_length=1000)
    lodged_at = models.DateTimeField(default=clock.now)
    upheld = models.BooleanField(null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("objection")
        ordering = ["-lodged_at"]


@_tracked
class PaymentBatch(CityOwned):
    """Claims paid together: one payment list for the bank, booked against the special budget at once."""

    paid_on = models.DateField(_("paid on"))
    total = MoneyField(_("total"))
    count = models.PositiveIntegerField(_("claims"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("payment batch")
        ordering = ["-paid_on", "-pk"]


@_tracked
class Evidence(CityOwned):
    """A file the claimant gives in support of a claim (a certificate, a contract, an invoice), checked by
    its content when uploaded (`ipops.uploads`), kept outside the static root under its SHA-256 and served
    only to those who may see the claim."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence")
    # Which of the policy's required evidence it answers, or the claimant's own words.
    label = models.CharField(_("evidence for"), max_length=120)
    # Relative to settings.PRIVATE_MEDIA_ROOT; never a URL.
    path = models.CharField(max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    mime = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["city", "claim"], name="subsidies_evidence_claim")]

    def __str__(self) -> str:
        return f"{self.label}: {self.original_name}"
