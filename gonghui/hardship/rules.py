"""The means test (DOMAIN.md §6) as pure functions: no database, no settings except the
enabled exclusion list, so they can be tested at their boundaries and reused by importers.

Money is `Decimal` throughout. Comparisons with the 低保 line are made on the exact figure,
multiplied out (`net < line × 12 × size`), never on a rounded per-capita value, so a
household just below the line is never rounded up onto it; the per-capita figure shown to
people is rounded half-up to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.hardship.states import Category

FEN = Decimal("0.01")
ZERO = Decimal("0")
ACCIDENT_SHARE = Decimal("0.8")
RELATIVE_MULTIPLE = 2
EXIT_MONTHS = 6
MIGRANT_EMPLOYMENT_YEARS = 1


def money(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return f"{money(value):,.2f}"


# --- the 低保 line ------------------------------------------------------------------------


def division_chain(code: str) -> list[str]:
    """Division codes to try for a 低保 line, most specific first.

    A 9-digit township code falls back to its district (first 6 digits), a district to its
    city (`XXXX00`), a city to its province (`XX0000`):

    >>> division_chain("440305001")
    ['440305001', '440305', '440300', '440000']
    >>> division_chain("440300")
    ['440300', '440000']
    """
    code = (code or "").strip()
    chain: list[str] = []
    if len(code) == 9:
        chain.append(code)
        code = code[:6]
    if len(code) != 6 or not code.isdigit():
        return chain
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate not in chain:
            chain.append(candidate)
    return chain


def pick_line(code: str, rows: dict[str, Decimal]) -> tuple[str, Decimal] | None:
    """The most specific (division, amount) in `rows` along `division_chain(code)`, or None."""
    for candidate in division_chain(code):
        if candidate in rows:
            return candidate, rows[candidate]
    return None


# --- per-capita income ------------------------------------------------------------------------


def net_income(annual_income: Decimal, rigid_expenses: Decimal) -> Decimal:
    return Decimal(annual_income) - Decimal(rigid_expenses)


def per_capita(annual_income: Decimal, rigid_expenses: Decimal, household_size: int) -> Decimal:
    """家庭人均月收入 = (household annual disposable income − rigid expenses) ÷ 12 ÷ household size,
    rounded half-up to the fen. Rigid expenses are the year's necessary medical and education
    costs. Negative when the expenses exceed the income.

    >>> per_capita(Decimal("36000"), Decimal("6000"), 3)
    Decimal('833.33')
    """
    if household_size < 1:
        raise ValueError("household_size must be ≥ 1")
    return money(net_income(annual_income, rigid_expenses) / 12 / household_size)


def below(net_annual: Decimal, household_size: int, monthly_line: Decimal, multiple: int = 1) -> bool:
    """Is the exact per-capita figure (net ÷ 12 ÷ size) strictly below `multiple` × the line?"""
    return Decimal(net_annual) < Decimal(monthly_line) * multiple * 12 * household_size


# --- category ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """The result of the means test: the category ("" when none applies) and why."""

    category: str
    reason: str
    basis_category: str
    per_capita: Decimal | None
    line: Decimal
    pending: bool = False

    @property
    def eligible(self) -> bool:
        return bool(self.category)


PENDING_LABEL = _lazy("待核算")


def pending_assessment(line: Decimal) -> Assessment:
    """No household income recorded: the category is 待核算, not 深度困难. Missing finances are not
    a zero income (a household that truly earns nothing records an income item of 0)."""
    return Assessment("", _("待核算：尚未登记家庭收入，不能测算困难类别"), "", None, Decimal(line), pending=True)


def accident_costs_exceed(costs: Decimal, annual_income: Decimal) -> bool:
    """The year's emergency or illness costs exceed 80% of household annual income (strictly)."""
    return Decimal(costs) > ACCIDENT_SHARE * Decimal(annual_income)


def employed_at_least(since: dt.date | None, on: dt.date, years: int = MIGRANT_EMPLOYMENT_YEARS) -> bool:
    """At least `years` full years of de-facto employment between `since` and `on` (a 29 February
    start counts from 28 February in a common year)."""
    if since is None or since > on:
        return False
    try:
        anniversary = since.replace(year=since.year + years)
    except ValueError:
        anniversary = since.replace(year=since.year + years, day=28)
    return anniversary <= on


def categorise(
    *,
    annual_income: Decimal | None,
    rigid_expenses: Decimal,
    household_size: int,
    line: Decimal,
    accident_costs: Decimal = ZERO,
    accident_event: bool = False,
    migrant_worker: bool = False,
    lives_in_city: bool = False,
    employed_since: dt.date | None = None,
    on: dt.date | None = None,
) -> Assessment:
    """Derive the hardship category (DOMAIN.md §6) and the reason people are shown.

    - 待核算 (no category, `pending`) when no household income is recorded (`annual_income=None`);
    - 深度困难 when the per-capita figure is below 低保 (exactly 低保 is not deep);
    - else 相对困难 when it is below 2 × 低保 (exactly 2 × 低保 is not relative);
    - else 意外致困 when a disaster, major accident or epidemic caused injury, disability or
      death (`accident_event`), or the year's emergency and illness costs exceed 80% of the
      household's annual income (exactly 80% does not);
    - any of these becomes 困难农民工 for a migrant worker living in the city with at least
      one year of de-facto employment (`basis_category` keeps the underlying one).
    The income categories win over 意外致困 because they carry the stronger entitlements.
    """
    line = Decimal(line)
    if line <= 0:
        raise ValueError("the 低保 line must be positive")
    if annual_income is None:
        return pending_assessment(line)
    net = net_income(annual_income, rigid_expenses)
    figure = per_capita(annual_income, rigid_expenses, household_size)
    values = {"pc": fmt(figure), "line": fmt(line), "double": fmt(line * RELATIVE_MULTIPLE)}
    if below(net, household_size, line):
        basis = Category.DEEP
        reason = _("家庭人均月收入%(pc)s元，低于当地低保标准%(line)s元") % values
    elif below(net, household_size, line, RELATIVE_MULTIPLE):
        basis = Category.RELATIVE
        reason = _("家庭人均月收入%(pc)s元，不低于低保标准%(line)s元但低于其2倍%(double)s元") % values
    elif accident_event:
        basis = Category.ACCIDENT
        reason = _("因灾害、重大事故或疫情致伤、致残、致死（家庭人均月收入%(pc)s元）") % values
    elif accident_costs_exceed(accident_costs, annual_income):
        basis = Category.ACCIDENT
        reason = _("当年突发及医疗支出%(costs)s元，超过家庭年收入%(income)s元的80%%") % {
            "costs": fmt(Decimal(accident_costs)),
            "income": fmt(Decimal(annual_income)),
        }
    else:
        return Assessment(
            "",
            _("家庭人均月收入%(pc)s元，不低于低保标准的2倍%(double)s元，且不符合意外致困条件") % values,
            "",
            figure,
            line,
        )
    on = on or timezone.localdate()
    if migrant_worker and lives_in_city and employed_at_least(employed_since, on):
        reason = _("农民工，在城镇居住且实际就业满1年；%(basis)s：%(reason)s") % {
            "basis": Category(basis).label,
            "reason": reason,
        }
        return Assessment(Category.MIGRANT, reason, basis, figure, line)
    return Assessment(basis, reason, basis, figure, line)


# --- exclusions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    rule: str
    message: str


def _private_school(household, checks) -> Iterable[str]:
    for m in household:
        if (
            getattr(m, "school_kind", "") == "private"
            and m.annual_tuition is not None
            and m.public_tuition is not None
            and Decimal(m.annual_tuition) > 2 * Decimal(m.public_tuition)
        ):
            yield _("%(name)s就读民办学校，年学费%(fee)s元超过同类公办学校%(public)s元的2倍") % {
                "name": m.name,
                "fee": fmt(m.annual_tuition),
                "public": fmt(m.public_tuition),
            }


def _abroad(household, checks) -> Iterable[str]:
    for m in household:
        if getattr(m, "school_kind", "") == "abroad":
            yield _("%(name)s自费出国（境）留学") % {"name": m.name}


def _check_rule(kind: str, label: str):
    def rule(household, checks) -> Iterable[str]:
        for c in checks:
            if c.kind == kind and c.result == "exceeds":
                yield _("数据核查发现%(label)s超过标准（%(source)s）") % {"label": label, "source": c.source}

    return rule


EXCLUSION_RULES: dict[str, Callable] = {
    "private_school_fee": _private_school,
    "study_abroad_self_funded": _abroad,
    "excess_property": _check_rule("property", "房产"),
    "excess_vehicle": _check_rule("vehicle", "车辆"),
    "excess_business": _check_rule("business", "工商登记（经营实体）"),
}


def enabled_exclusions() -> list[str]:
    """`settings.HARDSHIP_EXCLUSIONS` (default: every rule) — a place may switch rules off."""
    names = getattr(settings, "HARDSHIP_EXCLUSIONS", None)
    return list(EXCLUSION_RULES) if names is None else [n for n in names if n in EXCLUSION_RULES]


def exclusions(household, checks, rules: Iterable[str] | None = None) -> list[Exclusion]:
    """Every exclusion that applies, each naming the rule that triggered it.

    `household`: objects with name, school_kind, annual_tuition, public_tuition;
    `checks`: objects with kind, result, source (only the latest check per kind should be passed).
    """
    household, checks = list(household), list(checks)
    found = []
    for name in enabled_exclusions() if rules is None else rules:
        for message in EXCLUSION_RULES[name](household, checks):
            found.append(Exclusion(name, message))
    return found


# --- exit rule -------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def exit_rule_met(
    records: Iterable[tuple[dt.date, Decimal]], line_for: Callable[[dt.date], Decimal], months: int = EXIT_MONTHS
) -> bool:
    """脱困: the per-capita figure was above 低保 (strictly) in each of the last `months`
    consecutive calendar months that have a record, ending at the latest record.

    `records` are (first day of month, per-capita) pairs in any order; `line_for(month)`
    gives the 低保 line that applied that month. A missing month breaks the run.
    """
    ordered = sorted(records, key=lambda r: r[0], reverse=True)[:months]
    if len(ordered) < months:
        return False
    expected = ordered[0][0]
    for month, figure in ordered:
        if month != expected or not Decimal(figure) > Decimal(line_for(month)):
            return False
        expected = (month - dt.timedelta(days=1)).replace(day=1)
    return True


def review_due(archived_on: dt.date, years: int = 1) -> dt.date:
    """The next annual review (年度复核): the same date a year later (28 Feb for 29 Feb)."""
    try:
        return archived_on.replace(year=archived_on.year + years)
    except ValueError:
        return archived_on.replace(year=archived_on.year + years, day=28)
