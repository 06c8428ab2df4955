"""A loan's application: the enterprise creates, changes, submits or withdraws it. Submitting holds
the pledged assets in the registry (`free_pledged_assets` lets them go again)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import IPAsset
from ipops.money import display_money
from ipops.services import registry
from pledge_finance.errors import InstitutionNotParticipating, PledgeErrorCode
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import PARTIES, Loan, LoanAsset, LoanProduct, LoanState, ProductInstitution
from pledge_finance.permissions import require

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
