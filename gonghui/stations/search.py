"""Exact k-nearest stations by great-circle distance, on SQLite and PostgreSQL without PostGIS.

The database answers a latitude/longitude box through the `(status, lat, lon)` index; Python ranks
the candidates by haversine distance. The box around the point is built for a radius r such that
every station within r (great-circle) lies inside it (`geo.bounding_box`). If at least k matching
stations lie within r, the k nearest of them are the k nearest overall: every station outside the
circle is farther than r, hence farther than the k-th. Otherwise r grows (by the share of the area
still missing, ×2 to ×8) and the box is asked again, up to the whole globe — so the answer is exact
for any k and any point, not "the k nearest inside some box".
"""

from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass

from django.db import connection

from gonghui.stations import geo
from gonghui.stations.hours import Clock
from gonghui.stations.models import Station, StationKind
from gonghui.stations.states import StationStatus

MAX_K = 50
START_RADIUS_M = 2_000.0
WHOLE_EARTH_M = geo.EARTH_RADIUS_M * 3.1416


@dataclass(frozen=True)
class KindRef:
    code: str
    name: str


@dataclass(frozen=True)
class Found:
    """What a search answer shows of a station (read in one plain query, not as model instances)."""

    id: int
    code: str
    name: str
    lat: float
    lon: float
    address: str
    facilities: str
    hours: dict
    kind: KindRef

    @property
    def pk(self) -> int:
        return self.id

    @property
    def facility_codes(self) -> list[str]:
        return [c for c in self.facilities.split(",") if c]


@dataclass
class Hit:
    station: Found
    distance_m: float
    open_now: bool


def _box_sql(lat: float, lon: float, radius_m: float) -> tuple[str, list]:
    """The box as SQL over the (status, lat, lon) index; a box crossing ±180° becomes two longitude ranges."""
    lat_min, lat_max, lon_ranges = geo.bounding_box(lat, lon, radius_m)
    sql, params = " AND lat >= %s AND lat <= %s", [lat_min, lat_max]
    if lon_ranges != [(-180.0, 180.0)]:
        sql += " AND (" + " OR ".join("(lon >= %s AND lon <= %s)" for _r in lon_ranges) + ")"
        params += [v for r in lon_ranges for v in r]
    return sql, params


def _hours(value) -> dict:
    if isinstance(value, str):  # SQLite (and PostgreSQL jsonb through a raw cursor) hand back the text
        return json.loads(value) if value else {}
    return value or {}


def nearest(
    lat: float,
    lon: float,
    k: int = 10,
    *,
    kind: str | None = None,
    facility: str | None = None,
    open_now: bool = False,
    clock: Clock | None = None,
) -> list[Hit]:
    """The k running stations nearest to a WGS-84 point, nearest first (ties by id).

    `kind` is a kind code, `facility` a facility code; `open_now` keeps the stations open at the
    moment of `clock` (Asia/Shanghai, holidays from core.calendar).

    The box query is plain SQL (the same text on SQLite and PostgreSQL): it runs a few times per
    search, and building it through the ORM cost more than running it.
    """
    k = max(1, min(int(k), MAX_K))
    clock = clock or Clock()
    table = connection.ops.quote_name(Station._meta.db_table)
    kinds = connection.ops.quote_name(StationKind._meta.db_table)
    columns = "id, lat, lon, hours" if open_now else "id, lat, lon"
    where, base_params = "status = %s", [StationStatus.RUNNING.value]
    if kind:
        where += f" AND kind_id IN (SELECT id FROM {kinds} WHERE code = %s)"
        base_params.append(kind)
    if facility:
        where += " AND facilities LIKE %s"
        base_params.append(f"%,{facility},%")
    radius = START_RADIUS_M
    with connection.cursor() as cursor:
        while True:
            whole = radius >= WHOLE_EARTH_M
            box, box_params = ("", []) if whole else _box_sql(lat, lon, radius)
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {where}{box}", base_params + box_params)
            within = []
            for row in cursor.fetchall():
                if open_now and not clock.is_open(_hours(row[3])):
                    continue
                d = geo.haversine_m(lat, lon, row[1], row[2])
                if whole or d <= radius:
                    within.append((d, row[0]))
            if len(within) >= k or whole:
                break
            # Grow by the area still missing (the count grows with r²), at least ×2, at most ×8.
            radius *= min(8.0, max(2.0, 1.3 * math.sqrt(k / max(len(within), 1))))
        best = heapq.nsmallest(k, within)
        stations = _fetch(cursor, [pk for _d, pk in best])
    return [Hit(stations[pk], d, open_now or clock.is_open(stations[pk].hours)) for d, pk in best if pk in stations]


def _fetch(cursor, ids: list[int]) -> dict[int, Found]:
    if not ids:
        return {}
    table = connection.ops.quote_name(Station._meta.db_table)
    kinds = connection.ops.quote_name(StationKind._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(
        f"SELECT s.id, s.code, s.name, s.lat, s.lon, s.address, s.facilities, s.hours, k.code, k.name "
        f"FROM {table} s JOIN {kinds} k ON k.id = s.kind_id WHERE s.id IN ({marks})",
        ids,
    )
    return {row[0]: Found(*row[:7], _hours(row[7]), KindRef(row[8], row[9])) for row in cursor.fetchall()}
