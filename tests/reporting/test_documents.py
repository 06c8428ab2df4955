"""The PDFs: the scoreboard and an indicator made on request; the annual IP development report and the
mid-term self-assessment built as background jobs (tasks run eagerly here) and downloaded when done.
Their text is read back with pypdf, so the Chinese font really carries the Chinese names."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client, TestCase
from pypdf import PdfReader

from funds import services as funds_services
from ipops import clock
from ipops.models import JobRun
from ipops.tenancy import city_scope
from reporting import rules
from reporting.catalogue import seed_catalogue, seed_statistics
from reporting.documents import jobs
from reporting.documents import tasks as document_tasks  # noqa: F401 — the worker imports it via reporting.tasks
from reporting.models import Indicator, IndicatorValue
from reporting.services.rollup import rollup_city
from tests.conftest import make_user
from tests.funds.conftest import open_budget

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    return text_of(body)


def _seed(city):
    make_user(city, "bureau_staff", username=f"{city.slug}.bureau")
    with city_scope(city):
        seed_catalogue(city)
        seed_statistics(city)
    rollup_city(city.pk)
    return city


@pytest.fixture
def city(qingdao):
    """Qingdao with the demo catalogue ([002] and [004]), three years of statistics and a roll-up."""
    return _seed(qingdao)


@pytest.fixture
def official(city):
    return make_user(city, "official")


def _indicator(city, code: str) -> Indicator:
    with city_scope(city):
        return Indicator.objects.get(code=code)


def _behind(city, period: str) -> Indicator:
    """An indicator lagging or at risk in `period` of the current snapshot (the demo has some on purpose)."""
    with city_scope(city):
        value = (
            IndicatorValue.objects.filter(
                snapshot__is_current=True, period=period, status__in=[rules.LAGGING, rules.AT_RISK]
            )
            .select_related("indicator")
            .order_by("indicator__order")
            .first()
        )
    assert value is not None, f"the demo has no indicator behind in {period}"
    return value.indicator


# --- PDFs made on request ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["official", "bureau_staff"])
def test_the_scoreboard_pdf_names_the_city_and_every_indicator(city, role):
    text = pdf_text(client_for(make_user(city, role)).get("/qingdao/indicators/scoreboard.pdf"))
    assert "青岛" in text
    assert "每万人有效发明专利拥有量" in text
    assert "产业知识产权运营中心" in text


def test_an_indicator_pdf_has_its_chinese_name_and_chart(city, official):
    indicator = _indicator(city, "Q-TECH-AMOUNT")
    r = client_for(official).get(f"/qingdao/indicators/{indicator.pk}/indicator.pdf")
    text = pdf_text(r)
    assert "专利技术交易额" in text
    assert "青岛" in text
    assert "0.950000" not in text and "annual_amount" not in text


def test_an_enterprise_may_not_have_the_pdfs(city):
    user = make_user(city, "enterprise")
    indicator = _indicator(city, "Q-PCT")
    c = client_for(user)
    assert c.get("/qingdao/indicators/scoreboard.pdf").status_code == 403
    assert c.get(f"/qingdao/indicators/{indicator.pk}/indicator.pdf").status_code == 403
    assert c.get("/qingdao/indicators/reports/").status_code == 403
    assert c.post("/qingdao/indicators/reports/", {"kind": jobs.MIDTERM}).status_code == 403
    with city_scope(city):
        assert not JobRun.objects.filter(name__in=list(jobs.TITLES)).exists()


def test_another_citys_indicator_is_not_found(city, jinan):
    _seed(jinan)
    other = _indicator(jinan, "Q-PCT")
    r = client_for(make_user(city, "official")).get(f"/qingdao/indicators/{other.pk}/indicator.pdf")
    assert r.status_code == 404


# --- the reports as background jobs --------------------------------------------------------------------


def _start(client, **data) -> JobRun:
    """POST the form; the task is queued on commit, and runs (eagerly) when the test's commit hooks do."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post("/qingdao/indicators/reports/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    return JobRun.objects.filter(name=data["kind"]).latest("created_at")


def test_the_annual_report_is_built_and_lists_the_indicators_behind(city, official):
    year = 2025
    behind = _behind(city, str(year))
    c = client_for(official)
    run = _start(c, kind=jobs.ANNUAL, year=year)
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.progress_done == run.progress_total > 0
    assert run.result["year"] == year and run.result["path"].startswith("reports/qingdao/")
    page = c.get("/qingdao/indicators/reports/").content.decode()
    assert f'data-run="{run.pk}" data-status="succeeded"' in page
    r = c.get(f"/qingdao/indicators/reports/{run.pk}/download/")
    assert r["Content-Disposition"].startswith("attachment")
    text = pdf_text(r)
    assert "年度知识产权发展状况报告" in text
    assert "一、总体情况" in text
    problems = text[text.index("六、存在问题与下一步") :]
    assert behind.name in problems


def test_the_annual_report_only_for_a_plan_year_up_to_now(city, official):
    r = client_for(official).post("/qingdao/indicators/reports/", {"kind": jobs.ANNUAL, "year": 2031})
    assert r.status_code == 400
    assert not JobRun.objects.filter(name=jobs.ANNUAL).exists()


def test_the_midterm_self_assessment_shows_the_notice_targets_and_the_two_floors(city):
    open_budget(city)
    with city_scope(city):
        funds_services.budget_spend(
            actor=None,
            city=city,
            source_kind="central_1",
            category="cluster_zone",
            amount=Decimal("3000000"),
            spent_on=clock.today(),
            reference="subsidies.payment:1",
            in_cluster_zone=True,
            market_based=False,
        )
    bureau = make_user(city, "bureau_staff")
    c = client_for(bureau)
    run = _start(c, kind=jobs.MIDTERM)
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    text = pdf_text(c.get(f"/qingdao/indicators/reports/{run.pk}/download/"))
    assert "中期绩效自评" in text
    assert "40%" in text
    assert "知识产权质押融资项目数年均增长" in text  # one of [004]'s targets
    assert "每万人有效发明专利拥有量" not in text  # [002]'s only


def test_a_report_not_built_yet_answers_409(city, official):
    with city_scope(city):
        run = JobRun.objects.create(name=jobs.MIDTERM, city=city, result={"title": jobs.TITLES[jobs.MIDTERM]})
    r = client_for(official).get(f"/qingdao/indicators/reports/{run.pk}/download/")
    assert r.status_code == 409
    assert "not ready" in r.content.decode() or "尚未" in r.content.decode()


def test_another_citys_report_is_not_found(city, jinan, official):
    with city_scope(jinan):
        run = JobRun.objects.create(
            name=jobs.MIDTERM, city=jinan, status=JobRun.Status.SUCCEEDED, result={"path": "reports/x.pdf"}
        )
    assert client_for(official).get(f"/qingdao/indicators/reports/{run.pk}/download/").status_code == 404


def test_the_reports_list_polls_while_a_report_is_building(city, official):
    with city_scope(city):
        run = JobRun.objects.create(
            name=jobs.ANNUAL, city=city, status=JobRun.Status.RUNNING, progress_done=2, progress_total=7
        )
    r = client_for(official).get("/qingdao/indicators/reports/", HTTP_HX_REQUEST="true")
    page = r.content.decode()
    assert r.status_code == 200
    assert page.startswith('<div id="report-runs" hx-get=')
    assert f'data-run="{run.pk}" data-status="running"' in page
    assert 'aria-valuenow="28"' in page
