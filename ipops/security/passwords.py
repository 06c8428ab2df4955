"""The platform's own password rules, beside Django's (AUTH_PASSWORD_VALIDATORS in ipops.settings).

Django's validators catch short, common, all-digit and username-like passwords; these catch what a
person in a city office would otherwise choose: spaces, the city's or the organisation's name with a
year (`qingdao2024`, `青岛银行123`), and a single kind of character.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ipops.models import City, Membership
from ipops.security.errors import AccountErrorCode
from ipops.tenancy import scopes_disabled

#: What may follow a name and still be "the name": digits, separators, punctuation.
_DECORATION = re.compile(r"[\d\W_]*")


class WhitespaceValidator:
    """Not spaces alone, and no spaces at either end (they are lost or added when a password is copied)."""

    def validate(self, password: str, user=None) -> None:
        if password != password.strip():
            raise ValidationError(
                _("A password may not begin or end with a space, nor be only spaces."),
                code=AccountErrorCode.PASSWORD_WHITESPACE,
            )

    def get_help_text(self) -> str:
        return _("Your password may not begin or end with a space.")


def _place_names(user) -> set[str]:
    names: set[str] = set()
    for slug, zh, en in City.objects.values_list("slug", "name_zh", "name_en"):
        names |= {slug, zh, en}
    if user is not None and user.pk:
        with scopes_disabled():
            names |= set(Membership.objects.filter(user=user).values_list("organization__name", flat=True))
    return {n.lower().replace(" ", "") for n in names if n}


class PlaceNameValidator:
    """Not a city's slug or name, nor the person's organisation's name, with only digits or signs added."""

    def validate(self, password: str, user=None) -> None:
        typed = password.strip().lower().replace(" ", "")
        if any(
            typed.startswith(name) and _DECORATION.fullmatch(typed[len(name) :])
            for name in _place_names(user)
        ):
            raise ValidationError(
                _("A password may not be a city's or an organisation's name followed by digits."),
                code=AccountErrorCode.PASSWORD_PLACE_NAME,
            )

    def get_help_text(self) -> str:
        return _("Your password may not be a city's or your organisation's name followed by digits.")


def _classes(password: str) -> int:
    kinds = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or not c.isascii() for c in password),
    ]
    return sum(kinds)


class CharacterClassesValidator:
    """At least two kinds of character: lower case, upper case, digits, other signs (Chinese counts
    as "other")."""

    def validate(self, password: str, user=None) -> None:
        if _classes(password) < 2:
            raise ValidationError(
                _(
                    "A password needs at least two kinds of character: "
                    "lower-case letters, upper-case letters, digits, other signs."
                ),
                code=AccountErrorCode.PASSWORD_TOO_SIMPLE,
            )

    def get_help_text(self) -> str:
        return _("Your password needs at least two kinds of character.")
