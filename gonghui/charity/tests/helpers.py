"""Builders for the charity tests: funds, campaigns, donations, grants and wishes through the real actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gonghui.charity import actions, actions_grants, actions_wishes
from gonghui.charity.models import Campaign, Fund
from gonghui.core.models import AuditEntry

ACCOUNT = "6222021234567890123"


def make_fund(org, *, user=None, code="sgya", restrictions=None, **kw) -> Fund:
    return actions.do_create_fund(
        acting_user=user or _system(),
        org=org,
        code=code,
        name=kw.pop("name", "深工有爱专项基金"),
        purpose=kw.pop("purpose", "帮助遭遇困难的职工家庭"),
        restrictions=restrictions,
    )


def _system():
    from gonghui.core.actionkit import Actor

    return Actor.system("test")


SYSTEM = None


def make_campaign(fund, *, user=None, open_=True, ratio="1", cap="500.00", **kw) -> Campaign:
    today = timezone.localdate()
    campaign = actions.do_create_campaign(
        acting_user=user or _system(),
        fund=fund,
        name=kw.pop("name", "99公益日·深工有爱"),
        target=kw.pop("target", "10000.00"),
        starts_on=kw.pop("starts_on", today - dt.timedelta(days=3)),
        ends_on=kw.pop("ends_on", today + dt.timedelta(days=3)),
        match_partner="爱心企业" if Decimal(ratio) else "",
        match_ratio=ratio,
        match_cap=cap,
        **kw,
    )
    if open_:
        campaign = actions.do_set_campaign_status(acting_user=user or _system(), campaign=campaign, status="open")
    return campaign


def donate(campaign, amount="100.00", *, user=None, **kw):
    data = {"donor_kind": "anonymous", "donor_name": "爱心人士", "channel": "bank"}
    data.update(kw)
    return actions.do_record_donation(acting_user=user or _system(), campaign=campaign, amount=amount, **data)


def propose_grant(fund, *, user=None, amount="1000.00", **kw):
    data = {
        "beneficiary_kind": "project",
        "project_name": "职工子女暑期学习室",
        "purpose": "project",
        "reason": "为职工子女建学习室",
        "payee_name": "南山区总工会",
        "bank_name": "工商银行深圳南山支行",
        "account": ACCOUNT,
    }
    data.update(kw)
    return actions_grants.do_propose_grant(acting_user=user or _system(), fund=fund, amount=amount, **data)


def make_round(org, *, user=None, **kw):
    today = timezone.localdate()
    return actions_wishes.do_create_round(
        acting_user=user or _system(),
        org=org,
        name=kw.pop("name", "南山区微心愿第一期"),
        starts_on=kw.pop("starts_on", today - dt.timedelta(days=1)),
        ends_on=kw.pop("ends_on", today + dt.timedelta(days=30)),
        **kw,
    )


def post_wish(wish_round, membership, *, user=None, **kw):
    from gonghui.core.actionkit import Actor

    data = {"category": "work", "title": "一副防寒手套", "story": "冬天送快递手冻得发僵", "price": "80.00"}
    data.update(kw)
    actor = user or Actor.member(membership.person_id, "会员")
    return actions_wishes.do_post_wish(acting_user=actor, wish_round=wish_round, membership=membership, **data)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
