"""The appraisal of a loan's pledged patents: a value per asset, written to each asset's valuation history in the
registry, and the package's total on the loan — through the API and through the loan page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ipops import clock
from ipops.models import AssetValuation
from pledge_finance.models import Loan, LoanAsset
from tests.conftest import api
from tests.pledge_finance.conftest import build_world, client_for, loan_to_state
from tests.support import nothing_changed

pytestmark = pytest.mark.django_db
D = Decimal
REPORT = "中评报字[2025]第0107号"


@pytest.fixture
def w(qingdao):
    w = build_world(qingdao)
    # Two patents for 2,000,000: valued 5,000,000 in all, the cap (50%) is 2,500,000.
    w.loan = loan_to_state(w, "submitted", assets=[w.assets[0], w.assets[1]])
    return w


def value(w, body, user=None):
    return api(user or w.appraiser).post(w.url(f"{w.loan.pk}/valuation/"), body, format="json")


def test_each_asset_gets_its_value_in_the_registry_and_the_loan_the_total(w):
    a, b = w.assets[0], w.assets[1]
    r = value(w, {"report_ref": REPORT, "asset_values": {str(a.pk): "3000000", str(b.pk): "2000000.00"}})
    assert r.status_code == 200, r.json()
    loan = r.json()
    assert loan["state"] == "valued" and loan["appraised_value"] == "5000000.00"
    assert {row["id"]: row["appraised_value"] for row in loan["assets"]} == {
        a.pk: "3000000.00",
        b.pk: "2000000.00",
    }
    with w.scope():
        history = {
            v.asset_id: (v.value, v.report_ref, v.appraiser_id, v.valued_on)
            for v in AssetValuation.objects.all()
        }
        assert history == {
            a.pk: (D("3000000.00"), REPORT, w.org(w.appraiser).pk, clock.today()),
            b.pk: (D("2000000.00"), REPORT, w.org(w.appraiser).pk, clock.today()),
        }
        assert {la.asset_id: la.appraised_value for la in LoanAsset.objects.filter(loan=w.loan)} == {
            a.pk: D("3000000.00"),
            b.pk: D("2000000.00"),
        }


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        # A package's total alone: not split into values nobody appraised.
        ({"appraised_value": "5000000"}, "asset_values", "asset_values_required"),
        ({"asset_values": {"A": "3000000"}}, "asset_values", "asset_values_required"),
        ({"asset_values": {"A": "3000000", "X": "1"}}, "asset_values", "asset_not_in_loan"),
        ({"asset_values": {"A": "3000000", "B": "-1"}}, "asset_values", "amount_not_positive"),
        (
            {"appraised_value": "4000000", "asset_values": {"A": "3000000", "B": "2000000"}},
            "appraised_value",
            "valuation_total_mismatch",
        ),
        ({"asset_values": {"A": "1000000", "B": "2000000"}}, "appraised_value", "amount_exceeds_ltv"),
    ],
)
def test_a_valuation_that_does_not_value_each_asset_is_refused_and_nothing_changes(w, body, field, code):
    ids = {"A": w.assets[0].pk, "B": w.assets[1].pk, "X": w.assets[2].pk}
    if "asset_values" in body:
        body = {**body, "asset_values": {str(ids[k]): v for k, v in body["asset_values"].items()}}
    with nothing_changed(Loan, LoanAsset, AssetValuation):
        r = value(w, {"report_ref": REPORT, **body})
    assert r.status_code == 400, r.json()
    assert r.json()["fields"][field][0]["code"] == code


def test_a_single_assets_value_is_the_total(w):
    single = loan_to_state(w, "submitted", assets=[w.assets2[0]], user=w.enterprise2)
    r = api(w.appraiser).post(
        w.url(f"{single.pk}/valuation/"), {"report_ref": REPORT, "appraised_value": "4500000"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["assets"][0]["appraised_value"] == "4500000.00"
    with w.scope():
        assert list(AssetValuation.objects.values_list("asset_id", "value")) == [
            (w.assets2[0].pk, D("4500000.00"))
        ]


def test_the_appraiser_values_each_asset_on_the_loan_page_and_the_asset_page_shows_it(w):
    a, b = w.assets[0], w.assets[1]
    owner = client_for(w.enterprise)
    assert "暂无评估" in owner.get(f"/{w.city.slug}/assets/{a.pk}/").content.decode()
    appraiser = client_for(w.appraiser)
    form = appraiser.get(f"/{w.city.slug}/loans/{w.loan.pk}/").content.decode()
    # One field per pledged asset, in 万元.
    assert f'name="value-asset_{a.pk}"' in form and f'name="value-asset_{b.pk}"' in form
    today = clock.today().isoformat()
    missing = appraiser.post(
        f"/{w.city.slug}/loans/{w.loan.pk}/value/",
        {f"value-asset_{a.pk}": "300", "value-report_ref": REPORT, "value-valued_on": today},
    )
    assert missing.status_code == 400
    assert 'data-error-for="asset_' in missing.content.decode()
    done = appraiser.post(
        f"/{w.city.slug}/loans/{w.loan.pk}/value/",
        {
            f"value-asset_{a.pk}": "300",  # 万元
            f"value-asset_{b.pk}": "200",
            "value-report_ref": REPORT,
            "value-valued_on": today,
        },
    )
    assert done.status_code == 302
    with w.scope():
        assert Loan.objects.get(pk=w.loan.pk).appraised_value == D("5000000.00")
    loan_page = owner.get(f"/{w.city.slug}/loans/{w.loan.pk}/").content.decode()
    assert f'data-appraised="{D("3000000.00")}"' in loan_page
    for asset, shown in ((a, "300.00"), (b, "200.00")):
        page = owner.get(f"/{w.city.slug}/assets/{asset.pk}/").content.decode()
        assert "暂无评估" not in page
        assert shown in page and REPORT in page
        # The lender sees the same valuation of its collateral.
        assert shown in client_for(w.bank).get(f"/{w.city.slug}/assets/{asset.pk}/").content.decode()
