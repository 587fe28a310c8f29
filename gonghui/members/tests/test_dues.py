"""Dues (会费): 0.5% of the monthly base wage, the part under ¥10 ignored, to the fen (DOMAIN.md §2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.members.dues import monthly_dues


@pytest.mark.parametrize(
    "wage, dues",
    [
        ("0", "0.00"),
        ("9.99", "0.00"),
        ("10", "0.05"),
        ("19.99", "0.05"),
        ("5000", "25.00"),
        ("5009.99", "25.00"),
        ("5010", "25.05"),
        ("8888.88", "44.40"),
        ("12345.67", "61.70"),
        (3500, "17.50"),
        (Decimal("2190"), "10.95"),
    ],
)
def test_it_computes_half_a_percent_of_the_wage_rounded_down_to_ten_yuan(wage, dues):
    result = monthly_dues(wage)
    assert isinstance(result, Decimal)
    assert result == Decimal(dues) and str(result) == dues


def test_it_charges_retirees_nothing():
    assert monthly_dues("8000", retired=True) == Decimal("0.00")


@pytest.mark.parametrize("wage", ["-1", "-0.01", -100])
def test_it_refuses_a_negative_wage(wage):
    with pytest.raises(ValueError):
        monthly_dues(wage)


@pytest.mark.parametrize("wage", ["abc", "", "NaN", "Infinity"])
def test_it_refuses_text_that_is_not_an_amount(wage):
    with pytest.raises((ValueError, ArithmeticError)):
        monthly_dues(wage)


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=10_000_000, places=2))
def test_it_matches_the_rule_for_any_wage(wage):
    tens = int(wage) // 10 * 10  # whole ten-yuan part, independent of Decimal floor semantics
    expected = (Decimal(tens) * Decimal(5) / Decimal(1000)).quantize(Decimal("0.01"))
    assert monthly_dues(wage) == expected
    assert monthly_dues(str(wage)) == expected
