"""Why a listing matches a buy request, in words a buyer reads.

`rules.score` records the reasons as codes and facts (`Match.reasons`: factor, level, fit, via, the
words found, the symbols, amounts in 元). This words them in the reader's language when they are shown,
so a stored match reads in Chinese and in English alike: the shared classification, the words found (a
synonym marked as such, 近义), the asking price against the budget in 万元, the deal type; and the score
as a share of 100. The API keeps the codes and adds the same words (`text`). A reason stored before a
fact was recorded reads without that fact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ipops.money import display_money

from .models import DealType

#: The eight IPC sections' titles (WIPO's), to say what a shared symbol is about.
IPC_SECTIONS = {
    "A": gettext_lazy("Human necessities"),
    "B": gettext_lazy("Performing operations; transporting"),
    "C": gettext_lazy("Chemistry; metallurgy"),
    "D": gettext_lazy("Textiles; paper"),
    "E": gettext_lazy("Fixed constructions"),
    "F": gettext_lazy("Mechanical engineering; lighting; heating; weapons; blasting"),
    "G": gettext_lazy("Physics"),
    "H": gettext_lazy("Electricity"),
}
IPC_LEVELS = {
    "subgroup": gettext_lazy("IPC subgroup"),
    "group": gettext_lazy("IPC main group"),
    "subclass": gettext_lazy("IPC subclass"),
    "class": gettext_lazy("IPC class"),
    "section": gettext_lazy("IPC section"),
}


#: Bootstrap icons of the four reasons.
ICONS = {"text": "chat-quote", "ipc": "diagram-3", "budget": "cash-coin", "deal_type": "arrow-left-right"}
#: Bar colours: a strong match (≥ 60: most words and the classification), a fair one, a weak one.
TONES = ((60, "success"), (40, "primary"), (0, "secondary"))


def explained(score, reasons: list[dict]) -> dict:
    """A match for a page: the score on 0–100 (for the bar) and each reason with its sentence."""
    percent = max(0, min(100, round(float(score or 0))))
    return {
        "score": score,
        "percent": percent,
        "tone": next(tone for floor, tone in TONES if percent >= floor),
        "reasons": [
            {**reason, "text": reason_text(reason), "icon": ICONS.get(reason.get("factor", ""), "dot")}
            for reason in reasons
        ],
    }


def reason_text(reason: dict) -> str:
    factor = reason.get("factor")
    if factor == "text":
        return _words(reason.get("matched") or [])
    if factor == "ipc":
        return _classification(reason.get("level") or "", reason.get("shared") or "")
    if factor == "budget":
        return _budget(reason)
    if factor == "deal_type":
        return _deal_type(reason)
    return str(factor)


def _words(matched: list[dict]) -> str:
    if not matched:
        return _("No words in common")
    return _("Matching words: %(words)s") % {
        "words": pgettext("list separator", ", ").join(_word(item) for item in matched)
    }


def _word(item: dict) -> str:
    term = str(item.get("term", ""))
    found = str(item.get("as") or term)
    via = item.get("via") or ("exact" if found == term else "domain")
    if via in ("domain", "thesaurus"):
        word = _("%(term)s (synonym: %(found)s)") % {"term": term, "found": found}
    elif via == "related":
        word = _("%(term)s (related: %(found)s)") % {"term": term, "found": found}
    elif via == "part":
        word = _("%(term)s (partly: %(found)s)") % {"term": term, "found": found}
    else:
        word = term
    if item.get("where") == "body":
        word = _("%(word)s in the description") % {"word": word}
    return word


def _classification(level: str, shared: str) -> str:
    if not level or not shared:
        return _("No IPC classification in common")
    section = IPC_SECTIONS.get(shared[:1])
    text = _("Same %(level)s %(symbol)s") % {"level": IPC_LEVELS.get(level, "IPC"), "symbol": shared}
    if section and level != "section":
        text += _(" (section %(section)s: %(title)s)") % {"section": shared[:1], "title": section}
    elif section:
        text += _(" (%(title)s)") % {"title": section}
    return text


def _money(value) -> str | None:
    try:
        return None if value in (None, "") else display_money(Decimal(str(value)))
    except InvalidOperation:
        return None


def _budget_range(low: str | None, high: str | None) -> str:
    if low and high:
        return _("%(low)s to %(high)s") % {"low": low, "high": high}
    if high:
        return _("up to %(high)s") % {"high": high}
    return _("from %(low)s") % {"low": low}


def _budget(reason: dict) -> str:
    fit = reason.get("fit")
    price = _money(reason.get("price"))
    low, high = _money(reason.get("budget_min")), _money(reason.get("budget_max"))
    if fit == "no_budget":
        if price:
            return _("Asking price %(price)s; the buyer set no budget") % {"price": price}
        return _("The buyer set no budget")
    if fit == "negotiable":
        if low or high:
            return _("Price negotiable; budget %(budget)s") % {"budget": _budget_range(low, high)}
        return _("Price negotiable")
    if not price:  # stored before the amounts were recorded
        return {
            "within_budget": _("Within budget"),
            "over_budget": _("Over budget"),
            "under_budget": _("Below the budget"),
        }.get(str(fit), _("Budget"))
    if fit == "within_budget":
        return _("Asking price %(price)s, within the budget (%(budget)s)") % {
            "price": price,
            "budget": _budget_range(low, high),
        }
    if fit == "over_budget" and high:
        over = (Decimal(str(reason["price"])) / Decimal(str(reason["budget_max"])) - 1) * 100
        return _("Asking price %(price)s, %(over)s%% above the budget's ceiling of %(high)s") % {
            "price": price,
            "over": f"{over:.0f}",
            "high": high,
        }
    if fit == "under_budget" and low:
        return _("Asking price %(price)s, below the budget's floor of %(low)s") % {"price": price, "low": low}
    return _("Asking price %(price)s") % {"price": price}


def _deal_label(value) -> str:
    try:
        return str(DealType(value).label)
    except ValueError:
        return str(value)


def _deal_type(reason: dict) -> str:
    fit, offered = reason.get("fit"), reason.get("offered")
    if not fit or not offered:  # stored before the deal types were recorded
        return _("Deal type")
    wanted = " / ".join(_deal_label(w) for w in reason.get("wanted") or ())
    values = {"offered": _deal_label(offered), "wanted": wanted}
    if fit == "same":
        return _("Deal type as asked: %(offered)s") % values
    if fit == "any":
        return _("The buyer takes any deal type (offered: %(offered)s)") % values
    if fit == "close":
        return _("Deal type close: offered as %(offered)s, asked for %(wanted)s") % values
    return _("Deal type differs: offered as %(offered)s, asked for %(wanted)s") % values
