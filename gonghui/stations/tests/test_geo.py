"""Coordinate conversion against published reference values, round trips, distances and boxes."""

import math
import random

import pytest

from gonghui.stations import geo

# (WGS-84 lat, lon) → (GCJ-02 lat, lon): the reference pairs of googollee/eviltransform's test suite
# (Shanghai, Shenzhen, Beijing).
WGS_GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]
# wandergis/coordtransform's published example: the point (39.915, 116.404) (天安门 area).
POINT = (39.915, 116.404)
WGS_TO_GCJ = (39.91640428150164, 116.41024449916938)
GCJ_TO_WGS = (39.91359571849836, 116.39775550083061)
GCJ_TO_BD = (39.92133699351021, 116.41036949371029)
BD_TO_GCJ = (39.90865673957631, 116.39762729119315)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_it_matches_the_published_wgs_to_gcj_pairs(wgs, gcj):
    assert geo.wgs_to_gcj(*wgs) == pytest.approx(gcj, abs=1e-9)
    back = geo.gcj_to_wgs(*gcj)
    assert geo.haversine_m(*back, *wgs) < 0.01


def test_it_matches_the_published_tiananmen_conversions():
    assert geo.wgs_to_gcj(*POINT) == pytest.approx(WGS_TO_GCJ, abs=1e-9)
    assert geo.gcj_to_bd(*POINT) == pytest.approx(GCJ_TO_BD, abs=1e-9)
    assert geo.bd_to_gcj(*POINT) == pytest.approx(BD_TO_GCJ, abs=1e-9)
    # coordtransform's gcj02towgs84 is the one-step approximation; the exact inverse lies within a metre of it.
    assert geo.haversine_m(*geo.gcj_to_wgs(*POINT), *GCJ_TO_WGS) < 1.0


def test_it_round_trips_within_a_metre_inside_china():
    rng = random.Random(13)
    for _ in range(2000):
        lat, lon = rng.uniform(18.2, 53.5), rng.uniform(73.6, 134.7)
        assert geo.haversine_m(*geo.gcj_to_wgs(*geo.wgs_to_gcj(lat, lon)), lat, lon) < 1.0
        assert geo.haversine_m(*geo.bd_to_wgs(*geo.wgs_to_bd(lat, lon)), lat, lon) < 1.0
        assert geo.haversine_m(*geo.to_wgs(*geo.from_wgs(lat, lon, "gcj02"), "gcj02"), lat, lon) < 1.0


def test_it_moves_points_by_the_known_few_hundred_metres_in_china():
    offset = geo.haversine_m(*geo.wgs_to_gcj(22.5333, 113.9305), 22.5333, 113.9305)
    assert 300 < offset < 700


@pytest.mark.parametrize("point", [(48.8584, 2.2945), (40.6892, -74.0445), (-33.8568, 151.2153), (35.6812, 139.7671)])
def test_it_leaves_points_outside_china_alone(point):
    assert geo.wgs_to_gcj(*point) == point
    assert geo.gcj_to_wgs(*point) == point


def test_it_measures_great_circle_distances():
    # a quarter of a great circle is πR/2; a degree of latitude ≈ 111.2 km
    assert geo.haversine_m(0, 0, 0, 90) == pytest.approx(math.pi * geo.EARTH_RADIUS_M / 2)
    assert geo.haversine_m(90, 0, -90, 0) == pytest.approx(math.pi * geo.EARTH_RADIUS_M)
    assert geo.haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)
    assert geo.haversine_m(10, 20, 10, 20) == 0


def test_it_builds_boxes_that_hold_every_point_of_the_circle():
    rng = random.Random(7)
    for _ in range(3000):
        lat, lon = rng.uniform(-89, 89), rng.uniform(-180, 180)
        radius = 10 ** rng.uniform(2, 7)
        lat_min, lat_max, ranges = geo.bounding_box(lat, lon, radius)
        # a random point on the circle's edge (destination formula)
        bearing, d = rng.uniform(0, 2 * math.pi), radius / geo.EARTH_RADIUS_M
        p1, l1 = math.radians(lat), math.radians(lon)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
        l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        plat, plon = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
        assert lat_min <= plat <= lat_max
        assert any(lo <= plon <= hi for lo, hi in ranges)


def test_it_links_the_map_apps_in_their_own_systems():
    links = {link["app"]: link for link in geo.navigation_links(22.5333, 113.9305, "南山站")}
    g_lat, g_lon = geo.wgs_to_gcj(22.5333, 113.9305)
    b_lat, b_lon = geo.wgs_to_bd(22.5333, 113.9305)
    assert f"{g_lon:.6f}%2C{g_lat:.6f}" in links["amap"]["url"]
    assert f"{b_lat:.6f}%2C{b_lon:.6f}" in links["baidu"]["url"] and "bd09ll" in links["baidu"]["url"]
    assert f"{g_lat:.6f}%2C{g_lon:.6f}" in links["tencent"]["url"]


@pytest.mark.parametrize(("value", "system"), [("GCJ-02", "gcj02"), ("高德", "gcj02"), ("百度", "bd09"), ("", "wgs84")])
def test_it_reads_coordinate_system_names(value, system):
    assert geo.parse_system(value) == system


@pytest.mark.parametrize("bad", [(91, 0), (0, 181), ("x", 1), (float("nan"), 1), (None, 2)])
def test_it_refuses_bad_coordinates(bad):
    with pytest.raises(geo.CoordinateError):
        geo.validate(*bad)
