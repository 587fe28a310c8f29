"""Cleaning a station's fields (the editor, the API and the import share it): Chinese messages per field.

An import cleans many rows with the same kind, division, facilities and hours texts; the `Vocabulary`
remembers each text's outcome for the length of one import, so a row costs its coordinates and little else.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gonghui.core.validators import division_level, validate_division_code
from gonghui.stations import geo, hours
from gonghui.stations.models import Facility, StationKind

TEXT_LIMITS = {"name": 100, "host": 120, "address": 200, "contact_name": 40, "description": 2000}
FIELDS = ("name", "kind", "host", "address", "division_code", "lat", "lon", "facilities", "hours")
FIELDS += ("contact_name", "contact_phone", "description")


class Vocabulary:
    """Kinds and facilities by code and by name, read once, and the memo of cleaned texts."""

    def __init__(self):
        self.kinds = {}
        for kind in StationKind.objects.filter(active=True):
            self.kinds[kind.code] = self.kinds[kind.name] = kind
        self.facilities = {}
        for facility in Facility.objects.all():
            self.facilities[facility.code] = self.facilities[facility.name] = facility
            self.facilities[facility.name.lower()] = facility
        self.memo: dict[tuple[str, str], tuple] = {}  # (field, text) → (value, error messages or None)

    def cached(self, field: str, text: str, clean):
        key = (field, text)
        hit = self.memo.get(key)
        if hit is None:
            try:
                hit = (clean(text), None)
            except ValidationError as error:
                hit = (None, list(error.messages))
            if len(self.memo) < 50_000:
                self.memo[key] = hit
        return hit

    def kind(self, text: str) -> StationKind:
        kind = self.kinds.get(text.strip())
        if kind is None:
            names = "、".join(sorted({k.name for k in self.kinds.values()}))
            raise ValidationError(_("站点类型“%(v)s”不存在，应为：%(names)s") % {"v": text, "names": names})
        return kind

    def facility_codes(self, items: list[str]) -> str:
        codes, unknown = [], []
        for item in items:
            name = str(item).strip()
            facility = self.facilities.get(name) or self.facilities.get(name.lower())
            if facility is None:
                unknown.append(name)
            elif facility.code not in codes:
                codes.append(facility.code)
        if unknown:
            raise ValidationError(_("不认识的设施：%(v)s") % {"v": "、".join(unknown)})
        return "," + ",".join(codes) + "," if codes else ""


def _division(text: str) -> str:
    code = validate_division_code(text)
    if division_level(code) not in ("district", "street"):
        raise ValidationError(_("应为区县级（6位）或乡镇/街道（9位）代码"))
    return code


def _hours(text: str) -> dict:
    try:
        return hours.parse(text)
    except hours.HoursError as error:
        raise ValidationError(str(error)) from None


def _split(text: str) -> list[str]:
    return [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p.strip()]


def clean_station(data: dict, vocabulary: Vocabulary | None = None, *, partial: bool = False) -> dict:
    """`data` as people give it → model values; raises ValidationError({field: [message]}).

    Coordinates may come in any system (`coord`: wgs84, gcj02, bd09, or 高德/百度 …) and are stored
    as WGS-84. `facilities` is a list (or a 、/,-separated text) of codes or names; `hours` a dict or text.
    With `partial`, fields absent from `data` are left out of the result.
    """
    vocabulary = vocabulary or Vocabulary()
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def given(name):
        return not partial or name in data

    def memo(field: str, text: str, clean):
        value, problems = vocabulary.cached(field, text, clean)
        if problems:
            errors[field] = problems
        return value

    for name, limit in TEXT_LIMITS.items():
        if given(name):
            value = str(data.get(name) or "").strip()
            if len(value) > limit:
                errors[name] = [_("最多%(n)d个字符") % {"n": limit}]
            out[name] = value
    for name in ("name", "address"):
        if given(name) and not out.get(name) and name not in errors:
            errors[name] = [_("请填写%(f)s") % {"f": _("名称") if name == "name" else _("地址")}]
    if given("kind"):
        kind = data.get("kind")
        out["kind"] = kind if isinstance(kind, StationKind) else memo("kind", str(kind or ""), vocabulary.kind)
    if given("division_code"):
        out["division_code"] = memo("division_code", str(data.get("division_code") or ""), _division)
    if given("lat") or given("lon"):
        system = memo("coord", str(data.get("coord") or "wgs84"), _system)
        try:
            lat, lon = geo.validate(data.get("lat"), data.get("lon"))
            if system:
                w_lat, w_lon = geo.to_wgs(lat, lon, system)
                out["lat"], out["lon"] = round(w_lat, 7), round(w_lon, 7)
        except geo.CoordinateError:
            errors["lat"] = [_("请填写有效的纬度（-90～90）和经度（-180～180），例如 22.5431、113.9298")]
    if given("facilities"):
        raw = data.get("facilities") or []
        if isinstance(raw, str):
            out["facilities"] = memo("facilities", raw, lambda text: vocabulary.facility_codes(_split(text)))
        else:
            out["facilities"] = memo(
                "facilities", "\x1f".join(map(str, raw)), lambda _t: vocabulary.facility_codes(raw)
            )
    if given("hours"):
        value = data.get("hours")
        if isinstance(value, dict):
            out["hours"] = value
        else:
            # Shared by every row of an import with the same text: callers treat it as read-only.
            out["hours"] = memo("hours", str(value or ""), _hours)
    if given("contact_phone"):
        phone = str(data.get("contact_phone") or "").strip()
        if phone and not _phone(phone):
            errors["contact_phone"] = [_("电话号码“%(v)s”无效：应为手机号或带区号的固定电话") % {"v": phone}]
        out["contact_phone"] = phone
    if errors:
        raise ValidationError(errors)
    return out


def _system(text: str) -> str:
    try:
        return geo.parse_system(text)
    except geo.CoordinateError:
        raise ValidationError(_("坐标系应为 WGS-84、GCJ-02（高德/腾讯）或 BD-09（百度）")) from None


def _phone(value: str) -> bool:
    """A station's public service number: a mobile or a landline with area code (digits, - and spaces)."""
    digits = value.replace("-", "").replace(" ", "")
    return digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 13
