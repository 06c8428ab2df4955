"""A loan from application to repayment: submit, valuation, three-party review, disbursement, repayments."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit
from ipops.access import Actor
from ipops.errors import FieldErrors, ValidationFailed
from ipops.models import IPAsset
from ipops.money import ZERO
from ipops.services import registry
from pledge_finance import clock, rules
from pledge_finance.errors import (
    AlreadyDecided,
    AmountExceedsLoanToValue,
    InstitutionNotParticipating,
    RepaymentTooLarge,
    SharesNotWhole,
)
from pledge_finance.models import (
    ApprovalDecision,
    Instalment,
    Loan,
    LoanAsset,
    LoanProduct,
    LoanState,
    ProductInstitution,
    Repayment,
)
from pledge_finance.permissions import party_of, require
from pledge_finance.services._common import _check_state, _lock, _money, _move, _rate, _today, _user

# --- applications ---------------------------------------------------------------------


def _participates(product: LoanProduct, role: str, org_id) -> bool:
    return ProductInstitution.objects.filter(product=product, role=role, organization_id=org_id).exists()


def _validate_application(
    *,
    product: LoanProduct,
    enterprise_id: int,
    bank_id,
    insurer_id,
    guarantor_id,
    asset_ids: list[int],
    amount,
    term_months,
    purpose: str,
) -> dict:
    errors = FieldErrors()
    if not product.is_active:
        errors.add("product", "product_closed", _("This product no longer takes applications."))
    for role, org_id in (("bank", bank_id), ("insurer", insurer_id), ("guarantor", guarantor_id)):
        if not org_id or not _participates(product, role, org_id):
            errors.add(role, InstitutionNotParticipating.code, InstitutionNotParticipating.default_message)
    amount = _money(amount, "amount", errors)
    if amount is not None and amount > 0 and not product.min_amount <= amount <= product.max_amount:
        errors.add(
            "amount",
            "amount_out_of_range",
            _("The amount must lie between %(low)s and %(high)s.")
            % {"low": product.min_amount, "high": product.max_amount},
        )
    try:
        term = int(term_months)
    except (TypeError, ValueError):
        term = None
    if term not in product.allowed_terms:
        errors.add(
            "term_months",
            "term_not_allowed",
            _("Choose one of the product's terms: %s months.") % ", ".join(map(str, product.allowed_terms)),
        )
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
def loan_create(
    *,
    actor: Actor,
    product: LoanProduct,
    bank_id: int,
    insurer_id: int,
    guarantor_id: int,
    asset_ids: Iterable[int],
    amount,
    term_months: int,
    purpose: str,
) -> Loan:
    """Enterprise: start an application (draft)."""
    require(actor, "loan.create")
    clean = _validate_application(
        product=product,
        enterprise_id=actor.organization_id,
        bank_id=bank_id,
        insurer_id=insurer_id,
        guarantor_id=guarantor_id,
        asset_ids=list(asset_ids),
        amount=amount,
        term_months=term_months,
        purpose=purpose,
    )
    loan = Loan.objects.create(
        city=actor.city,
        product=product,
        enterprise_id=actor.organization_id,
        bank_id=bank_id,
        insurer_id=insurer_id,
        guarantor_id=guarantor_id,
        amount=clean["amount"],
        term_months=clean["term_months"],
        purpose=clean["purpose"],
        repayment_method=product.repayment_method,
        loan_to_value=product.loan_to_value,
        created_by=actor.user,
    )
    LoanAsset.objects.bulk_create(
        [LoanAsset(city=actor.city, loan=loan, asset_id=a) for a in clean["asset_ids"]]
    )
    audit.record(
        actor=_user(actor),
        city=actor.city,
        action="loan_create",
        obj=loan,
        to_state=loan.state,
        data={"amount": loan.amount, "term_months": loan.term_months, "assets": clean["asset_ids"]},
    )
    return loan


@transaction.atomic
def loan_update(*, actor: Actor, loan: Loan, **changes) -> Loan:
    """Enterprise: change a draft (institutions, assets, amount, term, purpose)."""
    loan = _lock(loan)
    require(actor, "loan.apply", loan)
    _check_state(loan, "update")
    allowed_fields = {
        "bank_id",
        "insurer_id",
        "guarantor_id",
        "asset_ids",
        "amount",
        "term_months",
        "purpose",
    }
    unknown = set(changes) - allowed_fields
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    current = {
        "bank_id": loan.bank_id,
        "insurer_id": loan.insurer_id,
        "guarantor_id": loan.guarantor_id,
        "asset_ids": list(loan.loan_assets.values_list("asset_id", flat=True)),
        "amount": loan.amount,
        "term_months": loan.term_months,
        "purpose": loan.purpose,
    }
    merged = {**current, **changes}
    clean = _validate_application(product=loan.product, enterprise_id=loan.enterprise_id, **merged)
    loan.bank_id, loan.insurer_id, loan.guarantor_id = (
        merged["bank_id"],
        merged["insurer_id"],
        merged["guarantor_id"],
    )
    loan.amount, loan.term_months, loan.purpose = clean["amount"], clean["term_months"], clean["purpose"]
    loan.save()
    if set(clean["asset_ids"]) != set(current["asset_ids"]):
        loan.loan_assets.all().delete()
        LoanAsset.objects.bulk_create(
            [LoanAsset(city_id=loan.city_id, loan=loan, asset_id=a) for a in clean["asset_ids"]]
        )
    audit.record(
        actor=_user(actor),
        city=loan.city_id,
        action="loan_update",
        obj=loan,
        from_state=loan.state,
        to_state=loan.state,
        data={"amount": loan.amount, "assets": clean["asset_ids"]},
    )
    return loan


@transaction.atomic
def loan_submit(*, actor: Actor, loan: Loan) -> Loan:
    """Enterprise: submit. The pledged assets are held for this application in the registry from now on."""
    loan = _lock(loan)
    require(actor, "loan.apply", loan)
    _check_state(loan, "submit")
    asset_ids = list(loan.loan_assets.values_list("asset_id", flat=True))
    _validate_application(
        product=loan.product,
        enterprise_id=loan.enterprise_id,
        bank_id=loan.bank_id,
        insurer_id=loan.insurer_id,
        guarantor_id=loan.guarantor_id,
        asset_ids=asset_ids,
        amount=loan.amount,
        term_months=loan.term_months,
        purpose=loan.purpose,
    )
    registry.encumbrance_add(
        asset_ids=asset_ids,
        kind="pledge",
        source=loan.source,
        owner_id=loan.enterprise_id,
        holder=loan.bank,
        reference=loan.reference,
        actor=actor,
    )
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
def loan_record_valuation(
    *,
    actor: Actor,
    loan: Loan,
    report_ref: str,
    appraised_value=None,
    valued_on: datetime.date | None = None,
    asset_values: Mapping[int, Decimal] | None = None,
) -> Loan:
    """Appraiser: record the appraised value (评估). The amount may not exceed value × LTV."""
    loan = _lock(loan)
    require(actor, "loan.value", loan)
    _check_state(loan, "value")
    errors = FieldErrors()
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
            fields={"appraised_value": [{"code": AmountExceedsLoanToValue.code, "detail": str(cap)}]},
        )
    loan.appraiser_id = actor.organization_id
    assets = {a.pk: a for a in IPAsset.objects.filter(pk__in=list(per_asset) or list(asset_ids))}
    if per_asset:
        for asset_id, asset_value in per_asset.items():
            registry.valuation_record(
                asset=assets[asset_id],
                value=asset_value,
                valued_on=valued_on,
                appraiser=actor.organization,
                report_ref=loan.valuation_report_ref,
                actor=actor,
            )
    elif len(assets) == 1:
        registry.valuation_record(
            asset=next(iter(assets.values())),
            value=value,
            valued_on=valued_on,
            appraiser=actor.organization,
            report_ref=loan.valuation_report_ref,
            actor=actor,
        )
    return _move(
        loan,
        "value",
        actor=actor,
        fields=["appraised_value", "valuation_report_ref", "valued_on", "appraiser"],
        data={
            "appraised_value": value,
            "loan_to_value": loan.loan_to_value,
            "cap": cap,
            "amount": loan.amount,
        },
    )


@transaction.atomic
def loan_decide(*, actor: Actor, loan: Loan, decision: str, comment: str) -> ApprovalDecision:
    """Bank, insurer or guarantor: approve or reject, for itself, once. All three approve → approved;
    any rejection → rejected (and the assets are freed). On approval the product's shares are copied."""
    loan = _lock(loan)
    require(actor, "loan.decide", loan)
    _check_state(loan, "decide")
    party = party_of(actor, loan)
    errors = FieldErrors()
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
            row = ApprovalDecision.objects.create(
                city_id=loan.city_id,
                loan=loan,
                party=party,
                organization_id=actor.organization_id,
                decision=decision,
                comment=comment.strip(),
                decided_by=actor.user,
                decided_at=now,
            )
    except IntegrityError as exc:
        raise AlreadyDecided() from exc
    audit.record(
        actor=_user(actor),
        city=loan.city_id,
        action=f"loan_decision_{decision}",
        obj=loan,
        from_state=loan.state,
        to_state=loan.state,
        reason=comment,
        data={"party": party},
    )
    decisions = dict(loan.decisions.values_list("party", "decision"))
    if decision == ApprovalDecision.Decision.REJECT:
        _release_pledge(loan, actor)
        loan.decided_at, loan.closed_on = now, timezone.localdate(now)
        _move(
            loan,
            "reject",
            actor=actor,
            reason=comment,
            data={"party": party},
            fields=["decided_at", "closed_on", "pledge_released_at"],
        )
    elif len(decisions) == len(rules.PARTIES) and set(decisions.values()) == {"approve"}:
        shares = loan.product.shares
        if not rules.shares_sum_to_one(shares):  # a product can't be saved so, but the money depends on it
            raise SharesNotWhole()
        loan.insurer_share, loan.guarantor_share, loan.bank_share = (
            shares["insurer"],
            shares["guarantor"],
            shares["bank"],
        )
        loan.decided_at = now
        _move(
            loan,
            "approve",
            actor=actor,
            data={"shares": shares},
            fields=["decided_at", "insurer_share", "guarantor_share", "bank_share"],
        )
    return row


# --- disbursement and repayment -------------------------------------------------------


@transaction.atomic
def loan_disburse(
    *,
    actor: Actor,
    loan: Loan,
    contract_number: str,
    contract_signed_on: datetime.date,
    pledge_registration_number: str,
    pledge_registered_on: datetime.date,
    disbursed_on: datetime.date,
    annual_rate,
) -> Loan:
    """Bank: contract, CNIPA pledge registration (质押登记) and disbursement → the repayment schedule."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "disburse")
    errors = FieldErrors()
    if not (contract_number or "").strip():
        errors.add("contract_number", "required", _("The contract number is required."))
    if not (pledge_registration_number or "").strip():
        errors.add(
            "pledge_registration_number", "required", _("The CNIPA pledge registration number is required.")
        )
    rate = _rate(annual_rate, "annual_rate", errors)
    if rate is not None and not loan.product.min_rate <= rate <= loan.product.max_rate:
        errors.add(
            "annual_rate",
            "rate_out_of_range",
            _("The rate must lie between %(low)s and %(high)s.")
            % {"low": loan.product.min_rate, "high": loan.product.max_rate},
        )
    today = _today()
    approved_on = timezone.localdate(loan.decided_at) if loan.decided_at else None
    if disbursed_on > today:
        errors.add("disbursed_on", "in_future", _("The disbursement date cannot be in the future."))
    if contract_signed_on > disbursed_on:
        errors.add(
            "contract_signed_on", "after_disbursement", _("The contract must be signed before disbursement.")
        )
    if pledge_registered_on > disbursed_on:
        errors.add(
            "pledge_registered_on",
            "after_disbursement",
            _("The pledge must be registered before disbursement."),
        )
    if approved_on and contract_signed_on < approved_on:
        errors.add("contract_signed_on", "before_approval", _("The contract cannot precede the approval."))
    errors.raise_if_any()
    loan.contract_number = contract_number.strip()
    loan.contract_signed_on = contract_signed_on
    loan.pledge_registration_number = pledge_registration_number.strip()
    loan.pledge_registered_on = pledge_registered_on
    loan.disbursed_on = disbursed_on
    loan.annual_rate = rate
    schedule = rules.repayment_schedule(
        amount=loan.amount,
        annual_rate=rate,
        months=loan.term_months,
        start=disbursed_on,
        method=loan.repayment_method,
    )
    loan.maturity_date = schedule[-1].due_date
    Instalment.objects.bulk_create(
        [
            Instalment(
                city_id=loan.city_id,
                loan=loan,
                number=i.number,
                due_date=i.due_date,
                principal_due=i.principal,
                interest_due=i.interest,
            )
            for i in schedule
        ]
    )
    # The application's hold becomes the registered pledge, with its CNIPA number and term.
    asset_ids = list(loan.loan_assets.values_list("asset_id", flat=True))
    registry.encumbrance_release(source=loan.source, kind="pledge", actor=actor)
    registry.encumbrance_add(
        asset_ids=asset_ids,
        kind="pledge",
        source=loan.source,
        owner_id=loan.enterprise_id,
        holder=loan.bank,
        reference=loan.pledge_registration_number,
        starts_on=pledge_registered_on,
        ends_on=loan.maturity_date,
        actor=actor,
    )
    return _move(
        loan,
        "disburse",
        actor=actor,
        fields=[
            "contract_number",
            "contract_signed_on",
            "pledge_registration_number",
            "pledge_registered_on",
            "disbursed_on",
            "annual_rate",
            "maturity_date",
        ],
        data={
            "amount": loan.amount,
            "annual_rate": rate,
            "instalments": len(schedule),
            "contract_number": loan.contract_number,
            "pledge_registration_number": loan.pledge_registration_number,
        },
    )


@transaction.atomic
def loan_record_repayment(
    *, actor: Actor, loan: Loan, amount, paid_on: datetime.date, reference: str = ""
) -> Repayment:
    """Bank: record a repayment; oldest instalment first, interest before principal.
    Fully repaid → the loan closes and the pledge is released."""
    loan = _lock(loan)
    require(actor, "loan.service", loan)
    _check_state(loan, "repay")
    errors = FieldErrors()
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
        raise RepaymentTooLarge(
            fields={"amount": [{"code": RepaymentTooLarge.code, "detail": str(owed)}]}
        ) from exc
    for index, (principal, interest) in split.parts.items():
        inst = instalments[index]
        inst.principal_paid += principal
        inst.interest_paid += interest
        if inst.open_amount == 0:
            inst.status, inst.paid_on = Instalment.Status.PAID, paid_on
        inst.save(update_fields=["principal_paid", "interest_paid", "status", "paid_on"])
    repayment = Repayment.objects.create(
        city_id=loan.city_id,
        loan=loan,
        paid_on=paid_on,
        amount=amount,
        principal=split.principal,
        interest=split.interest,
        reference=(reference or "").strip(),
        recorded_by=actor.user,
    )
    audit.record(
        actor=_user(actor),
        city=loan.city_id,
        action="loan_repayment",
        obj=loan,
        from_state=loan.state,
        to_state=loan.state,
        data={
            "amount": amount,
            "principal": split.principal,
            "interest": split.interest,
            "paid_on": paid_on.isoformat(),
        },
    )
    if all(i.open_amount == 0 for i in instalments):
        loan.closed_on = paid_on
        _release_pledge(loan, actor)
        _move(loan, "close", actor=actor, fields=["closed_on", "pledge_released_at"])
    return repayment
