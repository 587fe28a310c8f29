"""Demo service stations (issue 13): a few hundred stations across Shenzhen and Guangzhou, placed around
each district's centre (synthetic, WGS-84), of every kind, some paused or closed at this hour, with visits
and ratings by demo members; one 24-hour station sits beside the demo rider's 南山区 location."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from gonghui.core.actionkit import Actor
from gonghui.orgs.models import Org
from gonghui.stations import actions
from gonghui.stations.models import Station

SEED = 13
PER_DISTRICT = 25
RIDER_POINT = (22.5333, 113.9305)  # 南山区科技园: where the demo rider's phone says it is
CENTRES = {
    "440303": (22.548, 114.131), "440304": (22.541, 114.055), "440305": (22.533, 113.930),
    "440306": (22.555, 113.884), "440307": (22.720, 114.247), "440309": (22.697, 114.045),
    "440103": (23.125, 113.244), "440104": (23.129, 113.267), "440105": (23.084, 113.318),
    "440106": (23.125, 113.361), "440111": (23.158, 113.273), "440112": (23.106, 113.450),
    "440113": (22.938, 113.384),
}  # fmt: skip
KINDS = ["outdoor"] * 5 + ["gig", "gig", "staff_home", "mother", "reading", "charity_shop", "canteen", "driver_home"]
HOSTS = [
    "中国工商银行",
    "招商银行",
    "中国邮政",
    "中国石化加油站",
    "顺丰速运网点",
    "社区党群服务中心",
    "美团站点",
    "万科物业",
]
ROADS = ["深南大道", "科技南路", "创业路", "中山大道", "天河路", "黄埔大道", "滨海大道", "工业大道", "文化路", "建设路"]
HOURS = [
    "24小时",
    "每天 07:00-21:00",
    "周一至周五 08:30-18:00；节假日休息",
    "每天 09:00-22:00",
    "周六、周日 10:00-17:00",
]
FACILITIES = [
    "hot_water",
    "microwave",
    "charging",
    "toilet",
    "seats",
    "air_con",
    "first_aid",
    "wifi",
    "books",
    "nursing",
]
COMMENTS = ["热水和充电都很方便", "夏天有空调，歇脚很舒服", "工作人员很热情", "位置好找", "", "希望延长开放时间"]


def seed_demo(stdout=None) -> int:
    if Station.objects.exists():
        if stdout:
            stdout.write("demo stations already present; nothing to do")
        return 0
    system = Actor.system("demo")
    rng = random.Random(SEED)
    districts = {o.division_code: o for o in Org.objects.filter(division_code__in=CENTRES, kind="district")}
    created = []
    with transaction.atomic():
        nanshan = districts.get("440305")
        if nanshan is not None:
            created.append(
                actions.do_create_station(
                    acting_user=system,
                    org=nanshan,
                    data={
                        "name": "科技园户外劳动者服务站",
                        "kind": "outdoor",
                        "host": "招商银行科技园支行",
                        "address": "深圳市南山区科技南十二路2号",
                        "division_code": "440305",
                        "lat": RIDER_POINT[0] + 0.0021,
                        "lon": RIDER_POINT[1] + 0.0013,
                        "facilities": ["hot_water", "microwave", "charging", "toilet", "seats", "air_con", "wifi"],
                        "hours": "24小时",
                        "contact_phone": "0755-26880000",
                        "status": "running",
                    },
                )
            )
        for code, (lat0, lon0) in CENTRES.items():
            org = districts.get(code)
            if org is None:
                continue
            for n in range(PER_DISTRICT):
                kind = rng.choice(KINDS)
                host = rng.choice(HOSTS)
                road = rng.choice(ROADS)
                status = "planned" if n % 12 == 11 else "running"
                station = actions.do_create_station(
                    acting_user=system,
                    org=org,
                    data={
                        "name": f"{road}{host}{'驿站' if kind in ('outdoor', 'gig') else '服务点'}{n + 1}号",
                        "kind": kind,
                        "host": host,
                        "address": f"{org.name.removesuffix('总工会')}{road}{rng.randint(1, 999)}号",
                        "division_code": code,
                        "lat": lat0 + rng.gauss(0, 0.018),
                        "lon": lon0 + rng.gauss(0, 0.02),
                        "facilities": rng.sample(FACILITIES, rng.randint(2, 6)),
                        "hours": rng.choice(HOURS),
                        "contact_phone": f"020-{rng.randint(80000000, 89999999)}",
                        "status": status,
                    },
                )
                if n % 17 == 5:
                    actions.do_change_station_status(
                        acting_user=system, station=station, status="paused", reason="设施维修"
                    )
                if n % 4 == 0:
                    actions.do_add_investment(
                        acting_user=system,
                        station=station,
                        amount=Decimal(rng.randrange(800000, 2500000)) / 100,
                        source=rng.choice(["union", "union", "government", "host"]),
                        year=2025,
                        note="建设和设备",
                    )
                created.append(station)
        _visits(system, rng, list(Station.objects.filter(status="running").select_related("org").order_by("id")))
    if stdout:
        stdout.write(f"created {len(created):,} service stations")
    return len(created)


def _visits(system, rng, stations) -> None:
    """Visits and ratings by demo members (never the demo rider, whose visits the browser test makes)."""
    from gonghui.people.models import Person

    people = list(Person.objects.exclude(mobile="+8613800000001").order_by("id")[:40])
    for station in stations[1::3]:
        for person in rng.sample(people, min(len(people), rng.randint(1, 4))):
            checkin = actions.do_check_in(acting_user=system, station=station, person=person)
            if rng.random() < 0.7:
                score = rng.choice([5, 5, 5, 4, 4, 3, 2])
                actions.do_rate(acting_user=system, checkin=checkin, score=score, comment=rng.choice(COMMENTS))
