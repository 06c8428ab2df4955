"""The database's own wall between cities (PostgreSQL row-level security, `ipops.rls`): while a city scope is
active, code that goes around the ORM's scope — raw SQL, `_base_manager`, a forgotten filter — still cannot
read or write another city's rows."""

from __future__ import annotations

import functools
import logging

import pytest
from django.apps import apps
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ipops import audit, rls, tenancy
from ipops.models import AuditSeal, IPAsset, Organization, OrgKind
from ipops.tenancy import CityOwned, city_scope, database_wall_lifted, is_wall_statement, scopes_disabled
from tests.conftest import api, make_asset, make_org, make_user
from tests.support import race

pytestmark = pytest.mark.django_db


def session() -> tuple[str, str | None]:
    """(role the session acts as, city it holds) — what the policies see."""
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, nullif(current_setting('ipops.city', true), '')")
        return cur.fetchone()


def raw_titles() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT title FROM ipops_ipasset ORDER BY title")
        return [row[0] for row in cur.fetchall()]


@pytest.fixture
def two_cities(qingdao, jinan):
    qd_org, jn_org = make_org(qingdao, name="青岛甲公司"), make_org(jinan, name="济南乙公司")
    return {
        "qd_org": qd_org,
        "jn_org": jn_org,
        "qd_asset": make_asset(qingdao, qd_org, title="青岛的专利"),
        "jn_asset": make_asset(jinan, jn_org, title="济南的专利"),
    }


@pytest.fixture
def outside():
    """The session as it is outside any city scope (the connected user, no city)."""
    return session()


# --- every city-owned table is walled -----------------------------------------------------------------


def test_every_city_owned_table_has_row_level_security_enabled_forced_and_both_policies():
    import pghistory.models

    walled = set(rls.walled_models())
    city_owned = {m for m in apps.get_models() if issubclass(m, CityOwned) and not m._meta.proxy}
    assert city_owned <= walled, city_owned - walled
    assert {m for m in walled if issubclass(m, pghistory.models.Event)} >= {
        m for m in apps.get_models() if getattr(m, "pgh_tracked_model", None) in city_owned
    }
    # Tables with a city that stay outside the wall are named, so leaving one out is a decision.
    with_a_city = {
        m
        for m in apps.get_models()
        if not m._meta.proxy
        and m._meta.managed
        and any(f.column == "city_id" for f in m._meta.concrete_fields)
    }
    assert {m._meta.label for m in with_a_city - walled} == {
        "ipops.Membership",
        "ipops.MembershipEvent",
        "ipops.CityGrant",
        "ipops.CityGrantEvent",
    }

    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                              array(SELECT p.polname || ':' || p.polpermissive::text || ':' ||
                                           pg_get_expr(p.polqual, p.polrelid) || ':' ||
                                           pg_get_expr(p.polwithcheck, p.polrelid)
                                    FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY p.polname)
                       FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r'""",
            [rls.walled_tables()],
        )
        tables = {name: rest for name, *rest in cur.fetchall()}
    assert set(tables) == set(rls.walled_tables())
    every_role = "((ipops_current_city() IS NULL) OR (city_id = ipops_current_city()))"
    tenant = "(city_id = ipops_current_city())"
    for table, (enabled, forced, policies) in tables.items():
        assert enabled and forced, table
        assert policies == [
            f"ipops_city:true:{every_role}:{every_role}",
            f"ipops_city_tenant:false:{tenant}:{tenant}",
        ], table


def test_the_tenant_role_sees_no_row_when_no_city_is_set(two_cities):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ROLE ipops_tenant")
        assert raw_titles() == []
        transaction.set_rollback(True)


# --- reads ------------------------------------------------------------------------------------------------


def test_raw_sql_in_a_city_scope_sees_only_that_city(qingdao, jinan, two_cities, outside):
    assert raw_titles() == ["济南的专利", "青岛的专利"]
    with city_scope(qingdao):
        assert session() == ("ipops_tenant", str(qingdao.pk))
        assert raw_titles() == ["青岛的专利"]
        with connection.cursor() as cur:  # the row history of the other city too
            cur.execute("SELECT DISTINCT city_id FROM ipops_ipassetevent")
            assert cur.fetchall() == [(qingdao.pk,)]
    with city_scope(jinan, writes=False):
        assert raw_titles() == ["济南的专利"]
    assert session() == outside


def test_the_base_manager_in_a_city_scope_sees_only_that_city(qingdao, two_cities):
    with city_scope(qingdao):
        assert list(IPAsset._base_manager.values_list("title", flat=True)) == ["青岛的专利"]
        with pytest.raises(IPAsset.DoesNotExist):
            IPAsset._base_manager.get(pk=two_cities["jn_asset"].pk)
        # A forgotten scope on a join: the other city's organisation is not there to join.
        assert not IPAsset._base_manager.filter(owner__name="济南乙公司").exists()


def test_scopes_disabled_lifts_the_wall_and_puts_it_back(qingdao, two_cities, outside):
    with city_scope(qingdao):
        with scopes_disabled():
            assert session() == outside
            assert raw_titles() == ["济南的专利", "青岛的专利"]
            assert IPAsset.objects.count() == 2
        assert raw_titles() == ["青岛的专利"]
    assert session() == outside


def test_lifting_only_the_database_wall_keeps_the_python_scope(qingdao, jinan, two_cities, outside):
    with city_scope(qingdao):
        with database_wall_lifted():
            assert session() == outside
            assert raw_titles() == ["济南的专利", "青岛的专利"]
            assert list(IPAsset.objects.values_list("title", flat=True)) == ["青岛的专利"]
            with city_scope(jinan):  # a scope entered inside raises its own wall again
                assert raw_titles() == ["济南的专利"]
        assert raw_titles() == ["青岛的专利"]


def test_marketplace_search_finds_ids_with_the_wall_lifted_and_still_only_in_its_city(qingdao, jinan):
    from tests.trading.conftest import create_listing, party
    from trading import search
    from trading.models import Listing

    found = {}
    for city in (qingdao, jinan):
        seller = party(city)
        found[city.slug] = create_listing(
            city, seller, [make_asset(city, seller.org, title="一种石墨烯散热涂层")]
        ).pk
    with city_scope(qingdao), CaptureQueriesContext(connection) as ctx:
        assert search.listing_search(Listing.objects.all(), q="石墨烯 涂层").ids == [found["qingdao"]]
        assert search.listing_search(Listing.objects.all(), ipc="C08K", price_max=10**7).ids == [
            found["qingdao"]
        ]
    walls = [q["sql"] for q in ctx.captured_queries if is_wall_statement(q["sql"])]
    # Lifted for the index lookups (GIN indexes are unusable behind the policies), raised again after each.
    assert walls == [
        f"SELECT set_config('ipops.city', '{city}', false), set_config('role', {role}, false)"
        for _ in range(2)
        for city, role in (("", "'none'"), (qingdao.pk, "'ipops_tenant'"))
    ]


# --- places that read across cities on purpose, inside a city's request ---------------------------------


def test_the_national_marketplace_and_an_officials_comparison_read_every_city_from_inside_one(
    qingdao, jinan, two_cities
):
    from ipops.access import actor_for
    from ipops.models import CityGrant
    from ipops.selectors import dashboard
    from tests.trading.conftest import create_listing, party
    from trading import selectors

    seller = party(jinan, name="济南卖方公司")
    listing = create_listing(
        jinan, seller, [make_asset(jinan, seller.org, title="一种石墨烯散热涂层")], visibility="national"
    )
    official = make_user(qingdao, "official")
    CityGrant.objects.create(user=official, city=jinan)
    with city_scope(qingdao):
        result = selectors.national_listings(q="石墨烯")
        assert result.ids == [listing.pk]
        assert [row["city__slug"] for row in selectors.national_page(result.ids)] == ["jinan"]
        comparison = dashboard.official_home(actor_for(official, qingdao), [qingdao, jinan])["comparison"]
        assert {row["city"].slug: row["total"] for row in comparison} == {"qingdao": 1, "jinan": 2}


# --- writes -----------------------------------------------------------------------------------------------


def test_creating_a_row_of_another_city_is_refused_by_postgresql(qingdao, jinan, two_cities):
    with city_scope(qingdao):
        # The ORM scope filters reads, not what a create names: PostgreSQL refuses the row.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Organization.objects.create(
                city=jinan, kind=OrgKind.ENTERPRISE, name="越界公司", uscc="91370200MA3C0000X1"
            )
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(
                "INSERT INTO ipops_assetvaluation (city_id, asset_id, value, valued_on, report_ref, created_at)"
                " VALUES (%s, %s, 1, now(), 'x', now())",
                [jinan.pk, two_cities["jn_asset"].pk],
            )
    with scopes_disabled():
        assert not Organization.objects.filter(name="越界公司").exists()


def test_updating_or_deleting_another_citys_rows_touches_nothing(qingdao, two_cities):
    jn_asset, qd_asset = two_cities["jn_asset"], two_cities["qd_asset"]
    with city_scope(qingdao):
        assert IPAsset._base_manager.filter(pk=jn_asset.pk).update(title="改掉") == 0
        with connection.cursor() as cur:
            cur.execute("DELETE FROM ipops_ipasset WHERE id = %s", [jn_asset.pk])
            assert cur.rowcount == 0
        # Moving one's own row into another city is refused.
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(
                "UPDATE ipops_ipasset SET city_id = %s WHERE id = %s", [jn_asset.city_id, qd_asset.pk]
            )
    with scopes_disabled():
        assert IPAsset.objects.get(pk=jn_asset.pk).title == "济南的专利"
        assert IPAsset.objects.get(pk=qd_asset.pk).city_id == qd_asset.city_id


def test_triggers_keep_writing_history_and_seals_under_the_tenant_role(qingdao):
    owner = make_user(qingdao, "enterprise")
    seals = AuditSeal.objects.count()
    with city_scope(qingdao):
        asset = make_asset(qingdao, owner.memberships.get().organization, title="有历史的专利")
        IPAsset.objects.filter(pk=asset.pk).update(title="改过的专利")
        audit.record(actor=owner, city=qingdao, action="test_decision", obj=asset, data={"amount": "1.00"})
        with connection.cursor() as cur:
            cur.execute(
                "SELECT title FROM ipops_ipassetevent WHERE pgh_obj_id = %s ORDER BY pgh_id", [asset.pk]
            )
            assert [r[0] for r in cur.fetchall()] == ["有历史的专利", "改过的专利"]
    assert AuditSeal.objects.filter(chain=qingdao.pk).count() > 0 and AuditSeal.objects.count() > seals
    assert audit.verify().ok


# --- leaving a scope always restores the session ------------------------------------------------------------


def test_nested_scopes_of_two_cities(qingdao, jinan, two_cities, outside):
    with city_scope(qingdao):
        with city_scope(jinan):
            assert raw_titles() == ["济南的专利"]
            with scopes_disabled(), city_scope(qingdao):
                assert raw_titles() == ["青岛的专利"]
            assert raw_titles() == ["济南的专利"]
        assert raw_titles() == ["青岛的专利"]
    assert session() == outside


def test_an_exception_leaves_the_scope_and_the_session_as_they_were(qingdao, jinan, two_cities, outside):
    with pytest.raises(RuntimeError), city_scope(qingdao):
        raise RuntimeError("the view failed")
    assert session() == outside
    with city_scope(jinan):
        with pytest.raises(RuntimeError), city_scope(qingdao):
            raise RuntimeError("the inner one failed")
        assert session() == ("ipops_tenant", str(jinan.pk))


def test_a_failed_transaction_inside_scopes_disabled_rolls_back_to_the_city(qingdao, two_cities):
    with city_scope(qingdao):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            scopes_disabled(),
            connection.cursor() as cur,
        ):
            cur.execute("SELECT 1 / 0")  # the transaction fails while the wall is down; leaving can't run SQL
        assert session() == ("ipops_tenant", str(qingdao.pk))
        assert raw_titles() == ["青岛的专利"]


def test_a_request_moves_the_wall_once_in_and_once_out(qingdao, two_cities, outside):
    client = api(make_user(qingdao, "bureau_staff"))
    client.get("/api/v1/qingdao/assets/")  # warm the city cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/qingdao/assets/").json()["count"] == 1
    assert [is_wall_statement(q["sql"]) for q in ctx.captured_queries].count(True) == 2
    assert is_wall_statement(ctx.captured_queries[0]["sql"]) and is_wall_statement(
        ctx.captured_queries[-1]["sql"]
    )
    assert session() == outside


def test_scopes_of_one_city_nested_or_disabled_outside_a_city_cost_nothing(qingdao):
    with city_scope(qingdao), CaptureQueriesContext(connection) as ctx:
        with city_scope(qingdao), city_scope(qingdao.pk, writes=False):
            pass
    with CaptureQueriesContext(connection) as outside_ctx, scopes_disabled():
        pass
    assert ctx.captured_queries == outside_ctx.captured_queries == []


def test_a_scope_needs_a_city():
    with pytest.raises(ValueError, match="needs a city"), city_scope(None):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_connection_opened_inside_a_scope_gets_the_wall_and_a_persistent_one_keeps_no_city(
    qingdao, jinan, two_cities
):
    connection.close()
    with city_scope(qingdao):  # nothing to set yet: the session is opened by the first query
        assert connection.connection is None
        assert raw_titles() == ["青岛的专利"]
    # The same (persistent) session serves whatever comes next: no city left behind.
    assert raw_titles() == ["济南的专利", "青岛的专利"]
    with city_scope(jinan):
        assert raw_titles() == ["济南的专利"]
    assert session()[1] is None


@pytest.mark.django_db(transaction=True)
def test_celery_style_tasks_in_worker_threads_each_see_their_city(qingdao, jinan, two_cities):
    from ipops.tasks import registry_snapshot

    def worker(city) -> dict:
        with city_scope(city.pk):
            titles = raw_titles()
        return {"titles": titles, "after": session()[1], "snapshot": registry_snapshot(city.pk)["total"]}

    assert race(*(functools.partial(worker, city) for city in (qingdao, jinan))) == [
        {"titles": ["青岛的专利"], "after": None, "snapshot": 1},
        {"titles": ["济南的专利"], "after": None, "snapshot": 1},
    ]


# --- a database user that may not set the wall up ----------------------------------------------------------


@pytest.fixture
def no_tenant_role(monkeypatch):
    monkeypatch.setattr(rls, "TENANT_ROLE", "ipops_tenant_that_does_not_exist")
    tenancy.forget_wall_mode()
    yield
    tenancy.forget_wall_mode()


def test_without_the_tenant_role_python_tenancy_still_holds(qingdao, two_cities, no_tenant_role, caplog):
    with caplog.at_level(logging.WARNING, logger="ipops.tenancy"), city_scope(qingdao):
        assert list(IPAsset.objects.values_list("title", flat=True)) == ["青岛的专利"]
        assert raw_titles() == ["济南的专利", "青岛的专利"]  # a superuser connection: no database wall
    assert "cannot switch to role ipops_tenant_that_does_not_exist" in caplog.text


def test_installing_as_a_user_that_may_not_create_roles_or_alter_tables_warns_and_carries_on(
    no_tenant_role, caplog
):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ROLE ipops_tenant")  # no CREATEROLE, owns nothing
        with caplog.at_level(logging.WARNING, logger="ipops.rls"):
            rls.install()
            assert rls._ensure_tenant_role(connection, "default") is None
        transaction.set_rollback(True)
    assert "row-level security not installed" in caplog.text
    assert "cannot create role ipops_tenant_that_does_not_exist" in caplog.text


def test_installing_again_changes_nothing_when_the_wall_is_in_place():
    with CaptureQueriesContext(connection) as ctx:
        rls.install()
    changes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("ALTER", "CREATE POLICY", "CREATE ROLE", "GRANT", "DO"))
    ]
    assert changes == []  # no table locks on a deploy that changes nothing
