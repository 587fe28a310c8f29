"""Coordinates done right: WGS-84 storage, GCJ-02 / BD-09 conversion, great-circle distance,
navigation links.

GCJ-02 (国测局坐标, what Amap, Tencent maps and most Chinese phones report) is WGS-84 with an
obfuscating offset of a few hundred metres inside mainland China and nothing outside it; BD-09 (百度坐标)
is a further rotation of GCJ-02. The forward transform is the published "eviltransform" algorithm
(Krasovsky 1940 ellipsoid); the inverse has no closed form and is found by iteration to well under a
centimetre. Stations are stored in WGS-84; input is converted on the way in.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG); distances and search boxes use the same one
WGS84, GCJ02, BD09 = "wgs84", "gcj02", "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


class CoordinateError(ValueError):
    """A latitude/longitude pair outside the valid range, or an unknown coordinate system."""


def validate(lat, lon) -> tuple[float, float]:
    """Floats in range (−90 ≤ lat ≤ 90, −180 ≤ lon ≤ 180), or CoordinateError."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise CoordinateError("not a number") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise CoordinateError("out of range")
    return lat, lon


def out_of_china(lat: float, lon: float) -> bool:
    """The rectangle eviltransform uses: outside it GCJ-02 equals WGS-84."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform(x: float, y: float) -> tuple[float, float]:
    lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return lat, lon


def _delta(lat: float, lon: float) -> tuple[float, float]:
    d_lat, d_lon = _transform(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lon


def wgs_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj_to_wgs(lat: float, lon: float) -> tuple[float, float]:
    """Exact inverse by fixed-point iteration (the offset varies slowly: converges in a few steps)."""
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _step in range(30):
        g_lat, g_lon = wgs_to_gcj(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
        if abs(e_lat) < 1e-10 and abs(e_lon) < 1e-10:
            break
    return w_lat, w_lon


def gcj_to_bd(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon, lat
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def wgs_to_bd(lat: float, lon: float) -> tuple[float, float]:
    return gcj_to_bd(*wgs_to_gcj(lat, lon))


def bd_to_wgs(lat: float, lon: float) -> tuple[float, float]:
    return gcj_to_wgs(*bd_to_gcj(lat, lon))


def to_wgs(lat: float, lon: float, system: str) -> tuple[float, float]:
    """A point given in `system` (wgs84, gcj02, bd09) as WGS-84."""
    if system == WGS84:
        return lat, lon
    if system == GCJ02:
        return gcj_to_wgs(lat, lon)
    if system == BD09:
        return bd_to_wgs(lat, lon)
    raise CoordinateError(f"unknown coordinate system {system!r}")


def from_wgs(lat: float, lon: float, system: str) -> tuple[float, float]:
    """A WGS-84 point expressed in `system`."""
    if system == WGS84:
        return lat, lon
    if system == GCJ02:
        return wgs_to_gcj(lat, lon)
    if system == BD09:
        return wgs_to_bd(lat, lon)
    raise CoordinateError(f"unknown coordinate system {system!r}")


SYSTEM_ALIASES = {
    "wgs84": WGS84, "wgs-84": WGS84, "wgs": WGS84, "gps": WGS84, "": WGS84,
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj": GCJ02, "国测局": GCJ02, "火星坐标": GCJ02, "高德": GCJ02, "腾讯": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd09ll": BD09, "百度": BD09,
}  # fmt: skip


def parse_system(value) -> str:
    """A coordinate-system name as people write it (WGS84, GCJ-02, 高德, 百度 …) → wgs84/gcj02/bd09."""
    key = str(value or "").strip().lower().replace(" ", "")
    if key in SYSTEM_ALIASES:
        return SYSTEM_ALIASES[key]
    raise CoordinateError(f"unknown coordinate system {value!r}")


# --- distance ----------------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the mean-radius sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, list[tuple[float, float]]]:
    """A lat/lon box that contains every point within `radius_m` (great-circle) of (lat, lon).

    Returns (lat_min, lat_max, lon ranges). The latitude bound is exact (a meridian arc is the shortest
    way to change latitude); the longitude half-width is asin(sin(d)/cos(lat)), the widest longitude
    difference a point at angular distance d can have (the tangent point of the small circle), or the
    whole circle when the radius reaches a pole. A box crossing ±180° is returned as two ranges.
    """
    d = radius_m / EARTH_RADIUS_M
    eps = 1e-9  # degrees: float noise must never drop a point that lies exactly on the circle
    lat_min = max(-90.0, lat - math.degrees(d) - eps)
    lat_max = min(90.0, lat + math.degrees(d) + eps)
    cos_lat = math.cos(math.radians(lat))
    if d >= math.pi / 2 or lat_max >= 90.0 or lat_min <= -90.0 or math.sin(d) >= cos_lat:
        return lat_min, lat_max, [(-180.0, 180.0)]
    half = math.degrees(math.asin(math.sin(d) / cos_lat)) + eps
    lo, hi = lon - half, lon + half
    if lo < -180.0:
        return lat_min, lat_max, [(lo + 360.0, 180.0), (-180.0, hi)]
    if hi > 180.0:
        return lat_min, lat_max, [(lo, 180.0), (-180.0, hi - 360.0)]
    return lat_min, lat_max, [(lo, hi)]


# --- navigation links --------------------------------------------------------------------------


def navigation_links(lat: float, lon: float, name: str) -> list[dict]:
    """Links that open the map apps' route planning to a WGS-84 point, each in the system it expects:
    Amap and Tencent take GCJ-02, Baidu takes BD-09 (or is told the system with coord_type)."""
    g_lat, g_lon = wgs_to_gcj(lat, lon)
    b_lat, b_lon = wgs_to_bd(lat, lon)
    amap = "https://uri.amap.com/navigation?" + urlencode(
        {"to": f"{g_lon:.6f},{g_lat:.6f},{name}", "mode": "walk", "coordinate": "gaode", "callnative": "1"},
        quote_via=quote,
    )
    baidu = "https://api.map.baidu.com/direction?" + urlencode(
        {
            "destination": f"latlng:{b_lat:.6f},{b_lon:.6f}|name:{name}",
            "mode": "walking",
            "coord_type": "bd09ll",
            "output": "html",
            "src": "gonghui",
            "region": "",
        },
        quote_via=quote,
    )
    tencent = "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(
        {"type": "walk", "to": name, "tocoord": f"{g_lat:.6f},{g_lon:.6f}", "referer": "gonghui"},
        quote_via=quote,
    )
    return [
        {"app": "amap", "label": "高德地图", "system": GCJ02, "url": amap},
        {"app": "baidu", "label": "百度地图", "system": BD09, "url": baidu},
        {"app": "tencent", "label": "腾讯地图", "system": GCJ02, "url": tencent},
    ]
