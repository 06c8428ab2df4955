"""PostgreSQL row-level security: the database's own wall between cities, behind the ORM's scope.

`ipops.tenancy` keeps tenancy in Python (django-scopes). A bug that goes around it — raw SQL,
`_base_manager`, a join the scope does not filter — would still reach another city's rows. So every
city-owned table also carries two policies, and `city_scope()` tells PostgreSQL which city is active:

- `ipops_city` (every role): rows whose `city_id` is the city in the `ipops.city` setting; every row
  when no city is set. No city is set outside a city scope and inside `scopes_disabled()`: platform
  admin, migrations, cross-city roll-ups, the national marketplace — they work as they did.
- `ipops_city_tenant` (restrictive, role `ipops_tenant` only): rows of the set city, and none when no
  city is set. The tenant role never sees everything, even if the setting were lost.

Both hold for reads (USING) and writes (WITH CHECK): an INSERT or UPDATE of a row of another city is
refused by PostgreSQL.

Superusers and roles with BYPASSRLS skip every policy. Development, the tests and CI connect as the
superuser `postgres`, so inside a city scope the session switches to the NOLOGIN role `ipops_tenant`
(created and granted here) and back when the scope ends. FORCE makes the policies bind the tables'
owner too, so a deployment that connects as the owner (not a superuser) or as a plain application role
is walled by the setting alone; see docs/DEVELOPING.md.

`install(using)` runs after every `migrate` (post_migrate, like the audit seal triggers), so a new
city-owned model is walled without anyone remembering to. It only changes what is missing, so it takes
no table locks when everything is in place. When the connected user may not create roles or alter the
tables it logs a warning and carries on: Python-level tenancy still holds, and migrate never fails on it.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

#: The role a city scope switches to when the connection would otherwise bypass row-level security.
TENANT_ROLE = "ipops_tenant"
#: The custom setting (GUC) that holds the active city's id; empty or unset when no city scope is active.
CITY_SETTING = "ipops.city"
POLICY = "ipops_city"
TENANT_POLICY = "ipops_city_tenant"

#: Models with a city column that are deliberately not walled: who may act where. They are keyed by the
#: user, read across cities inside a city request (the city switcher, "may this user enter here?") and hold
#: no business data. Their pghistory event tables follow them.
CROSS_CITY_MODELS = frozenset({"ipops.Membership", "ipops.CityGrant"})

# Inlined by the planner (a one-expression STABLE SQL function), so `city_id = ipops_current_city()` is an
# ordinary index condition, evaluated once per query. The policies call it rather than repeat the expression,
# so what "the current city" means is defined once.
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION ipops_current_city() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('{CITY_SETTING}', true), '')::bigint
$$
"""

_ALL_ROLES_RULE = "ipops_current_city() IS NULL OR city_id = ipops_current_city()"
_TENANT_RULE = "city_id = ipops_current_city()"


def walled_models() -> list:
    """Every concrete model whose rows belong to one city: a `city` foreign key to `ipops.City` (the
    `CityOwned` models, their pghistory event models, job runs and audit events), except the cross-city
    access models above. New models are walled by default; leaving one out takes a line here."""
    walled = []
    for model in apps.get_models():
        meta = model._meta
        if meta.abstract or meta.proxy or not meta.managed:
            continue
        field = next((f for f in meta.concrete_fields if f.name == "city" and f.column == "city_id"), None)
        if field is None or field.related_model is None or field.related_model._meta.label != "ipops.City":
            continue
        tracked = getattr(model, "pgh_tracked_model", None)
        if meta.label in CROSS_CITY_MODELS or (
            tracked is not None and tracked._meta.label in CROSS_CITY_MODELS
        ):
            continue
        walled.append(model)
    return walled


def walled_tables() -> list[str]:
    return sorted(model._meta.db_table for model in walled_models())


_STATE_SQL = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %(policy)s),
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %(tenant_policy)s)
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND c.relkind IN ('r', 'p') AND c.relname = ANY(%(tables)s)
"""


def install(using: str = "default") -> None:
    """Create the tenant role, grant it the schema and raise the wall on every walled table (idempotent)."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=using), conn.cursor() as cur:
            cur.execute(FUNCTION_SQL)
    except DatabaseError as exc:
        logger.warning(
            "row-level security not installed: cannot create ipops_current_city() (%s); "
            "Python-level tenancy still holds",
            exc,
        )
        return
    tenant = _ensure_tenant_role(conn, using)
    tables = walled_tables()
    with conn.cursor() as cur:
        cur.execute(_STATE_SQL, {"policy": POLICY, "tenant_policy": TENANT_POLICY, "tables": tables})
        state = {row[0]: row[1:] for row in cur.fetchall()}
    quote = conn.ops.quote_name
    for table in tables:
        if table not in state:  # a model whose migration is not applied (yet) in this database
            continue
        enabled, forced, has_policy, has_tenant_policy = state[table]
        statements = []
        if not enabled:
            statements.append(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
        if not forced:  # binds the table's owner too
            statements.append(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
        if not has_policy:
            statements.append(
                f"CREATE POLICY {POLICY} ON {quote(table)} "
                f"USING ({_ALL_ROLES_RULE}) WITH CHECK ({_ALL_ROLES_RULE})"
            )
        if tenant and not has_tenant_policy:
            statements.append(
                f"CREATE POLICY {TENANT_POLICY} ON {quote(table)} AS RESTRICTIVE TO {quote(tenant)} "
                f"USING ({_TENANT_RULE}) WITH CHECK ({_TENANT_RULE})"
            )
        if not statements:
            continue
        try:
            with transaction.atomic(using=using), conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        except DatabaseError as exc:
            logger.warning(
                "row-level security not raised on %s (%s); Python-level tenancy still holds", table, exc
            )
    from ipops.tenancy import forget_wall_mode

    forget_wall_mode(using)


# True when the tenant role already holds everything `_ensure_tenant_role` grants (then nothing is re-granted).
_GRANTED_SQL = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
SELECT has_schema_privilege(%(role)s, (SELECT oid FROM ns), 'USAGE')
   AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
                   AND NOT (has_table_privilege(%(role)s, c.oid, 'SELECT') AND has_table_privilege(%(role)s, c.oid, 'INSERT')
                            AND has_table_privilege(%(role)s, c.oid, 'UPDATE')
                            AND has_table_privilege(%(role)s, c.oid, 'DELETE')))
   AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)
                   -- CASE: has_sequence_privilege() fails on anything but a sequence, whichever order the
                   -- planner tests the conditions in
                   AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(%(role)s, c.oid, 'USAGE') END)
   AND (SELECT count(DISTINCT d.defaclobjtype) FROM pg_default_acl d, aclexplode(d.defaclacl) a
        WHERE d.defaclnamespace = (SELECT oid FROM ns) AND d.defaclrole = current_user::regrole
          AND d.defaclobjtype IN ('r', 'S') AND a.grantee = %(role)s::regrole) = 2
"""


def _ensure_tenant_role(conn, using: str) -> str | None:
    """The tenant role, created if missing and granted what the app does inside a city scope (reads and
    writes, never DDL or TRUNCATE); None when the connected user may not create it."""
    quote = conn.ops.quote_name
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [TENANT_ROLE])
        exists = cur.fetchone() is not None
    if not exists:
        try:
            with transaction.atomic(using=using), conn.cursor() as cur:
                # Roles belong to the whole server: two databases migrating at once may race to create it.
                cur.execute(f"""DO $$ BEGIN CREATE ROLE {quote(TENANT_ROLE)} NOLOGIN;
                                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$""")
        except DatabaseError as exc:
            logger.warning(
                "row-level security: cannot create role %s (%s). A city scope only walls off other "
                "cities if the connected role is subject to row-level security (not a superuser, "
                "no BYPASSRLS); Python-level tenancy still holds.",
                TENANT_ROLE,
                exc,
            )
            return None
    with conn.cursor() as cur:
        cur.execute(_GRANTED_SQL, {"role": TENANT_ROLE})
        if cur.fetchone()[0]:
            return TENANT_ROLE
    try:
        with transaction.atomic(using=using), conn.cursor() as cur:
            cur.execute("SELECT quote_ident(current_schema())")
            schema = cur.fetchone()[0]
            role = quote(TENANT_ROLE)
            # Every table, not only the walled ones: a city request also reads users, sessions and tokens, and
            # its writes fire triggers that write row history, its context and the audit seal.
            cur.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}")
            cur.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
            # Tables created later by this user (outside migrate, or before the next post_migrate) too.
            cur.execute(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
            )
            cur.execute(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}"
            )
    except DatabaseError as exc:
        logger.warning(
            "row-level security: cannot grant %s its privileges (%s); Python-level tenancy still holds",
            TENANT_ROLE,
            exc,
        )
        return None
    return TENANT_ROLE
