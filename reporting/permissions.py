"""Who may see and do what with the city's indicators.

- Officials and the bureau read the catalogue, the snapshot and the reported statistics (the scoreboard
  is their home); nobody else in the city does.
- Bureau staff edit the catalogue, enter and import statistics and run the roll-up now.
"""

from __future__ import annotations

import rules

from ipops import visibility
from ipops.access import BUREAU_ROLES, CITY_READER_ROLES
from ipops.errors import PermissionDenied
from ipops.permissions import is_bureau, reads_city
from reporting.errors import IndicatorNotFound, StatisticNotFound
from reporting.models import Indicator, IndicatorValue, Snapshot, Statistic


def city_readers(actor) -> bool:
    return reads_city(actor)


visibility.register(Indicator, view=city_readers, not_found=IndicatorNotFound)
visibility.register(Statistic, view=city_readers, not_found=StatisticNotFound)
visibility.register(Snapshot, view=city_readers)
visibility.register(IndicatorValue, view=city_readers)

permissions = rules.RuleSet()
permissions.add_rule("indicator.view", reads_city)
permissions.add_rule("indicator.manage", is_bureau)
permissions.add_rule("statistic.enter", is_bureau)
permissions.add_rule("rollup.run", is_bureau)

PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "indicator.view": CITY_READER_ROLES,
    "indicator.manage": BUREAU_ROLES,
    "statistic.enter": BUREAU_ROLES,
    "rollup.run": BUREAU_ROLES,
}


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()
