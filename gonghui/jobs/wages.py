"""Wages: the local minimum wage a post is checked against, and the monthly equivalent of a wage.

The minimum wage table is per division and effective date; a district without its own row uses its
city's, then its province's (the fallback of the hardship 低保 lines; jobs does not import hardship, so
the chain is the members app's). Monthly equivalents use the statutory 21.75 paid days a month and
an 8-hour day; piece rates have none (they are not compared and not averaged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from gonghui.jobs.models import MinimumWage, WageUnit, plain

# 440305001 → 440305, 440300, 440000: the members app's chain (the same fallback as hardship's 低保 lines).
from gonghui.members.routing import _division_chain as division_chain

DAYS_PER_MONTH = Decimal("21.75")
HOURS_PER_DAY = Decimal("8")
CENT = Decimal("0.01")


def monthly_equivalent(amount: Decimal | None, unit: str) -> Decimal | None:
    if amount is None:
        return None
    if unit == WageUnit.MONTH:
        value = amount
    elif unit == WageUnit.DAY:
        value = amount * DAYS_PER_MONTH
    elif unit == WageUnit.HOUR:
        value = amount * HOURS_PER_DAY * DAYS_PER_MONTH
    else:
        return None
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Floor:
    """The minimum wage that applies to a division on a day, and what to say about it."""

    row: MinimumWage

    def for_unit(self, unit: str) -> Decimal | None:
        """The floor in the post's unit: monthly, hourly, or hourly × 8 for a day; none for pieces."""
        if unit == WageUnit.MONTH:
            return self.row.monthly
        if unit == WageUnit.HOUR:
            return self.row.hourly
        if unit == WageUnit.DAY:
            return (self.row.hourly * HOURS_PER_DAY).quantize(CENT)
        return None

    def describe(self, unit: str) -> str:
        demo = _("（演示数据）") if self.row.demo else ""
        return _("当地最低工资标准为 %(amount)s %(unit)s（%(division)s，%(on)s 起执行）%(demo)s") % {
            "amount": plain(self.for_unit(unit)),
            "unit": WageUnit(unit).label,
            "division": self.row.division_code,
            "on": self.row.effective_on.isoformat(),
            "demo": demo,
        }


def minimum_wage(division_code: str, on: dt.date) -> Floor | None:
    """The row in force on `on` for the most specific division along the chain (one query)."""
    chain = division_chain(division_code)
    if not chain:
        return None
    rows = list(MinimumWage.objects.filter(division_code__in=chain, effective_on__lte=on).order_by("-effective_on"))
    for code in chain:
        for row in rows:
            if row.division_code == code:
                return Floor(row)
    return None
