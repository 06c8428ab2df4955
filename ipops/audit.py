"""The audit trail and its hash-chain seal.

Two kinds of record:
- row history of every tracked table, written by pghistory's triggers (so bulk and raw
  SQL writes are caught too), with the acting user and city in its context;
- `AuditEvent` rows for business decisions (approve, disburse, allocate…), written by
  services through `record()`.

Every such row is sealed by the `ipops_audit_seal` trigger into its city's chain of
`AuditSeal` links (chain 0 for rows that belong to no city). One chain per city, because
sealing a link waits for the previous link's transaction: with one global chain, every
audited write of every city would queue behind every other. `verify()` recomputes each
digest from the row as it is now: an edited row, a deleted row, a removed or altered
link all show up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction

from ipops.models import AuditEvent, AuditSeal

# Advisory lock (7243001, chain) serialises sealing within one chain (see INSTALL_SQL).

INSTALL_SQL = """
CREATE OR REPLACE FUNCTION ipops_audit_digest(prev text, tbl text, payload jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET timezone = 'UTC' AS $$
  SELECT encode(sha256(convert_to(prev || '|' || tbl || '|' || payload::text, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION ipops_audit_seal() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
DECLARE
  prev text;
  payload jsonb := to_jsonb(NEW);
  link_chain bigint := coalesce((payload ->> 'city_id')::bigint, 0);
BEGIN
  PERFORM pg_advisory_xact_lock(7243001, (link_chain % 2147483647)::int);
  SELECT digest INTO prev FROM ipops_auditseal WHERE chain = link_chain ORDER BY id DESC LIMIT 1;
  prev := coalesce(prev, '');
  INSERT INTO ipops_auditseal (chain, source_table, source_pk, prev_digest, digest, sealed_at)
  VALUES (link_chain, TG_TABLE_NAME, payload ->> TG_ARGV[0], prev,
          ipops_audit_digest(prev, TG_TABLE_NAME, payload), now());
  RETURN NULL;
END
$$;
"""


def sealed_tables() -> list[tuple[str, str]]:
    """(table, primary-key column) of every table whose rows are sealed."""
    import pghistory.models

    tables = [(AuditEvent._meta.db_table, "id")]
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and not model._meta.abstract and model._meta.managed:
            tables.append((model._meta.db_table, str(model._meta.pk.column)))
    return tables


def install_seal_triggers(using: str = "default") -> None:
    """Create the seal function and attach it to every sealed table (idempotent).

    Runs after every `migrate` (post_migrate), so a model tracked later is sealed
    without anyone remembering to add a trigger.
    """
    from django.db import connections

    conn = connections[using]
    with conn.cursor() as cur:
        cur.execute(INSTALL_SQL)
        existing = set(conn.introspection.table_names(cur))
        for table, pk in sealed_tables():
            if table not in existing:  # a model whose migration is not applied (yet) in this database
                continue
            cur.execute(
                f'CREATE OR REPLACE TRIGGER ipops_audit_seal AFTER INSERT ON "{table}" '  # noqa: S608
                f"FOR EACH ROW EXECUTE FUNCTION ipops_audit_seal('{pk}')"
            )


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record(
    *,
    actor,
    city,
    action: str,
    obj,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Record one business decision (inside the caller's transaction)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        city_id=getattr(city, "pk", city),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=_jsonable(data or {}),
    )


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def heads() -> dict[int, dict]:
    """The newest link of every chain: {chain: {"id", "digest"}}. Published (anchored) somewhere the database's
    administrators cannot rewrite, a head proves later that nothing up to it was cut off the end of its chain."""
    rows = AuditSeal.objects.order_by("chain", "-id").distinct("chain").values_list("chain", "id", "digest")
    return {chain: {"id": pk, "digest": digest} for chain, pk, digest in rows}


def verify(anchors: dict | None = None) -> Verification:
    """Recompute every chain against the rows as they are now, and check that each anchored head is
    still in its chain (a chain's newest links, deleted with their rows, leave no other trace)."""
    result = Verification()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL timezone = 'UTC'")
        for chain, head in (anchors or {}).items():
            if not AuditSeal.objects.filter(chain=int(chain), id=head["id"], digest=head["digest"]).exists():
                result.problems.append(f"chain {chain}: anchored link {head['id']} is gone or altered")
        # 1. Each chain itself: each link names the digest of the one before it; only a chain's first is empty.
        cur.execute(
            "SELECT id, chain, prev_digest, lag(digest) OVER (PARTITION BY chain ORDER BY id) "
            "FROM ipops_auditseal ORDER BY chain, id"
        )
        for seal_id, chain, prev, expected_prev in cur.fetchall():
            result.checked += 1
            if (expected_prev or "") != prev:
                result.problems.append(
                    f"chain {chain} broken before link {seal_id}: a link was removed or altered"
                )
        # 2. Each link against its row; 3. rows with no link.
        for table, pk in sealed_tables():
            cur.execute(
                f"""SELECT s.id, s.source_pk, t.{pk} IS NULL,
                           s.digest <> ipops_audit_digest(s.prev_digest, s.source_table, to_jsonb(t))
                    FROM ipops_auditseal s LEFT JOIN "{table}" t ON t.{pk}::text = s.source_pk
                    WHERE s.source_table = %s""",  # noqa: S608 - table names come from our models
                [table],
            )
            for seal_id, source_pk, missing, changed in cur.fetchall():
                if missing:
                    result.problems.append(f"{table} row {source_pk} was deleted (link {seal_id})")
                elif changed:
                    result.problems.append(
                        f"{table} row {source_pk} was edited after sealing (link {seal_id})"
                    )
            cur.execute(
                f"""SELECT t.{pk} FROM "{table}" t WHERE NOT EXISTS (
                      SELECT 1 FROM ipops_auditseal s WHERE s.source_table = %s AND s.source_pk = t.{pk}::text)
                    LIMIT 20""",  # noqa: S608 - table names come from our models
                [table],
            )
            for (row_pk,) in cur.fetchall():
                result.problems.append(f"{table} row {row_pk} has no seal")
    return result
