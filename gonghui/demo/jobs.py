"""Demo jobs (就业服务, issue 11): what `make run` needs to try the whole flow.

The minimum wage table holds Guangdong figures marked as demo data. 南山区总工会 (the `district`
login) has registered and approved two employers — an outside catering company and the enterprise
of one of its grassroots unions — and publishes posts through a 南山区 零工驿站 (the nearest demo
station of that kind to the rider, or a new one): daily-pay delivery and sorting work, trainee
posts, and a 社区急救站点协管员 post next to 科技园 that needs the skill "急救（CPR+AED）" the demo
rider (13800000001) holds from the learning demo's first-aid course. One member of the district was
placed six weeks ago, so a one-month follow-up is due; a job fair is open with both employers.
Everything goes through the jobs actions (audited) and is found again by name on a second run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DISTRICT = "440305"
OUTSIDE = "深圳南山鲜食餐饮管理有限公司（演示）"
OUTSIDE_USCC = "91440305MA5DEMX0J"  # completed with its check character below
STATION_NAME = "南山区零工驿站（演示）"
RIDER_POINT = (22.5333, 113.9305)
CPR_SKILL = "急救（CPR+AED）"
CPR_POST = "社区急救站点协管员（见习）"
WAGES = [  # (division, effective, monthly, hourly): Guangdong's 2025 tiers, marked as demo data
    ("440000", dt.date(2025, 3, 1), "1720", "16.40"),
    ("440300", dt.date(2025, 3, 1), "2520", "23.70"),
    ("440100", dt.date(2025, 3, 1), "2500", "23.70"),
]


def seed_demo(stdout=None) -> dict:
    from gonghui.jobs.models import Employer

    if Employer.objects.filter(name=OUTSIDE).exists():
        return {}
    created = _seed()
    if created and stdout is not None:
        stdout.write("jobs: " + ", ".join(f"{n} {what}" for what, n in created.items()))
    return created


def _actor():
    from gonghui.accounts.models import User
    from gonghui.core.actionkit import Actor

    user = User.objects.filter(username="district").first()
    return user if user is not None else Actor.system("demo")


def _uscc() -> str:
    from gonghui.core.validators import uscc_check_character

    return OUTSIDE_USCC[:17] + uscc_check_character(OUTSIDE_USCC[:17])


def _station(org, actor):
    """The 零工驿站 nearest to the rider among the stations demo's running ones, or a new one."""
    from gonghui.stations import actions as station_actions
    from gonghui.stations import geo
    from gonghui.stations.models import Station

    stations = list(Station.objects.filter(kind__code="gig", status="running", division_code=DISTRICT))
    if stations:
        return min(stations, key=lambda s: geo.haversine_m(RIDER_POINT[0], RIDER_POINT[1], s.lat, s.lon))
    return station_actions.do_create_station(
        acting_user=actor,
        org=org,
        data={
            "name": STATION_NAME,
            "kind": "gig",
            "host": "南山区人力资源服务中心",
            "address": "深圳市南山区科技中二路 19 号",
            "division_code": DISTRICT,
            "lat": RIDER_POINT[0] + 0.004,
            "lon": RIDER_POINT[1] - 0.003,
            "facilities": ["hot_water", "charging", "seats", "wifi"],
            "hours": "每天 08:00-20:00",
            "contact_phone": "0755-26000000",
            "status": "running",
        },
    )


def _posts(today):
    deadline = today + dt.timedelta(days=45)
    lat, lon = RIDER_POINT
    return [
        {
            "title": "外卖骑手（日结）",
            "description": "南山区科技园片区配送，自备电动车，按日结算，平台意外险由站点统一投保。",
            "job_type": "gig_daily",
            "openings": 20,
            "wage_min": Decimal("220"),
            "wage_max": Decimal("320"),
            "wage_unit": "day",
            "lat": lat + 0.006,
            "lon": lon + 0.004,
            "hours": "10:00-14:00，17:00-21:00",
            "benefits": "日结、意外险、驿站热饭充电",
        },
        {
            "title": "电商仓库分拣员（日结）",
            "description": "西丽片区电商仓库，夜班分拣，包夜宵。",
            "job_type": "gig_daily",
            "openings": 15,
            "wage_min": Decimal("25"),
            "wage_max": Decimal("28"),
            "wage_unit": "hour",
            "lat": lat + 0.04,
            "lon": lon - 0.02,
            "hours": "20:00-次日 6:00",
            "benefits": "日结、夜宵",
        },
        {
            "title": CPR_POST,
            "description": "协助社区急救站点巡查 AED、组织应急演练；持急救（CPR+AED）结业证书者优先。见习三个月。",
            "job_type": "trainee",
            "skills": [{"name": CPR_SKILL, "level": ""}],
            "openings": 5,
            "wage_min": Decimal("2600"),
            "wage_max": Decimal("3200"),
            "wage_unit": "month",
            "lat": lat + 0.003,
            "lon": lon + 0.002,
            "hours": "周一至周五 9:00-18:00",
            "benefits": "见习补贴、工作餐、结业可转正",
        },
        {
            "title": "餐饮门店见习店长",
            "description": "门店运营见习，六个月后考核转正。",
            "job_type": "trainee",
            "openings": 3,
            "wage_min": Decimal("3500"),
            "wage_max": Decimal("4500"),
            "wage_unit": "month",
            "lat": lat - 0.01,
            "lon": lon + 0.012,
            "hours": "做六休一",
            "benefits": "五险一金、包工作餐",
        },
    ], deadline


@transaction.atomic
def _seed() -> dict:
    from gonghui.jobs import actions, actions_fairs
    from gonghui.jobs.models import Employer
    from gonghui.orgs.models import Org

    org = Org.objects.filter(code=DISTRICT).first()
    if org is None:
        return {}
    actor = _actor()
    for code, on, monthly, hourly in WAGES:
        actions.do_set_minimum_wage(
            acting_user=actor, division_code=code, effective_on=on, monthly=monthly, hourly=hourly,
            note="广东省最低工资标准（演示数据，以政府公布为准）", demo=True,
        )  # fmt: skip
    outside = actions.do_register_employer(
        acting_user=actor,
        org=org,
        data={
            "name": OUTSIDE,
            "uscc": _uscc(),
            "contact_name": "林经理",
            "contact_mobile": "13926000001",
            "address": "深圳市南山区南海大道 1057 号",
            "division_code": DISTRICT,
            "lat": RIDER_POINT[0] - 0.01,
            "lon": RIDER_POINT[1] + 0.012,
        },
    )
    enterprise_org = (
        Org.objects.filter(path__startswith=org.path, kind="grassroots").exclude(uscc="").order_by("code").first()
    )
    employers = [actions.do_approve_employer(acting_user=actor, employer=outside, note="资料齐全（演示）")]
    if enterprise_org is not None and not Employer.objects.filter(uscc=enterprise_org.uscc).exists():
        member_employer = actions.do_register_employer(
            acting_user=actor,
            org=org,
            enterprise=enterprise_org,
            data={
                "name": enterprise_org.name.removesuffix("工会"),
                "contact_name": "工会主席",
                "contact_mobile": "13926000002",
                "address": "深圳市南山区科技园",
                "division_code": DISTRICT,
                "lat": RIDER_POINT[0] + 0.02,
                "lon": RIDER_POINT[1] - 0.01,
            },
        )
        employers.append(actions.do_approve_employer(acting_user=actor, employer=member_employer))
    station = _station(org, actor)
    today = timezone.localdate()
    specs, deadline = _posts(today)
    posts = []
    for i, spec in enumerate(specs):
        employer = employers[i % len(employers)]
        data = {"division_code": DISTRICT, "address": "深圳市南山区", "deadline": deadline, **spec}
        post = actions.do_create_post(acting_user=actor, employer=employer, station=station, data=data)
        post = actions.do_submit_post(acting_user=actor, post=post)
        posts.append(actions.do_publish_post(acting_user=actor, post=post))
    placed = _placement(org, posts[0], today)
    fair = actions_fairs.do_create_fair(
        acting_user=actor,
        org=org,
        data={
            "title": "南山区新就业形态劳动者专场招聘会（直播带岗）",
            "venue": station.address,
            "starts_at": timezone.now() - dt.timedelta(hours=1),
            "ends_at": timezone.now() + dt.timedelta(days=2),
            "live_url": "https://live.example.cn/nanshan-jobs",
        },
    )
    for employer in employers:
        actions_fairs.do_add_to_fair(
            acting_user=actor, fair=fair, employer=employer, posts=[p for p in posts if p.employer_id == employer.pk]
        )
    actions_fairs.do_move_fair(acting_user=actor, fair=fair, status="open")
    return {"employers": len(employers), "posts": len(posts), "placements": placed, "fairs": 1}


def _placement(org, post, today) -> int:
    """A member of the district (not the rider) hired six weeks ago: the one-month follow-up is due."""
    from gonghui.core.actionkit import Actor
    from gonghui.demo.members import DEMO_MEMBER
    from gonghui.jobs import actions_apply
    from gonghui.members.models import Membership
    from gonghui.members.schemas import mask_name
    from gonghui.members.states import CURRENT

    member = (
        Membership.objects.select_related("person")
        .filter(org_path__startswith=org.path, status__in=CURRENT)
        .exclude(person__mobile=DEMO_MEMBER["mobile"])
        .order_by("id")
        .first()
    )
    if member is None:
        return 0
    system = Actor.system("demo")
    application = actions_apply.do_apply(
        acting_user=Actor.member(member.person_id, mask_name(member.person.name)), post=post, membership=member
    )
    actions_apply.do_move_application(acting_user=system, application=application, status="interview")
    actions_apply.do_move_application(acting_user=system, application=application, status="offered")
    actions_apply.do_hire(
        acting_user=system,
        application=application,
        start_date=today - dt.timedelta(days=42),
        wage=Decimal("240"),
        wage_unit="day",
    )
    return 1
