"""Field validation shared by the charity actions and the statement import: Chinese messages per field."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")


def money(value, field: str, *, positive: bool = True) -> Decimal:
    """A Decimal amount to the fen: refuses text, NaN, more than two decimals, ≤ 0 (when positive)."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", "").replace("￥", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("金额格式不正确：%(v)s") % {"v": value}}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("金额格式不正确：%(v)s") % {"v": value}})
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        raise ValidationError({field: _("金额最多保留两位小数（精确到分）")})
    if amount < 0 or (positive and amount == 0):
        raise ValidationError({field: _("金额应大于0") if positive else _("金额不能为负数")})
    if amount > MAX_MONEY:
        raise ValidationError({field: _("金额过大")})
    return amount.quantize(FEN)


def text(value, field: str, max_length: int, *, required: bool = True, message: str | None = None) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ValidationError({field: message or _("此项必填")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多%(n)d个字符") % {"n": max_length}})
    return value


def choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("请选择有效的选项")})
    return value


def as_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")}) from None
