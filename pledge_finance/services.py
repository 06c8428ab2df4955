"""Every write of pledge finance. `<entity>_<action>(*, actor, ...)`, atomic, row locked before the state check.

Pledge exclusivity lives in the registry (`ipops.services.registry`): a submitted
application places a `pledge` encumbrance on its assets (source `pledge_finance.loan:<pk>`),
so a second application, a sale or an exclusive licence of the same asset meets it there.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit
from ipops.access import Actor
from ipops.errors import ValidationFailed
from ipops.models import IPAsset, Organization
from ipops.money import ZERO, fen, to_decimal
from ipops.services import registry
from pledge_finance import clock, rules
from pledge_finance.errors import (
    AlreadyDecided,
    AmountExceedsLoanToValue,
    InstitutionNotParticipating,
    LoanInvalidTransition,
    LoanNotOverdue,
    PledgeAlreadyReleased,
    RecoveryTooLarge,
    RepaymentTooLarge,
    ReserveAlreadyOpen,
    ReserveNotOpen,
    SharesNotWhole,
)
from pledge_finance.models import (
    ROLE_ORG_KIND,
    TRANSITIONS,
    ApprovalDecision,
    Instalment,
    InstitutionRole,
    Loan,
    LoanAsset,
    LoanProduct,
    LoanState,
    LossAllocation,
    ProductInstitution,
    Recovery,
    Repayment,
    ReserveEntry,
    RiskReserve,
    allowed,
)
from pledge_finance.permissions import party_of, require

RATE_PLACES = Decimal("0.000001")


# --- helpers --------------------------------------------------------------------------


def _today() -> datetime.date:
    return clock.today()


def _user(actor):
    return getattr(actor, "user", None)


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)


def _check_state(loan: Loan, action: str) -> None:
    if not allowed(action, loan.state):
        raise LoanInvalidTransition(fields={"state": [{"code": "invalid_transition",
                                                       "detail": loan.get_state_display()}]})


def _move(loan: Loan, action: str, *, actor, to_state: str | None = None, reason: str = "",
          data: dict | None = None, fields: Iterable[str] = ()) -> Loan:
    """Apply one transition of `TRANSITIONS`, save, and leave the audit record."""
    _check_state(loan, action)
    from_state = loan.state
    loan.state = to_state or TRANSITIONS[action][1]
    loan.save(update_fields=["state", "updated_at", *fields])
    audit.record(actor=_user(actor), city=loan.city_id, action=f"loan_{action}", obj=loan,
                 from_state=from_state, to_state=loan.state, reason=reason, data=data)
    return loan


class _Errors:
    """Collect every field error before failing, so a form shows them all at once."""

    def __init__(self):
        self.fields: dict[str, list] = {}

    def add(self, field: str, code: str, detail) -> None:
        self.fields.setdefault(field, []).append({"code": code, "detail": detail})

    def raise_if_any(self, exc_class=ValidationFailed, message=None) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise exc_class(message or _("Some fields are invalid."), code=first["code"]
                            if exc_class is ValidationFailed else None, fields=self.fields)


def _money(value, field: str, errors: _Errors, *, positive: bool = True) -> Decimal | None:
    try:
        amount = fen(value)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, "invalid", _("Enter an amount."))
        return None
    if positive and amount <= 0:
        errors.add(field, "not_positive", _("The amount must be positive."))
    return amount


def _rate(value, field: str, errors: _Errors, *, low=Decimal(0), high=Decimal(1)) -> Decimal | None:
    try:
        rate = to_decimal(value).quantize(RATE_PLACES)
    except (InvalidOperation, TypeError, ValueError):
        errors.add(field, "invalid", _("Enter a ratio between 0 and 1."))
        return None
    if not low <= rate <= high:
        errors.add(field, "out_of_range", _("Enter a ratio between 0 and 1."))
    return rate


# --- products -------------------------------------------------------------------------

_PRODUCT_FIELDS = ("name", "description", "insurer_share", "guarantor_share", "bank_share", "loan_to_value",
                   "allowed_terms", "repayment_method", "min_rate", "max_rate", "min_amount", "max_amount",
                   "is_active")


def _clean_product(values: dict) -> dict:
    errors = _Errors()
    clean = dict(values)
    if not (values.get("name") or "").strip():
        errors.add("name", "required", _("A name is required."))
    clean["name"] = (values.get("name") or "").strip()
    for f in ("insurer_share", "guarantor_share", "bank_share", "loan_to_value"):
        clean[f] = _rate(values.get(f), f, errors)
    for f in ("min_rate", "max_rate"):
        clean[f] = _rate(values.get(f), f, errors, high=Decimal("0.36"))
    for f in ("min_amount", "max_amount"):
        clean[f] = _money(values.get(f), f, errors)
    if errors.fields:
        errors.raise_if_any()
    if clean["loan_to_value"] <= 0:
        errors.add("loan_to_value", "out_of_range", _("The loan-to-value ratio must be above 0."))
    shares = {k: clean[f"{k}_share"] for k in rules.PARTIES}
    if not rules.shares_sum_to_one(shares):
        raise SharesNotWhole(fields={"shares": [{"code": SharesNotWhole.code,
                                                 "detail": SharesNotWhole.default_message}]})
    if clean["min_rate"] > clean["max_rate"]:
        errors.add("max_rate", "below_minimum", _("The maximum rate is below the minimum."))
    if clean["min_amount"] > clean["max_amount"]:
        errors.add("max_amount", "below_minimum", _("The maximum amount is below the minimum."))
    terms = sorted({int(t) for t in values.get("allowed_terms") or []})
    if not terms or any(t < 1 or t > 120 for t in terms):
        errors.add("allowed_terms", "invalid", _("List the allowed terms in months, from 1 to 120."))
    clean["allowed_terms"] = terms
    if values.get("repayment_method") not in (rules.EQUAL_INSTALMENTS, rules.BULLET):
        errors.add("repayment_method", "invalid_choice", _("Choose a repayment method."))
    errors.raise_if_any()
    return clean


def _set_institutions(product: LoanProduct, institutions: Mapping[str, Iterable[int]]) -> None:
    errors = _Errors()
    wanted: list[tuple[int, str]] = []
    for role, org_ids in institutions.items():
        if role not in InstitutionRole.values:
            errors.add("institutions", "invalid_choice", role)
            continue
        ids = sorted({int(i) for i in org_ids})
        orgs = {o.pk: o for o in Organization.objects.filter(pk__in=ids)}
        for org_id in ids:
            org = orgs.get(org_id)
            if org is None or org.kind != ROLE_ORG_KIND[role]:
                errors.add(role, "wrong_institution_kind",
                           _("Organisation %(id)s cannot act as %(role)s.") % {"id": org_id, "role": role})
            else:
                wanted.append((org_id, role))
    errors.raise_if_any()
    for role in institutions:
        if not [o for o, r in wanted if r == role]:
            errors.add(role, "required", _("At least one participating institution is required."))
    errors.raise_if_any()
    roles = list(institutions)
    ProductInstitution.objects.filter(product=product, role__in=roles).exclude(
        organization_id__in=[o for o, _r in wanted]).delete()
    for org_id, role in wanted:
        ProductInstitution.objects.get_or_create(city_id=product.city_id, product=product, organization_id=org_id,
                                                 role=role)


@transaction.atomic
def product_create(*, actor: Actor, institutions: Mapping[str, Iterable[int]], **values) -> LoanProduct:
    """Bureau: publish a loan product; insurer + guarantor + bank shares must be exactly 100%."""
    require(actor, "product.manage")
    values.setdefault("loan_to_value", Decimal("0.5"))
    values.setdefault("repayment_method", rules.EQUAL_INSTALMENTS)
    values.setdefault("min_amount", Decimal("100000"))
    values.setdefault("max_amount", Decimal("10000000"))
    values.setdefault("description", "")
    values.setdefault("is_active", True)
    unknown = set(values) - set(_PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    clean = _clean_product(values)
    if LoanProduct.objects.filter(name=clean["name"]).exists():
        raise ValidationFailed(_("A product with this name exists."), code="duplicate_name",
                               fields={"name": [{"code": "duplicate_name", "detail": clean["name"]}]})
    try:
        with transaction.atomic():
            product = LoanProduct.objects.create(city=actor.city, **clean)
    except IntegrityError as exc:
        raise ValidationFailed(_("A product with this name exists."), code="duplicate_name") from exc
    _set_institutions(product, {r: institutions.get(r, []) for r in InstitutionRole.values})
    audit.record(actor=_user(actor), city=actor.city, action="loan_product_create", obj=product,
                 data={**product.shares, "loan_to_value": product.loan_to_value})
    return product


@transaction.atomic
def product_update(*, actor: Actor, product: LoanProduct, institutions: Mapping[str, Iterable[int]] | None = None,
                   **changes) -> LoanProduct:
    """Bureau: edit a product. Loans already approved keep the shares copied onto them."""
    require(actor, "product.manage")
    product = LoanProduct.objects.select_for_update().get(pk=product.pk)
    unknown = set(changes) - set(_PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    before = {**product.shares, "loan_to_value": product.loan_to_value}
    merged = {f: changes.get(f, getattr(product, f)) for f in _PRODUCT_FIELDS}
    clean = _clean_product(merged)
    if clean["name"] != product.name and LoanProduct.objects.filter(name=clean["name"]).exists():
        raise ValidationFailed(_("A product with this name exists."), code="duplicate_name",
                               fields={"name": [{"code": "duplicate_name", "detail": clean["name"]}]})
    for name, value in clean.items():
        setattr(product, name, value)
    product.save()
    if institutions is not None:
        _set_institutions(product, institutions)
    audit.record(actor=_user(actor), city=actor.city, action="loan_product_update", obj=product,
                 data={"before": before, "after": {**product.shares, "loan_to_value": product.loan_to_value}})
    return product


# --- applications ---------------------------------------------------------------------


def _participates(product: LoanProduct, role: str, org_id) -> bool:
    return ProductInstitution.objects.filter(product=product, role=role, organization_id=org_id).exists()


def _validate_application(*, product: LoanProduct, enterprise_id: int, bank_id, insurer_id, guarantor_id,
                          asset_ids: list[int], amount, term_months, purpose: str) -> dict:
    errors = _Errors()
    if not product.is_active:
        errors.add("product", "product_closed", _("This product no longer takes applications."))
    for role, org_id in (("bank", bank_id), ("insurer", insurer_id), ("guarantor", guarantor_id)):
        if not org_id or not _participates(product, role, org_id):
            errors.add(role, InstitutionNotParticipating.code, InstitutionNotParticipating.default_message)
    amount = _money(amount, "amount", errors)
    if amount is not None and amount > 0 and not product.min_amount <= amount <= product.max_amount:
        errors.add("amount", "amount_out_of_range",
                   _("The amount must lie between %(low)s and %(high)s.") % {
                       "low": product.min_amount, "high": product.max_amount})
    try:
        term = int(term_months)
    except (TypeError, ValueError):
        term = None
    if term not in product.allowed_terms:
        errors.add("term_months", "term_not_allowed",
                   _("Choose one of the product's terms: %s months.") % ", ".join(map(str, product.allowed_terms)))
    if not (purpose or "").strip():
        errors.add("purpose", "required", _("Say what the loan is for."))
    ids = sorted({int(a) for a in asset_ids or []})
    if not ids:
        errors.add("assets", "required", _("Choose at least one asset to pledge."))
    assets = list(IPAsset.objects.filter(pk__in=ids))
    if len(assets) != len(ids):
        errors.add("assets", "asset_not_found", _("One of these assets does not exist."))
    errors.raise_if_any()
    # Owned, in force, not pledged: the registry's rules (409 with the registry's code).
    registry.check_assets_available(assets=assets, action="pledge", owner_id=enterprise_id)
    return {"amount": amount, "term_months": term, "purpose": purpose.strip(), "asset_ids": ids}


@transaction.atomic
def loan_create(*, actor: Actor, product: LoanProduct, bank_id: int, insurer_id: int, guarantor_id: int,
                asset_ids: Iterable[int], amount, term_months: int, purpose: str) -> Loan:
    """Enterprise: start an application (draft)."""
    require(actor, "loan.create")
    clean = _validate_application(product=product, enterprise_id=actor.organization_id, bank_id=bank_id,
                                  insurer_id=insurer_id, guarantor_id=guarantor_id, asset_ids=list(asset_ids),
                                  amount=amount, term_months=term_months, purpose=purpose)
    loan = Loan.objects.create(
        city=actor.city, product=product, enterprise_id=actor.organization_id, bank_id=bank_id,
        insurer_id=insurer_id, guarantor_id=guarantor_id, amount=clean["amount"],
        term_months=clean["term_months"], purpose=clean["purpose"], repayment_method=product.repayment_method,
        loan_to_value=product.loan_to_value, created_by=actor.user)
    LoanAsset.objects.bulk_create([LoanAsset(city=actor.city, loan=loan, asset_id=a) for a in clean["asset_ids"]])
    audit.record(actor=_user(actor), city=actor.city, action="loan_create", obj=loan, to_state=loan.state,
                 data={"amount": loan.amount, "term_months": loan.term_months, "assets": clean["asset_ids"]})
    return loan


@transaction.atomic
def loan_update(*, actor: Actor, loan: Loan, **changes) -> Loan:
    """Enterprise: change a draft (institutions, assets, amount, term, purpose)."""
    loan = _lock(loan)
    require(actor, "loan.apply", loan)
    _check_state(loan, "update")
    allowed_fields = {"bank_id", "insurer_id", "guarantor_id", "asset_ids", "amount", "term_months", "purpose"}
    unknown = set(changes) - allowed_fields
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    current = {"bank_id": loan.bank_id, "insurer_id": loan.insurer_id, "guarantor_id": loan.guarantor_id,
               "asset_ids": list(loan.loan_assets.values_list("asset_id", flat=True)), "amount": loan.amount,
               "term_months": loan.term_months, "purpose": loan.purpose}
    merged = {**current, **changes}
    clean = _validate_application(product=loan.product, enterprise_id=loan.enterprise_id, **merged)
    loan.bank_id, loan.insurer_id, loan.guarantor_id = merged["bank_id"], merged["insurer_id"], merged["guarantor_id"]
    loan.amount, loan.term_months, loan.purpose = clean["amount"], clean["term_months"], clean["purpose"]
    loan.save()
    if set(clean["asset_ids"]) != set(current["asset_ids"]):
        loan.loan_assets.all().delete()
        LoanAsset.objects.bulk_create([LoanAsset(city_id=loan.city_id, loan=loan, asset_id=a)
                                       for a in clean["asset_ids"]])
    audit.record(actor=_user(actor), city=loan.city_id, action="loan_update", obj=loan, from_state=loan.state,
                 to_state=loan.state, data={"amount": loan.amount, "assets": clean["asset_ids"]})
    return loan


@transaction.atomic
def loan_submit(*, actor: Actor, loan: Loan) -> Loan:
    """Enterprise: submit. The pledged assets are held for this application in the registry from now on."""
    loan = _lock(loan)
    require(actor, "loan.apply", loan)
    _check_state(loan, "submit")
    asset_ids = list(loan.loan_assets.values_list("asset_id", flat=True))
    _validate_application(product=loan.product, enterprise_id=loan.enterprise_id, bank_id=loan.bank_id,
                          insurer_id=loan.insurer_id, guarantor_id=loan.guarantor_id, asset_ids=asset_ids,
                          amount=loan.amount, term_months=loan.term_months, purpose=loan.purpose)
    registry.encumbrance_add(asset_ids=asset_ids, kind="pledge", source=loan.source, owner_id=loan.enterprise_id,
                             holder=loan.bank, reference=loan.reference, actor=actor)
    loan.submitted_at = clock.now()
    return _move(loan, "submit", actor=actor, fields=["submitted_at"], data={"amount": loan.amount})


def _release_pledge(loan: Loan, actor) -> None:
    registry.encumbrance_release(source=loan.source, kind="pledge", actor=actor)
    loan.pledge_released_at = clock.now()


@transaction.atomic
def loan_withdraw(*, actor: Actor, loan: Loan, reason: str = "") -> Loan:
    """Enterprise: withdraw an application before it is decided; the assets are free again."""
    loan = _lock(loan)
    require(actor, "loan.apply", loan)
    _check_state(loan, "withdraw")
    fields = ["closed_on"]
    loan.closed_on = _today()
    if loan.state != LoanState.DRAFT:
        _release_pledge(loan, actor)
        fields.append("pledge_released_at")
    return _move(loan, "withdraw", actor=actor, reason=reason, fields=fields)


# --- valuation and review -------------------------------------------------------------


@transaction.atomic
def loan_record_valuation(*, actor: Actor, loan: Loan, appraised_value, report_ref: str,
                          valued_on: datetime.date | None = None,
                          asset_values: Mapping[int, Decimal] | None = None) -> Loan:
    """Appraiser: record the appraised value (评估). The amount may not exceed value × LTV."""
    loan = _lock(loan)
    require(actor, "loan.value", loan)
    _check_state(loan, "value")
    errors = _Errors()
    valued_on = valued_on or _today()
    asset_ids = set(loan.loan_assets.values_list("asset_id", flat=True))
    per_asset: dict[int, Decimal] = {}
    for asset_id, value in (asset_values or {}).items():
        if int(asset_id) not in asset_ids:
            errors.add("asset_values", "asset_not_in_loan", str(asset_id))
            continue
        per_asset[int(asset_id)] = _money(value, "asset_values", errors)
    if per_asset and not errors.fields:
        appraised_value = sum(per_asset.values(), ZERO)
    value = _money(appraised_value, "appraised_value", errors)
    if not (report_ref or "").strip():
        errors.add("report_ref", "required", _("Give the valuation report's reference."))
    if valued_on > _today():
        errors.add("valued_on", "in_future", _("The valuation date cannot be in the future."))
    if loan.submitted_at and valued_on < timezone.localdate(loan.submitted_at):
        errors.add("valued_on", "before_submission", _("The valuation date precedes the application."))
    errors.raise_if_any()
    loan.appraised_value, loan.valuation_report_ref, loan.valued_on = value, report_ref.strip(), valued_on
    cap = loan.max_amount_by_value
    if loan.amount > cap:
        raise AmountExceedsLoanToValue(
            _("The loan amount %(amount)s exceeds the appraised value × loan-to-value ratio (%(cap)s).")
            % {"amount": loan.amount, "cap": cap},
            fields={"appraised_value": [{"code": AmountExceedsLoanToValue.code, "detail": str(cap)}]})
    loan.appraiser_id = actor.organization_id
    assets = {a.pk: a for a in IPAsset.objects.filter(pk__in=list(per_asset) or list(asset_ids))}
    if per_asset:
        for asset_id, asset_value in per_asset.items():
            registry.valuation_record(asset=assets[asset_id], value=asset_value, valued_on=valued_on,
                                      appraiser=actor.organization, report_ref=loan.valuation_report_ref,
                                      actor=actor)
    elif len(assets) == 1:
        registry.valuation_record(asset=next(iter(assets.values())), value=value, valued_on=valued_on,
                                  appraiser=actor.organization, report_ref=loan.valuation_report_ref, actor=actor)
    return _move(loan, "value", actor=actor, fields=["appraised_value", "valuation_report_ref", "valued_on",
                                                     "appraiser"],
                 data={"appraised_value": value, "loan_to_value": loan.loan_to_value, "cap": cap,
                       "amount": loan.amount})


@transaction.atomic
def loan_decide(*, actor: Actor, loan: Loan, decision: str, comment: str) -> ApprovalDecision:
    """Bank, insurer or guarantor: approve or reject, for itself, once. All three approve → approved;
    any rejection → rejected (and the assets are freed). On approval the product's shares are copied."""
    loan = _lock(loan)
    require(actor, "loan.decide", loan)
    _check_state(loan, "decide")
    party = party_of(actor, loan)
    errors = _Errors()
    if decision not in ApprovalDecision.Decision.values:
        errors.add("decision", "invalid_choice", _("Approve or reject."))
    if not (comment or "").strip():
        errors.add("comment", "required", _("A comment is required."))
    errors.raise_if_any()
    if loan.decisions.filter(party=party).exists():
        raise AlreadyDecided()
    now = clock.now()
    try:
        with transaction.atomic():
            row = ApprovalDecision.objects.create(city_id=loan.city_id, loan=loan, party=party,
                                                  organization_id=actor.organization_id, decision=decision,
                                                  comment=comment.strip(), decided_by=actor.user, decided_at=now)
    except IntegrityError as exc:
        raise AlreadyDecided() from exc
    audit.record(actor=_user(actor), city=loan.city_id, action=f"loan_decision_{decision}", obj=loan,
                 from_state=loan.state, to_state=loan.state, reason=comment, data={"party": party})
    decisions = dict(loan.decisions.values_list("party", "decision"))
    if decision == ApprovalDecision.Decision.REJECT:
        _release_pledge(loan, actor)
        loan.decided_at, loan.closed_on = now, timezone.localdate(now)
        _move(loan, "reject", actor=actor, reason=comment, data={"party": party},
              fields=["decided_at", "closed_on", "pledge_released_at"])
    elif len(decisions) == len(rules.PARTIES) and set(decisions.values()) == {"approve"}:
        shares = loan.product.shares
        if not rules.shares_sum_to_one(shares):  # a product can't be saved so, but the money depends on it
            raise SharesNotWhole()
        loan.insurer_share, loan.guarantor_share, loan.bank_share = (
            shares["insurer"], shares["guarantor"], shares["bank"])
        loan.decided_at = now
        _move(loan, "approve", actor=actor, data={"shares": shares},
              fields=["decided_at", "insurer_share", "guarantor_share", "bank_share"])
    return row


# --- disbursement and repayment -------------------------------------------------------


@transaction.atomic
def loan_disburse(*, actor: Actor, loan: Loan, contract_number: str, contract_signed_on: datetime.date,
                  pledge_registration_number: str, pledge_registered_on: datetime.date,
                  disbursed_on: datetime.date, annual_rate) -> Loan:
    """Bank: contract, CNIPA pledge registration (质押登记) and disbursement → the repayment schedule."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "disburse")
    errors = _Errors()
    if not (contract_number or "").strip():
        errors.add("contract_number", "required", _("The contract number is required."))
    if not (pledge_registration_number or "").strip():
        errors.add("pledge_registration_number", "required", _("The CNIPA pledge registration number is required."))
    rate = _rate(annual_rate, "annual_rate", errors)
    if rate is not None and not loan.product.min_rate <= rate <= loan.product.max_rate:
        errors.add("annual_rate", "rate_out_of_range",
                   _("The rate must lie between %(low)s and %(high)s.") % {
                       "low": loan.product.min_rate, "high": loan.product.max_rate})
    today = _today()
    approved_on = timezone.localdate(loan.decided_at) if loan.decided_at else None
    if disbursed_on > today:
        errors.add("disbursed_on", "in_future", _("The disbursement date cannot be in the future."))
    if contract_signed_on > disbursed_on:
        errors.add("contract_signed_on", "after_disbursement", _("The contract must be signed before disbursement."))
    if pledge_registered_on > disbursed_on:
        errors.add("pledge_registered_on", "after_disbursement",
                   _("The pledge must be registered before disbursement."))
    if approved_on and contract_signed_on < approved_on:
        errors.add("contract_signed_on", "before_approval", _("The contract cannot precede the approval."))
    errors.raise_if_any()
    loan.contract_number = contract_number.strip()
    loan.contract_signed_on = contract_signed_on
    loan.pledge_registration_number = pledge_registration_number.strip()
    loan.pledge_registered_on = pledge_registered_on
    loan.disbursed_on = disbursed_on
    loan.annual_rate = rate
    schedule = rules.repayment_schedule(amount=loan.amount, annual_rate=rate, months=loan.term_months,
                                        start=disbursed_on, method=loan.repayment_method)
    loan.maturity_date = schedule[-1].due_date
    Instalment.objects.bulk_create([
        Instalment(city_id=loan.city_id, loan=loan, number=i.number, due_date=i.due_date,
                   principal_due=i.principal, interest_due=i.interest) for i in schedule])
    # The application's hold becomes the registered pledge, with its CNIPA number and term.
    asset_ids = list(loan.loan_assets.values_list("asset_id", flat=True))
    registry.encumbrance_release(source=loan.source, kind="pledge", actor=actor)
    registry.encumbrance_add(asset_ids=asset_ids, kind="pledge", source=loan.source, owner_id=loan.enterprise_id,
                             holder=loan.bank, reference=loan.pledge_registration_number,
                             starts_on=pledge_registered_on, ends_on=loan.maturity_date, actor=actor)
    return _move(loan, "disburse", actor=actor,
                 fields=["contract_number", "contract_signed_on", "pledge_registration_number",
                         "pledge_registered_on", "disbursed_on", "annual_rate", "maturity_date"],
                 data={"amount": loan.amount, "annual_rate": rate, "instalments": len(schedule),
                       "contract_number": loan.contract_number,
                       "pledge_registration_number": loan.pledge_registration_number})


@transaction.atomic
def loan_record_repayment(*, actor: Actor, loan: Loan, amount, paid_on: datetime.date,
                          reference: str = "") -> Repayment:
    """Bank: record a repayment; oldest instalment first, interest before principal.
    Fully repaid → the loan closes and the pledge is released."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "repay")
    errors = _Errors()
    amount = _money(amount, "amount", errors)
    if paid_on > _today():
        errors.add("paid_on", "in_future", _("The payment date cannot be in the future."))
    if paid_on < loan.disbursed_on:
        errors.add("paid_on", "before_disbursement", _("The payment date precedes the disbursement."))
    errors.raise_if_any()
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    try:
        split = rules.apply_repayment([i.as_state() for i in instalments], amount)
    except ValueError as exc:
        owed = sum((i.open_amount for i in instalments), ZERO)
        raise RepaymentTooLarge(fields={"amount": [{"code": RepaymentTooLarge.code, "detail": str(owed)}]}) from exc
    for index, (principal, interest) in split.parts.items():
        inst = instalments[index]
        inst.principal_paid += principal
        inst.interest_paid += interest
        if inst.open_amount == 0:
            inst.status, inst.paid_on = Instalment.Status.PAID, paid_on
        inst.save(update_fields=["principal_paid", "interest_paid", "status", "paid_on"])
    repayment = Repayment.objects.create(city_id=loan.city_id, loan=loan, paid_on=paid_on, amount=amount,
                                         principal=split.principal, interest=split.interest,
                                         reference=(reference or "").strip(), recorded_by=actor.user)
    audit.record(actor=_user(actor), city=loan.city_id, action="loan_repayment", obj=loan, from_state=loan.state,
                 to_state=loan.state, data={"amount": amount, "principal": split.principal,
                                            "interest": split.interest, "paid_on": paid_on.isoformat()})
    if all(i.open_amount == 0 for i in instalments):
        loan.closed_on = paid_on
        _release_pledge(loan, actor)
        _move(loan, "close", actor=actor, fields=["closed_on", "pledge_released_at"])
    return repayment


# --- overdue, default, reserve, recovery ----------------------------------------------


def instalments_mark_overdue(*, city_id: int, today: datetime.date | None = None) -> int:
    """Nightly: every unpaid instalment past its due date becomes overdue (idempotent). Returns how many."""
    today = today or _today()
    marked = 0
    loan_ids = list(Instalment.objects.filter(
        city_id=city_id, loan__state=LoanState.DISBURSED, status=Instalment.Status.PENDING, due_date__lt=today,
    ).values_list("loan_id", flat=True).distinct().order_by("loan_id"))
    for loan_id in loan_ids:
        with transaction.atomic():
            loan = Loan.objects.select_for_update().get(pk=loan_id)
            if loan.state != LoanState.DISBURSED:
                continue
            due = [i for i in loan.instalments.select_for_update().filter(
                status=Instalment.Status.PENDING, due_date__lt=today) if i.open_amount > 0]
            for inst in due:
                inst.status = Instalment.Status.OVERDUE
                inst.overdue_since = inst.due_date + datetime.timedelta(days=1)
                inst.save(update_fields=["status", "overdue_since"])
            if due:
                marked += len(due)
                audit.record(actor=None, city=city_id, action="loan_instalments_overdue", obj=loan,
                             from_state=loan.state, to_state=loan.state,
                             data={"instalments": [i.number for i in due],
                                   "amount": sum((i.open_amount for i in due), ZERO)})
    return marked


def _book(reserve: RiskReserve, *, kind: str, amount: Decimal, booked_on: datetime.date, actor=None,
          loan: Loan | None = None, organization_id: int | None = None, note: str = "") -> ReserveEntry:
    reserve.balance = reserve.balance + amount
    if reserve.balance < 0:  # the rules never ask for more than the balance; the database refuses too
        raise ReserveNotOpen(_("The reserve cannot go negative."), code="reserve_exhausted")
    reserve.save(update_fields=["balance"])
    return ReserveEntry.objects.create(city_id=reserve.city_id, reserve=reserve, kind=kind, amount=amount,
                                       balance_after=reserve.balance, loan=loan, organization_id=organization_id,
                                       booked_on=booked_on, note=note, created_by=_user(actor))


@transaction.atomic
def loan_declare_default(*, actor: Actor, loan: Loan, default_on: datetime.date, reason: str) -> Loan:
    """Bank: declare default. The loss (outstanding principal + interest accrued to the default date) is
    split by the loan's shares to the fen; the city's reserve reimburses each institution its configured
    share of its loss while the balance lasts (the reserve row is locked, so two defaults queue)."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "default")
    errors = _Errors()
    if default_on > _today():
        errors.add("default_on", "in_future", _("The default date cannot be in the future."))
    if default_on <= loan.disbursed_on:
        errors.add("default_on", "before_disbursement", _("The default date must follow the disbursement."))
    if not (reason or "").strip():
        errors.add("reason", "required", _("Give the reason for the default."))
    errors.raise_if_any()
    instalments = list(loan.instalments.select_for_update().order_by("number"))
    if not any(i.due_date < default_on and i.open_amount > 0 for i in instalments):
        raise LoanNotOverdue()
    loss = rules.default_loss(instalments=[i.as_state() for i in instalments], annual_rate=loan.annual_rate,
                              disbursed_on=loan.disbursed_on, default_on=default_on)
    shares = loan.shares
    parts = rules.allocate_loss(loss.total, shares)
    reserve = RiskReserve.objects.select_for_update().filter(city_id=loan.city_id).first()
    payout_share = reserve.payout_share if reserve else ZERO
    claims = rules.reserve_claims(parts, payout_share)
    paid = rules.reserve_payouts(claims, reserve.balance if reserve else ZERO)
    for party in rules.PARTIES:
        LossAllocation.objects.create(city_id=loan.city_id, loan=loan, party=party,
                                      organization_id=loan.party_org_id(party), share=shares[party],
                                      loss=parts[party], reserve_claim=claims[party], reserve_paid=paid[party])
        if reserve and paid[party] > 0:
            _book(reserve, kind=ReserveEntry.Kind.PAYOUT, amount=-paid[party], booked_on=default_on, actor=actor,
                  loan=loan, organization_id=loan.party_org_id(party),
                  note=_("Compensation for %(loan)s") % {"loan": loan.reference})
    loan.default_on, loan.loss_principal, loan.loss_interest = default_on, loss.principal, loss.interest
    return _move(loan, "default", actor=actor, reason=reason,
                 fields=["default_on", "loss_principal", "loss_interest"],
                 data={"loss_principal": loss.principal, "loss_interest": loss.interest, "loss": loss.total,
                       "allocation": parts, "reserve_claims": claims, "reserve_paid": paid,
                       "reserve_balance_after": reserve.balance if reserve else None})


@transaction.atomic
def loan_record_recovery(*, actor: Actor, loan: Loan, amount, received_on: datetime.date, source: str,
                         release_pledge: bool = False) -> Recovery:
    """Bank: record money recovered after default; shared back by the loan's shares, and the reserve gets
    back the fraction of each institution's loss it had reimbursed."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "recover")
    errors = _Errors()
    amount = _money(amount, "amount", errors)
    if received_on > _today():
        errors.add("received_on", "in_future", _("The date cannot be in the future."))
    if received_on < loan.default_on:
        errors.add("received_on", "before_default", _("A recovery follows the default."))
    if not (source or "").strip():
        errors.add("source", "required", _("Say where the money came from."))
    errors.raise_if_any()
    allocations = {a.party: a for a in loan.allocations.select_for_update()}
    recovered_before = sum((a.recovered for a in allocations.values()), ZERO)
    if recovered_before + amount > loan.loss_total:
        raise RecoveryTooLarge(fields={"amount": [{"code": RecoveryTooLarge.code,
                                                   "detail": str(loan.loss_total - recovered_before)}]})
    parts = rules.recovery_split(amount, loan.shares)
    reserve = RiskReserve.objects.select_for_update().filter(city_id=loan.city_id).first()
    refunds = {}
    for party, part in parts.items():
        alloc = allocations[party]
        alloc.recovered += part
        refund = rules.reserve_refund(recovered_total=alloc.recovered, loss=alloc.loss, payout=alloc.reserve_paid,
                                      refunded_before=alloc.refunded_to_reserve)
        refunds[party] = refund
        alloc.refunded_to_reserve += refund
        alloc.save(update_fields=["recovered", "refunded_to_reserve"])
        if refund > 0 and reserve:
            _book(reserve, kind=ReserveEntry.Kind.REFUND, amount=refund, booked_on=received_on, actor=actor,
                  loan=loan, organization_id=alloc.organization_id,
                  note=_("Refund from recovery on %(loan)s") % {"loan": loan.reference})
    recovery = Recovery.objects.create(city_id=loan.city_id, loan=loan, received_on=received_on, amount=amount,
                                       source=source.strip(), recorded_by=actor.user,
                                       parts={p: str(v) for p, v in parts.items()})
    fields = []
    if release_pledge and loan.pledge_released_at is None:
        _release_pledge(loan, actor)
        fields.append("pledge_released_at")
    _move(loan, "recover", actor=actor, fields=fields,
          data={"amount": amount, "parts": parts, "reserve_refunds": refunds, "released": bool(fields)})
    return recovery


@transaction.atomic
def loan_release_pledge(*, actor: Actor, loan: Loan, reason: str) -> Loan:
    """Bank: release a defaulted loan's pledge (the patents were disposed of, or the claim written off)."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "release_pledge")
    if loan.pledge_released_at is not None:
        raise PledgeAlreadyReleased()
    if not (reason or "").strip():
        raise ValidationFailed(_("Give the reason."), code="required",
                               fields={"reason": [{"code": "required", "detail": ""}]})
    _release_pledge(loan, actor)
    return _move(loan, "release_pledge", actor=actor, reason=reason, fields=["pledge_released_at"])


# --- the reserve ----------------------------------------------------------------------


@transaction.atomic
def reserve_open(*, actor: Actor, opening_balance, payout_share=Decimal("0.30"), opened_on=None,
                 name: str = "") -> RiskReserve:
    """Bureau: open the city's risk compensation reserve (e.g. Qingdao: 30,000,000 of central funds)."""
    require(actor, "reserve.manage")
    errors = _Errors()
    balance = _money(opening_balance, "opening_balance", errors, positive=False)
    if balance is not None and balance < 0:
        errors.add("opening_balance", "negative", _("The balance cannot be negative."))
    share = _rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    if RiskReserve.objects.exists():
        raise ReserveAlreadyOpen()
    opened_on = opened_on or _today()
    try:
        with transaction.atomic():
            reserve = RiskReserve.objects.create(city=actor.city, name=name or _("Risk compensation reserve"),
                                                 opening_balance=balance, balance=ZERO, payout_share=share,
                                                 opened_on=opened_on)
    except IntegrityError as exc:
        raise ReserveAlreadyOpen() from exc
    _book(reserve, kind=ReserveEntry.Kind.OPENING, amount=balance, booked_on=opened_on, actor=actor,
          note=_("Opening balance"))
    audit.record(actor=_user(actor), city=actor.city, action="reserve_open", obj=reserve,
                 data={"opening_balance": balance, "payout_share": share})
    return reserve


@transaction.atomic
def reserve_top_up(*, actor: Actor, amount, note: str, booked_on: datetime.date | None = None) -> ReserveEntry:
    """Bureau: add money to the reserve (a further budget allocation)."""
    require(actor, "reserve.manage")
    errors = _Errors()
    amount = _money(amount, "amount", errors)
    if not (note or "").strip():
        errors.add("note", "required", _("Say where the money comes from."))
    errors.raise_if_any()
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    entry = _book(reserve, kind=ReserveEntry.Kind.TOP_UP, amount=amount, booked_on=booked_on or _today(),
                  actor=actor, note=note.strip())
    audit.record(actor=_user(actor), city=actor.city, action="reserve_top_up", obj=reserve,
                 data={"amount": amount, "balance": reserve.balance})
    return entry


@transaction.atomic
def reserve_update(*, actor: Actor, payout_share) -> RiskReserve:
    """Bureau: change the share of each institution's loss the reserve reimburses (future defaults only)."""
    require(actor, "reserve.manage")
    errors = _Errors()
    share = _rate(payout_share, "payout_share", errors)
    errors.raise_if_any()
    reserve = RiskReserve.objects.select_for_update().filter(city_id=actor.city.pk).first()
    if reserve is None:
        raise ReserveNotOpen()
    before = reserve.payout_share
    reserve.payout_share = share
    reserve.save(update_fields=["payout_share"])
    audit.record(actor=_user(actor), city=actor.city, action="reserve_update", obj=reserve,
                 data={"payout_share_before": before, "payout_share": share})
    return reserve
