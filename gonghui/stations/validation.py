"""Cleaning a station's fields (the editor, the API and the import share it): Chinese messages per field."""

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
    """Kinds and facilities by code and by name, read once (an import cleans thousands of rows)."""

    def __init__(self):
        self.kinds = {}
        for kind in StationKind.objects.filter(active=True):
            self.kinds[kind.code] = self.kinds[kind.name] = kind
        self.facilities = {}
        for facility in Facility.objects.all():
            self.facilities[facility.code] = self.facilities[facility.name] = facility
            self.facilities[facility.name.lower()] = facility


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
        if not isinstance(kind, StationKind):
            kind = vocabulary.kinds.get(str(kind or "").strip())
        if kind is None:
            names = "、".join(sorted({k.name for k in vocabulary.kinds.values()}))
            message = _("站点类型“%(v)s”不存在，应为：%(names)s")
            errors["kind"] = [message % {"v": data.get("kind") or "", "names": names}]
        out["kind"] = kind
    if given("division_code"):
        try:
            code = validate_division_code(str(data.get("division_code") or ""))
            if division_level(code) not in ("district", "street"):
                raise ValidationError(_("应为区县级（6位）或乡镇/街道（9位）代码"))
            out["division_code"] = code
        except ValidationError as error:
            errors["division_code"] = list(error.messages)
    if given("lat") or given("lon"):
        try:
            system = geo.parse_system(data.get("coord") or "wgs84")
        except geo.CoordinateError:
            errors["coord"] = [_("坐标系应为 WGS-84、GCJ-02（高德/腾讯）或 BD-09（百度）")]
            system = None
        try:
            lat, lon = geo.validate(data.get("lat"), data.get("lon"))
            if system:
                out["lat"], out["lon"] = (round(v, 7) for v in geo.to_wgs(lat, lon, system))
        except geo.CoordinateError:
            errors["lat"] = [_("请填写有效的纬度（-90～90）和经度（-180～180），例如 22.5431、113.9298")]
    if given("facilities"):
        raw = data.get("facilities") or []
        if isinstance(raw, str):
            raw = [p for p in raw.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p.strip()]
        codes, unknown = [], []
        for item in raw:
            name = str(item).strip()
            facility = vocabulary.facilities.get(name) or vocabulary.facilities.get(name.lower())
            if facility is None:
                unknown.append(str(item))
            elif facility.code not in codes:
                codes.append(facility.code)
        if unknown:
            errors["facilities"] = [_("不认识的设施：%(v)s") % {"v": "、".join(unknown)}]
        out["facilities"] = "," + ",".join(codes) + "," if codes else ""
    if given("hours"):
        value = data.get("hours")
        try:
            out["hours"] = value if isinstance(value, dict) else hours.parse(str(value or ""))
        except hours.HoursError as error:
            errors["hours"] = [str(error)]
    if given("contact_phone"):
        phone = str(data.get("contact_phone") or "").strip()
        if phone and not _phone(phone):
            errors["contact_phone"] = [_("电话号码“%(v)s”无效：应为手机号或带区号的固定电话") % {"v": phone}]
        out["contact_phone"] = phone
    if errors:
        raise ValidationError(errors)
    return out


def _phone(value: str) -> bool:
    """A station's public service number: a mobile or a landline with area code (digits, - and spaces)."""
    digits = value.replace("-", "").replace(" ", "")
    return digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 13
