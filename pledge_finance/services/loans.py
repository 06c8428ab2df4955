"""A loan from application to repayment: submit, valuation, three-party review, disbursement, repayments.

Every step locks the loan (`LOAN.lock`), checks it against the lifecycle (`LOAN.check`: permission, state,
guard), collects every field error before it writes, and moves the loan with `LOAN.apply`, which audits.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import IPAsset
from ipops.money import ZERO, display_money
from ipops.services import registry
from pledge_finance import rules
from pledge_finance.errors import (
    AlreadyDecided,
    AmountExceedsLoanToValue,
    InstitutionNotParticipating,
    PledgeErrorCode,
    RepaymentTooLarge,
    SharesNotWhole,
)
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import (
    PARTIES,
    ApprovalDecision,
    Instalment,
    Loan,
    LoanAsset,
    LoanProduct,
    LoanState,
    ProductInstitution,
    Repayment,
)
from pledge_finance.permissions import has_decided, party_of, require

# --- applications ---------------------------------------------------------------------

#: What an applicant may change on a draft.
_APPLICATION_FIELDS = (
    "bank_id",
    "insurer_id",
    "guarantor_id",
    "asset_ids",
    "amount",
    "term_months",
    "purpose",
)


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
        errors.add("product", PledgeErrorCode.PRODUCT_CLOSED, _("This product no longer takes applications."))
    chosen = {"bank": bank_id, "insurer": insurer_id, "guarantor": guarantor_id}
    for party in PARTIES:
        org_id = chosen[party]
        if (
            not org_id
            or not ProductInstitution.objects.filter(
                product=product, role=party, organization_id=org_id
            ).exists()
        ):
            errors.add(party, InstitutionNotParticipating.code, InstitutionNotParticipating.default_message)
    amount = validators.money(amount, "amount", errors)
    if amount is not None and not product.min_amount <= amount <= product.max_amount:
        errors.add(
            "amount",
            PledgeErrorCode.AMOUNT_OUT_OF_RANGE,
            _("The amount must lie between %(low)s and %(high)s.")
            % {"low": display_money(product.min_amount), "high": display_money(product.max_amount)},
        )
    term = validators.whole_number(term_months, "term_months", errors)
    if term is not None and term not in product.allowed_terms:
        errors.add(
            "term_months",
            PledgeErrorCode.TERM_NOT_ALLOWED,
            _("Choose one of the product's terms: %s months.") % ", ".join(map(str, product.allowed_terms)),
        )
    purpose = validators.text(purpose, "purpose", errors, message=_("Say what the loan is for."))
    ids = sorted({int(a) for a in asset_ids or []})
    if not ids:
        errors.add("assets", CoreErrorCode.REQUIRED, _("Choose at least one asset to pledge."))
    assets = list(IPAsset.objects.filter(pk__in=ids))
    if len(assets) != len(ids):
        errors.add("assets", PledgeErrorCode.ASSET_NOT_FOUND, _("One of these assets does not exist."))
    errors.raise_if_any()
    # Owned, in force, not pledged: the registry's rules (409 with the registry's code).
    registry.check_assets_available(assets=assets, action="pledge", owner_id=enterprise_id)
    return {"amount": amount, "term_months": term, "purpose": purpose, "asset_ids": ids}


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
    assert actor.organization_id is not None  # loan.create: an applicant's staff
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
        actor=actor.user,
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
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "update", actor=actor)
    unknown = set(changes) - set(_APPLICATION_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    current: dict[str, Any] = {
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
    if set(clean["asset_ids"]) != set(current["asset_ids"]):
        loan.loan_assets.all().delete()
        LoanAsset.objects.bulk_create(
            [LoanAsset(city_id=loan.city_id, loan=loan, asset_id=a) for a in clean["asset_ids"]]
        )
    LOAN.apply(
        loan,
        "update",
        actor=actor,
        update_fields=["bank", "insurer", "guarantor", "amount", "term_months", "purpose"],
        data={"amount": loan.amount, "assets": clean["asset_ids"]},
    )
    return loan


@transaction.atomic
def loan_submit(*, actor: Actor, loan: Loan) -> Loan:
    """Enterprise: submit. The pledged assets are held for this application in the registry from now on."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "submit", actor=actor)
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
    LOAN.apply(loan, "submit", actor=actor, update_fields=["submitted_at"], data={"amount": loan.amount})
    return loan


def free_pledged_assets(loan: Loan, actor) -> None:
    """Free the loan's assets in the registry (the caller saves `pledge_released_at`)."""
    registry.encumbrance_release(source=loan.source, kind="pledge", actor=actor)
    loan.pledge_released_at = clock.now()


@transaction.atomic
def loan_withdraw(*, actor: Actor, loan: Loan, reason: str = "") -> Loan:
    """Enterprise: withdraw an application before it is decided; the assets are free again."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "withdraw", actor=actor)
    fields = ["closed_on"]
    loan.closed_on = clock.today()
    if loan.state != LoanState.DRAFT:
        free_pledged_assets(loan, actor)
        fields.append("pledge_released_at")
    LOAN.apply(loan, "withdraw", actor=actor, reason=reason, update_fields=fields)
    return loan


# --- valuation and review -------------------------------------------------------------


def _values_per_asset(
    pledged: Mapping[int, LoanAsset], asset_values, appraised_value, errors: FieldErrors
) -> dict[int, Decimal]:
    """The appraisal's value of each pledged asset (cleaned, in 元), its errors added to `errors`.

    A valuation report values each patent of a package, and the registry keeps a history per patent that
    later listings and loans read: so a package of several assets needs a value per asset, and a total
    alone is refused rather than split into parts nobody appraised. A single asset's value is the total.
    """
    if not asset_values:
        if len(pledged) > 1:
            errors.add(
                "asset_values",
                PledgeErrorCode.ASSET_VALUES_REQUIRED,
                _("Give the appraised value of each pledged asset; the package's value is their total."),
            )
            return {}
        value = validators.money(appraised_value, "appraised_value", errors)
        return {} if value is None else {next(iter(pledged)): value}
    per_asset: dict[int, Decimal] = {}
    for key, raw in asset_values.items():
        try:
            asset_id = int(key)
        except (TypeError, ValueError):
            asset_id = 0
        if asset_id not in pledged:
            errors.add(
                "asset_values",
                PledgeErrorCode.ASSET_NOT_IN_LOAN,
                _("Asset %(id)s is not pledged to this loan.") % {"id": key},
            )
            continue
        value = validators.money(raw, "asset_values", errors)
        if value is not None:
            per_asset[asset_id] = value
    missing = [la.asset.display_number for pk, la in pledged.items() if pk not in per_asset]
    if missing and not errors:
        errors.add(
            "asset_values",
            PledgeErrorCode.ASSET_VALUES_REQUIRED,
            _("Give the appraised value of each pledged asset: %(missing)s has none.")
            % {"missing": "、".join(missing)},
        )
    if appraised_value not in (None, "") and per_asset and not errors:
        total = validators.money(appraised_value, "appraised_value", errors)
        if total is not None and total != sum(per_asset.values(), ZERO):
            errors.add(
                "appraised_value",
                PledgeErrorCode.VALUATION_TOTAL_MISMATCH,
                _("The package's value %(total)s is not the total of the assets' values (%(sum)s).")
                % {
                    "total": display_money(total),
                    "sum": display_money(sum(per_asset.values(), ZERO)),
                },
            )
    return per_asset


@transaction.atomic
def loan_record_valuation(
    *,
    actor: Actor,
    loan: Loan,
    report_ref: str,
    appraised_value=None,
    valued_on: datetime.date | None = None,
    asset_values: Mapping[int | str, Any] | None = None,
) -> Loan:
    """Appraiser: record the appraisal (评估): each pledged asset's value, written to the asset's valuation
    history through the registry, and their total as the loan's appraised value. The amount may not exceed
    that total × the loan-to-value ratio. `asset_values` maps asset ids to values; a loan of one asset may
    give `appraised_value` instead."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "value", actor=actor)
    errors = FieldErrors()
    today = clock.today()
    valued_on = valued_on or today
    pledged = {la.asset_id: la for la in loan.loan_assets.select_related("asset").order_by("asset_id")}
    per_asset = _values_per_asset(pledged, asset_values, appraised_value, errors)
    report_ref = validators.text(
        report_ref, "report_ref", errors, message=_("Give the valuation report's reference.")
    )
    validators.not_in_future(valued_on, "valued_on", errors, today=today)
    if loan.submitted_at and valued_on < timezone.localdate(loan.submitted_at):
        errors.add(
            "valued_on", PledgeErrorCode.BEFORE_SUBMISSION, _("The valuation date precedes the application.")
        )
    errors.raise_if_any()
    value = sum(per_asset.values(), ZERO)
    loan.appraised_value, loan.valuation_report_ref, loan.valued_on = value, report_ref, valued_on
    cap = loan.max_amount_by_value
    assert cap is not None
    if loan.amount > cap:
        raise AmountExceedsLoanToValue(
            _("The loan amount %(amount)s exceeds the appraised value × loan-to-value ratio (%(cap)s).")
            % {"amount": display_money(loan.amount), "cap": display_money(cap)},
            fields={
                "appraised_value": [{"code": AmountExceedsLoanToValue.code, "detail": display_money(cap)}]
            },
        )
    loan.appraiser_id = actor.organization_id
    for asset_id, loan_asset in pledged.items():
        loan_asset.appraised_value = per_asset[asset_id]
        loan_asset.save(update_fields=["appraised_value"])
        registry.valuation_record(
            asset=loan_asset.asset,
            value=per_asset[asset_id],
            valued_on=valued_on,
            appraiser=actor.organization,
            report_ref=report_ref,
            actor=actor,
        )
    LOAN.apply(
        loan,
        "value",
        actor=actor,
        update_fields=["appraised_value", "valuation_report_ref", "valued_on", "appraiser"],
        data={
            "appraised_value": value,
            "asset_values": {str(k): v for k, v in per_asset.items()},
            "loan_to_value": loan.loan_to_value,
            "cap": cap,
            "amount": loan.amount,
        },
    )
    return loan


@transaction.atomic
def loan_decide(*, actor: Actor, loan: Loan, decision: str, comment: str) -> ApprovalDecision:
    """Bank, insurer or guarantor: approve or reject, for itself, once. All three approve → approved;
    any rejection → rejected (and the assets are freed). On approval the product's shares are copied."""
    loan = LOAN.lock(loan, "product")
    # Deciding twice is a conflict with the decision on record, not a missing permission.
    if has_decided(actor, loan):
        raise AlreadyDecided()
    LOAN.check(loan, "decide", actor=actor)
    party = party_of(actor, loan)
    assert party is not None  # loan.decide: a risk-sharing party of this loan
    errors = FieldErrors()
    decision = validators.choice(decision, ApprovalDecision.Decision.values, "decision", errors) or ""
    comment = validators.text(comment, "comment", errors, message=_("A comment is required."))
    errors.raise_if_any()
    now = clock.now()
    row = ApprovalDecision.objects.create(
        city_id=loan.city_id,
        loan=loan,
        party=party,
        organization_id=loan.party_org_id(party),
        decision=decision,
        comment=comment,
        decided_by=actor.user,
        decided_at=now,
    )
    # A decision is audited as itself; the loan moves only on the last approval or a rejection.
    audit.record(
        actor=actor.user,
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
        free_pledged_assets(loan, actor)
        loan.decided_at, loan.closed_on = now, timezone.localdate(now)
        LOAN.apply(
            loan,
            "reject",
            actor=actor,
            reason=comment,
            data={"party": party},
            update_fields=["decided_at", "closed_on", "pledge_released_at"],
        )
    elif len(decisions) == len(PARTIES) and set(decisions.values()) == {ApprovalDecision.Decision.APPROVE}:
        shares = loan.product.shares
        if not rules.shares_sum_to_one(shares):  # a product can't be saved so, but the money depends on it
            raise SharesNotWhole()
        for party_name, share in shares.items():
            setattr(loan, f"{party_name}_share", share)
        loan.decided_at = now
        LOAN.apply(
            loan,
            "approve",
            actor=actor,
            data={"shares": shares},
            update_fields=["decided_at", *(f"{p}_share" for p in PARTIES)],
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
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "disburse", actor=actor)
    errors = FieldErrors()
    contract_number = validators.text(
        contract_number, "contract_number", errors, message=_("The contract number is required.")
    )
    pledge_registration_number = validators.text(
        pledge_registration_number,
        "pledge_registration_number",
        errors,
        message=_("The CNIPA pledge registration number is required."),
    )
    rate = validators.rate(
        annual_rate, "annual_rate", errors, low=loan.product.min_rate, high=loan.product.max_rate
    )
    validators.not_in_future(disbursed_on, "disbursed_on", errors, today=clock.today())
    if contract_signed_on > disbursed_on:
        errors.add(
            "contract_signed_on",
            PledgeErrorCode.AFTER_DISBURSEMENT,
            _("The contract must be signed before disbursement."),
        )
    if pledge_registered_on > disbursed_on:
        errors.add(
            "pledge_registered_on",
            PledgeErrorCode.AFTER_DISBURSEMENT,
            _("The pledge must be registered before disbursement."),
        )
    if loan.decided_at and contract_signed_on < timezone.localdate(loan.decided_at):
        errors.add(
            "contract_signed_on",
            PledgeErrorCode.BEFORE_APPROVAL,
            _("The contract cannot precede the approval."),
        )
    errors.raise_if_any()
    assert rate is not None
    loan.contract_number = contract_number
    loan.contract_signed_on = contract_signed_on
    loan.pledge_registration_number = pledge_registration_number
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
    LOAN.apply(
        loan,
        "disburse",
        actor=actor,
        update_fields=[
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
    return loan


@transaction.atomic
def loan_record_repayment(
    *, actor: Actor, loan: Loan, amount, paid_on: datetime.date, reference: str = ""
) -> Repayment:
    """Bank: record a repayment; oldest instalment first, interest before principal.
    Fully repaid → the loan closes and the pledge is released."""
    loan = LOAN.lock(loan, "product")
    LOAN.check(loan, "repay", actor=actor)
    assert loan.disbursed_on is not None  # disbursed
    errors = FieldErrors()
    amount = validators.money(amount, "amount", errors)
    validators.not_in_future(paid_on, "paid_on", errors, today=clock.today())
    if paid_on < loan.disbursed_on:
        errors.add(
            "paid_on", PledgeErrorCode.BEFORE_DISBURSEMENT, _("The payment date precedes the disbursement.")
        )
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
    # A repayment is audited as itself; the loan moves only when it is the last.
    audit.record(
        actor=actor.user,
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
        free_pledged_assets(loan, actor)
        LOAN.apply(loan, "close", actor=actor, update_fields=["closed_on", "pledge_released_at"])
    return repayment
