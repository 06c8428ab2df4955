"""Generate the reporting benchmark's source records: completed deals, disbursed pledge loans, paid claims.

Each scale is a set of cities (slugs `<prefix>001`…) with the demo indicator catalogue and three years of
reported statistics (`reporting.catalogue`), a bureau user (`<slug>.bureau`), enterprises, a bank, an
insurer, a guarantor, a loan product, a subsidy policy and a payment batch per month, then the records:

- a completed deal is four rows (its own listing, negotiation, offer and transaction: a listing has one
  live transaction, a negotiation and an offer one transaction each), completed between the year before
  the plan and yesterday, more of them as time goes on;
- a disbursed loan and a paid claim (in its month's batch) are one row each.

Rows go in with `INSERT … SELECT generate_series` (ids given, sequences set after). During the load the
loaded tables' triggers are off (`DISABLE TRIGGER ALL`: the row-history triggers and the deferred
foreign-key checks, whose per-row queue would dwarf the load; the ids are valid by construction) and their
secondary indexes dropped; both come back afterwards exactly as the migrations made them (the definitions
are kept in `bench_dropped_index` until recreated, so an interrupted load is repaired by the next), and the
tables are VACUUM ANALYZEd. What the roll-up then reads is the production schema.
"""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass

#: Tables loaded in bulk, in foreign-key order.
TABLES = [
    "trading_listing",
    "trading_negotiation",
    "trading_offer",
    "trading_transaction",
    "pledge_finance_loan",
    "subsidies_paymentbatch",
    "subsidies_claim",
]
ENTERPRISES = 200
CHUNK = 250_000
TABLE_OF = {"deals": "trading_transaction", "loans": "pledge_finance_loan", "claims": "subsidies_claim"}


@dataclass(frozen=True)
class Scale:
    name: str
    prefix: str
    cities: int
    deals: int
    loans: int
    claims: int


SCALES = {
    "small": Scale("small", "rs", 3, 30_000, 3_000, 6_000),
    "city": Scale("city", "rc", 1, 1_000_000, 100_000, 200_000),
    "national": Scale(
        "national",
        "rn",
        int(os.environ.get("BENCH_REPORTING_NATIONAL_CITIES", "300")),
        int(os.environ.get("BENCH_REPORTING_NATIONAL_DEALS", "10000000")),
        int(os.environ.get("BENCH_REPORTING_NATIONAL_LOANS", "1000000")),
        int(os.environ.get("BENCH_REPORTING_NATIONAL_CLAIMS", "2000000")),
    ),
}


def slugs(scale: Scale) -> list[str]:
    return [f"{scale.prefix}{i:03d}" for i in range(1, scale.cities + 1)]


def _share(total: int, cities: int, i: int) -> int:
    """City i's part of a total (the first cities take the remainder)."""
    return total // cities + (1 if i < total % cities else 0)


# --- reference rows (the ORM: a few per city) -----------------------------------------------------------


def _setup_city(slug: str, index: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from ipops.models import City, Membership, Organization, OrgKind, User
    from ipops.tenancy import city_scope
    from pledge_finance.models import LoanProduct
    from reporting.catalogue import seed_catalogue, seed_statistics
    from subsidies.models import Policy

    city, _ = City.objects.get_or_create(
        slug=slug,
        defaults=dict(
            name_zh=f"基准{slug}",
            name_en=f"Bench {slug}",
            province_zh="山东省",
            province_en="Shandong",
            plan_start_year=2024,
        ),
    )
    code = f"{slug[:2].upper()}{index:03d}"  # 5 characters: the USCCs below stay 18 long and unique
    with city_scope(city):

        def org(kind: str, name: str, n: int) -> int:
            obj, _ = Organization.objects.get_or_create(
                city=city, name=name, defaults=dict(kind=kind, uscc=f"{code}X{n:012d}")
            )
            return obj.pk

        bureau = org(OrgKind.BUREAU, "基准知识产权局", 1)
        bank = org(OrgKind.BANK, "基准银行", 2)
        insurer = org(OrgKind.INSURER, "基准保险", 3)
        guarantor = org(OrgKind.GUARANTOR, "基准担保", 4)
        user, created = User.objects.get_or_create(username=f"{slug}.bureau")
        if created:
            user.password = make_password(None)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, city=city, defaults=dict(organization_id=bureau))
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO ipops_organization (city_id, name, name_en, kind, uscc, district, is_tech_sme, "
                "created_at) SELECT %s, '基准企业' || g, '', 'enterprise', %s || 'E' || lpad(g::text, 12, '0'), "
                "'', g %% 3 = 0, now() FROM generate_series(1, %s) g ON CONFLICT DO NOTHING",
                [city.pk, code, ENTERPRISES],
            )
        enterprises = list(
            Organization.objects.filter(kind=OrgKind.ENTERPRISE, name__startswith="基准企业")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        assert enterprises == list(range(enterprises[0], enterprises[0] + ENTERPRISES)), "enterprise ids"
        product, _ = LoanProduct.objects.get_or_create(city=city, name="基准质押贷")
        policy, _ = Policy.objects.get_or_create(
            city=city,
            code="BENCH",
            defaults=dict(
                name="基准补助",
                claimant_kinds=[OrgKind.ENTERPRISE],
                rule_kind="fixed",
                params={"amount": "50000"},
                frequency="per_case",
                opens_on=datetime.date(2023, 1, 1),
            ),
        )
        seed_catalogue(city)
        seed_statistics(city)
    return {
        "city": city.pk,
        "user": user.pk,
        "bank": bank,
        "insurer": insurer,
        "guarantor": guarantor,
        "enterprise0": enterprises[0],
        "product": product.pk,
        "policy": policy.pk,
    }


# --- the records (SQL) ----------------------------------------------------------------------------------

#: A deterministic spread in [0, 1) for the row number k, and the moment it puts a record at: more records
#: as time goes on (the square root), between START and END.
FRACTION = "(((%(off)s::bigint + g)::bigint * 2654435761) %% 1000003) / 1000003.0"
MOMENT = f"(%(start)s::timestamptz + sqrt({FRACTION}) * (%(end)s::timestamptz - %(start)s::timestamptz))"


def _next_ids(cur, table: str, n: int) -> int:
    """Reserve n ids of the table's identity sequence; return the one before the first."""
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    seq = cur.fetchone()[0]
    cur.execute("SELECT nextval(%s)", [seq])
    first = cur.fetchone()[0]
    cur.execute("SELECT setval(%s, %s)", [seq, first + n])
    return first - 1


def _deals(cur, ref: dict, off: int, n: int, span: tuple) -> None:
    lb = _next_ids(cur, "trading_listing", n)
    nb = _next_ids(cur, "trading_negotiation", n)
    ob = _next_ids(cur, "trading_offer", n)
    p = {
        "city": ref["city"],
        "off": off,
        "n": n,
        "lb": lb,
        "nb": nb,
        "ob": ob,
        "e0": ref["enterprise0"],
        "ne": ENTERPRISES,
        "start": span[0],
        "end": span[1],
    }
    seller = "(%(e0)s + (%(off)s::bigint + g) %% %(ne)s)"
    buyer = "(%(e0)s + (%(off)s::bigint + g + 1 + g %% 7) %% %(ne)s)"
    price = "(10000 * (5 + ((%(off)s::bigint + g) * 7919) %% 495))::numeric(18, 2)"
    deal_type = (
        "(CASE (%(off)s::bigint + g) %% 10 WHEN 0 THEN 'exclusive_licence' WHEN 1 THEN 'sole_licence' "
        "WHEN 2 THEN 'non_exclusive_licence' WHEN 3 THEN 'non_exclusive_licence' "
        "WHEN 4 THEN 'non_exclusive_licence' ELSE 'assignment' END)"
    )
    series = "FROM generate_series(1, %(n)s) g"
    cur.execute(
        "INSERT INTO trading_listing (id, city_id, reference, seller_id, title, description, keywords, "
        "deal_type, asking_price, negotiable, industry, ipc_codes, asset_kinds, region, visibility, status, "
        "published_at, closed_at, created_at, updated_at, title_terms, body_terms, ipc_prefixes) "
        f"SELECT %(lb)s + g, %(city)s, 'RB' || (%(off)s::bigint + g), {seller}, '基准成交专利' || (%(off)s::bigint + g), '', '', "
        f"{deal_type}, {price}, false, 'other', '{{}}', '{{}}', '', 'city', 'sold', "
        f"{MOMENT} - interval '60 days', {MOMENT}, {MOMENT} - interval '60 days', {MOMENT}, '', '', '{{}}' "
        + series,
        p,
    )
    cur.execute(
        "INSERT INTO trading_negotiation (id, city_id, listing_id, buyer_id, seller_id, status, closed_reason, "
        f"created_at, updated_at) SELECT %(nb)s + g, %(city)s, %(lb)s + g, {buyer}, {seller}, 'agreed', '', "
        f"{MOMENT} - interval '40 days', {MOMENT} - interval '30 days' " + series,
        p,
    )
    cur.execute(
        "INSERT INTO trading_offer (id, city_id, negotiation_id, side, price, message, status, created_at, "
        f"answered_at) SELECT %(ob)s + g, %(city)s, %(nb)s + g, 'buyer', {price}, '', 'accepted', "
        f"{MOMENT} - interval '35 days', {MOMENT} - interval '30 days' " + series,
        p,
    )
    cur.execute(
        "INSERT INTO trading_transaction (city_id, listing_id, negotiation_id, offer_id, seller_id, buyer_id, "
        "deal_type, agreed_price, contract_ref, contract_signed_on, escrow_status, status, recordal_number, "
        "cancel_reason, paid_at, completed_at, created_at, updated_at) "
        f"SELECT %(city)s, %(lb)s + g, %(nb)s + g, %(ob)s + g, {seller}, {buyer}, {deal_type}, {price}, "
        f"'HT' || (%(off)s::bigint + g), ({MOMENT} - interval '25 days')::date, 'released', 'completed', '', '', "
        f"{MOMENT} - interval '20 days', {MOMENT}, {MOMENT} - interval '30 days', {MOMENT} " + series,
        p,
    )


def _loans(cur, ref: dict, off: int, n: int, span: tuple) -> None:
    p = {**ref, "off": off, "n": n, "ne": ENTERPRISES, "start": span[0], "end": span[1]}
    cur.execute(
        "INSERT INTO pledge_finance_loan (city_id, state, amount, term_months, purpose, repayment_method, "  # noqa: S608 — constant SQL, values bound
        "loan_to_value, valuation_report_ref, contract_number, pledge_registration_number, disbursed_on, "
        "maturity_date, created_at, updated_at, bank_id, created_by_id, enterprise_id, guarantor_id, "
        "insurer_id, product_id) "
        "SELECT %(city)s, 'disbursed', 10000 * (50 + ((%(off)s::bigint + g) * 7919) %% 950), 12, '', "
        "'equal_instalments', 0.5, '', 'JK' || (%(off)s::bigint + g), '', "
        f"({MOMENT})::date, ({MOMENT} + interval '1 year')::date, {MOMENT} - interval '30 days', {MOMENT}, "
        "%(bank)s, %(user)s, %(enterprise0)s + ((%(off)s::bigint + g) * 13) %% %(ne)s, %(guarantor)s, %(insurer)s, "
        "%(product)s FROM generate_series(1, %(n)s) g",
        p,
    )


def _months(span: tuple) -> list[datetime.date]:
    month = datetime.date(span[0].year, span[0].month, 1)
    out = []
    while month <= span[1]:
        out.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def _claims(cur, ref: dict, off: int, n: int, span: tuple) -> None:
    """Claims paid in their month's batch (one batch per month, paid on the 20th or the last day)."""
    months = _months(span)
    cur.execute("SELECT count(*) FROM subsidies_paymentbatch WHERE city_id = %s", [ref["city"]])
    if not cur.fetchone()[0]:
        bb = _next_ids(cur, "subsidies_paymentbatch", len(months))
        cur.execute(
            "INSERT INTO subsidies_paymentbatch (id, city_id, paid_on, total, count, created_at, created_by_id) "
            "SELECT %s + i, %s, least(m + 19, %s), 0, 0, m + 19, %s "
            "FROM unnest(%s::date[]) WITH ORDINALITY AS t(m, i)",
            [bb, ref["city"], span[1], ref["user"], months],
        )
    cur.execute("SELECT min(id) FROM subsidies_paymentbatch WHERE city_id = %s", [ref["city"]])
    first_batch = cur.fetchone()[0]
    p = {**ref, "off": off, "n": n, "ne": ENTERPRISES, "b0": first_batch, "nm": len(months)}
    cur.execute(
        'INSERT INTO subsidies_claim (city_id, policy_id, organization_id, batch_id, year, period, "case", '  # noqa: S608 — constant SQL, values bound
        "state, automatic, inputs, computation, rule_amount, approved_amount, reduction_reason, "
        "decision_reason, bank_name, bank_account, submitted_at, decided_at, created_at) "
        "SELECT %(city)s, %(policy)s, %(enterprise0)s + (%(off)s::bigint + g) %% %(ne)s, b.id, "
        "extract(year FROM b.paid_on), 'RB' || (%(off)s::bigint + g), '', 'paid', false, '{}', '[]', "
        "1000 * (10 + (%(off)s::bigint + g) %% 90), 1000 * (10 + (%(off)s::bigint + g) %% 90), '', '', '', '', "
        "b.paid_on - 30, b.paid_on - 20, b.paid_on - 40 "
        f"FROM generate_series(1, %(n)s) g JOIN subsidies_paymentbatch b ON b.id = %(b0)s + "
        f"least(floor(sqrt({FRACTION}) * %(nm)s)::int, %(nm)s - 1)",
        p,
    )


def _batch_totals(cur, city_ids: list[int]) -> None:
    cur.execute(
        "UPDATE subsidies_paymentbatch b SET total = s.total, count = s.n FROM ("
        "  SELECT batch_id, sum(approved_amount) AS total, count(*) AS n FROM subsidies_claim"
        "  WHERE city_id = ANY(%s) GROUP BY batch_id) s WHERE b.id = s.batch_id",
        [city_ids],
    )


# --- triggers and indexes off during the load --------------------------------------------------------------


def _load_mode(cur, on: bool, *, log=print) -> None:
    """on: triggers off, secondary indexes (those no constraint owns) dropped and remembered; off: the
    reverse, then VACUUM ANALYZE."""
    cur.execute("CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, tbl text, def text)")
    if on:
        for table in TABLES:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            for name, definition in cur.fetchall():
                cur.execute(
                    "INSERT INTO bench_dropped_index VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    [name, table, definition],
                )
                cur.execute(f'DROP INDEX "{name}"')
        return
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute("SELECT name, tbl, def FROM bench_dropped_index ORDER BY tbl, name")
    for name, table, definition in cur.fetchall():
        started = time.monotonic()
        cur.execute(definition)
        cur.execute("DELETE FROM bench_dropped_index WHERE name = %s", [name])
        log(f"    index {table}.{name} ({time.monotonic() - started:.0f}s)")
    for table in TABLES:
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        cur.execute(f"VACUUM (ANALYZE) {table}")


def generate(scale: Scale, *, log=print) -> dict:
    """Fill the scale's cities up to their sizes (resuming a load cut short). Returns what it did."""
    from django.db import connection, transaction

    from ipops import clock

    today = clock.today()
    span = (datetime.date(2023, 1, 1), today - datetime.timedelta(days=1))
    started = time.monotonic()
    names = slugs(scale)
    refs = []
    for i, slug in enumerate(names):
        refs.append(_setup_city(slug, i + 1))
        if (i + 1) % 50 == 0:
            log(f"  {i + 1} cities set up ({time.monotonic() - started:.0f}s)")
    setup_s = time.monotonic() - started
    city_ids = [r["city"] for r in refs]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM trading_transaction WHERE city_id = ANY(%s)),"
            " (SELECT count(*) FROM pledge_finance_loan WHERE city_id = ANY(%s)),"
            " (SELECT count(*) FROM subsidies_claim WHERE city_id = ANY(%s))",
            [city_ids, city_ids, city_ids],
        )
        have = cur.fetchone()
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'bench_dropped_index'")
        interrupted = cur.fetchone()[0]
    # At least (not exactly): each run's refresh measurement adds a few deals of its own.
    if (
        all(h >= w for h, w in zip(have, (scale.deals, scale.loans, scale.claims), strict=True))
        and not interrupted
    ):
        log(f"  {scale.name}: already generated ({have[0]:,} deals, {have[1]:,} loans, {have[2]:,} claims)")
        return {"generated": False, "setup_s": round(setup_s, 1)}
    load_started = time.monotonic()
    with connection.cursor() as cur:
        _load_mode(cur, True)
    for i, ref in enumerate(refs):
        for kind, total, load in (
            ("deals", scale.deals, _deals),
            ("loans", scale.loans, _loans),
            ("claims", scale.claims, _claims),
        ):
            want = _share(total, scale.cities, i)
            with connection.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {TABLE_OF[kind]} WHERE city_id = %s", [ref["city"]])  # noqa: S608 — our table names
                done = cur.fetchone()[0]
            for lo in range(done, want, CHUNK):
                n = min(CHUNK, want - lo)
                with transaction.atomic(), connection.cursor() as cur:
                    load(cur, ref, lo, n, span)
                if scale.cities == 1:
                    log(f"  {kind}: {lo + n:,} ({time.monotonic() - load_started:.0f}s)")
        if (i + 1) % 25 == 0:
            log(f"  {i + 1} cities loaded ({time.monotonic() - load_started:.0f}s)")
    with connection.cursor() as cur:
        _batch_totals(cur, city_ids)
        rows_s = time.monotonic() - load_started
        log(f"  rows in {rows_s:.0f}s; rebuilding indexes, triggers back on, VACUUM ANALYZE …")
        _load_mode(cur, False, log=log)
        cur.execute("DROP TABLE bench_dropped_index")
    total_s = time.monotonic() - started
    log(f"  {scale.name}: generated in {total_s:.0f}s")
    return {
        "generated": True,
        "setup_s": round(setup_s, 1),
        "rows_s": round(rows_s, 1),
        "total_s": round(total_s, 1),
    }


def new_deal(city_slug: str) -> None:
    """One more completed deal in the city, completed now, inserted with the triggers on (as in production)."""
    from django.db import connection, transaction

    from ipops import clock
    from ipops.models import City

    city = City.objects.get(slug=city_slug)
    index = int(city_slug[2:])
    ref = _setup_city(city_slug, index)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM trading_transaction WHERE city_id = %s", [city.pk])
        off = cur.fetchone()[0] + 10_000_000
    now = clock.now()
    with transaction.atomic(), connection.cursor() as cur:
        _deals(cur, ref, off, 1, (now, now))
