"""Loan products (贷款产品): risk shares, LTV, terms, participating institutions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ipops import audit
from ipops.access import Actor
from ipops.errors import FieldErrors, ValidationFailed
from ipops.models import Organization
from pledge_finance import rules
from pledge_finance.errors import (
    SharesNotWhole,
)
from pledge_finance.models import (
    ROLE_ORG_KIND,
    InstitutionRole,
    LoanProduct,
    ProductInstitution,
)
from pledge_finance.permissions import require
from pledge_finance.services._common import _money, _rate, _user

# --- products -------------------------------------------------------------------------

_PRODUCT_FIELDS = (
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


def _clean_product(values: dict) -> dict:
    errors = FieldErrors()
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
        raise SharesNotWhole(
            fields={"shares": [{"code": SharesNotWhole.code, "detail": SharesNotWhole.default_message}]}
        )
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
    errors = FieldErrors()
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
                errors.add(
                    role,
                    "wrong_institution_kind",
                    _("Organisation %(id)s cannot act as %(role)s.") % {"id": org_id, "role": role},
                )
            else:
                wanted.append((org_id, role))
    errors.raise_if_any()
    for role in institutions:
        if not [o for o, r in wanted if r == role]:
            errors.add(role, "required", _("At least one participating institution is required."))
    errors.raise_if_any()
    roles = list(institutions)
    ProductInstitution.objects.filter(product=product, role__in=roles).exclude(
        organization_id__in=[o for o, _r in wanted]
    ).delete()
    for org_id, role in wanted:
        ProductInstitution.objects.get_or_create(
            city_id=product.city_id, product=product, organization_id=org_id, role=role
        )


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
        raise ValidationFailed(
            _("A product with this name exists."),
            code="duplicate_name",
            fields={"name": [{"code": "duplicate_name", "detail": clean["name"]}]},
        )
    try:
        with transaction.atomic():
            product = LoanProduct.objects.create(city=actor.city, **clean)
    except IntegrityError as exc:
        raise ValidationFailed(_("A product with this name exists."), code="duplicate_name") from exc
    _set_institutions(product, {r: institutions.get(r, []) for r in InstitutionRole.values})
    audit.record(
        actor=_user(actor),
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
    unknown = set(changes) - set(_PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    before = {**product.shares, "loan_to_value": product.loan_to_value}
    merged = {f: changes.get(f, getattr(product, f)) for f in _PRODUCT_FIELDS}
    clean = _clean_product(merged)
    if clean["name"] != product.name and LoanProduct.objects.filter(name=clean["name"]).exists():
        raise ValidationFailed(
            _("A product with this name exists."),
            code="duplicate_name",
            fields={"name": [{"code": "duplicate_name", "detail": clean["name"]}]},
        )
    for name, value in clean.items():
        setattr(product, name, value)
    product.save()
    if institutions is not None:
        _set_institutions(product, institutions)
    audit.record(
        actor=_user(actor),
        city=actor.city,
        action="loan_product_update",
        obj=product,
        data={"before": before, "after": {**product.shares, "loan_to_value": product.loan_to_value}},
    )
    return product
