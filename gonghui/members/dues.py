"""Membership dues (会费): 0.5% of the monthly base wage, ignoring the part under ¥10."""

from decimal import ROUND_HALF_UP, Decimal


def monthly_dues(base_wage: Decimal | str | int, *, retired: bool = False) -> Decimal:
    """floor(wage / 10) × 10 × 0.5%, to the fen. Retirees (retained membership) pay none.

    Bonuses and allowances are not part of the base wage; callers pass the base only.
    """
    wage = Decimal(str(base_wage))
    if wage < 0:
        raise ValueError("wage must not be negative")
    if retired:
        return Decimal("0.00")
    counted = (wage // 10) * 10
    return (counted * Decimal("0.005")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
