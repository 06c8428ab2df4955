"""Loan products (贷款产品): risk shares, LTV, terms, participating institutions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ipops import audit, validators
from ipops.access import Actor
from ipops.errors import CoreErrorCode, FieldErrors, ValidationFailed
from ipops.models import Organization
from pledge_finance import rules
from pledge_finance.errors import DuplicateProductName, PledgeErrorCode, SharesNotWhole
from pledge_finance.models import (
    INSTITUTIONS,
    PARTIES,
    InstitutionRole,
    LoanProduct,
    ProductInstitution,
    RepaymentMethod,
)
from pledge_finance.permissions import require


def _clean_product(values: dict) -> dict:
    errors = FieldErrors()
    clean = dict(values)
    clean["name"] = validators.text(values.get("name"), "name", errors, message=_("A name is required."))
    for f in ("insurer_share", "guarantor_share", "bank_share", "loan_to_value"):
        clean[f] = validators.rate(values.get(f), f, errors)
    for f in ("min_rate", "max_rate"):
        clean[f] = validators.rate(values.get(f), f, errors, high=rules.MAX_ANNUAL_RATE)
    for f in ("min_amount", "max_amount"):
        clean[f] = validators.money(values.get(f), f, errors)
    errors.raise_if_any()
    if clean["loan_to_value"] <= 0:
        errors.add(
            "loan_to_value", CoreErrorCode.RATE_OUT_OF_RANGE, _("The loan-to-value ratio must be above 0.")
        )
    if not rules.shares_sum_to_one({party: clean[f"{party}_share"] for party in PARTIES}):
        raise SharesNotWhole(
            fields={"shares": [{"code": SharesNotWhole.code, "detail": SharesNotWhole.default_message}]}
        )
    if clean["min_rate"] > clean["max_rate"]:
        errors.add("max_rate", PledgeErrorCode.BELOW_MINIMUM, _("The maximum rate is below the minimum."))
    if clean["min_amount"] > clean["max_amount"]:
        errors.add("max_amount", PledgeErrorCode.BELOW_MINIMUM, _("The maximum amount is below the minimum."))
    terms = {
        validators.whole_number(t, "allowed_terms", errors, low=1, high=rules.MAX_TERM_MONTHS)
        for t in values.get("allowed_terms") or []
    }
    if not terms:
        errors.add("allowed_terms", CoreErrorCode.REQUIRED, _("List the allowed terms in months."))
    clean["allowed_terms"] = sorted(t for t in terms if t is not None)
    clean["repayment_method"] = validators.choice(
        values.get("repayment_method"), RepaymentMethod.values, "repayment_method", errors
    )
    errors.raise_if_any()
    return clean


def _set_institutions(product: LoanProduct, institutions: Mapping[str, Iterable[int]]) -> None:
    errors = FieldErrors()
    wanted: list[tuple[int, str]] = []
    for role, org_ids in institutions.items():
        if role not in InstitutionRole.values:
            errors.add("institutions", CoreErrorCode.INVALID_CHOICE, role)
            continue
        ids = sorted({int(i) for i in org_ids})
        orgs = {o.pk: o for o in Organization.objects.filter(pk__in=ids)}
        for org_id in ids:
            org = orgs.get(org_id)
            if org is None or org.kind != INSTITUTIONS[InstitutionRole(role)].org_kind:
                errors.add(
                    role,
                    PledgeErrorCode.WRONG_INSTITUTION_KIND,
                    _("Organisation %(id)s cannot act as %(role)s.") % {"id": org_id, "role": role},
                )
            else:
                wanted.append((org_id, role))
    errors.raise_if_any()
    for role in institutions:
        if not [o for o, r in wanted if r == role]:
            errors.add(role, CoreErrorCode.REQUIRED, _("At least one participating institution is required."))
    errors.raise_if_any()
    ProductInstitution.objects.filter(product=product, role__in=list(institutions)).exclude(
        organization_id__in=[o for o, _r in wanted]
    ).delete()
    for org_id, role in wanted:
        ProductInstitution.objects.get_or_create(
            city_id=product.city_id, product=product, organization_id=org_id, role=role
        )


def _refuse_unknown(values: Mapping) -> None:
    unknown = set(values) - set(LoanProduct.EDITABLE)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _refuse_duplicate_name(name: str) -> None:
    if LoanProduct.objects.filter(name=name).exists():
        raise DuplicateProductName(fields={"name": [{"code": DuplicateProductName.code, "detail": name}]})


@transaction.atomic
def product_create(*, actor: Actor, institutions: Mapping[str, Iterable[int]], **values) -> LoanProduct:
    """Bureau: publish a loan product; insurer + guarantor + bank shares must be exactly 100%.
    What is not given starts from the product's defaults (Qingdao's 6:2:2)."""
    require(actor, "product.manage")
    _refuse_unknown(values)
    clean = _clean_product({**LoanProduct.defaults(), **values})
    _refuse_duplicate_name(clean["name"])
    try:
        with transaction.atomic():
            product = LoanProduct.objects.create(city=actor.city, **clean)
    except IntegrityError as exc:  # the same name, created meanwhile
        raise DuplicateProductName() from exc
    _set_institutions(product, {r: institutions.get(r, []) for r in InstitutionRole.values})
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="loan_product_create",
        obj=product,
        data={**product.shares, "loan_to_value": product.loan_to_value},
    )
    return product


@transaction.atomic
def product_update(
    *, actor: Actor, product: LoanProduct, institutions: Mapping[str, Iterable[int]] | None = None, **changes
) -> LoanProduct:
    """Bureau: edit a product. Loans already approved keep the shares copied onto them."""
    require(actor, "product.manage")
    product = LoanProduct.objects.select_for_update().get(pk=product.pk)
    _refuse_unknown(changes)
    before = {**product.shares, "loan_to_value": product.loan_to_value}
    clean = _clean_product({f: changes.get(f, getattr(product, f)) for f in LoanProduct.EDITABLE})
    if clean["name"] != product.name:
        _refuse_duplicate_name(clean["name"])
    for name, value in clean.items():
        setattr(product, name, value)
    product.save()
    if institutions is not None:
        _set_institutions(product, institutions)
    audit.record(
        actor=actor.user,
        city=actor.city,
        action="loan_product_update",
        obj=product,
        data={"before": before, "after": {**product.shares, "loan_to_value": product.loan_to_value}},
    )
    return product
