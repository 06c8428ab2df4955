"""Page forms of subsidies. They parse; the services decide, and their errors show on the form
(`ServiceForm`). Amounts are typed in 万元 and rates as percentages; the services receive 元 and ratios."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ipops.errors import ApplicationError
from ipops.forms import BootstrapWidgets, MoneyField, RateField, ServiceForm
from ipops.models import OrgKind
from ipops.money import display_money
from subsidies import rules
from subsidies.explain import level_label
from subsidies.models import Basis, ClaimState, Frequency, Mode, Policy, RuleKind
from subsidies.services.catalogue import CLAIMANT_KINDS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})  # ISO: what <input type=date> accepts


class _FieldsOfItsOwn(ServiceForm):
    """A form whose fields depend on what it is for (a policy's rule): `own_fields()` adds them before
    the widgets are styled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(self.own_fields())

    def own_fields(self) -> dict[str, forms.Field]:
        return {}


class SubsidyForm(BootstrapWidgets, _FieldsOfItsOwn):
    """A form whose service names fields with a prefix (`inputs.level`, `params.rate`): the error shows
    beside the page's own field of that name."""

    def add_service_errors(self, exc: ApplicationError) -> None:
        if not exc.fields:
            self.add_error(None, str(exc.message))
        for name, errors in exc.fields.items():
            short = name.split(".", 1)[1] if name.startswith(("inputs.", "params.")) else name
            # `tiers.<level>`: the level's own field (the sandbox), else the levels' field (the catalogue).
            candidates = (short.replace("tiers.", "tier_", 1), short.split(".", 1)[0])
            target = next((c for c in candidates if c in self.fields), None)
            for err in errors:
                self.add_error(target, str(err.get("detail") or exc.message))


# --- the claimant's side -----------------------------------------------------------------------------


class ClaimInputsForm(SubsidyForm):
    """What the policy's rule needs from the claimant: the level held (tiered), the base (a percentage),
    the number of items and the case (per item); for a policy computed from the records, which case."""

    widget_size = ""

    def __init__(self, *args, policy: Policy, cases=(), **kwargs):
        self.policy, self.cases = policy, list(cases)
        super().__init__(*args, **kwargs)

    def own_fields(self) -> dict[str, forms.Field]:
        policy, cases = self.policy, self.cases
        fields: dict[str, forms.Field] = {}
        if policy.basis != Basis.DECLARED:
            fields["case"] = forms.ChoiceField(
                label=_("case from the records"),
                choices=[(case.key, _case_label(case)) for case in cases],
            )
        elif policy.rule_kind == RuleKind.TIERED:
            fields["level"] = forms.ChoiceField(
                label=_("level held"),
                choices=[
                    ("", "—"),
                    *(
                        (level, f"{level_label(level)} · {display_money(Decimal(str(amount)))}")
                        for level, amount in (policy.params.get("tiers") or {}).items()
                    ),
                ],
                required=False,
            )
        elif policy.rule_kind == RuleKind.PERCENT:
            fields["base"] = MoneyField(
                label=_("amount the percentage applies to"),
                required=False,
                help_text=_("The fee, interest or turnover the policy pays a share of, as on your evidence."),
            )
        elif policy.rule_kind == RuleKind.PER_ITEM:
            fields["items"] = forms.IntegerField(label=_("number of items"), min_value=1, required=False)
        if (
            policy.basis == Basis.DECLARED
            and policy.frequency == Frequency.PER_CASE
            and "level" not in fields
        ):
            fields["case"] = forms.CharField(
                label=_("project or case"),
                max_length=60,
                help_text=_("Name the project, contract or portfolio: each is claimed once."),
            )
        fields["description"] = forms.CharField(
            label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500, required=False
        )
        return fields

    def inputs(self) -> dict:
        """The declaration as the service takes it (text; amounts in 元)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _case_label(case) -> str:
    facts = dict(case.facts)
    if "loan" in facts:
        return str(_("loan %(loan)s") % {"loan": facts["loan"]})
    return case.key or str(case.year)


class StepForm(SubsidyForm):
    """The form of one lifecycle step on a claim's page; it hands the step's service its arguments."""

    def __init__(self, *args, claim=None, **kwargs):
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


class BankForm(StepForm):
    bank_name = forms.CharField(label=_("bank"), max_length=80, required=False)
    bank_account = forms.CharField(
        label=_("bank account"),
        max_length=40,
        required=False,
        help_text=_("The organisation's account the award is paid to (8 to 30 digits)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, claim=None, **kwargs):
        super().__init__(*args, claim=claim, **kwargs)
        if claim is not None and claim.bank_account:
            # The stored number is never sent back to the browser: left empty, it is kept.
            self.fields["bank_account"].help_text = _("Leave empty to keep %(account)s.") % {
                "account": claim.masked_account
            }


class ReasonForm(StepForm):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=200, required=False
    )


class ApproveForm(StepForm):
    amount = MoneyField(
        label=_("approved amount"),
        required=False,
        help_text=_("Leave empty to approve the rule's amount; a lower amount needs a reason."),
    )
    reason = forms.CharField(label=_("reason for a lower amount"), max_length=200, required=False)


# --- the bureau's side -------------------------------------------------------------------------------


class QueueFilterForm(BootstrapWidgets, forms.Form):
    state = forms.ChoiceField(label=_("state"), required=False)
    policy = forms.TypedChoiceField(label=_("policy"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, policies=(), years=(), counts: Mapping[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            ("", _("Any state")),
            *((value, f"{label} ({counts.get(value, 0)})") for value, label in ClaimState.choices),
        ]
        self.fields["policy"].choices = [("", _("Every policy")), *((p.pk, str(p)) for p in policies)]  # type: ignore[attr-defined]
        self.fields["year"].choices = [("", _("Every year")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ResolveForm(SubsidyForm):
    upheld = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("yes", _("Upheld: the award is withdrawn")), ("no", _("Dismissed: the notice runs on"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(label=_("resolution"), max_length=200, required=False)


class PaymentBatchForm(SubsidyForm):
    claims = forms.MultipleChoiceField(label=_("claims to pay"), widget=forms.CheckboxSelectMultiple)
    paid_on = forms.DateField(label=_("paid on"), widget=DATE, required=False)

    def __init__(self, *args, payable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].choices = [(str(c.pk), str(c)) for c in payable]


def _rule_fields(rule_kind: str, params: Mapping) -> dict[str, forms.Field]:
    """The rule's parameters as fields: the amount (fixed, per item), one amount per level (tiered), or
    the rate (percent)."""
    if rule_kind in (RuleKind.FIXED, RuleKind.PER_ITEM):
        return {
            "amount": MoneyField(
                label=_("amount per item") if rule_kind == RuleKind.PER_ITEM else _("amount")
            )
        }
    if rule_kind == RuleKind.TIERED:
        return {
            f"tier_{level}": MoneyField(label=_("amount at level %(level)s") % {"level": level_label(level)})
            for level in params.get("tiers") or {}
        }
    if rule_kind == RuleKind.PERCENT:
        return {"rate": RateField(label=_("rate"))}
    return {}


def _rule_initial(rule_kind: str, params: Mapping) -> dict:
    def money(value):
        return Decimal(str(value)) if value not in (None, "") else None

    if rule_kind == RuleKind.TIERED:
        return {f"tier_{level}": money(amount) for level, amount in (params.get("tiers") or {}).items()}
    if rule_kind == RuleKind.PERCENT:
        return {"rate": money(params.get("rate"))}
    return {"amount": money(params.get("amount"))}


def _rule_params(rule_kind: str, data: Mapping, current: Mapping) -> dict:
    """The policy's parameters from the fields, its other parameters (a pool's thresholds) kept."""
    params = {k: v for k, v in current.items() if k not in ("amount", "tiers", "rate")}
    if rule_kind == RuleKind.TIERED:
        params["tiers"] = {
            name.removeprefix("tier_"): str(value)
            for name, value in data.items()
            if name.startswith("tier_") and value is not None
        }
    elif rule_kind == RuleKind.PERCENT:
        params["rate"] = str(data.get("rate")) if data.get("rate") is not None else None
    else:
        params["amount"] = str(data.get("amount")) if data.get("amount") is not None else None
    return params


class SandboxForm(SubsidyForm):
    """Other parameters and caps to try on a policy (政策沙盘): nothing is written."""

    def __init__(self, *args, policy: Policy, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **_rule_initial(policy.rule_kind, policy.params),
                "claim_cap": policy.claim_cap,
                "year_cap": policy.year_cap,
            },
        )
        self.policy = policy
        super().__init__(*args, **kwargs)

    def own_fields(self) -> dict[str, forms.Field]:
        return {
            **_rule_fields(self.policy.rule_kind, self.policy.params),
            "claim_cap": MoneyField(label=_("cap per claim"), required=False),
            "year_cap": MoneyField(label=_("cap per organisation per year"), required=False),
        }

    def params(self) -> dict:
        data = self.cleaned_data
        params = _rule_params(self.policy.rule_kind, data, self.policy.params)
        for cap in ("claim_cap", "year_cap"):
            params[cap] = "" if data.get(cap) is None else str(data[cap])
        return params


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


class PolicyForm(SubsidyForm):
    """A policy of the catalogue. The rule's parameters are plain fields per rule kind; changing the kind
    of an existing policy shows the new kind's fields after saving."""

    widget_size = ""
    code = forms.CharField(label=_("code"), max_length=30)
    name = forms.CharField(label=_("name"), max_length=120)
    family = forms.CharField(
        label=_("family"),
        max_length=40,
        required=False,
        help_text=_(
            "Tiered policies of one family share a cumulative cap: a higher level pays the difference."
        ),
    )
    claimant_kinds = forms.MultipleChoiceField(
        label=_("who may claim"),
        choices=[(k, OrgKind(k).label) for k in CLAIMANT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    tech_sme_only = forms.BooleanField(label=_("tech SMEs only"), required=False)
    rule_kind = forms.ChoiceField(label=_("rule"), choices=RuleKind.choices)
    basis = forms.ChoiceField(label=_("basis"), choices=Basis.choices)
    frequency = forms.ChoiceField(label=_("frequency"), choices=Frequency.choices)
    mode = forms.ChoiceField(label=_("mode"), choices=Mode.choices)
    tiers = forms.CharField(
        label=_("levels"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Tiered rule: one level a line, as level=amount in 10k CNY, e.g. national_advantage=10"),
    )
    amount = MoneyField(label=_("amount (fixed or per item)"), required=False)
    rate = RateField(label=_("rate (percentage rule)"), required=False)
    claim_cap = MoneyField(label=_("cap per claim"), required=False)
    year_cap = MoneyField(label=_("cap per organisation per year"), required=False)
    annual_quota = forms.IntegerField(label=_("annual quota (claims)"), required=False)
    annual_budget = MoneyField(label=_("annual budget"), required=False)
    evidence = forms.CharField(
        label=_("required evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One document a line."),
    )
    opens_on = forms.DateField(label=_("open from"), widget=DATE, required=False)
    closes_on = forms.DateField(label=_("open until"), widget=DATE, required=False)
    notice_days = forms.IntegerField(label=_("public notice (working days)"), required=False)
    budget_source = forms.CharField(label=_("paid from"), max_length=12, required=False)
    active = forms.BooleanField(label=_("active"), required=False)

    def __init__(self, *args, policy: Policy | None = None, **kwargs):
        self.policy = policy
        if policy is not None:
            params = policy.params or {}
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(policy, name) for name in self.base_fields if hasattr(policy, name)},
                    "evidence": "\n".join(policy.evidence),
                    "tiers": "\n".join(
                        f"{level}={(Decimal(str(v)) / 10000).normalize():f}"
                        for level, v in (params.get("tiers") or {}).items()
                    ),
                    "amount": Decimal(str(params["amount"])) if params.get("amount") is not None else None,
                    "rate": Decimal(str(params["rate"])) if params.get("rate") is not None else None,
                },
            )
        else:
            kwargs.setdefault("initial", {"active": True, "notice_days": 5, "budget_source": "municipal"})
        super().__init__(*args, **kwargs)

    def clean_tiers(self) -> dict:
        tiers = {}
        for line in _lines(self.cleaned_data.get("tiers") or ""):
            level, sep, amount = line.replace("＝", "=").partition("=")
            try:
                tiers[level.strip()] = str((Decimal(amount.strip()) * 10000).quantize(rules.FEN))
            except ArithmeticError as exc:
                raise forms.ValidationError(_("Write each level as level=amount in 10k CNY.")) from exc
            if not sep or not level.strip():
                raise forms.ValidationError(_("Write each level as level=amount in 10k CNY."))
        return tiers

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        kind = data["rule_kind"]
        params = {k: v for k, v in (self.policy.params if self.policy else {}).items()}
        params.pop("amount", None), params.pop("tiers", None), params.pop("rate", None)
        if kind == RuleKind.TIERED:
            params["tiers"] = data.pop("tiers")
        elif kind == RuleKind.PERCENT:
            params["rate"] = None if data.get("rate") is None else str(data["rate"])
        else:
            params["amount"] = None if data.get("amount") is None else str(data["amount"])
        for name in ("tiers", "rate", "amount"):
            data.pop(name, None)
        data["params"] = params
        data["evidence"] = _lines(data["evidence"])
        return data


# --- the public notice -------------------------------------------------------------------------------


class ObjectionForm(SubsidyForm):
    """Anyone's objection (异议) to an award in public notice."""

    widget_size = ""
    claim = forms.TypedChoiceField(label=_("award objected to"), coerce=int)
    lodged_by = forms.CharField(label=_("your name"), max_length=60, required=False)
    contact = forms.CharField(label=_("phone or email"), max_length=60, required=False)
    reason = forms.CharField(
        label=_("what is wrong with the award"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args, awards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = [
            ("", "—"),
            *((c.pk, f"{c.organization.name} · {c.policy.name}") for c in awards),
        ]


class EvidenceForm(BootstrapWidgets, ServiceForm):
    label = forms.ChoiceField(label=_("evidence for"))
    file = forms.FileField(label=_("file (PDF, PNG or JPEG, at most 10 MB)"))

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        other = str(_("Other"))
        self.fields["label"].choices = [*((e, e) for e in policy.evidence), (other, other)]
