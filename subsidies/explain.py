"""A claim's computation in words a claimant and a reviewer read.

`rules.compute` records each step as a code, its amount and its facts (amounts in 元, rates as ratios,
dates in ISO form); `services.evaluate` puts the records' facts first (`records`). This words them in the
reader's language when they are shown, so a stored computation reads in Chinese and in English alike:
amounts in 万元 (exact), rates as percentages, dates in the language's format. A step stored with a fact
missing reads without it; an unknown code reads as its code.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.money import display_money, display_rate

#: The levels of Qingdao's tiered policies (the catalogue's keys); another key reads as written.
LEVELS = {
    "provincial_advantage": gettext_lazy("provincial IP advantage enterprise"),
    "provincial_demonstration": gettext_lazy("provincial IP demonstration enterprise"),
    "national_advantage": gettext_lazy("national IP advantage enterprise"),
    "national_demonstration": gettext_lazy("national IP demonstration enterprise"),
    "provincial_pilot": gettext_lazy("provincial pilot service institution"),
    "national_pilot": gettext_lazy("national pilot service institution"),
}


def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))


def explained(computation: Sequence[Mapping] | None) -> list[dict]:
    """The steps of a stored computation, each with its sentence (`text`) and amount."""
    return [{**step, "text": step_text(step)} for step in computation or ()]


def _money(value) -> str:
    try:
        return display_money(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return str(value or "—")


def _day(value) -> str:
    try:
        return date_format(datetime.date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def step_text(step: Mapping) -> str:
    code = step.get("code", "")
    facts: Mapping = step.get("facts") or {}
    amount = _money(step.get("amount"))
    if code == "records":
        return _records(facts)
    if code == "fixed":
        return _("The policy pays a fixed %(amount)s.") % {"amount": amount}
    if code == "tier":
        return _("The level held, %(level)s, pays %(amount)s.") % {
            "level": level_label(str(facts.get("level", ""))),
            "amount": amount,
        }
    if code == "family_difference":
        return _(
            "%(awarded)s was already awarded under the same family of policies: only the difference, "
            "%(amount)s, is paid."
        ) % {"awarded": _money(facts.get("awarded")), "amount": amount}
    if code == "percent":
        try:
            rate = display_rate(Decimal(str(facts.get("rate"))))
        except (InvalidOperation, TypeError, ValueError):
            rate = str(facts.get("rate", ""))
        return _("%(rate)s of %(base)s is %(amount)s.") % {
            "rate": rate,
            "base": _money(facts.get("base")),
            "amount": amount,
        }
    if code == "per_item":
        return _("%(items)s × %(unit)s is %(amount)s.") % {
            "items": facts.get("items", ""),
            "unit": _money(facts.get("unit")),
            "amount": amount,
        }
    if code == "claim_cap":
        return _("A claim is capped at %(cap)s: %(amount)s.") % {
            "cap": _money(facts.get("cap")),
            "amount": amount,
        }
    if code == "year_cap":
        return _(
            "An organisation receives at most %(cap)s a year under this policy; %(awarded)s was already "
            "awarded this year, which leaves %(amount)s."
        ) % {"cap": _money(facts.get("cap")), "awarded": _money(facts.get("awarded")), "amount": amount}
    return str(code)


def _records(facts: Mapping) -> str:
    if "loan" in facts:
        return _("From the platform's records: pledge loan %(loan)s, fully repaid on %(day)s.") % {
            "loan": facts["loan"],
            "day": _day(facts.get("closed_on")),
        }
    if "inventions" in facts:
        return _(
            "From the registry: %(inventions)s invention patents in force and %(pct)s PCT applications."
        ) % {"inventions": facts["inventions"], "pct": facts.get("pct", "0")}
    if "year" in facts:
        return _(
            "From the platform's records: the patent deals the operations centre and its members completed "
            "in %(year)s."
        ) % {"year": facts["year"]}
    return _("From the platform's records.")
