"""The roll-up: every indicator of a city at every month, quarter and year of its plan and the plan to
date, written as the city's snapshot.

- One grouped query per source (`reporting.sources.CitySources`), the figures by `reporting.rules`.
- A PostgreSQL advisory lock per city keeps two runs (or a run and a refresh) of one city from
  overlapping: the second waits, then computes from the data as it is then.
- The new snapshot is written and swapped for the current one in one transaction, so a crashed or killed
  run leaves the previous snapshot whole; the same inputs give the same rows.
- A near-real-time refresh recomputes only the current periods of the indicators an event touched, in
  place, under the same lock.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

import psycopg
from django.db import connection, connections, transaction

from ipops import clock
from ipops.jobs import JobProgress
from ipops.models import City
from ipops.tenancy import city_scope, scopes_disabled
from reporting import rules
from reporting.models import Indicator, IndicatorValue, Kind, PendingRefresh, Snapshot, SourceKind
from reporting.sources import CitySources, topics_of

logger = logging.getLogger(__name__)

#: pg_advisory_lock(namespace, city_id): the namespace keeps the key apart from any other advisory lock.
LOCK_NAMESPACE = 4_705_001


@contextlib.contextmanager
def city_lock(city_id: int) -> Iterator[None]:
    """Session-level, so it spans the computation (read outside the swap's transaction) and the swap; a
    killed worker's connection closes and PostgreSQL releases it."""
    _lock_cities([city_id])
    try:
        yield
    finally:
        _unlock_cities([city_id])


def _window(
    city: City, indicators: Iterable[Indicator], today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """From the earliest baseline year (the year before the plan at least: growth compares with it) to the
    plan's end or today, whichever is later."""
    years = [city.plan_start_year - 1, *(i.baseline_year for i in indicators if i.baseline_year)]
    start = datetime.date(min(years), 1, 1)
    end = max(datetime.date(city.plan_end_year, 12, 31), today)
    return start, end


def spec_for(indicator: Indicator, city: City, source: rules.Series) -> rules.Spec:
    """The rules' view of an indicator. A growth indicator without a baseline value takes its baseline
    year's total from the source (the plan's previous year by default)."""
    baseline_year = indicator.baseline_year
    baseline_value = indicator.baseline_value
    if indicator.kind == Kind.ANNUAL_GROWTH:
        baseline_year = baseline_year or city.plan_start_year - 1
        if baseline_value is None:
            baseline_value = source.total(
                datetime.date(baseline_year, 1, 1), datetime.date(baseline_year, 12, 31)
            )
    return rules.Spec(
        kind=indicator.kind,
        target=indicator.target,
        plan_start_year=city.plan_start_year,
        plan_years=city.plan_years,
        direction=indicator.direction,
        yearly_targets={int(y): Decimal(str(v)) for y, v in (indicator.yearly_targets or {}).items()},
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        scale=indicator.scale,
        lagging_below=indicator.lagging_below,
        at_risk_below=indicator.at_risk_below,
    )


class Row(NamedTuple):
    """One indicator at one period, as written (a plain tuple: ~1,250 per city are built every run)."""

    indicator_id: int
    period: str
    period_kind: str
    period_end: datetime.date
    actual: Decimal | None
    target: Decimal | None
    target_end: Decimal | None
    progress: Decimal | None
    status: str
    projection: Decimal | None
    rate: Decimal | None
    compound_rate: Decimal | None


def indicator_rows(
    indicator: Indicator,
    city: City,
    sources: CitySources,
    periods: Iterable[rules.Period],
    today: datetime.date,
) -> list[Row]:
    """One indicator over the given periods (the plan row carries the projection)."""
    source = sources.series(indicator.source, indicator.source_code)
    denominator = (
        sources.series(SourceKind.REPORTED, indicator.denominator) if indicator.denominator else None
    )
    spec = spec_for(indicator, city, source)
    out = []
    # A quarter and a year end on a month's last day: their figures are that month's. A figure depends on
    # the day it is measured, whether the period has begun, and (annual kinds' targets) the period's year.
    figures: dict[tuple, rules.Figure] = {}
    pk = indicator.pk
    for period in periods:
        future = period.start > today
        key = (period.end if future else min(period.end, today), future, period.end.year)
        f = figures.get(key)
        if f is None:
            f = figures[key] = rules.evaluate(spec, source, period, today, denominator)
        projection = rules.projection(spec, source, today, denominator) if period.kind == rules.PLAN else None
        out.append(
            Row(
                pk,
                period.key,
                period.kind,
                period.end,
                f.actual,
                f.target,
                f.target_end,
                f.progress,
                f.status,
                projection,
                f.rate,
                f.compound_rate,
            )  # fmt: skip
        )
    return out


def rollup_city(city_id: int, *, progress: JobProgress | None = None, job_id: int | None = None) -> Snapshot:
    """Rebuild the city's snapshot from scratch and make it current."""
    city = City.objects.get(pk=city_id)
    with city_scope(city), city_lock(city.pk):
        today = clock.today()
        as_of = clock.now()
        indicators = list(Indicator.objects.filter(active=True).order_by("order", "code"))
        if progress:
            progress.total(len(indicators) + 1)
        sources = CitySources(city, *_window(city, indicators, today))
        rows = _rows(city, indicators, sources, today, progress)
        snapshot = _swap(city, rows, built_at=as_of, today=today, job_id=job_id)
        if progress:
            progress.step(len(indicators) + 1)
            progress.run.rows = len(rows)
            progress.run.result = {
                "indicators": len(indicators),
                "rows": len(rows),
                "as_of": today.isoformat(),
            }
        return snapshot


#: Cities whose sources one read covers. A share larger than this is read a part at a time, the next part
#: by a second connection while this one computes and writes the current part: PostgreSQL reads on one
#: core while Python computes on the other, as the floor's parallel query uses both.
READ_PART = 10


def rollup_cities(
    city_ids: Iterable[int], *, job_ids: Mapping[int, int] | None = None
) -> dict[int, int | Exception]:
    """The nightly roll-up of many cities at once: each source is read once for a part of them
    (`CitySources.read_together`), then each city's snapshot is built and swapped as `rollup_city` does.

    Every city's lock is taken before any read (in one statement, in id order, so two runs over
    overlapping cities cannot each hold what the other waits for) and released after its own swap: a
    refresh or a run of one of these cities waits, then works from figures at least as new as the read, so
    the night's run never puts older figures over newer ones. A city that fails keeps its previous
    snapshot and the others go on. Returns each city's rows written, or the exception it failed with."""
    job_ids = job_ids or {}
    ids = sorted(set(city_ids))
    out: dict[int, int | Exception] = {}
    _lock_cities(ids)
    held = list(ids)
    try:
        today = clock.today()
        as_of = clock.now()
        with scopes_disabled():
            cities = list(City.objects.filter(pk__in=ids).order_by("pk"))
            indicators: dict[int, list[Indicator]] = defaultdict(list)
            for indicator in Indicator.objects.filter(city__in=cities, active=True).order_by("order", "code"):
                indicators[indicator.city_id].append(indicator)
        windows = {c: _window(c, indicators[c.pk], today) for c in cities}
        parts = [cities[i : i + READ_PART] for i in range(0, len(cities), READ_PART)]
        for part, sources in zip(parts, _read_ahead(parts, windows), strict=True):
            for city in part:
                try:
                    # Nothing written here has row history, so no audit context for each statement.
                    with city_scope(city, writes=False):
                        found = _rows(city, indicators[city.pk], sources[city.pk], today)
                        _swap(city, found, built_at=as_of, today=today, job_id=job_ids.get(city.pk))
                    out[city.pk] = len(found)
                except Exception as exc:  # one city's failure stays its own: the rest of the night goes on
                    logger.exception("indicator roll-up of city %s failed", city.pk)
                    out[city.pk] = exc
                finally:
                    held.remove(city.pk)
                    _unlock_cities([city.pk])
    finally:
        _unlock_cities(held)
    return out


def _read(
    part: list[City], windows: Mapping[City, tuple[datetime.date, datetime.date]]
) -> dict[int, CitySources]:
    with scopes_disabled():
        return CitySources.read_together({city: windows[city] for city in part})


def _read_ahead(
    parts: list[list[City]], windows: Mapping[City, tuple[datetime.date, datetime.date]]
) -> Iterator[dict[int, CitySources]]:
    """Each part's sources in turn, the next read by a second connection while the caller works on the
    current one. In this connection when there is one part, or inside a transaction (whose rows a second
    connection could not see)."""
    if len(parts) < 2 or connection.in_atomic_block:
        for part in parts:
            yield _read(part, windows)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollup-read") as reader:
        try:
            pending = reader.submit(_read, parts[0], windows)
            for following in [*parts[1:], None]:
                sources = pending.result()
                if following is not None:
                    pending = reader.submit(_read, following, windows)
                yield sources
        finally:
            # The reader's connection is its thread's own: closed there (the thread ends with the pool).
            reader.submit(connections.close_all).result()


def _lock_cities(city_ids: list[int]) -> None:
    """The cities' advisory locks (pass ascending ids: taken in that order), in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s, id) FROM unnest(%s::integer[]) AS id", [LOCK_NAMESPACE, city_ids]
        )


def _unlock_cities(city_ids: list[int]) -> None:
    if city_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, id) FROM unnest(%s::integer[]) AS id",
                [LOCK_NAMESPACE, city_ids],
            )


def _rows(
    city: City,
    indicators: list[Indicator],
    sources: CitySources,
    today: datetime.date,
    progress: JobProgress | None = None,
) -> list[Row]:
    periods = rules.plan_periods(city.plan_start_year, city.plan_years)
    rows: list[Row] = []
    for done, indicator in enumerate(indicators, start=1):
        rows.extend(indicator_rows(indicator, city, sources, periods, today))
        if progress:
            progress.step(done)
    return rows


def _swap(
    city: City, rows: list[Row], *, built_at: datetime.datetime, today: datetime.date, job_id: int | None
) -> Snapshot:
    """Write the new snapshot and make it the city's current one, in one transaction (inside the city's
    scope and lock)."""
    values = IndicatorValue._meta.db_table
    with transaction.atomic():
        # A snapshot is derived data that the next run rebuilds: if the server crashed in the instant
        # after this commit, the previous snapshot would be current again, whole. Not waiting for the WAL
        # flush halves the cost of each city's commit.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # The previous snapshot goes first: deleting its row locks it, so a run or a reader that must
            # see one whole snapshot queues until this commits, and the new one can be born current.
            cursor.execute(
                f"DELETE FROM {Snapshot._meta.db_table} WHERE city_id = %s RETURNING id",  # noqa: S608 — the model's own table
                [city.pk],
            )
            previous = [pk for (pk,) in cursor.fetchall()]
        snapshot = Snapshot.objects.create(
            city=city, built_at=built_at, as_of=today, is_current=True, job_id=job_id
        )
        _insert(snapshot, rows)
        if previous:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {values} WHERE snapshot_id = ANY(%s)",  # noqa: S608 — the model's own table
                    [previous],
                )
    return snapshot


_COLUMNS = Row._fields
_TYPES = ("bigint", "text", "text", "date", "numeric", "numeric", "numeric", "numeric", "text", "numeric", "numeric",
          "numeric")  # fmt: skip


def _insert(snapshot: Snapshot, rows: list[Row]) -> None:
    """Every row of the new snapshot in one statement (one array per column): the ORM's bulk insert spends
    longer converting ~1,250 rows field by field than PostgreSQL spends writing them."""
    table = IndicatorValue._meta.db_table
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _COLUMNS]
    unnest = ", ".join(f"%s::{kind}[]" for kind in _TYPES)
    # Each array goes as one array literal, bound on the server: Django's client-side binding would spell
    # every element out as SQL, and psycopg's own array dumpers (text or binary) convert element by element
    # in Python, several times slower than joining the values' own text.
    arrays = [
        _array_literal(column, quoted=kind == "text") for column, kind in zip(columns, _TYPES, strict=True)
    ]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {table} (city_id, snapshot_id, as_of, {', '.join(_COLUMNS)}) "  # noqa: S608 — names are ours
            f"SELECT %s, %s, %s, * FROM unnest({unnest})",
            [snapshot.city_id, snapshot.pk, snapshot.built_at, *arrays],
        )


def _array_literal(values: Sequence, *, quoted: bool) -> str:
    """PostgreSQL's text form of a one-dimensional array: numbers and dates as their own text (a Decimal's
    str() is exact; PostgreSQL reads its exponent form too), text elements double-quoted. Joined at C speed:
    str(None) is "None", which no number or date contains, so it becomes NULL after the join."""
    if not quoted:
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    if any(v is None or '"' in v or "\\" in v for v in values):
        parts = (
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values
        )
        return "{" + ",".join(parts) + "}"
    return '{"' + '","'.join(values) + '"}' if values else "{}"


def refresh_city(city_id: int, topics: Iterable[str] = ()) -> int:
    """Recompute the current month, quarter, year and plan of the indicators the topics touch (every
    indicator when no topic is given), in the current snapshot. Returns the rows rewritten; with no
    snapshot yet, it builds the first one."""
    city = City.objects.get(pk=city_id)
    topics = set(topics)
    with city_scope(city):
        if not Snapshot.objects.filter(is_current=True).exists():
            return rollup_city(city_id).values.count()
        with city_lock(city.pk):
            today = clock.today()
            as_of = clock.now()
            indicators = [
                i for i in Indicator.objects.filter(active=True) if not topics or topics & topics_of(i)
            ]
            if not indicators:
                return 0
            periods = rules.current_periods(rules.plan_periods(city.plan_start_year, city.plan_years), today)
            sources = CitySources(city, *_window(city, indicators, today))
            rows = [r for i in indicators for r in indicator_rows(i, city, sources, periods, today)]
            with transaction.atomic():
                snapshot = Snapshot.objects.select_for_update().get(is_current=True)
                existing = {
                    (v.indicator_id, v.period): v
                    for v in IndicatorValue.objects.filter(
                        snapshot=snapshot, indicator__in=indicators, period__in=[p.key for p in periods]
                    )
                }
                fields = [
                    "actual",
                    "target",
                    "target_end",
                    "progress",
                    "status",
                    "rate",
                    "compound_rate",
                    "projection",
                    "as_of",
                ]
                update, create = [], []
                for row in rows:
                    old = existing.get((row.indicator_id, row.period))
                    if old is None:
                        create.append(
                            IndicatorValue(city=city, snapshot=snapshot, as_of=as_of, **row._asdict())
                        )
                        continue
                    for name in fields:
                        setattr(old, name, as_of if name == "as_of" else getattr(row, name))
                    update.append(old)
                IndicatorValue.objects.bulk_update(update, fields, batch_size=1000)
                IndicatorValue.objects.bulk_create(create)
                Snapshot.objects.filter(pk=snapshot.pk).update(refreshed_at=as_of)
            return len(rows)


# --- coalescing the near-real-time refresh ------------------------------------------------------------------


def request_refresh(city_id: int, topic: str) -> bool:
    """Note that `topic` changed in the city. True when this call opened the city's pending refresh (the
    caller publishes the one task); False when one is already waiting (the event joins it)."""
    table = PendingRefresh._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (city_id, topics, requested_at) VALUES (%s, jsonb_build_array(%s::text), now())
            ON CONFLICT (city_id) DO UPDATE SET topics = (
                SELECT jsonb_agg(DISTINCT t) FROM jsonb_array_elements({table}.topics || EXCLUDED.topics) AS t
            )
            RETURNING (xmax = 0)
            """,  # noqa: S608 — the table name is the model's own, never input
            [city_id, topic],
        )
        return bool(cursor.fetchone()[0])


def take_pending(city_id: int) -> list[str] | None:
    """Claim the city's pending refresh as the task starts (None when another task already took it)."""
    table = PendingRefresh._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE city_id = %s RETURNING topics", [city_id])  # noqa: S608 - own table
        row = cursor.fetchone()
    if row is None:
        return None
    # Django reads jsonb as text (its JSONField decodes it): so do we.
    topics = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return list(topics or [])
