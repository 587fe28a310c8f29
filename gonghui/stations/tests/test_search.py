"""The nearest search equals a brute-force great-circle ranking (exact, not approximated by a box)."""

import csv
import random

import pytest

from gonghui.core.actionkit import Actor
from gonghui.stations import geo, search
from gonghui.stations.hours import Clock
from gonghui.stations.importing import run_import
from gonghui.stations.models import Station

pytestmark = pytest.mark.django_db
KINDS = ["户外劳动者服务站", "零工驿站", "职工之家", "妈妈小屋"]
FACILITIES = ["热水", "充电", "卫生间", "WiFi", "母婴"]
HOURS = ["24小时", "每天 08:00-20:00", "周一至周五 09:00-17:00；节假日休息", "周六、周日 10:00-16:00"]


def write_stations(path, n, rng):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["名称", "类型", "地址", "行政区划代码", "经度", "纬度", "设施", "开放时间"])
        for i in range(n):
            if i % 3:  # dense clusters around Shenzhen and Guangzhou, the rest anywhere in the country
                lat, lon = rng.choice([(22.54, 113.93), (23.13, 113.26)])
                lat, lon = lat + rng.gauss(0, 0.08), lon + rng.gauss(0, 0.08)
            else:
                lat, lon = rng.uniform(18.2, 53.5), rng.uniform(73.6, 134.7)
            facilities = "、".join(rng.sample(FACILITIES, rng.randint(0, 3)))
            writer.writerow(
                [
                    f"站点{i}",
                    rng.choice(KINDS),
                    "某路",
                    "440305",
                    f"{lon:.6f}",
                    f"{lat:.6f}",
                    facilities,
                    rng.choice(HOURS),
                ]
            )


@pytest.fixture
def stations(tree, tmp_path):
    rng = random.Random(2026)
    path = tmp_path / "stations.csv"
    write_stations(path, 1500, rng)
    run = run_import(path, org=tree.district, acting_user=Actor.system("tests"))
    assert run.counts["created"] == 1500
    # a few not running: never answered
    ids = list(Station.objects.values_list("pk", flat=True)[:60])
    Station.objects.filter(pk__in=ids[:30]).update(status="paused")
    Station.objects.filter(pk__in=ids[30:]).update(status="planned")
    return list(Station.objects.select_related("kind"))


def brute_force(lat, lon, k, rows, *, kind=None, facility=None, open_now=False):
    """The reference answer: every running station ranked by great-circle distance (ties by id)."""
    ranked = [
        (geo.haversine_m(lat, lon, s_lat, s_lon), pk)
        for s_lat, s_lon, pk, s_kind, s_facilities, s_open in rows
        if (not kind or s_kind == kind) and (not facility or facility in s_facilities) and (not open_now or s_open)
    ]
    ranked.sort()
    return ranked[:k]


def test_it_equals_brute_force_for_a_thousand_random_points_and_random_filters(stations):
    rng = random.Random(13)
    clock = Clock()
    rows = [
        (s.lat, s.lon, s.pk, s.kind.code, set(s.facility_codes), clock.is_open(s.hours))
        for s in stations
        if s.status == "running"
    ]
    kinds = ["outdoor", "gig", "staff_home", "mother"]
    facilities = ["hot_water", "charging", "toilet", "wifi", "nursing"]
    for i in range(1200):
        if i % 4 == 0:
            lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)  # anywhere, poles and the antimeridian too
        elif i % 4 == 1:
            lat, lon = rng.uniform(18.2, 53.5), rng.uniform(73.6, 134.7)
        else:
            lat, lon = 22.54 + rng.gauss(0, 0.2), 113.93 + rng.gauss(0, 0.2)
        k = rng.randint(1, 50)
        kind = rng.choice([None, None, *kinds])
        facility = rng.choice([None, None, None, *facilities])
        open_now = rng.random() < 0.25
        got = search.nearest(lat, lon, k, kind=kind, facility=facility, open_now=open_now, clock=clock)
        want = brute_force(lat, lon, k, rows, kind=kind, facility=facility, open_now=open_now)
        assert [(round(h.distance_m, 6), h.station.pk) for h in got] == [(round(d, 6), pk) for d, pk in want], (
            lat,
            lon,
            k,
            kind,
            facility,
            open_now,
        )
    # the poles, the antimeridian and the corner of the country's box
    for lat, lon in [(90, 0), (-90, 0), (0, 180), (0, -180), (89.9, 179.99), (55.8, 137.8)]:
        got = search.nearest(lat, lon, 50, clock=clock)
        want = brute_force(lat, lon, 50, rows)
        assert [h.station.pk for h in got] == [pk for _d, pk in want]
    # fewer than k when fewer match
    running_mothers = [s for s in stations if s.kind.code == "mother" and s.status == "running"]
    got = search.nearest(22.54, 113.93, 50, kind="mother", facility="nursing")
    assert len(got) <= min(50, len(running_mothers))
    assert search.nearest(22.54, 113.93, 5, kind="no-such-kind") == []
