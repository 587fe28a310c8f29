"""Field checks shared by the jobs actions: each raises ValidationError({field: [Chinese message]})."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gonghui.core.validators import validate_division_code
from gonghui.people.choices import SKILL_LEVELS
from gonghui.stations import geo

MAX_SKILLS = 10


def text(data: dict, field: str, max_length: int, errors: dict, *, required: bool = True, message: str = "") -> str:
    value = " ".join(str(data.get(field) or "").split())
    if required and not value:
        errors[field] = [message or _("此项必填")]
    elif len(value) > max_length:
        errors[field] = [_("最多%(n)d个字符") % {"n": max_length}]
    return value


def money(value, field: str, errors: dict, *, label: str) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("%(l)s格式不正确：%(v)s") % {"l": label, "v": value}]
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = [_("%(l)s不能为负数") % {"l": label}]
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        errors[field] = [_("%(l)s最多保留两位小数") % {"l": label}]
        return None
    return amount.quantize(Decimal("0.01"))


def coordinates(data: dict, errors: dict, *, required: bool) -> tuple[float | None, float | None]:
    lat, lon = data.get("lat"), data.get("lon")
    if lat in (None, "") and lon in (None, ""):
        if required:
            errors["lat"] = [_("请填写工作地点的坐标（或选择远程岗位）")]
        return None, None
    try:
        return geo.validate(lat, lon)
    except geo.CoordinateError:
        errors["lat"] = [_("坐标不正确：纬度应在 −90～90，经度应在 −180～180")]
        return None, None


def division(data: dict, errors: dict, field: str = "division_code") -> str:
    value = str(data.get(field) or "").strip()
    if not value:
        errors[field] = [_("请填写行政区划代码")]
        return ""
    try:
        return validate_division_code(value)
    except ValidationError as exc:
        errors[field] = exc.messages
        return value


def skills(value, errors: dict) -> list[dict]:
    """[{"name", "level"}] from a list of dicts or of "名称" / "名称:等级" strings."""
    rows = []
    for item in value or []:
        if isinstance(item, str):
            name, _sep, level = item.partition(":")
        else:
            name, level = str(item.get("name") or ""), str(item.get("level") or "")
        name, level = " ".join(name.split()), level.strip()
        if not name:
            continue
        if len(name) > 60 or "," in name:
            errors["skills"] = [_("技能名称最多60个字符，且不能包含逗号：%(n)s") % {"n": name[:60]}]
            return []
        if level and level not in SKILL_LEVELS:
            errors["skills"] = [_("技能等级应为：%(l)s") % {"l": "、".join(SKILL_LEVELS)}]
            return []
        if name not in {r["name"] for r in rows}:
            rows.append({"name": name, "level": level})
    if len(rows) > MAX_SKILLS:
        errors["skills"] = [_("最多填写%(n)d项技能要求") % {"n": MAX_SKILLS}]
    return rows


def date(value, field: str, errors: dict, *, label: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[field] = [_("%(l)s格式不正确，应为 2026-05-01 这样的日期") % {"l": label}]
        return None


def level_rank(level: str) -> int:
    return SKILL_LEVELS.index(level) if level in SKILL_LEVELS else -1
