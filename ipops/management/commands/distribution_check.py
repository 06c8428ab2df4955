"""`manage.py distribution_check [--json]`: what must change before the data can be distributed by city.

A national deployment distributes every city-owned table on `city_id` (Citus: `create_distributed_table`,
all co-located) and keeps the national tables whole on every node (`create_reference_table`); see
docs/SCALING.md. Citus then requires:

- the distribution column in every primary key, unique constraint and unique index of a distributed
  table: a key without `city_id` cannot be checked on one node. The primary key `(id)` widens mechanically
  to `(city_id, id)`; any other unique key without `city_id` is a rule enforced *across cities* today,
  and needs its own national home (a reference table, or a check at write time) — `crosses_cities`;
- the distribution column in both sides of a foreign key between distributed tables (`(city_id, x_id)` →
  `(city_id, id)`), so the join stays on one node (co-located);
- no foreign key from a reference or local table to a distributed table;
- a NOT NULL distribution column;
- every table that holds city data but has no `city_id` of its own (a table referencing city tables: a
  many-to-many table, say) to get one: it can be neither distributed nor a reference table as it is.

This command reads the live schema — Django's models for the names and which tables are city-owned
(`ipops.rls.walled_models()` plus the cross-city access models, which have a `city_id` too), PostgreSQL's
catalogs (`pg_index`, `pg_constraint`, `pg_attribute`) for the keys as they really are — and lists, table
by table, each change, with a summary. It changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models

from ipops import rls

DISTRIBUTED = "distributed"
REFERENCE = "reference"
LOCAL = "local"

# Finding kinds (stable names: the JSON output and the tests use them).
PRIMARY_KEY = "primary_key_without_city_id"
UNIQUE = "unique_without_city_id"
FOREIGN_KEY = "foreign_key_not_colocated"
TO_DISTRIBUTED = "foreign_key_to_distributed_table"
NULLABLE = "city_id_nullable"
NO_CITY_ID = "city_data_without_city_id"
#: A Django foreign key with no constraint in the database (pghistory's event → object and → context):
#: nothing to drop, but the join is still not co-located.
LOGICAL = "reference_without_constraint_not_colocated"

_TABLES_SQL = """
SELECT c.oid, c.relname
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
"""

_COLUMNS_SQL = """
SELECT a.attrelid, a.attname, a.attnotnull
FROM pg_attribute a
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = 'city_id'
"""

# Key columns only (the first indnkeyatts; INCLUDE columns do not make a key), NULL for an expression.
_UNIQUE_SQL = """
SELECT i.indrelid, ic.relname, i.indisprimary,
       array(SELECT a.attname FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord),
       coalesce(pg_get_expr(i.indpred, i.indrelid), '')
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indisunique AND i.indrelid = ANY(%(oids)s)
ORDER BY ic.relname
"""

_FOREIGN_KEYS_SQL = """
SELECT c.conrelid, c.conname, c.confrelid,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid = ANY(%(oids)s)
ORDER BY c.conname
"""


@dataclass
class Finding:
    kind: str
    name: str  # the constraint or index
    columns: list[str]
    detail: str = ""  # the referenced table, the partial index's condition
    crosses_cities: bool = False


@dataclass
class Table:
    table: str
    model: str
    placement: str  # distributed / reference / local
    cross_city_access: bool = False  # a city-keyed table read by user across cities (memberships, grants)
    findings: list[Finding] = field(default_factory=list)


def _models_by_table() -> dict[str, str]:
    return {m._meta.db_table: m._meta.label for m in apps.get_models(include_auto_created=True)}


def _logical_foreign_keys() -> list[tuple[str, str, str, list[str]]]:
    """(table, "model.field", referenced table, [column]) for each foreign key Django declares with no
    database constraint, which pg_constraint does not show."""
    found: set[tuple[str, str, str, str]] = set()
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            target = f.related_model
            if (
                isinstance(f, models.ForeignKey)
                and not getattr(f, "db_constraint", True)
                and target is not None
            ):
                label = f"{model._meta.label}.{f.name}"
                found.add((model._meta.db_table, label, target._meta.db_table, f.column))
    return [(t, name, target, [column]) for t, name, target, column in sorted(found)]


def _city_keyed_tables() -> tuple[set[str], set[str]]:
    """(walled tables, cross-city access tables): both carry `city_id` and are distributed by it."""
    walled = set(rls.walled_tables())
    cross = set()
    for model in apps.get_models():
        meta = model._meta
        tracked = getattr(model, "pgh_tracked_model", None)
        label = tracked._meta.label if tracked is not None else meta.label
        if label in rls.CROSS_CITY_MODELS and any(f.column == "city_id" for f in meta.concrete_fields):
            cross.add(meta.db_table)
    return walled, cross


def inspect() -> list[Table]:
    """Every table of the schema, with its placement and what must change; in table order."""
    models = _models_by_table()
    walled, cross = _city_keyed_tables()
    with connection.cursor() as cur:
        cur.execute(_TABLES_SQL)
        names = dict(cur.fetchall())
        oids = list(names)
        cur.execute(_COLUMNS_SQL, {"oids": oids})
        city_column = {names[oid]: not_null for oid, _name, not_null in cur.fetchall()}
        cur.execute(_UNIQUE_SQL, {"oids": oids})
        uniques = cur.fetchall()
        cur.execute(_FOREIGN_KEYS_SQL, {"oids": oids})
        foreign_keys = [
            (names[a], name, names.get(b, str(b)), cols, ref) for a, name, b, cols, ref in cur.fetchall()
        ]
    logical = _logical_foreign_keys()
    distributed = {t for t in names.values() if t in walled | cross and t in city_column}
    referenced = {
        target
        for source, target in [(a, b) for a, _n, b, _c, _r in foreign_keys]
        + [(a, b) for a, _n, b, _c in logical]
        if source in distributed and target not in distributed
    }
    # A unique key holding a foreign key to a city's row is per city already (that row has one city):
    # widening it with city_id changes nothing. One that does not is a national rule.
    city_refs = {(a, c[0]) for a, _n, b, c, _r in foreign_keys if b in distributed and len(c) == 1}
    tables = {
        name: Table(
            table=name,
            model=models.get(name, ""),
            placement=DISTRIBUTED if name in distributed else REFERENCE if name in referenced else LOCAL,
            cross_city_access=name in cross,
        )
        for name in sorted(names.values())
    }
    for oid, index, primary, columns, condition in uniques:
        table = tables[names[oid]]
        if table.placement != DISTRIBUTED or "city_id" in columns:
            continue
        shown = [c or "(expression)" for c in columns]
        if primary:
            table.findings.append(Finding(PRIMARY_KEY, index, shown))
        else:
            national = not any((table.table, c) in city_refs for c in columns)
            table.findings.append(Finding(UNIQUE, index, shown, condition, crosses_cities=national))
    for source, name, target, columns, _ref in foreign_keys:
        table = tables[source]
        to_distributed = tables.get(target) is not None and tables[target].placement == DISTRIBUTED
        if table.placement == DISTRIBUTED and to_distributed and "city_id" not in columns:
            table.findings.append(Finding(FOREIGN_KEY, name, list(columns), target))
        elif table.placement != DISTRIBUTED and to_distributed:
            table.findings.append(Finding(TO_DISTRIBUTED, name, list(columns), target))
    for source, name, target, columns in logical:
        if source in tables and tables[source].placement == DISTRIBUTED and target in distributed:
            tables[source].findings.append(Finding(LOGICAL, name, columns, target))
    for table in tables.values():
        if table.placement == DISTRIBUTED and not city_column.get(table.table, True):
            table.findings.append(Finding(NULLABLE, "city_id", ["city_id"]))
        if (
            table.placement != DISTRIBUTED
            and table.table not in city_column
            and any(f.kind == TO_DISTRIBUTED for f in table.findings)
        ):
            # City data with no city of its own: it can be neither distributed (no column) nor a reference
            # table (it points at distributed rows); it needs a city_id, then it is distributed.
            table.findings.insert(0, Finding(NO_CITY_ID, "", [], "add city_id, then distribute it"))
        table.findings.sort(key=lambda f: (f.kind, f.name))
    return list(tables.values())


def summarise(tables: list[Table]) -> dict:
    placements = Counter(t.placement for t in tables)
    kinds = Counter(f.kind for t in tables for f in t.findings)
    return {
        "tables": len(tables),
        DISTRIBUTED: placements[DISTRIBUTED],
        REFERENCE: placements[REFERENCE],
        LOCAL: placements[LOCAL],
        "tables_to_change": sum(1 for t in tables if t.findings),
        **{
            kind: kinds[kind]
            for kind in (PRIMARY_KEY, UNIQUE, FOREIGN_KEY, LOGICAL, TO_DISTRIBUTED, NULLABLE, NO_CITY_ID)
        },
        "crossing_cities": sorted(
            f"{t.table}.{f.name}" for t in tables for f in t.findings if f.crosses_cities
        ),
        "reference_tables": sorted(t.table for t in tables if t.placement == REFERENCE),
    }


class Command(BaseCommand):
    help = "List, table by table, what must change before the data can be distributed by city (Citus)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Machine-readable output")
        parser.add_argument("--all", action="store_true", help="Also list the tables with nothing to change")

    def handle(self, *args, **options):
        tables = inspect()
        summary = summarise(tables)
        if options["json"]:
            report = {"summary": summary, "tables": [asdict(t) for t in tables]}
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        self._table(tables, show_all=options["all"])
        self._summary(summary)

    def _table(self, tables: list[Table], *, show_all: bool) -> None:
        for t in tables:
            if not t.findings and not show_all:
                continue
            access = ", read across cities by user" if t.cross_city_access else ""
            self.stdout.write(self.style.MIGRATE_HEADING(f"{t.table}  [{t.placement}{access}]  {t.model}"))
            for f in t.findings:
                columns = f"({', '.join(f.columns)})" if f.columns else ""
                detail = f"  → {f.detail}" if f.detail else ""
                crossing = "  CROSSES CITIES" if f.crosses_cities else ""
                self.stdout.write(f"    {f.kind:34s} {f.name} {columns}{detail}{crossing}")

    def _summary(self, s: dict) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING("Summary"))
        rows = [
            ("tables", s["tables"]),
            ("distributed by city_id", s[DISTRIBUTED]),
            ("reference tables (national, referenced by city tables)", s[REFERENCE]),
            ("local tables (coordinator only)", s[LOCAL]),
            ("tables to change", s["tables_to_change"]),
            ("primary keys to widen to (city_id, id)", s[PRIMARY_KEY]),
            ("other unique keys without city_id", s[UNIQUE]),
            ("foreign keys between city tables without city_id", s[FOREIGN_KEY]),
            ("  the same, declared in Django only (no database constraint)", s[LOGICAL]),
            ("foreign keys from reference/local tables to city tables", s[TO_DISTRIBUTED]),
            ("tables holding city data without a city_id", s[NO_CITY_ID]),
            ("nullable city_id", s[NULLABLE]),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:58s} {value}")
        self.stdout.write("  reference tables: " + ", ".join(s["reference_tables"]))
        self.stdout.write("  unique keys enforced across cities today (not per city by a foreign key):")
        for name in s["crossing_cities"]:
            self.stdout.write(f"    {name}")
