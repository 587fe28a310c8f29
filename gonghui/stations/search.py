"""Exact k-nearest stations by great-circle distance, on SQLite and PostgreSQL without PostGIS.

The database answers a latitude/longitude box through the `(status, lat, lon)` index; Python ranks
the candidates by haversine distance. The box around the point is built for a radius r such that
every station within r (great-circle) lies inside it (`geo.bounding_box`). If at least k matching
stations lie within r, the k nearest of them are the k nearest overall: every station outside the
circle is farther than r, hence farther than the k-th. Otherwise r grows (×4) and the box is asked
again, up to the whole globe — so the answer is exact for any k and any point, not "the k nearest
inside some box".
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from django.db.models import Q

from gonghui.stations import geo
from gonghui.stations.hours import Clock
from gonghui.stations.models import Station
from gonghui.stations.states import StationStatus

MAX_K = 50
START_RADIUS_M = 2_000.0
GROWTH = 4.0
WHOLE_EARTH_M = geo.EARTH_RADIUS_M * 3.1416


@dataclass
class Hit:
    station: Station
    distance_m: float
    open_now: bool


def _box_filter(lat: float, lon: float, radius_m: float) -> Q:
    lat_min, lat_max, lon_ranges = geo.bounding_box(lat, lon, radius_m)
    q = Q(lat__gte=lat_min, lat__lte=lat_max)
    if lon_ranges != [(-180.0, 180.0)]:
        lon_q = Q()
        for lo, hi in lon_ranges:
            lon_q |= Q(lon__gte=lo, lon__lte=hi)
        q &= lon_q
    return q


def nearest(
    lat: float,
    lon: float,
    k: int = 10,
    *,
    kind: str | None = None,
    facility: str | None = None,
    open_now: bool = False,
    clock: Clock | None = None,
    queryset=None,
) -> list[Hit]:
    """The k running stations nearest to a WGS-84 point, nearest first (ties by id).

    `kind` is a kind code, `facility` a facility code; `open_now` keeps the stations open at the
    moment of `clock` (Asia/Shanghai, holidays from core.calendar).
    """
    k = max(1, min(int(k), MAX_K))
    clock = clock or Clock()
    base = (queryset if queryset is not None else Station.objects.all()).filter(status=StationStatus.RUNNING)
    if kind:
        base = base.filter(kind__code=kind)
    if facility:
        base = base.filter(facilities__contains=f",{facility},")
    columns = ("id", "lat", "lon", "hours") if open_now else ("id", "lat", "lon")
    radius = START_RADIUS_M
    while True:
        whole = radius >= WHOLE_EARTH_M
        rows = base.values_list(*columns) if whole else base.filter(_box_filter(lat, lon, radius)).values_list(*columns)
        within = []
        for row in rows:
            if open_now and not clock.is_open(row[3] or {}):
                continue
            d = geo.haversine_m(lat, lon, row[1], row[2])
            if whole or d <= radius:
                within.append((d, row[0]))
        if len(within) >= k or whole:
            break
        radius *= GROWTH
    best = heapq.nsmallest(k, within)
    stations = Station.objects.select_related("kind").in_bulk([pk for _d, pk in best])
    return [
        Hit(stations[pk], d, open_now or clock.is_open(stations[pk].hours or {})) for d, pk in best if pk in stations
    ]


def brute_force(lat: float, lon: float, k: int, stations, *, kind=None, facility=None, open_now=False, clock=None):
    """The reference answer: every running station ranked by distance (tests compare `nearest` with it)."""
    clock = clock or Clock()
    ranked = []
    for s in stations:
        if s.status != StationStatus.RUNNING or (kind and s.kind.code != kind):
            continue
        if facility and facility not in s.facility_codes:
            continue
        if open_now and not clock.is_open(s.hours or {}):
            continue
        ranked.append((geo.haversine_m(lat, lon, s.lat, s.lon), s.pk))
    ranked.sort()
    return ranked[:k]
