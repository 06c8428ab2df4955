"""Money and rates as people type and read them: 万元 and percentages in, 元 and ratios to the services."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation
from openpyxl import load_workbook

from ipops import excel
from ipops.forms import MoneyField, RateField
from ipops.money import YUAN_UNIT, display_money, display_rate


class LoanForm(forms.Form):
    amount = MoneyField(positive=True)
    fee = MoneyField(unit=YUAN_UNIT, required=False)
    rate = RateField(low=Decimal(0), high=Decimal(24))


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("50", "500000.00"),
        ("12.5", "125000.00"),
        ("1,234.5678", "12345678.00"),
        ("０.０００００５", "0.05"),
        ("0.0000004", "0.00"),
    ],
)
def test_amounts_are_typed_in_wan_and_reach_the_service_in_yuan_to_the_fen(typed, yuan):
    form = LoanForm({"amount": typed, "rate": "4.35"})
    if Decimal(yuan) == 0:
        assert not form.is_valid() and form.errors["amount"]
        return
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal(yuan)
    assert form.cleaned_data["rate"] == Decimal("0.043500")


def test_small_sums_are_typed_in_yuan():
    form = LoanForm({"amount": "1", "fee": "1,280.5", "rate": "4"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fee"] == Decimal("1280.50")


def test_each_field_says_its_unit_and_shows_stored_values_back_in_it():
    form = LoanForm(
        initial={"amount": Decimal("5000000.00"), "fee": Decimal("800.00"), "rate": Decimal("0.0435")}
    )
    with translation.override("zh-hans"):
        html = str(form["amount"]) + str(form["fee"]) + str(form["rate"])
    assert 'value="500"' in html and "万元" in html
    assert 'value="800"' in html and ">元<" in html
    assert 'value="4.35"' in html and ">%<" in html


@pytest.mark.parametrize(("typed", "message"), [("abc", "请输入金额"), ("0", "0 万元"), ("-3", "0 万元")])
def test_errors_speak_the_units_people_typed(typed, message):
    with translation.override("zh-hans"):
        form = LoanForm({"amount": typed, "rate": "4.35"})
        assert not form.is_valid()
        assert message in " ".join(form.errors["amount"])


def test_a_rate_typed_as_a_ratio_is_one_clear_error_not_two():
    """4.35 means 4.35%; 0.0435 is read as 0.0435% — still valid, so only an impossible one is refused."""
    with translation.override("zh-hans"):
        form = LoanForm({"amount": "50", "rate": "435"})
        assert not form.is_valid()
        assert len(form.errors["rate"]) == 1 and "24%" in form.errors["rate"][0]


def test_messages_print_amounts_in_wan_and_rates_as_percentages():
    with translation.override("zh-hans"):
        assert display_money(Decimal("500000")) == "50.00 万元"
        assert display_money(Decimal("1280.5"), YUAN_UNIT) == "1,280.50 元"
    assert display_rate(Decimal("0.0435")) == "4.35%"


def test_excel_money_columns_carry_the_unit_in_the_header_and_a_number_format():
    with translation.override("zh-hans"):
        data = excel.workbook_bytes(
            "贷款",
            ["名称", excel.Money("金额"), excel.Column("风险分担", "percent")],
            [["甲", Decimal("12345678.90"), Decimal("0.6")]],
        )
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["名称", "金额（万元）", "风险分担"]
    amount, share = sheet["B2"], sheet["C2"]
    assert round(amount.value, 6) == 1234.56789 and amount.number_format == "#,##0.00"
    assert share.value == 0.6 and share.number_format == "0.00%"


def test_a_displayed_cap_is_exact_never_rounded_up_past_itself():
    with translation.override("zh-hans"):
        assert display_money(Decimal("1999999.99")) == "199.999999 万元"
        assert display_money(Decimal("1234567.80")) == "123.45678 万元"
