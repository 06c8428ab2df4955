"""Patent-pledge insurance loans (专利权质押保险贷款), Qingdao model.

A city's bureau defines loan products (risk shares insurer / guarantor / bank, LTV,
terms, rates, participating institutions). An enterprise applies; an appraiser values
the pledged assets; bank, insurer and guarantor each decide; the bank disburses,
records repayments, and on default the loss is shared by the shares stored on the
loan, with the city's risk compensation reserve (风险补偿准备金) reimbursing part.

The institutions are declared once, in `INSTITUTIONS`; the loan's lifecycle once, in
`pledge_finance.lifecycles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipops import clock
from ipops.models import OrgKind, Role
from ipops.money import ZERO, MoneyField, RateField, floor_fen
from ipops.tenancy import CityOwned
from pledge_finance import rules


class RepaymentMethod(models.TextChoices):
    EQUAL_INSTALMENTS = rules.EQUAL_INSTALMENTS, _("Equal monthly instalments")
    BULLET = rules.BULLET, _("Monthly interest, principal at maturity")


class InstitutionRole(models.TextChoices):
    """An institution's part in a product and its loans."""

    BANK = "bank", _("Bank")
    INSURER = "insurer", _("Insurer")
    GUARANTOR = "guarantor", _("Guarantor")
    APPRAISER = "appraiser", _("Appraiser")


@dataclass(frozen=True)
class Institution:
    """Who takes an institution role: organisations of one kind, whose staff act in one platform role."""

    org_kind: OrgKind
    actor_role: Role
    #: A party to the loan (`Loan.<role>`): it decides on the application and carries its share of a loss.
    shares_risk: bool


#: The one declaration of the institutions; everything else about them derives from it. The parties come
#: in the order a split of a loss breaks its ties (insurer first).
INSTITUTIONS: dict[InstitutionRole, Institution] = {
    InstitutionRole.INSURER: Institution(OrgKind.INSURER, Role.INSURER, shares_risk=True),
    InstitutionRole.GUARANTOR: Institution(OrgKind.GUARANTOR, Role.GUARANTOR, shares_risk=True),
    InstitutionRole.BANK: Institution(OrgKind.BANK, Role.BANK, shares_risk=True),
    InstitutionRole.APPRAISER: Institution(OrgKind.SERVICE, Role.SERVICE, shares_risk=False),
}
#: The three risk-sharing parties.
PARTIES: tuple[InstitutionRole, ...] = tuple(role for role, i in INSTITUTIONS.items() if i.shares_risk)
PARTY_CHOICES = [(party.value, party.label) for party in PARTIES]
#: The platform roles whose staff act for an institution of a loan.
INSTITUTION_ACTOR_ROLES = frozenset(i.actor_role for i in INSTITUTIONS.values())
PARTY_ACTOR_ROLES = frozenset(INSTITUTIONS[party].actor_role for party in PARTIES)


def institution_of(role: str) -> InstitutionRole | None:
    """The institution role a platform role's staff act in (a bank's staff: the bank), if any."""
    return next((r for r, i in INSTITUTIONS.items() if i.actor_role == role), None)


#: Who applies for a loan, for its own organisation.
APPLICANT_ROLES = frozenset({Role.ENTERPRISE})


class LoanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALUED = "valued", _("Valued, under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISBURSED = "disbursed", _("Disbursed")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted")


def default_terms() -> list[int]:
    return [6, 12, 24, 36]


def default_of(model: type[models.Model], name: str):
    """A field's default: what a new product or reserve starts from, wherever it is filled in."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_default()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LoanProduct(CityOwned):
    """A pledge-loan product the bureau publishes (e.g. Qingdao's 专利权质押保险贷款, 6:2:2)."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # A new product starts from Qingdao's model: 6:2:2, half the appraised value, 3.5–6.5% a year.
    insurer_share = RateField(_("insurer share"), default=Decimal("0.6"))
    guarantor_share = RateField(_("guarantor share"), default=Decimal("0.2"))
    bank_share = RateField(_("bank share"), default=Decimal("0.2"))
    loan_to_value = RateField(_("loan-to-value ratio"), default=Decimal("0.5"))
    allowed_terms = ArrayField(
        models.PositiveSmallIntegerField(), default=default_terms, verbose_name=_("allowed terms")
    )
    repayment_method = models.CharField(
        _("repayment method"),
        max_length=20,
        choices=RepaymentMethod.choices,
        default=RepaymentMethod.EQUAL_INSTALMENTS,
    )
    min_rate = RateField(_("minimum annual rate"), default=Decimal("0.035"))
    max_rate = RateField(_("maximum annual rate"), default=Decimal("0.065"))
    min_amount = MoneyField(_("minimum amount"), default=Decimal("100000"))
    max_amount = MoneyField(_("maximum amount"), default=Decimal("10000000"))
    is_active = models.BooleanField(_("open for applications"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        indexes = [models.Index(fields=["city", "is_active"], name="pf_product_city_active")]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="pf_product_unique_name"),
            models.CheckConstraint(
                condition=Q(insurer_share__gte=0, guarantor_share__gte=0, bank_share__gte=0),
                name="pf_product_shares_not_negative",
            ),
        ]

    #: What the bureau sets; the rest is bookkeeping.
    EDITABLE = (
        "name",
        "description",
        "insurer_share",
        "guarantor_share",
        "bank_share",
        "loan_to_value",
        "allowed_terms",
        "repayment_method",
        "min_rate",
        "max_rate",
        "min_amount",
        "max_amount",
        "is_active",
    )

    def __str__(self) -> str:
        return self.name

    @classmethod
    def defaults(cls) -> dict:
        """What a new product starts from."""
        return {name: default_of(cls, name) for name in cls.EDITABLE}

    @property
    def shares(self) -> dict[str, Decimal]:
        return {party: getattr(self, f"{party}_share") for party in PARTIES}

    def institutions_by_role(self) -> dict[str, list]:
        """The organisations taking part, per role, by name (from the prefetched `institutions`)."""
        out: dict[str, list] = {role: [] for role in InstitutionRole.values}
        for row in self.institutions.all():
            out[row.role].append(row.organization)
        for orgs in out.values():
            orgs.sort(key=lambda o: o.name)
        return out


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ProductInstitution(CityOwned):
    """A bank, insurer, guarantor or appraiser taking part in a product."""

    product = models.ForeignKey(LoanProduct, on_delete=models.CASCADE, related_name="institutions")
    organization = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=InstitutionRole.choices)

    class Meta:
        indexes = [models.Index(fields=["city", "organization", "role"], name="pf_prodinst_city_org")]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "product", "organization", "role"], name="pf_prodinst_unique"
            )
        ]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Loan(CityOwned):
    """One pledge-loan application and, once disbursed, the loan."""

    product = models.ForeignKey(
        LoanProduct, on_delete=models.PROTECT, related_name="loans", verbose_name=_("product")
    )
    enterprise = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    bank = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank")
    )
    insurer = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("insurer")
    )
    guarantor = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("guarantor")
    )
    appraiser = models.ForeignKey(
        "ipops.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("appraiser"),
    )
    assets = models.ManyToManyField("ipops.IPAsset", through="LoanAsset", related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=LoanState.choices, default=LoanState.DRAFT)

    amount = MoneyField(_("amount"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.TextField(_("purpose"))
    repayment_method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    loan_to_value = RateField(_("loan-to-value ratio"))

    appraised_value = MoneyField(_("appraised value"), null=True, blank=True)
    valuation_report_ref = models.CharField(_("valuation report"), max_length=80, blank=True)
    valued_on = models.DateField(_("valued on"), null=True, blank=True)

    # Copied from the product on approval; later product edits never rewrite them.
    insurer_share = RateField(_("insurer share"), null=True, blank=True)
    guarantor_share = RateField(_("guarantor share"), null=True, blank=True)
    bank_share = RateField(_("bank share"), null=True, blank=True)

    annual_rate = RateField(_("annual interest rate"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    pledge_registration_number = models.CharField(
        _("CNIPA pledge registration number"), max_length=60, blank=True
    )
    pledge_registered_on = models.DateField(_("pledge registered on"), null=True, blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    maturity_date = models.DateField(_("maturity date"), null=True, blank=True)

    default_on = models.DateField(_("default date"), null=True, blank=True)
    loss_principal = MoneyField(_("loss: principal"), null=True, blank=True)
    loss_interest = MoneyField(_("loss: interest"), null=True, blank=True)
    pledge_released_at = models.DateTimeField(_("pledge released"), null=True, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pledge loan")
        verbose_name_plural = _("pledge loans")
        indexes = [
            models.Index(fields=["city", "state"], name="pf_loan_city_state"),
            models.Index(fields=["city", "enterprise"], name="pf_loan_city_enterprise"),
            models.Index(fields=["city", "bank", "state"], name="pf_loan_city_bank"),
            models.Index(fields=["city", "insurer", "state"], name="pf_loan_city_insurer"),
            models.Index(fields=["city", "guarantor", "state"], name="pf_loan_city_guarantor"),
            models.Index(fields=["city", "product", "state"], name="pf_loan_city_product"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pf_loan_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The application number the parties quote (质押贷款申请编号)."""
        return f"PL{self.created_at:%Y}{self.pk:06d}" if self.pk and self.created_at else "PL—"

    @property
    def shares(self) -> dict[str, Decimal] | None:
        """The risk shares fixed on approval; None before."""
        if self.insurer_share is None:
            return None
        return {party: getattr(self, f"{party}_share") for party in PARTIES}

    @property
    def is_live(self) -> bool:
        """Money is still owed to the bank."""
        return self.state == LoanState.DISBURSED

    @property
    def max_amount_by_value(self) -> Decimal | None:
        if self.appraised_value is None:
            return None
        return floor_fen(self.appraised_value * self.loan_to_value)

    @property
    def loss_total(self) -> Decimal | None:
        if self.loss_principal is None or self.loss_interest is None:
            return None
        return self.loss_principal + self.loss_interest

    @property
    def source(self) -> str:
        """How the registry knows this loan's pledge."""
        return f"pledge_finance.loan:{self.pk}"

    def party_org_id(self, party: str) -> int:
        """The organisation taking `party`'s part in this loan (`PARTIES`)."""
        return getattr(self, f"{party}_id")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LoanAsset(CityOwned):
    """An asset pledged to a loan, with the value the loan's appraisal gave it (the registry keeps the same
    value in the asset's valuation history; the loan's appraised value is the package's total)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="loan_assets")
    asset = models.ForeignKey("ipops.IPAsset", on_delete=models.PROTECT, related_name="+")
    appraised_value = MoneyField(_("appraised value"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["city", "asset"], name="pf_loanasset_city_asset")]
        constraints = [models.UniqueConstraint(fields=["city", "loan", "asset"], name="pf_loanasset_unique")]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ApprovalDecision(CityOwned):
    """One institution's decision on a loan (bank, insurer or guarantor) — once each."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="decisions")
    party = models.CharField(_("party"), max_length=12, choices=PARTY_CHOICES)
    organization = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comment"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["city", "organization"], name="pf_decision_city_org")]
        constraints = [
            models.UniqueConstraint(fields=["city", "loan", "party"], name="pf_decision_once_per_party")
        ]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Instalment(CityOwned):
    class Status(models.TextChoices):
        # In a context of their own: the registry's "Pending" (an application under examination, 审查中)
        # is another word in Chinese than an instalment not yet due (未到期).
        PENDING = "pending", pgettext_lazy("instalment", "Not due yet")
        OVERDUE = "overdue", pgettext_lazy("instalment", "Overdue")
        PAID = "paid", pgettext_lazy("instalment", "Paid")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    principal_due = MoneyField(_("principal due"))
    interest_due = MoneyField(_("interest due"))
    principal_paid = MoneyField(_("principal paid"), default=ZERO)
    interest_paid = MoneyField(_("interest paid"), default=ZERO)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["loan", "number"]
        indexes = [models.Index(fields=["city", "status", "due_date"], name="pf_instalment_city_due")]
        constraints = [
            models.UniqueConstraint(fields=["city", "loan", "number"], name="pf_instalment_unique_number"),
            models.CheckConstraint(
                condition=Q(
                    principal_due__gte=0, interest_due__gte=0, principal_paid__gte=0, interest_paid__gte=0
                ),
                name="pf_instalment_not_negative",
            ),
        ]

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due

    @property
    def paid_total(self) -> Decimal:
        return self.principal_paid + self.interest_paid

    @property
    def open_amount(self) -> Decimal:
        return self.total_due - self.principal_paid - self.interest_paid

    def as_state(self) -> rules.InstalmentState:
        return rules.InstalmentState(
            self.due_date, self.principal_due, self.interest_due, self.principal_paid, self.interest_paid
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Repayment(CityOwned):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="repayments")
    paid_on = models.DateField(_("paid on"))
    amount = MoneyField(_("amount"))
    principal = MoneyField(_("principal"))
    interest = MoneyField(_("interest"))
    reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        indexes = [models.Index(fields=["city", "loan", "paid_on"], name="pf_repayment_city_loan")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pf_repayment_positive")]


class LoanFeeKind(models.TextChoices):
    """The fees an enterprise pays on a pledge loan besides interest: each has its subsidy (四补)."""

    INSURANCE_PREMIUM = "insurance_premium", _("Insurance premium")
    GUARANTEE_FEE = "guarantee_fee", _("Guarantee fee")
    APPRAISAL_FEE = "appraisal_fee", _("Appraisal fee")
    INTERMEDIARY_FEE = "intermediary_fee", _("Intermediary service fee")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LoanFee(CityOwned):
    """A fee the enterprise paid on its loan, as the loan's bank records it from the invoice: what the
    premium, guarantee, appraisal and intermediary-fee subsidies are computed from."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(_("kind of fee"), max_length=20, choices=LoanFeeKind.choices)
    amount = MoneyField(_("amount"))
    payee = models.CharField(_("paid to"), max_length=120)
    paid_on = models.DateField(_("paid on"))
    invoice_ref = models.CharField(_("invoice number"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("loan fee")
        verbose_name_plural = _("loan fees")
        indexes = [models.Index(fields=["city", "loan", "kind", "paid_on"], name="pf_fee_city_loan_kind")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pf_fee_positive"),
            # One invoice is recorded once on a loan: twice would pay its subsidy twice.
            models.UniqueConstraint(fields=["city", "loan", "invoice_ref"], name="pf_fee_invoice_once"),
        ]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LossAllocation(CityOwned):
    """One institution's part of a defaulted loan's loss, and what the reserve reimbursed."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="allocations")
    party = models.CharField(_("party"), max_length=12, choices=PARTY_CHOICES)
    organization = models.ForeignKey("ipops.Organization", on_delete=models.PROTECT, related_name="+")
    share = RateField(_("share"))
    loss = MoneyField(_("loss"))
    reserve_claim = MoneyField(_("reserve claim"))
    reserve_paid = MoneyField(_("reserve paid"))
    recovered = MoneyField(_("recovered"), default=ZERO)
    refunded_to_reserve = MoneyField(_("refunded to reserve"), default=ZERO)

    class Meta:
        ordering = ["loan", "-share", "party"]
        indexes = [models.Index(fields=["city", "organization"], name="pf_alloc_city_org")]
        constraints = [
            models.UniqueConstraint(fields=["city", "loan", "party"], name="pf_alloc_once_per_party"),
            models.CheckConstraint(
                condition=Q(loss__gte=0, reserve_paid__gte=0, recovered__gte=0), name="pf_alloc_not_negative"
            ),
        ]

    @property
    def net_loss(self) -> Decimal:
        """What the institution still carries after the reserve and recoveries."""
        return self.loss - self.reserve_paid - self.recovered + self.refunded_to_reserve


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Recovery(CityOwned):
    """Money recovered after a default (e.g. the pledged patents sold), shared back by the loan's shares."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="recoveries")
    received_on = models.DateField(_("received on"))
    amount = MoneyField(_("amount"))
    source = models.CharField(_("source"), max_length=200)
    parts = models.JSONField(_("distribution"), default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["city", "loan"], name="pf_recovery_city_loan")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pf_recovery_positive")]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class RiskReserve(CityOwned):
    """The city's risk compensation reserve (风险补偿准备金). One per city; never negative."""

    name = models.CharField(_("name"), max_length=120)
    opening_balance = MoneyField(_("opening balance"))
    balance = MoneyField(_("balance"))
    payout_share = RateField(_("share of each institution's loss reimbursed"), default=Decimal("0.3"))
    opened_on = models.DateField(_("opened on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk compensation reserve")
        constraints = [
            models.UniqueConstraint(fields=["city"], name="pf_reserve_one_per_city"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="pf_reserve_never_negative"),
        ]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReserveEntry(CityOwned):
    """One movement of the reserve: opening, top-up, payout on a default, refund from a recovery."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening balance")
        TOP_UP = "top_up", _("Top-up")
        PAYOUT = "payout", _("Loss compensation")
        REFUND = "refund", _("Refund from recovery")

    reserve = models.ForeignKey(RiskReserve, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = MoneyField(_("amount"), help_text=_("Positive in, negative out"))
    balance_after = MoneyField(_("balance after"))
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organization = models.ForeignKey(
        "ipops.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    booked_on = models.DateField(_("booked on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-booked_on", "-id"]
        indexes = [models.Index(fields=["city", "reserve", "booked_on"], name="pf_reserveentry_city")]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="pf_reserveentry_never_negative")
        ]
