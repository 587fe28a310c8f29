"""Demo benefits (普惠, issue 6): what `make run` needs to try the whole flow.

南山区总工会 (the `district` login) has signed a gym (南山区职工健身中心) with member offers; the
`merchant` login works at its counter; a published fitness voucher campaign is open to gig workers
in 440305 (the demo member 13800000001, a 美团 rider in 440305-F2, can claim one in the portal and
show it at the counter); a hospital with a medical reduction and a few catalogue services.

Everything goes through `benefits.actions` with the `district` user as the actor (audited), and is
found again by name on a second run: idempotent, a few dozen queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DISTRICT = "440305"
GYM = "南山区职工健身中心（演示）"
HOSPITAL = "南山区职工医院（演示）"
CAMPAIGN = "新就业形态劳动者健身券"

OFFERS = {
    GYM: [
        {"title": "凭会员卡八折", "kind": "percent", "percent": Decimal("20"), "terms": "单次健身、团课均可"},
        {"title": "每月首次免费入场", "kind": "free", "terms": "出示电子会员卡"},
    ],
    HOSPITAL: [
        {
            "title": "职工门诊自付部分减免 30%",
            "kind": "medical",
            "percent": Decimal("30"),
            "cap_per_use": Decimal("300"),
            "yearly_cap": Decimal("1000"),
            "terms": "医保报销后的自付部分，每人每年最多减免 1000 元",
        }
    ],
}

SERVICES = [
    {
        "name": "新就业形态劳动者法律援助",
        "category": "legal_aid",
        "description": "劳动争议、工伤认定、平台规则申诉的免费法律咨询和代理。",
        "how_to_use": "在会员服务中预约，或到区职工服务中心窗口办理。",
        "channels": ["线上", "职工服务中心"],
        "rule": {"worker_types": ["gig"]},
    },
    {
        "name": "职工心理咨询",
        "category": "psychology",
        "description": "每周三下午，专业心理咨询师一对一面谈或电话咨询。",
        "how_to_use": "拨打 12351 预约。",
        "channels": ["12351 热线", "职工服务中心"],
        "rule": {},
    },
    {
        "name": "会员健身优惠",
        "category": "fitness",
        "description": "合作健身场馆凭电子会员卡享受折扣和免费入场。",
        "how_to_use": "到店出示电子会员卡二维码。",
        "channels": ["合作场馆"],
        "rule": {},
        "partner": GYM,
    },
]


def _partner(actor, org, name: str, kind: str):
    from gonghui.benefits import actions
    from gonghui.benefits.models import Partner

    partner = Partner.objects.filter(org=org, name=name).first()
    if partner is not None:
        return partner
    today = timezone.localdate()
    partner = actions.do_create_partner(
        acting_user=actor,
        org=org,
        data={
            "name": name,
            "kind": kind,
            "locations": [{"name": "南山店", "address": "深圳市南山区科技园（演示地址）"}],
            "contact_name": "王经理",
            "contact_phone": "0755-00000000",
            "description": "南山区总工会签约的合作单位（演示数据）",
            "agreement_start": today - dt.timedelta(days=30),
            "agreement_end": today + dt.timedelta(days=730),
        },
    )
    for offer in OFFERS[name]:
        actions.do_create_offer(acting_user=actor, partner=partner, data=offer)
    return partner


def seed_demo(stdout=None) -> dict:
    """Create what is missing; returns (and writes to `stdout`) what was created, nothing on a second run."""
    created = _seed()
    if created and stdout is not None:
        stdout.write("benefits: " + ", ".join(f"{n} {what}" for what, n in created.items()))
    return created


@transaction.atomic
def _seed() -> dict:
    from gonghui.accounts.models import User
    from gonghui.benefits import actions
    from gonghui.benefits.models import Campaign, Service
    from gonghui.benefits.states import PublishStatus
    from gonghui.orgs.models import Org

    org = Org.objects.filter(code=DISTRICT).first()
    actor = User.objects.filter(username="district").first()
    if org is None or actor is None:
        return {}
    created: dict = {}
    before = set(org.benefit_partners.values_list("name", flat=True))
    gym = _partner(actor, org, GYM, "gym")
    _partner(actor, org, HOSPITAL, "hospital")
    created["partners"] = len({GYM, HOSPITAL} - before)

    merchant = User.objects.filter(username="merchant").first()
    if merchant is not None and actions.partner_of(merchant) is None:
        actions.do_add_partner_staff(acting_user=actor, partner=gym, user=merchant)
        created["partner_staff"] = 1

    if not Campaign.objects.filter(org=org, name=CAMPAIGN).exists():
        now = timezone.now()
        campaign = actions.do_create_campaign(
            acting_user=actor,
            org=org,
            data={
                "name": CAMPAIGN,
                "kind": "fitness",
                "description": "南山区新就业形态劳动者（快递员、外卖骑手、网约车司机等）每人可领 1 张，"
                "在合作健身场馆抵扣 50 元。",
                "face_value": Decimal("50.00"),
                "quota": 200,
                "per_member_limit": 1,
                "claim_starts": now - dt.timedelta(hours=1),
                "claim_ends": now + dt.timedelta(days=90),
                "valid_until": now + dt.timedelta(days=120),
                "rule": {"worker_types": ["gig"]},
                "budget": Decimal("10000.00"),
            },
            partners=[gym],
        )
        actions.do_publish_campaign(acting_user=actor, campaign=campaign)
        created["campaigns"] = 1

    partners = {p.name: p for p in org.benefit_partners.all()}
    have = set(Service.objects.filter(org=org).values_list("name", flat=True))
    for spec in SERVICES:
        if spec["name"] in have:
            continue
        data = dict(spec)
        if "partner" in data:
            data["partner"] = partners[data["partner"]]
        service = actions.do_create_service(acting_user=actor, org=org, data=data)
        actions.do_set_service_status(acting_user=actor, service=service, status=PublishStatus.PUBLISHED)
        created["services"] = created.get("services", 0) + 1
    return {k: v for k, v in created.items() if v}
