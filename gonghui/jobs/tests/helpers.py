"""Test helpers of jobs: approved employers, published posts, members with skills, portal clients."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from django.utils import timezone

from gonghui.core.actionkit import Actor
from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_uscc
from gonghui.jobs import actions
from gonghui.jobs.models import JobPost
from gonghui.learning.tests.helpers import member_client  # noqa: F401  (portal clients, shared)
from gonghui.members.models import Membership
from gonghui.members.schemas import mask_name

SYSTEM = Actor.system("test")
NANSHAN = (22.5333, 113.9305)  # 南山区 (WGS-84)
_seq = count(1)


def set_wage(division="440300", monthly="2520", hourly="23.70", on=dt.date(2025, 3, 1)):
    return actions.do_set_minimum_wage(
        acting_user=SYSTEM, division_code=division, effective_on=on, monthly=monthly, hourly=hourly, demo=True
    )


def employer_data(**kw) -> dict:
    n = next(_seq)
    body = f"MA5JXB{n:03d}"
    data = {
        "name": f"南山测试用人单位{n}有限公司",
        "uscc": make_uscc("440305", body),
        "contact_name": "王经理",
        "contact_mobile": f"1390000{n:04d}",
        "address": "深圳市南山区科技园",
        "division_code": "440305",
        "lat": NANSHAN[0],
        "lon": NANSHAN[1],
    }
    data.update(kw)
    return data


def make_employer(org, *, approve=True, acting_user=SYSTEM, **kw):
    employer = actions.do_register_employer(acting_user=acting_user, org=org, data=employer_data(**kw))
    if approve:
        employer = actions.do_approve_employer(acting_user=acting_user, employer=employer)
    return employer


def post_data(**kw) -> dict:
    data = {
        "title": "外卖骑手（日结）",
        "description": "南山区配送，按单计酬，日结",
        "job_type": "gig_daily",
        "skills": [],
        "openings": 3,
        "wage_min": Decimal("200"),
        "wage_max": Decimal("300"),
        "wage_unit": "day",
        "lat": NANSHAN[0],
        "lon": NANSHAN[1],
        "division_code": "440305",
        "address": "南山区科技园",
        "hours": "10:00-20:00",
        "benefits": "意外险",
        "deadline": timezone.localdate() + dt.timedelta(days=30),
    }
    data.update(kw)
    return data


def make_post(org, employer, *, publish=True, acting_user=SYSTEM, station=None, **kw) -> JobPost:
    post = actions.do_create_post(
        acting_user=acting_user, employer=employer, org=None if station else org, station=station, data=post_data(**kw)
    )
    if publish:
        post = actions.do_submit_post(acting_user=acting_user, post=post)
        post = actions.do_publish_post(acting_user=acting_user, post=post)
    return JobPost.objects.select_related("org", "employer").get(pk=post.pk)


def me(membership: Membership) -> Actor:
    return Actor.member(membership.person_id, mask_name(membership.person.name))


def give_skill(membership, name="急救（CPR+AED）", level=""):
    from gonghui.learning import actions_records

    skill = actions_records.do_declare_skill(
        acting_user=me(membership), membership=membership, name=name, level=level, acquired_on=timezone.localdate()
    )
    return actions_records.do_verify_skill(acting_user=SYSTEM, skill=skill, approve=True)


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))
