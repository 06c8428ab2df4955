"""Subsidy pages: each role sees its own pages (officials read the bureau's without a form that writes),
the wizard shows the service's refusals and writes nothing, bank accounts are masked on every screen and
whole only in the bank's payment list, and the public notice takes objections without a login."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ipops import clock
from ipops.models import City, User
from ipops.tenancy import city_scope
from subsidies import demo, services
from subsidies.lifecycles import CLAIM
from subsidies.models import Claim, ClaimState, Objection, Policy
from subsidies.views import claims as claim_views
from tests.conftest import actor, make_city, make_user, queries_of
from tests.funds.conftest import open_budget
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
ACCOUNT = "6222021234567890"


@dataclass
class World:
    city: City
    bureau: User
    official: User
    enterprise: User
    university: User
    service: User

    def scope(self):
        return city_scope(self.city)

    def actor(self, user):
        return actor(user, self.city)

    def url(self, tail: str = "") -> str:
        return f"/{self.city.slug}/subsidies/{tail}"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def submitted(w: World, user, code: str, inputs=None) -> Claim:
    with w.scope():
        who = w.actor(user)
        claim = services.claim_start(actor=who, policy=Policy.objects.get(code=code).pk, inputs=inputs or {})
        return services.claim_submit(actor=who, claim=claim, bank_name="青岛银行", bank_account=ACCOUNT)


@pytest.fixture
def w(qingdao) -> World:
    open_budget(qingdao)
    world = World(
        city=qingdao,
        bureau=make_user(qingdao, "bureau_staff"),
        official=make_user(qingdao, "official"),
        enterprise=make_user(qingdao, "enterprise"),
        university=make_user(qingdao, "university"),
        service=make_user(qingdao, "service"),
    )
    with world.scope(), clock.at(demo.OPENS):
        for spec in demo.CATALOGUE:
            services.policy_save(actor=world.actor(world.bureau), data=spec)
    return world


def approved(w: World, claim: Claim) -> Claim:
    with w.scope():
        return services.claim_approve(actor=w.actor(w.bureau), claim=claim)


@pytest.mark.parametrize(
    ("who", "tail", "expect"),
    [
        ("enterprise", "", "政策计算器"),
        ("university", "", "高校知识产权运营中心奖励"),
        ("service", "", "知识产权维权援助服务奖励"),
        ("enterprise", "claims/", "我的补贴申领"),
        ("enterprise", "confirm/", "待确认的免申即享奖补"),
        ("enterprise", "apply/", "企业知识产权贯标（GB/T 29490）认证奖励"),
        ("bureau", "queue/", "补贴申领"),
        ("official", "queue/", "补贴申领"),
        ("bureau", "objections/", "异议"),
        ("bureau", "notices/", "公示"),
        ("bureau", "payments/", "支付批次"),
        ("bureau", "policies/", "QD-INT"),
        ("official", "policies/", "QD-INT"),
        ("bureau", "budget/", "各政策预算使用"),
        ("official", "budget/", "各政策预算使用"),
    ],
)
def test_each_role_sees_its_pages_in_chinese(w, who, tail, expect):
    r = client_for(getattr(w, who)).get(w.url(tail))
    assert r.status_code == 200
    assert expect in r.content.decode()


def test_claimants_and_bureau_are_kept_to_their_own_pages(w):
    assert client_for(w.enterprise).get(w.url("queue/")).status_code == 403
    assert client_for(w.enterprise).get(w.url("policies/")).status_code == 403
    assert client_for(w.bureau).get(w.url("")).status_code == 403
    assert client_for(w.official).get(w.url("claims/")).status_code == 403


def test_officials_read_the_bureau_pages_without_a_single_form_that_writes(w):
    claim = submitted(w, w.enterprise, "QD-GB-E")
    with w.scope():
        policy = Policy.objects.get(code="QD-GB-E")
    tails = (
        "queue/",
        "objections/",
        "notices/",
        "payments/",
        "policies/",
        f"policies/{policy.pk}/",
        "budget/",
        f"claims/{claim.pk}/",
    )
    for tail in tails:
        official = client_for(w.official).get(w.url(tail)).content.decode()
        assert "data-write" not in official, tail
    bureau = client_for(w.bureau)
    for tail in ("queue/", "payments/", "policies/", f"policies/{policy.pk}/", f"claims/{claim.pk}/"):
        assert "data-write" in bureau.get(w.url(tail)).content.decode(), tail
    assert client_for(w.official).post(w.url("automatic/")).status_code == 403
    assert client_for(w.official).get(w.url(f"policies/{policy.pk}/edit/")).status_code == 403


def test_each_role_is_offered_exactly_the_steps_the_lifecycle_allows_it(w):
    claim = submitted(w, w.enterprise, "QD-GB-E")
    with w.scope():
        draft = services.claim_start(
            actor=w.actor(w.university), policy=Policy.objects.get(code="QD-GB-U").pk
        )
        rows = {"submitted": Claim.objects.get(pk=claim.pk), "draft": Claim.objects.get(pk=draft.pk)}
        expected = {
            (who, state): set(CLAIM.available_names(w.actor(getattr(w, who)), row))
            for who in ("enterprise", "university", "bureau", "official")
            for state, row in rows.items()
        }
    for (who, state), want in expected.items():
        r = client_for(getattr(w, who)).get(w.url(f"claims/{rows[state].pk}/"))
        shown = (
            set() if r.status_code == 404 else set(re.findall(r'id="action-([a-z_]+)"', r.content.decode()))
        )
        shown.discard("update")
        assert shown == want, (who, state)
    assert expected[("bureau", "submitted")] == {"approve", "return", "reject"}
    assert expected[("university", "draft")] == {"submit", "withdraw"}


def test_the_claim_page_has_a_form_for_every_step_a_person_takes():
    assert set(claim_views.STEPS) == {step.action for step in CLAIM.steps if step.manual}


def test_another_city_sees_nothing_of_this_one(w):
    jinan = make_city("jinan")
    claim = submitted(w, w.enterprise, "QD-GB-E")
    other_bureau = make_user(jinan, "bureau_staff")
    r = client_for(other_bureau).get(f"/jinan/subsidies/claims/{claim.pk}/")
    assert r.status_code == 404
    assert client_for(make_user(w.city, "enterprise")).get(w.url(f"claims/{claim.pk}/")).status_code == 404
    assert client_for(w.bureau).get("/nowhere/notice/").status_code == 404


def test_the_wizard_computes_step_by_step_then_saves_a_draft(w):
    with w.scope():
        policy = Policy.objects.get(code="QD-ADV")
    c = client_for(w.enterprise)
    form = w.url(f"apply/{policy.pk}/")
    with nothing_changed(Claim):
        r = c.post(form, {"level": "national_demonstration", "compute": "1"})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-step="tier"' in body and "20.00" in body
    r = c.post(form, {"level": "national_demonstration", "save": "1"})
    assert r.status_code == 302
    with w.scope():
        claim = Claim.objects.get(organization__memberships__user=w.enterprise)
    assert (claim.state, claim.rule_amount) == (ClaimState.DRAFT, D("200000"))
    body = c.get(w.url(f"claims/{claim.pk}/")).content.decode()
    assert "所获等级" in body and "国家知识产权示范企业" in body and 'id="action-submit"' in body
    # English on request: the same page, the computation in English words.
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = c.get(w.url(f"claims/{claim.pk}/")).content.decode()
    assert "national IP demonstration enterprise" in body and "How the amount is computed" in body


def test_the_wizard_shows_the_services_refusal_in_chinese_and_writes_nothing(w):
    submitted(w, w.enterprise, "QD-GB-E")
    with w.scope():
        policy = Policy.objects.get(code="QD-GB-E")
        pool = Policy.objects.get(code="QD-NAV")
    c = client_for(w.enterprise)
    with nothing_changed(Claim):
        r = c.post(w.url(f"apply/{policy.pk}/"), {"save": "1"})
        assert r.status_code == 400
        assert "本单位在该政策的本期已有申领" in r.content.decode()
        r = c.post(w.url(f"apply/{pool.pk}/"), {"save": "1", "case": "海洋装备专利导航", "items": "0"})
        assert r.status_code == 400
        r = client_for(w.university).post(w.url(f"apply/{policy.pk}/"), {"save": "1"})
        assert r.status_code == 400
        assert "企业" in r.content.decode()
    # Submitting without an account: the service's field error beside the field, nothing written.
    with w.scope():
        draft = services.claim_start(
            actor=w.actor(w.university), policy=Policy.objects.get(code="QD-GB-U").pk
        )
    with nothing_changed(Claim):
        r = client_for(w.university).post(
            w.url(f"claims/{draft.pk}/submit/"), {"submit-bank_name": "青岛银行", "submit-bank_account": "12"}
        )
    assert r.status_code == 400
    assert 'data-error-for="bank_account"' in r.content.decode()


def test_the_bank_account_is_masked_on_every_screen_and_whole_only_in_the_banks_list(w):
    claim = approved(w, submitted(w, w.enterprise, "QD-GB-E"))
    with w.scope():
        services.notices_advance(city=w.city, today=claim.notice_ends_on + datetime.timedelta(days=1))
        batch = services.batch_pay(actor=w.actor(w.bureau), claims=[claim.pk])
    for user, tail in (
        (w.enterprise, f"claims/{claim.pk}/"),
        (w.enterprise, "claims/"),
        (w.bureau, f"claims/{claim.pk}/"),
        (w.bureau, "queue/"),
        (w.bureau, f"payments/{batch.pk}/"),
        (w.official, f"payments/{batch.pk}/"),
    ):
        body = client_for(user).get(w.url(tail)).content.decode()
        assert ACCOUNT not in body, tail
        assert "**** 7890" in body, tail
    r = client_for(w.bureau).get(w.url(f"payments/{batch.pk}/bank.xlsx"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    line = next(row for row in rows if row[0] == claim.organization.name)
    assert ACCOUNT in line and 100000 in line and f"subsidies.paymentbatch:{batch.pk}" in line
    assert claim.pk in line
    assert client_for(w.official).get(w.url(f"payments/{batch.pk}/bank.xlsx")).status_code == 403


def test_the_bureau_pays_a_batch_from_the_payments_page(w):
    claim = approved(w, submitted(w, w.enterprise, "QD-GB-E"))
    with w.scope():
        services.notices_advance(city=w.city, today=claim.notice_ends_on + datetime.timedelta(days=1))
    r = client_for(w.bureau).post(w.url("payments/"), {"claims": [str(claim.pk)]})
    assert r.status_code == 302
    with w.scope():
        claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    with nothing_changed(Claim):
        r = client_for(w.bureau).post(w.url("payments/"), {"claims": []})
    assert r.status_code == 400


def test_batch_approval_approves_each_and_says_which_failed(w):
    first = submitted(w, w.enterprise, "QD-GB-E")
    second = submitted(w, make_user(w.city, "enterprise"), "QD-GB-E")
    with w.scope():
        Policy.objects.filter(code="QD-GB-E").update(annual_budget=D("150000"))
    r = client_for(w.bureau).post(
        w.url("queue/approve/"), {"claims": [str(first.pk), str(second.pk)]}, follow=True
    )
    body = r.content.decode()
    with w.scope():
        states = sorted(Claim.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True))
    assert states == [ClaimState.IN_NOTICE, ClaimState.SUBMITTED]
    assert f"申领 {second.pk}" in body


def test_the_queue_filters_and_counts_and_its_queries_do_not_grow_with_claims(w):
    submitted(w, w.enterprise, "QD-GB-E")
    c = client_for(w.bureau)
    c.get(w.url("queue/"))  # warm the session and the caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(w.url("queue/?state=submitted")).status_code == 200
        return len(queries_of(ctx))

    few = count()
    for _ in range(6):
        submitted(w, make_user(w.city, "enterprise"), "QD-GB-E")
    assert count() == few
    body = c.get(w.url("queue/?state=submitted")).content.decode()
    assert body.count('name="claims"') == 7
    assert 'data-count-state="submitted"' in body
    assert c.get(w.url("queue/?state=paid")).content.decode().count("data-claim=") == 0


def test_the_public_notice_works_without_login_and_an_objection_holds_the_claim(w):
    claim = approved(w, submitted(w, w.enterprise, "QD-GB-E"))
    anonymous = Client(enforce_csrf_checks=True)
    r = anonymous.get(f"/{w.city.slug}/notice/")
    assert r.status_code == 200
    body = r.content.decode()
    assert claim.organization.name in body and "10.00" in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    with nothing_changed(Objection):
        refused = anonymous.post(
            f"/{w.city.slug}/notice/",
            {"csrfmiddlewaretoken": token, "claim": claim.pk, "lodged_by": "", "contact": "", "reason": ""},
        )
    assert refused.status_code == 400
    assert (
        Client(enforce_csrf_checks=True).post(f"/{w.city.slug}/notice/", {"claim": claim.pk}).status_code
        == 403
    )
    r = anonymous.post(
        f"/{w.city.slug}/notice/",
        {
            "csrfmiddlewaretoken": token,
            "claim": claim.pk,
            "lodged_by": "王先生",
            "contact": "13800000000",
            "reason": "该企业认证证书已过期",
        },
    )
    assert r.status_code == 302
    with w.scope():
        claim.refresh_from_db()
        assert claim.state == ClaimState.HELD
        assert Objection.objects.get().claim_id == claim.pk
    # The bureau resolves it from its objections page.
    with w.scope():
        objection = Objection.objects.get()
    r = client_for(w.bureau).post(
        w.url(f"objections/{objection.pk}/resolve/"),
        {f"o{objection.pk}-upheld": "no", f"o{objection.pk}-resolution": "证书在有效期内"},
    )
    assert r.status_code == 302
    with w.scope():
        claim.refresh_from_db()
    assert claim.state == ClaimState.IN_NOTICE


def test_automatic_claims_wait_on_the_claimants_home_and_are_confirmed_in_one_step(w):
    # The university runs no centre and holds no pool: the automatic task finds nothing to fill in.
    r = client_for(w.bureau).post(w.url("automatic/"), follow=True)
    assert "0" in r.content.decode()
    claim = submitted(w, w.enterprise, "QD-GB-E")
    with w.scope():
        returned = services.claim_return(actor=w.actor(w.bureau), claim=claim, reason="请补充认证证书扫描件")
    home = client_for(w.enterprise).get(f"/{w.city.slug}/").content.decode()
    assert 'id="panel-returned"' in home and "请补充认证证书扫描件" in home
    bureau_home = client_for(w.bureau).get(f"/{w.city.slug}/").content.decode()
    assert 'id="panel-subsidy-work"' in bureau_home
    assert returned.state == ClaimState.RETURNED


def test_the_sandbox_shows_the_cost_and_writes_nothing(w):
    approved(w, submitted(w, w.enterprise, "QD-GB-E"))
    with w.scope():
        policy = Policy.objects.get(code="QD-GB-E")
    with nothing_changed(Policy, Claim):
        r = client_for(w.bureau).get(w.url(f"policies/{policy.pk}/"), {"try": "1", "amount": "8"})
    assert r.status_code == 200
    assert 'id="sandbox-result"' in r.content.decode()
    r = client_for(w.bureau).get(w.url(f"policies/{policy.pk}/"), {"try": "1", "amount": "x"})
    assert 'data-error-for="amount"' in r.content.decode()


def test_the_catalogue_form_saves_a_policy_through_the_service(w):
    c = client_for(w.bureau)
    data = {
        "code": "QD-TEST",
        "name": "测试政策",
        "claimant_kinds": ["enterprise"],
        "rule_kind": "tiered",
        "basis": "declared",
        "frequency": "per_case",
        "mode": "application",
        "tiers": "provincial_advantage=5\nnational_advantage=10",
        "opens_on": "2026-01-01",
        "notice_days": "5",
        "budget_source": "municipal",
        "active": "on",
        "evidence": "认定文件\n",
    }
    r = c.post(w.url("policies/new/"), data)
    assert r.status_code == 302, r.content.decode()
    with w.scope():
        saved = Policy.objects.get(code="QD-TEST")
    assert saved.params == {"tiers": {"provincial_advantage": "50000.00", "national_advantage": "100000.00"}}
    assert saved.evidence == ["认定文件"]
    with nothing_changed(Policy):
        r = c.post(w.url("policies/new/"), {**data, "claimant_kinds": []})
    assert r.status_code == 400
    assert 'data-error-for="claimant_kinds"' in r.content.decode()


def test_budget_use_draws_its_chart_and_exports(w):
    approved(w, submitted(w, w.enterprise, "QD-GB-E"))
    body = client_for(w.official).get(w.url("budget/")).content.decode()
    assert 'data-chart="chart-budget-use"' in body
    r = client_for(w.official).get(w.url("budget/export.xlsx"))
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert any(row[0] == "QD-GB-E" and 10 in row for row in rows)


def test_every_step_in_a_computation_reads_as_a_sentence():
    from subsidies.explain import step_text

    for code in ("fixed", "tier", "family_difference", "percent", "per_item", "claim_cap", "year_cap"):
        text = step_text({"code": code, "amount": "1000.00", "facts": {"level": "x", "rate": "0.5"}})
        assert text and text != code
    assert "L-1" in step_text({"code": "records", "facts": {"loan": "L-1", "closed_on": "2026-01-05"}})
