"""A submitted loan's review: the appraisal (each pledged asset's value) and the decisions of the bank,
the insurer and the guarantor."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipops import audit, clock, validators
from ipops.access import Actor
from ipops.errors import FieldErrors
from ipops.money import ZERO, display_money
from ipops.services import registry
from pledge_finance import rules
from pledge_finance.errors import AlreadyDecided, AmountExceedsLoanToValue, PledgeErrorCode, SharesNotWhole
from pledge_finance.lifecycles import LOAN
from pledge_finance.models import PARTIES, ApprovalDecision, Loan, LoanAsset
from pledge_finance.permissions import has_decided, party_of
from pledge_finance.services.applications import free_pledged_assets


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
