"""The means test at its boundaries (DOMAIN.md §6): exactly 低保, exactly 2 × 低保, the 80% rule,
one year of employment for migrant workers, exclusions naming their rule, the exit rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.hardship import rules
from gonghui.hardship.states import Category

D = Decimal
LINE = D("1000.00")
ON = dt.date(2025, 6, 30)


def assess(annual_income, expenses="0", size=1, line=LINE, **kw):
    return rules.categorise(
        annual_income=D(annual_income), rigid_expenses=D(expenses), household_size=size, line=line, on=ON, **kw
    )


# --- per-capita ------------------------------------------------------------------------------


def test_it_computes_per_capita_as_income_minus_rigid_expenses_over_12_over_size():
    assert rules.per_capita(D("36000"), D("6000"), 3) == D("833.33")
    assert rules.per_capita(D("100"), D("0"), 3) == D("2.78")  # 2.777… rounds half-up
    assert rules.per_capita(D("0"), D("1200"), 1) == D("-100.00")


def test_it_refuses_an_empty_household():
    with pytest.raises(ValueError):
        rules.per_capita(D("1000"), D("0"), 0)


@given(
    income=st.decimals(min_value=0, max_value=10_000_000, places=2),
    expenses=st.decimals(min_value=0, max_value=1_000_000, places=2),
    size=st.integers(min_value=1, max_value=12),
)
def test_it_keeps_per_capita_within_half_a_fen_of_the_exact_figure(income, expenses, size):
    figure = rules.per_capita(income, expenses, size)
    assert figure == figure.quantize(D("0.01"))
    assert abs(figure - (income - expenses) / 12 / size) <= D("0.005")


# --- categories at the boundaries --------------------------------------------------------------


def test_it_puts_a_household_just_below_the_line_in_deep_hardship():
    result = assess(D("11999.88"))  # 999.99 per month
    assert result.category == Category.DEEP
    assert "999.99" in result.reason and "1,000.00" in result.reason


def test_it_puts_a_household_exactly_at_the_line_in_relative_not_deep_hardship():
    result = assess(D("12000"))
    assert result.category == Category.RELATIVE
    assert result.per_capita == LINE


def test_it_compares_the_exact_figure_not_the_rounded_one():
    # 3 people, 35999.99 a year: 999.9997… a month, shown as 1000.00 but still below the line.
    result = assess(D("35999.99"), size=3)
    assert result.per_capita == D("1000.00")
    assert result.category == Category.DEEP


def test_it_puts_a_household_just_below_twice_the_line_in_relative_hardship():
    assert assess(D("23999.88")).category == Category.RELATIVE


def test_it_puts_a_household_exactly_at_twice_the_line_in_no_category():
    result = assess(D("24000"))
    assert result.category == ""
    assert not result.eligible
    assert "2,000.00" in result.reason


def test_it_deducts_rigid_expenses_before_comparing():
    # 30000 income, 6000 medical+education, 2 people → 1000.00: exactly the line → relative.
    assert assess(D("30000"), D("6000"), size=2).category == Category.RELATIVE
    assert assess(D("30000"), D("6000.01"), size=2).category == Category.DEEP


def test_it_applies_the_80_percent_rule_strictly():
    assert assess(D("50000"), accident_costs=D("40000")).category == ""
    result = assess(D("50000"), accident_costs=D("40000.01"))
    assert result.category == Category.ACCIDENT
    assert "80%" in result.reason


def test_it_counts_costs_with_no_income_as_over_80_percent():
    # 0 income is deep already; with a big line-independent check the accident rule stands alone:
    assert rules.accident_costs_exceed(D("1"), D("0"))
    assert not rules.accident_costs_exceed(D("0"), D("0"))


def test_it_recognises_a_disaster_accident_or_epidemic_event():
    result = assess(D("100000"), accident_event=True)
    assert result.category == Category.ACCIDENT
    assert "灾害" in result.reason


def test_it_prefers_the_income_categories_over_the_accident_category():
    assert assess(D("6000"), accident_event=True).category == Category.DEEP


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (dt.date(2024, 6, 30), Category.MIGRANT),  # exactly one year
        (dt.date(2024, 7, 1), Category.DEEP),  # one day short
        (None, Category.DEEP),
    ],
)
def test_it_makes_a_migrant_worker_with_a_year_of_employment_a_difficult_migrant_worker(since, expected):
    result = assess(D("6000"), migrant_worker=True, lives_in_city=True, employed_since=since)
    assert result.category == expected
    assert result.basis_category == Category.DEEP


def test_it_requires_a_migrant_worker_to_live_in_the_city():
    assert assess(D("6000"), migrant_worker=True, employed_since=dt.date(2020, 1, 1)).category == Category.DEEP


def test_it_never_makes_an_ineligible_migrant_worker_a_difficult_one():
    result = assess(D("90000"), migrant_worker=True, lives_in_city=True, employed_since=dt.date(2020, 1, 1))
    assert result.category == ""


def test_it_counts_a_leap_day_employment_start_from_28_february():
    assert rules.employed_at_least(dt.date(2024, 2, 29), dt.date(2025, 2, 28))
    assert not rules.employed_at_least(dt.date(2024, 2, 29), dt.date(2025, 2, 27))


def test_it_refuses_a_line_that_is_not_positive():
    with pytest.raises(ValueError):
        assess(D("1000"), line=D("0"))


@given(
    income=st.decimals(min_value=0, max_value=1_000_000, places=2),
    expenses=st.decimals(min_value=0, max_value=100_000, places=2),
    size=st.integers(min_value=1, max_value=8),
    line=st.decimals(min_value=1, max_value=3000, places=2),
)
def test_it_derives_the_income_category_from_the_exact_figure(income, expenses, size, line):
    result = rules.categorise(annual_income=income, rigid_expenses=expenses, household_size=size, line=line, on=ON)
    exact = (income - expenses) / 12 / size
    if exact < line:
        assert result.category == Category.DEEP
    elif exact < 2 * line:
        assert result.category == Category.RELATIVE
    else:
        assert result.category == ""
    assert result.reason


# --- 低保 line inheritance ---------------------------------------------------------------------


def test_it_walks_the_division_chain_from_township_to_province():
    assert rules.division_chain("440305001") == ["440305001", "440305", "440300", "440000"]
    assert rules.division_chain("440305") == ["440305", "440300", "440000"]
    assert rules.division_chain("440000") == ["440000"]
    assert rules.division_chain("bad") == []


def test_it_picks_the_most_specific_line():
    rows = {"440000": D("800"), "440300": D("1365")}
    assert rules.pick_line("440305", rows) == ("440300", D("1365"))
    assert rules.pick_line("440103", rows) == ("440000", D("800"))
    assert rules.pick_line("110105", rows) is None


# --- exclusions ------------------------------------------------------------------------------


def child(**kw):
    data = {"name": "张小明", "school_kind": "public", "annual_tuition": None, "public_tuition": None}
    data.update(kw)
    return NS(**data)


def test_it_excludes_a_private_school_charging_more_than_twice_the_public_fee():
    at_double = child(school_kind="private", annual_tuition=D("6000"), public_tuition=D("3000"))
    assert rules.exclusions([at_double], []) == []
    over = child(school_kind="private", annual_tuition=D("6000.01"), public_tuition=D("3000"))
    [found] = rules.exclusions([over], [])
    assert found.rule == "private_school_fee"
    assert "张小明" in found.message


def test_it_excludes_self_funded_study_abroad():
    [found] = rules.exclusions([child(school_kind="abroad")], [])
    assert found.rule == "study_abroad_self_funded"


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("property", "excess_property"), ("vehicle", "excess_vehicle"), ("business", "excess_business")],
)
def test_it_excludes_assets_over_the_threshold_found_by_the_checks(kind, rule):
    checks = [
        NS(kind=kind, result="exceeds", source="不动产登记中心"),
        NS(kind="social_insurance", result="exceeds", source="x"),
    ]
    assert [e.rule for e in rules.exclusions([], checks)] == [rule]
    assert rules.exclusions([], [NS(kind=kind, result="within_limit", source="x")]) == []


def test_it_applies_only_the_enabled_rules(settings):
    settings.HARDSHIP_EXCLUSIONS = ["excess_vehicle"]
    assert rules.exclusions([child(school_kind="abroad")], []) == []


# --- exit rule -------------------------------------------------------------------------------


def months(start: dt.date, figures):
    out, month = [], start
    for f in figures:
        out.append((month, D(f)))
        month = rules.next_month(month)
    return out


def test_it_proposes_exit_after_six_consecutive_months_above_the_line():
    records = months(dt.date(2025, 1, 1), ["1000.01"] * 6)
    assert rules.exit_rule_met(records, lambda m: LINE)


def test_it_does_not_count_a_month_exactly_at_the_line():
    records = months(dt.date(2025, 1, 1), ["1000.01"] * 5 + ["1000.00"])
    assert not rules.exit_rule_met(records, lambda m: LINE)


def test_it_needs_six_months_and_no_gap():
    assert not rules.exit_rule_met(months(dt.date(2025, 1, 1), ["2000"] * 5), lambda m: LINE)
    records = months(dt.date(2025, 1, 1), ["2000"] * 3) + months(dt.date(2025, 5, 1), ["2000"] * 3)
    assert not rules.exit_rule_met(records, lambda m: LINE)


def test_it_looks_only_at_the_latest_run_across_a_year_end():
    records = months(dt.date(2024, 6, 1), ["500"] * 3 + ["1500"] * 6)  # Jun–Aug low, Sep–Feb high
    assert records[-1][0] == dt.date(2025, 2, 1)
    assert rules.exit_rule_met(records, lambda m: LINE)


def test_it_uses_the_line_of_each_month():
    records = months(dt.date(2024, 10, 1), ["1100"] * 6)  # Oct 2024 – Mar 2025
    assert not rules.exit_rule_met(records, lambda m: D("1200") if m.year == 2025 else LINE)


def test_it_dates_the_annual_review_a_year_after_archiving():
    assert rules.review_due(dt.date(2025, 3, 5)) == dt.date(2026, 3, 5)
    assert rules.review_due(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
