"""Stations API (/api/v1/stations): the nearest search (public: what an app or mini-program calls for
附近服务; station locations are public information) and the scoped station list for staff."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gonghui.core.api import ErrorOut, PagePagination
from gonghui.stations import geo, search
from gonghui.stations.models import Facility, Station

router = Router(tags=["stations"])


class NearestIn(Schema):
    lat: float | None = None
    lon: float | None = None
    k: int = 10
    kind: str | None = None
    facility: str | None = None
    open_now: bool = False
    coord: str = "wgs84"


class NearestItem(Schema):
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    distance_m: int
    facilities: list[str]
    open_now: bool
    address: str


class NearestOut(Schema):
    coord: str
    items: list[NearestItem]


class StationOut(Schema):
    code: str
    name: str
    kind: str
    status: str
    status_label: str
    org: str
    address: str
    division_code: str
    lat: float
    lon: float
    facilities: list[str]
    visit_count: int
    satisfaction: float | None

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.name

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_org(obj):
        return obj.org.code

    @staticmethod
    def resolve_facilities(obj):
        return obj.facility_codes


def parse_nearest(params: NearestIn) -> tuple[float, float, str]:
    """The query point as WGS-84 and the system to answer in; ValidationError (→ 422) names the field."""
    errors = {}
    try:
        system = geo.parse_system(params.coord)
        if system == geo.BD09:
            raise geo.CoordinateError
    except geo.CoordinateError:
        errors["coord"] = [_("坐标系应为 wgs84 或 gcj02")]
        system = geo.WGS84
    if params.lat is None or params.lon is None:
        errors["lat"] = [_("请提供位置：lat（纬度）和 lon（经度）")]
    else:
        try:
            lat, lon = geo.validate(params.lat, params.lon)
        except geo.CoordinateError:
            errors["lat"] = [_("纬度应在 -90～90 之间，经度应在 -180～180 之间")]
    if not 1 <= params.k <= search.MAX_K:
        errors["k"] = [_("k 应在 1～%(n)d 之间") % {"n": search.MAX_K}]
    if errors:
        raise ValidationError(errors)
    return (*geo.to_wgs(lat, lon, system), system)


_FACILITY_NAMES: dict = {}


def facility_names() -> dict[str, str]:
    """Facility code → name, read at most once a minute per process (a tiny, rarely edited table)."""
    now = time.monotonic()
    if _FACILITY_NAMES.get("until", 0) < now:
        _FACILITY_NAMES.update(names=dict(Facility.objects.values_list("code", "name")), until=now + 60)
    return _FACILITY_NAMES["names"]


def nearest_items(hits, system: str, names: dict[str, str]) -> list[dict]:
    items = []
    for hit in hits:
        s = hit.station
        lat, lon = geo.from_wgs(s.lat, s.lon, system)
        items.append(
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind.name,
                "lat": round(lat, 7),
                "lon": round(lon, 7),
                "distance_m": round(hit.distance_m),
                "facilities": [names.get(c, c) for c in s.facility_codes],
                "open_now": hit.open_now,
                "address": s.address,
            }
        )
    return items


@router.get("/nearest", response={200: NearestOut, 422: ErrorOut}, auth=None)
def nearest(request, params: Query[NearestIn]):
    """The k (≤ 50) nearest running stations by great-circle distance, nearest first. `lat`/`lon` and the
    answer are WGS-84 unless `coord=gcj02` (then both are GCJ-02, as Amap/Tencent and most phones give);
    `kind` and `facility` are codes; `open_now=true` keeps the stations open now (Asia/Shanghai)."""
    lat, lon, system = parse_nearest(params)
    hits = search.nearest(
        lat, lon, params.k, kind=params.kind or None, facility=params.facility or None, open_now=params.open_now
    )
    return {"coord": system, "items": nearest_items(hits, system, facility_names())}


@router.get("", response=list[StationOut])
@paginate(PagePagination)
def station_list(request, kind: str | None = None, status: str | None = None, q: str | None = None):
    """Stations in the caller's scope (station.view), newest first; `q` matches the name or the code."""
    qs = Station.objects.restrict(request.auth, "view").select_related("kind", "org").order_by("-id")
    if kind:
        qs = qs.filter(kind__code=kind)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__contains=q.strip()) | Q(code=q.strip().upper()))
    return qs
