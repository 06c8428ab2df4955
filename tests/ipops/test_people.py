"""People (成员与账号): the bureau admin manages everyone in the city, an organisation's admin its own members;
through the API and the pages, with every decision audited and nothing changed by a refusal."""

from __future__ import annotations

import functools
import io

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from ipops.models import AuditEvent, Membership, OrgKind, User
from ipops.security.models import ApiToken
from ipops.security.tokens import issue_token
from ipops.services.organisations import member_add
from ipops.tenancy import city_scope
from tests.conftest import actor, api, grant, make_org, make_user
from tests.factories import MemberFactory
from tests.support import assert_matrix, failures, nothing_changed, race, snapshot

pytestmark = pytest.mark.django_db

NEW = {"username": "zhang.wei", "password": "Haiyang-2025", "display_name": "张伟"}
NEW_PASSWORD = "Laoshan-Tea-77"


def url(city, path: str = "") -> str:
    return f"/api/v1/{city.slug}/members/{path}"


def members(city) -> set[tuple[str, int, bool]]:
    return set(
        Membership.objects.filter(city=city).values_list("user__username", "organization_id", "is_admin")
    )


def audited(city, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(city=city, action=action))


def make_org_admin(city, org=None):
    """An admin of an enterprise (企业管理员): manages that enterprise's members, nothing else."""
    return MemberFactory(city=city, organization=org or make_org(city), is_admin=True).user


def membership_of(user, city) -> Membership:
    return Membership.objects.select_related("organization").get(user=user, city=city)


# --- adding people -------------------------------------------------------------------------------------


def test_bureau_admin_adds_a_person_to_any_organisation_of_the_city(qingdao):
    enterprise = make_org(qingdao, OrgKind.ENTERPRISE)
    response = api(make_user(qingdao, "bureau_admin")).post(
        url(qingdao), {"organization": enterprise.pk, **NEW}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["username"],
        body["display_name"],
        body["organization"]["id"],
        body["role"],
        body["is_admin"],
    ) == ("zhang.wei", "张伟", enterprise.pk, "enterprise", False)
    assert "password" not in body and "md5$" not in response.content.decode()
    assert User.objects.get(username="zhang.wei").check_password(NEW["password"])
    [event] = audited(qingdao, "member_add")
    assert event.data == {
        "username": "zhang.wei",
        "organization": enterprise.pk,
        "is_admin": False,
        "account": "created",
    }
    assert event.object_id == str(body["id"])


def test_an_organisation_admin_adds_people_to_their_own_organisation_only(qingdao):
    admin = make_org_admin(qingdao)
    own = membership_of(admin, qingdao).organization
    other = make_org(qingdao, OrgKind.ENTERPRISE)

    ok = api(admin).post(url(qingdao), {"organization": own.pk, **NEW, "is_admin": True})
    assert ok.status_code == 201, ok.content
    assert ok.json()["is_admin"] is True

    with nothing_changed(Membership, User):
        refused = api(admin).post(url(qingdao), {"organization": other.pk, **NEW, "username": "li.na"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"username": "zhang wei"}, "username", "username_invalid"),
        ({"username": "张伟!"}, "username", "username_invalid"),
        ({"password": "short"}, "password", "password_too_short"),
        ({"password": "12345678"}, "password", "password_too_common"),
        ({"password": "   "}, "password", "password_too_short"),
    ],
)
def test_bad_input_is_a_400_on_its_field_and_nothing_is_written(qingdao, changes, field, code):
    admin = make_user(qingdao, "bureau_admin")
    org = make_org(qingdao)

    with nothing_changed(Membership, User):
        response = api(admin).post(url(qingdao), {"organization": org.pk, **NEW, **changes})

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "member_invalid"
    assert response.json()["fields"][field][0]["code"] == code


def test_a_person_acts_once_per_city_the_second_add_is_a_409(qingdao):
    admin = make_user(qingdao, "bureau_admin")
    first, second = make_org(qingdao), make_org(qingdao)
    assert api(admin).post(url(qingdao), {"organization": first.pk, **NEW}).status_code == 201

    with nothing_changed(Membership, User):  # the account keeps its password too
        again = api(admin).post(
            url(qingdao), {"organization": second.pk, **NEW, "password": "Another-pass-1"}
        )

    assert again.status_code == 409 and again.json()["code"] == "member_exists"


def test_a_username_differing_only_in_letter_case_is_taken(qingdao):
    admin = make_user(qingdao, "bureau_admin")
    org = make_org(qingdao)
    api(admin).post(url(qingdao), {"organization": org.pk, **NEW})

    response = api(admin).post(url(qingdao), {"organization": org.pk, **NEW, "username": "Zhang.Wei"})

    assert response.status_code == 409
    assert response.json()["fields"]["username"][0]["code"] == "username_taken"
    assert not User.objects.filter(username="Zhang.Wei").exists()


def test_another_citys_organisation_is_not_found(qingdao, jinan):
    response = api(make_user(qingdao, "bureau_admin")).post(
        url(qingdao), {"organization": make_org(jinan).pk, **NEW}
    )
    assert response.status_code == 404 and response.json()["code"] == "organization_not_found"
    assert not User.objects.filter(username="zhang.wei").exists()


def test_a_person_of_another_city_is_linked_and_keeps_their_password(qingdao, jinan):
    banker = make_user(jinan, "bank", username="wang.fang")
    org = make_org(qingdao, OrgKind.BANK)

    response = api(make_user(qingdao, "bureau_admin")).post(
        url(qingdao), {"organization": org.pk, "username": "wang.fang", "password": "Not-hers-123"}
    )

    assert response.status_code == 201
    assert response.json()["acts_in_other_cities"] is True
    banker.refresh_from_db()
    assert banker.check_password("pw-123456") and not banker.check_password("Not-hers-123")
    assert audited(qingdao, "member_add")[0].data["account"] == "linked"


def test_a_former_member_is_taken_over_with_the_new_password(qingdao):
    admin = make_user(qingdao, "bureau_admin")
    former = make_user(qingdao, "enterprise", username="chen.jie")
    issue_token(former)
    api(admin).delete(url(qingdao, f"{membership_of(former, qingdao).pk}/"))

    response = api(admin).post(
        url(qingdao),
        {
            "organization": make_org(qingdao).pk,
            "username": "chen.jie",
            "password": NEW_PASSWORD,
            "display_name": "陈杰",
        },
    )

    assert response.status_code == 201
    former.refresh_from_db()
    assert former.check_password(NEW_PASSWORD) and former.display_name == "陈杰"
    assert not ApiToken.objects.filter(user=former).exists()
    assert audited(qingdao, "member_add")[0].data["account"] == "reclaimed"


def test_the_unique_constraint_answers_a_race_the_check_missed_with_a_409(qingdao, monkeypatch):
    """However the check before the insert is outrun, membership_one_per_city answers: a 409, never a 500,
    and nothing the add did before it survives."""
    make_user(qingdao, "enterprise", username="zhao.lei")
    admin, organization = make_user(qingdao, "bureau_admin"), make_org(qingdao)
    original_exists = QuerySet.exists
    monkeypatch.setattr(
        QuerySet, "exists", lambda qs: False if qs.model is Membership else original_exists(qs)
    )

    with nothing_changed(Membership, User):  # zhao.lei keeps his one membership and his password
        response = api(admin).post(
            url(qingdao), {"organization": organization.pk, "username": "zhao.lei", "password": NEW_PASSWORD}
        )

    assert response.status_code == 409 and response.json()["code"] == "member_exists"


@pytest.mark.django_db(transaction=True)
def test_two_admins_adding_the_same_username_at_once_make_one_membership(qingdao):
    admins = [actor(make_user(qingdao, "bureau_admin"), qingdao) for _ in range(2)]
    orgs = [make_org(qingdao), make_org(qingdao)]

    results = race(
        *(
            functools.partial(member_add, actor=a, organization=o, **NEW)
            for a, o in zip(admins, orgs, strict=True)
        ),
        context=lambda: city_scope(qingdao),
    )

    [error] = failures(results)
    assert error.code == "member_exists" and error.status == 409
    assert Membership.objects.filter(user__username="zhang.wei", city=qingdao).count() == 1
    assert User.objects.filter(username="zhang.wei").count() == 1
    assert len(audited(qingdao, "member_add")) == 1


# --- who may do what ----------------------------------------------------------------------------------


@pytest.fixture
def target(qingdao):
    """A member of an enterprise, with her organisation's admin and a colleague beside her."""
    org = make_org(qingdao, OrgKind.ENTERPRISE)
    person = make_user(qingdao, "enterprise", org=org, username="sun.li")
    return membership_of(person, qingdao)


def _who(who, qingdao, jinan, target):
    if who == "org_admin":
        return make_org_admin(qingdao, target.organization)
    if who == "colleague":
        return make_user(qingdao, "enterprise", org=target.organization)
    if who == "other_org_admin":
        return make_org_admin(qingdao)
    if who == "reader_by_grant":
        user = make_user(jinan, "official")
        grant(user, qingdao)
        return user
    if who == "stranger":
        return make_user(jinan, "bureau_admin")
    return make_user(qingdao, who)


OPERATIONS = {
    "list": lambda c, city, m: c.get(url(city)),
    "detail": lambda c, city, m: c.get(url(city, f"{m.pk}/")),
    "add": lambda c, city, m: c.post(url(city), {"organization": m.organization_id, **NEW}),
    "admin": lambda c, city, m: c.post(url(city, f"{m.pk}/admin/"), {"is_admin": True}),
    "password": lambda c, city, m: c.post(url(city, f"{m.pk}/password/"), {"password": NEW_PASSWORD}),
    "remove": lambda c, city, m: c.delete(url(city, f"{m.pk}/")),
}
ALL_OK = {"list": 200, "detail": 200, "add": 201, "admin": 200, "password": 200, "remove": 204}
READ_ONLY = {"list": 200, "detail": 200, "add": 403, "admin": 403, "password": 403, "remove": 403}
# who → operation on an enterprise member → status (and, for a 403, its code)
MATRIX = {
    "bureau_admin": (ALL_OK, None),
    "org_admin": (ALL_OK, None),
    "bureau_staff": (READ_ONLY, "role_not_allowed"),  # never an organisation's admin: not declared
    "colleague": (READ_ONLY, "permission_denied"),
    "official": (READ_ONLY, "read_only_access"),
    "reader_by_grant": (READ_ONLY, "read_only_access"),
    "other_org_admin": (
        {"list": 200, "detail": 404, "add": 403, "admin": 404, "password": 404, "remove": 404},
        "permission_denied",
    ),
    "enterprise": (
        {"list": 200, "detail": 404, "add": 403, "admin": 404, "password": 404, "remove": 404},
        "permission_denied",
    ),
    "bank": (
        {"list": 200, "detail": 404, "add": 403, "admin": 404, "password": 404, "remove": 404},
        "permission_denied",
    ),
    "stranger": ({op: 403 for op in OPERATIONS}, "city_access_denied"),
}


def test_access_matrix(qingdao, jinan, target):
    """Every caller × every operation on an enterprise member, each on the same world (rolled back after
    each), and a refusal changes nothing: no person, account, password or audit record."""
    expected = {}
    for who, (statuses, refusal) in MATRIX.items():
        for operation, status in statuses.items():
            code = {403: refusal, 404: "member_not_found"}.get(status)
            expected[who, operation] = (status, code)

    def outcome(case):
        who, operation = case
        with transaction.atomic():
            client = api(_who(who, qingdao, jinan, target))
            before = snapshot(Membership, User)
            response = OPERATIONS[operation](client, qingdao, target)
            changed = snapshot(Membership, User) != before
            transaction.set_rollback(True)
        code = response.json()["code"] if response.status_code >= 400 else None
        if response.status_code >= 400 and changed:
            return (response.status_code, code, "and changed rows")
        return (response.status_code, code)

    assert_matrix(expected, outcome)


def test_each_reader_lists_what_they_may_see(qingdao, jinan, target):
    colleague = make_user(qingdao, "enterprise", org=target.organization)
    make_user(jinan, "enterprise", username="jinan.person")
    bank = make_user(qingdao, "bank")

    def usernames(user, **params):
        return {m["username"] for m in api(user).get(url(qingdao), params).json()["results"]}

    everyone = usernames(make_user(qingdao, "bureau_staff"))
    assert {"sun.li", colleague.username, bank.username} <= everyone and "jinan.person" not in everyone
    assert usernames(make_user(qingdao, "official")) >= {"sun.li", bank.username}
    assert usernames(colleague) == {"sun.li", colleague.username}
    assert usernames(bank) == {bank.username}


def test_filters_narrow_the_list(qingdao, target):
    staff = make_user(qingdao, "bureau_staff")
    bank = make_user(qingdao, "bank")
    User.objects.filter(pk=bank.pk).update(display_name="刘海洋")
    make_org_admin(qingdao, target.organization)

    def usernames(**params):
        response = api(staff).get(url(qingdao), params)
        assert response.status_code == 200, response.content
        return {m["username"] for m in response.json()["results"]}

    assert usernames(q="海洋") == {bank.username}
    assert usernames(q="SUN.L") == {"sun.li"}
    assert usernames(q=target.organization.name) == {
        m.user.username for m in target.organization.memberships.all()
    }
    assert usernames(kind="bank") == {bank.username}
    assert usernames(organization=target.organization_id, is_admin="false") == {"sun.li"}
    assert api(staff).get(url(qingdao), {"kind": "castle"}).status_code == 400


def test_another_citys_member_is_not_found_even_for_the_bureau_admin(qingdao, jinan):
    theirs = membership_of(make_user(jinan, "enterprise"), jinan)
    admin = api(make_user(qingdao, "bureau_admin"))
    for response in (
        admin.get(url(qingdao, f"{theirs.pk}/")),
        admin.delete(url(qingdao, f"{theirs.pk}/")),
        admin.post(url(qingdao, f"{theirs.pk}/password/"), {"password": NEW_PASSWORD}),
    ):
        assert response.status_code == 404 and response.json()["code"] == "member_not_found"
    assert Membership.objects.filter(pk=theirs.pk).exists()


# --- removing, the admin flag, passwords ---------------------------------------------------------------


def test_removing_ends_access_to_the_city_but_keeps_the_account(qingdao, jinan, target):
    MemberFactory(user=target.user, city=jinan)
    admin = make_user(qingdao, "bureau_admin")

    response = api(admin).delete(url(qingdao, f"{target.pk}/"))

    assert response.status_code == 204
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert Membership.objects.filter(user=target.user, city=jinan).exists()
    assert api(target.user).get(f"/api/v1/{qingdao.slug}/assets/").json()["code"] == "city_access_denied"
    [event] = audited(qingdao, "member_remove")
    assert (event.object_id, event.actor_id, event.from_state, event.to_state) == (
        str(target.pk),
        admin.pk,
        "member",
        "removed",
    )


@pytest.mark.parametrize("who", ["bureau_admin", "org_admin"])
def test_nobody_removes_or_demotes_themselves(qingdao, who):
    user = make_user(qingdao, "bureau_admin") if who == "bureau_admin" else make_org_admin(qingdao)
    mine = membership_of(user, qingdao)
    for response in (
        api(user).delete(url(qingdao, f"{mine.pk}/")),
        api(user).post(url(qingdao, f"{mine.pk}/admin/"), {"is_admin": False}),
        api(user).post(url(qingdao, f"{mine.pk}/password/"), {"password": NEW_PASSWORD}),
    ):
        assert response.status_code == 403 and response.json()["code"] == "member_is_self"
    mine.refresh_from_db()
    assert mine.is_admin and not AuditEvent.objects.filter(action__startswith="member_").exists()


def test_a_bureau_organisation_keeps_its_last_admin(qingdao):
    admin = make_user(qingdao, "bureau_admin")
    other_bureau = make_org(qingdao, OrgKind.BUREAU, name="青岛市科学技术局")
    last = membership_of(make_user(qingdao, "bureau_admin", org=other_bureau), qingdao)

    for response in (
        api(admin).delete(url(qingdao, f"{last.pk}/")),
        api(admin).post(url(qingdao, f"{last.pk}/admin/"), {"is_admin": False}),
    ):
        assert response.status_code == 409 and response.json()["code"] == "last_bureau_admin"
    last.refresh_from_db()
    assert last.is_admin

    # With a second admin beside it, the first may go.
    second = membership_of(make_user(qingdao, "bureau_staff", org=other_bureau), qingdao)
    assert (
        api(admin).post(url(qingdao, f"{second.pk}/admin/"), {"is_admin": True}).json()["role"]
        == "bureau_admin"
    )
    assert api(admin).delete(url(qingdao, f"{last.pk}/")).status_code == 204


def test_an_enterprise_may_lose_its_last_admin(qingdao):
    """The bureau admin can still manage an enterprise without one: only bureau organisations are guarded."""
    only = membership_of(make_org_admin(qingdao), qingdao)
    assert api(make_user(qingdao, "bureau_admin")).delete(url(qingdao, f"{only.pk}/")).status_code == 204


def test_granting_and_revoking_the_admin_flag_is_audited(qingdao, target):
    admin = make_org_admin(qingdao, target.organization)

    granted = api(admin).post(url(qingdao, f"{target.pk}/admin/"), {"is_admin": True})
    assert granted.status_code == 200 and granted.json()["is_admin"] is True
    same_again = api(admin).post(url(qingdao, f"{target.pk}/admin/"), {"is_admin": True})
    assert same_again.status_code == 200
    revoked = api(admin).post(url(qingdao, f"{target.pk}/admin/"), {"is_admin": False})
    assert revoked.json()["is_admin"] is False

    events = audited(qingdao, "member_set_admin")
    assert [(e.from_state, e.to_state) for e in events] == [("member", "admin"), ("admin", "member")]
    assert (
        api(admin).post(url(qingdao, f"{target.pk}/admin/"), {}).json()["fields"]["is_admin"][0]["code"]
        == "required"
    )


def test_a_password_reset_ends_old_sessions_and_the_api_token(qingdao, client, target):
    old_key = issue_token(target.user)
    client.force_login(target.user)
    admin = make_user(qingdao, "bureau_admin")

    response = api(admin).post(url(qingdao, f"{target.pk}/password/"), {"password": NEW_PASSWORD})

    assert response.status_code == 200 and "md5$" not in response.content.decode()
    target.user.refresh_from_db()
    assert target.user.check_password(NEW_PASSWORD)
    assert not ApiToken.objects.filter(user=target.user).exists()
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert token_client.get(f"/api/v1/{qingdao.slug}/assets/").status_code == 401
    assert client.get(f"/{qingdao.slug}/").status_code == 302  # the old session is gone
    [event] = audited(qingdao, "member_reset_password")
    assert event.data == {"username": "sun.li", "organization": target.organization_id, "token_revoked": True}


@pytest.mark.parametrize(
    ("password", "code"), [("short", "password_too_short"), ("password", "password_too_common")]
)
def test_a_weak_new_password_is_refused_and_the_old_one_kept(qingdao, target, password, code):
    admin = api(make_user(qingdao, "bureau_admin"))
    with nothing_changed(User):
        response = admin.post(url(qingdao, f"{target.pk}/password/"), {"password": password})
    assert response.status_code == 400
    assert response.json()["fields"]["password"][0]["code"] == code


def test_the_password_of_someone_who_acts_in_another_city_is_theirs(qingdao, jinan):
    person = make_user(jinan, "bank")
    here = MemberFactory(user=person, city=qingdao, role="bank")

    admin = api(make_user(qingdao, "bureau_admin"))

    with nothing_changed(User):
        response = admin.post(url(qingdao, f"{here.pk}/password/"), {"password": NEW_PASSWORD})

    assert response.status_code == 403 and response.json()["code"] == "member_in_other_city"


def test_a_platform_operators_password_is_never_a_citys_to_change(qingdao):
    operator = make_user(qingdao, "enterprise")
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    response = api(make_user(qingdao, "bureau_admin")).post(
        url(qingdao, f"{membership_of(operator, qingdao).pk}/password/"), {"password": NEW_PASSWORD}
    )
    assert response.status_code == 403 and response.json()["code"] == "member_platform_account"


def test_list_query_count_does_not_grow_with_the_page_size(qingdao, jinan):
    staff = api(make_user(qingdao, "bureau_staff"))
    org = make_org(qingdao)
    for _ in range(12):
        grant(make_user(qingdao, "enterprise", org=org), jinan)

    def count(page_size):
        with CaptureQueriesContext(connection) as ctx:
            response = staff.get(url(qingdao), {"page_size": page_size})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    count(1)  # the city's first request looks the city up; later ones find it cached
    (small, n_small), (large, n_large) = count(2), count(50)
    assert small == large and n_large > n_small


# --- pages ---------------------------------------------------------------------------------------------


def test_the_bureau_admin_finds_people_from_home_and_manages_them_there(client, qingdao, jinan, target):
    make_user(jinan, "enterprise", username="jinan.person")
    client.force_login(make_user(qingdao, "bureau_admin"))

    home = client.get(f"/{qingdao.slug}/").content.decode()
    assert f'href="/{qingdao.slug}/people/"' in home

    page = client.get(f"/{qingdao.slug}/people/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "sun.li" in text and "jinan.person" not in text
    assert 'id="member-add-form"' in text and f"/people/{target.pk}/remove/" in text


def test_adding_through_the_page_shows_service_errors_on_the_form(client, qingdao):
    client.force_login(make_user(qingdao, "bureau_admin"))
    org = make_org(qingdao)

    with nothing_changed(Membership, User):
        bad = client.post(f"/{qingdao.slug}/people/", {"organization": org.pk, **NEW, "password": "short"})
    assert bad.status_code == 400
    assert 'data-error-for="password"' in bad.content.decode()

    ok = client.post(f"/{qingdao.slug}/people/", {"organization": org.pk, **NEW}, follow=True)
    assert ok.status_code == 200 and "zhang.wei" in ok.content.decode()
    assert ("zhang.wei", org.pk, False) in members(qingdao)

    duplicate = client.post(f"/{qingdao.slug}/people/", {"organization": org.pk, **NEW})
    assert duplicate.status_code == 400
    assert "该用户已在本市某机构任职" in duplicate.content.decode()


@pytest.mark.parametrize(
    ("role", "status", "manages"),
    [
        ("bureau_admin", 200, True),
        ("bureau_staff", 200, False),
        ("official", 200, False),
        ("enterprise", 403, False),
        ("bank", 403, False),
    ],
)
def test_the_people_page_is_for_the_bureau(client, qingdao, target, role, status, manages):
    client.force_login(make_user(qingdao, role))
    page = client.get(f"/{qingdao.slug}/people/")
    assert page.status_code == status
    assert ('id="member-add-form"' in page.content.decode()) is manages
    add = functools.partial(
        client.post, f"/{qingdao.slug}/people/", {"organization": target.organization_id, **NEW}
    )
    if manages:
        assert add().status_code == 302
    else:
        with nothing_changed(Membership, User):
            assert add().status_code == 403


def test_people_export_to_excel(client, qingdao, jinan, target):
    make_user(jinan, "enterprise", username="jinan.person")
    client.force_login(make_user(qingdao, "bureau_staff"))

    response = client.get(f"/{qingdao.slug}/people/export.xlsx", {"q": "sun"})

    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["sun.li"]
    assert rows[1][2] == target.organization.name
    client.force_login(make_user(qingdao, "enterprise"))
    assert client.get(f"/{qingdao.slug}/people/export.xlsx").status_code == 403


def test_row_actions_ask_first_then_act_and_return(client, qingdao, target):
    client.force_login(make_user(qingdao, "bureau_admin"))
    back = f"/{qingdao.slug}/people/?kind=enterprise"
    base = f"/{qingdao.slug}/people/{target.pk}"

    ask = client.get(f"{base}/admin/", {"next": back})
    assert ask.status_code == 200 and 'name="is_admin"' in ask.content.decode()
    made = client.post(f"{base}/admin/", {"is_admin": "True", "next": back})
    assert made.status_code == 302 and made["Location"] == back
    target.refresh_from_db()
    assert target.is_admin

    mismatch = client.post(f"{base}/password/", {"password": NEW_PASSWORD, "password_again": "other-one-99"})
    assert mismatch.status_code == 400 and 'data-error-for="password_again"' in mismatch.content.decode()
    weak = client.post(f"{base}/password/", {"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and 'data-error-for="password"' in weak.content.decode()
    reset = client.post(f"{base}/password/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert reset.status_code == 302
    target.user.refresh_from_db()
    assert target.user.check_password(NEW_PASSWORD)

    assert client.get(f"{base}/remove/").status_code == 200
    evil = client.post(f"{base}/remove/", {"next": "https://evil.example/"})
    assert evil.status_code == 302 and evil["Location"] == f"/{qingdao.slug}/people/"
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert [e.action for e in AuditEvent.objects.filter(city=qingdao).order_by("id")] == [
        "member_set_admin",
        "member_reset_password",
        "member_remove",
    ]


def test_row_actions_refuse_wrong_roles_and_other_cities(client, qingdao, jinan, target):
    theirs = membership_of(make_user(jinan, "enterprise"), jinan)
    client.force_login(make_user(qingdao, "bureau_admin"))
    assert client.get(f"/{qingdao.slug}/people/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"/{qingdao.slug}/people/{theirs.pk}/remove/").status_code == 404

    client.force_login(make_user(qingdao, "bureau_staff"))
    assert client.get(f"/{qingdao.slug}/people/{target.pk}/remove/").status_code == 403
    assert client.post(f"/{qingdao.slug}/people/{target.pk}/remove/").status_code == 403
    assert (
        Membership.objects.filter(pk=target.pk).exists() and Membership.objects.filter(pk=theirs.pk).exists()
    )


def test_a_refused_action_shows_why_on_its_page(client, qingdao):
    other_bureau = make_org(qingdao, OrgKind.BUREAU, name="青岛市科学技术局")
    last = membership_of(make_user(qingdao, "bureau_admin", org=other_bureau), qingdao)
    client.force_login(make_user(qingdao, "bureau_admin"))

    response = client.post(f"/{qingdao.slug}/people/{last.pk}/remove/")

    assert response.status_code == 400
    assert 'data-error-for="__all__"' in response.content.decode()
    assert Membership.objects.filter(pk=last.pk).exists()


def test_an_organisation_admin_manages_their_members_on_my_organisation(client, qingdao, target):
    admin = make_org_admin(qingdao, target.organization)
    stranger = membership_of(make_user(qingdao, "enterprise"), qingdao)
    client.force_login(admin)

    page = client.get(f"/{qingdao.slug}/organisation/").content.decode()
    assert "sun.li" in page and 'id="member-add-form"' in page
    assert (
        f"/people/{target.pk}/remove/" in page
        and f"/people/{membership_of(admin, qingdao).pk}/remove/" not in page
    )

    added = client.post(f"/{qingdao.slug}/organisation/", {**NEW, "is_admin": "on"})
    assert added.status_code == 302
    assert ("zhang.wei", target.organization_id, True) in members(qingdao)

    removed = client.post(
        f"/{qingdao.slug}/people/{target.pk}/remove/", {"next": f"/{qingdao.slug}/organisation/"}
    )
    assert removed["Location"] == f"/{qingdao.slug}/organisation/"
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert client.get(f"/{qingdao.slug}/people/{stranger.pk}/remove/").status_code == 404
    assert client.get(f"/{qingdao.slug}/people/").status_code == 403


def test_other_members_just_see_the_list(client, qingdao, target):
    colleague = make_user(qingdao, "enterprise", org=target.organization)
    client.force_login(colleague)

    page = client.get(f"/{qingdao.slug}/organisation/").content.decode()
    assert "sun.li" in page and 'id="member-add-form"' not in page and "/remove/" not in page
    with nothing_changed(Membership, User):
        assert client.post(f"/{qingdao.slug}/organisation/", NEW).status_code == 403
        assert client.post(f"/{qingdao.slug}/people/{target.pk}/remove/").status_code == 403
