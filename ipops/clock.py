"""The business clock: "now" is the real time, unless a caller that loads history
(the demo, an import of a city's existing loan book, tests) sets the moment the events happened.

A context variable, so it holds per thread / per task and never leaks into another request.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator

from django.utils import timezone

_moment: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "ipops_business_clock", default=None
)


def now() -> datetime.datetime:
    return _moment.get() or timezone.now()


def today() -> datetime.date:
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def at(moment: datetime.datetime | datetime.date) -> Iterator[None]:
    """Run the block as if it were `moment` (a date means 10:00 that day, Asia/Shanghai)."""
    if not isinstance(moment, datetime.datetime):
        moment = datetime.datetime.combine(moment, datetime.time(10, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
