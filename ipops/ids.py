"""Identifiers real users type, validated and brought to one canonical form.

- Unified Social Credit Code (统一社会信用代码, GB 32100-2015) through python-stdnum.
- Chinese patent application / patent numbers (专利申请号 / 专利号), both the
  12-digit format used since 2003-10-01 and the older 8-digit one.
- IPC classification symbols (国际专利分类号), checked against the IPC scheme's subclasses.

Every failure raises `InvalidIdentifier` with a stable code, so the API and the
forms can say exactly what is wrong.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

from ipops.errors import IpopsErrorCode, ValidationFailed


class InvalidIdentifier(ValidationFailed):
    code = IpopsErrorCode.INVALID_IDENTIFIER


def _fold(raw: str) -> str:
    """Full-width characters (ＺＬ２０１７…．３) are common in pasted Chinese text."""
    return unicodedata.normalize("NFKC", raw or "").strip().upper()


# --- USCC --------------------------------------------------------------------


def normalize_uscc(raw: str) -> str:
    value = _fold(raw).replace(" ", "").replace("-", "")
    try:
        return stdnum_uscc.validate(value)
    except stdnum_errors.InvalidLength as exc:
        raise InvalidIdentifier(
            _("A unified social credit code has 18 characters."), code=IpopsErrorCode.USCC_INVALID_LENGTH
        ) from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise InvalidIdentifier(
            _("The check character of this unified social credit code is wrong."),
            code=IpopsErrorCode.USCC_INVALID_CHECKSUM,
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise InvalidIdentifier(
            _("This is not a valid unified social credit code."), code=IpopsErrorCode.USCC_INVALID_FORMAT
        ) from exc


# --- CN patent numbers --------------------------------------------------------

PATENT_TYPES = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "pct_invention",
    "9": "pct_utility_model",
}
_WEIGHTS_NEW = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_WEIGHTS_OLD = (2, 3, 4, 5, 6, 7, 8, 9)
_PATENT_RE = re.compile(r"^(?:ZL|CN)?(\d{12}|\d{8})\.?([\dX])$")
# The 12-digit format started on 2003-10-01; the old one carries a 2-digit year (1985–2003).
_FIRST_NEW_YEAR = 2003


@dataclass(frozen=True)
class PatentNumber:
    digits: str
    check: str

    @property
    def canonical(self) -> str:
        return f"{self.digits}.{self.check}"

    @property
    def year(self) -> int:
        if len(self.digits) == 12:
            return int(self.digits[:4])
        yy = int(self.digits[:2])
        return 1900 + yy if yy >= 85 else 2000 + yy

    @property
    def type_digit(self) -> str:
        return self.digits[4] if len(self.digits) == 12 else self.digits[2]

    @property
    def patent_type(self) -> str:
        return PATENT_TYPES[self.type_digit]

    @property
    def grant_number(self) -> str:
        return f"ZL{self.canonical}"


def patent_check_char(digits: str) -> str:
    weights = _WEIGHTS_NEW if len(digits) == 12 else _WEIGHTS_OLD
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(raw: str) -> PatentNumber:
    """Accept `ZL 2017 1 0601862.3`, `CN201710601862.3`, `2017106018623`, … → one canonical form."""
    value = re.sub(r"\s+", "", _fold(raw))
    match = _PATENT_RE.match(value)
    if not match:
        raise InvalidIdentifier(
            _("A Chinese patent number looks like 201710601862.3 (12 digits, a dot, a check character)."),
            code=IpopsErrorCode.PATENT_NUMBER_FORMAT,
        )
    digits, check = match.groups()
    number = PatentNumber(digits, check)
    if number.type_digit not in PATENT_TYPES:
        raise InvalidIdentifier(
            _("The patent type digit must be 1, 2, 3, 8 or 9."), code=IpopsErrorCode.PATENT_NUMBER_TYPE
        )
    this_year = datetime.date.today().year  # noqa: DTZ011 - a calendar year, zone-independent enough
    if len(digits) == 12 and not (_FIRST_NEW_YEAR <= number.year <= this_year):
        raise InvalidIdentifier(
            _("The filing year of this patent number is not plausible."),
            code=IpopsErrorCode.PATENT_NUMBER_YEAR,
        )
    if len(digits) == 8 and number.year > _FIRST_NEW_YEAR:
        raise InvalidIdentifier(
            _("The filing year of this patent number is not plausible."),
            code=IpopsErrorCode.PATENT_NUMBER_YEAR,
        )
    expected = patent_check_char(digits)
    if check != expected:
        raise InvalidIdentifier(
            _("The check character of this patent number is wrong."),
            code=IpopsErrorCode.PATENT_NUMBER_CHECKSUM,
        )
    return number


def normalize_patent_number(raw: str) -> str:
    return parse_patent_number(raw).canonical


# --- IPC ----------------------------------------------------------------------

#: The IPC scheme's subclasses (ipops/data/ipc-subclasses.txt: the 2023.01 scheme plus 2025.01's
#: H10D, H10F, H10H). Sections, classes and subclasses are checked against it; groups by form only,
#: since the scheme's ~75,000 groups change with every edition.
IPC_SCHEME_VERSION = "2023.01 + 2025.01 (H10D, H10F, H10H)"


@functools.cache
def ipc_subclasses() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "ipc-subclasses.txt"
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@functools.cache
def ipc_classes() -> frozenset[str]:
    return frozenset(symbol[:3] for symbol in ipc_subclasses())


def _check_ipc_levels(section: str, klass: str | None, subclass: str | None) -> None:
    """Refuse a class or subclass the IPC does not have (e.g. A00A), naming the level that is wrong."""
    if klass and section + klass not in ipc_classes():
        raise InvalidIdentifier(
            _("The IPC has no class %(symbol)s.") % {"symbol": section + klass},
            code=IpopsErrorCode.IPC_UNKNOWN_CLASS,
        )
    if klass and subclass and section + klass + subclass not in ipc_subclasses():
        raise InvalidIdentifier(
            _("The IPC has no subclass %(symbol)s.") % {"symbol": section + klass + subclass},
            code=IpopsErrorCode.IPC_UNKNOWN_SUBCLASS,
        )


_IPC_RE = re.compile(r"^([A-H])(\d{2})([A-Z])\s*(\d{1,4})\s*/\s*(\d{2,6})$")
_IPC_PREFIX_RE = re.compile(r"^([A-H])(?:(\d{2})(?:([A-Z])(?:\s*(\d{1,4})(?:\s*/\s*(\d{2,6}))?)?)?)?$")


@dataclass(frozen=True)
class IPCSymbol:
    section: str
    klass: str
    subclass: str
    group: str
    subgroup: str

    @property
    def canonical(self) -> str:
        return f"{self.section}{self.klass}{self.subclass} {self.group}/{self.subgroup}"

    def levels(self) -> tuple[str, str, str, str, str]:
        """Prefixes from coarse to fine: section, class, subclass, main group, subgroup."""
        sub = f"{self.section}{self.klass}{self.subclass}"
        return (self.section, f"{self.section}{self.klass}", sub, f"{sub} {self.group}", self.canonical)


def parse_ipc(raw: str) -> IPCSymbol:
    match = _IPC_RE.match(re.sub(r"\s+", " ", _fold(raw)))
    if not match:
        raise InvalidIdentifier(
            _(
                "An IPC symbol looks like H04L 29/06: section A–H, two-digit class, subclass letter, group/subgroup."
            ),
            code=IpopsErrorCode.IPC_FORMAT,
        )
    section, klass, subclass, group, subgroup = match.groups()
    _check_ipc_levels(section, klass, subclass)
    return IPCSymbol(section, klass, subclass, str(int(group)), subgroup)


def normalize_ipc(raw: str) -> str:
    return parse_ipc(raw).canonical


def normalize_ipc_prefix(raw: str) -> str:
    """A search prefix at any level: `H`, `H04`, `H04L`, `H04L 29`, `H04L 29/06`."""
    match = _IPC_PREFIX_RE.match(re.sub(r"\s+", " ", _fold(raw)))
    if not match:
        raise InvalidIdentifier(
            _("This is not an IPC symbol or prefix (e.g. H04L or H04L 29/06)."),
            code=IpopsErrorCode.IPC_PREFIX_FORMAT,
        )
    section, klass, subclass, group, subgroup = match.groups()
    _check_ipc_levels(section, klass, subclass)
    out = section + (klass or "") + (subclass or "")
    if group:
        out += f" {int(group)}"
    if subgroup:
        out += f"/{subgroup}"
    return out
