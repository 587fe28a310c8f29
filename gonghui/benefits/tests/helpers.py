"""Helpers for the benefits tests: partners, offers and campaigns made through the real actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gonghui.benefits import actions
from gonghui.benefits.models import Campaign, Offer, Partner
from gonghui.core.models import AuditEntry
from gonghui.members.models import Card, Membership
from gonghui.members.tests.helpers import make_member, make_person, next_id


def partner_data(**kw) -> dict:
    today = timezone.localdate()
    data = {
        "name": "南山活力健身馆",
        "kind": "gym",
        "locations": [{"name": "南山店", "address": "南山区科技园路1号"}],
        "contact_name": "王经理",
        "contact_phone": "0755-12345678",
        "agreement_start": today - dt.timedelta(days=30),
        "agreement_end": today + dt.timedelta(days=365),
    }
    data.update(kw)
    return data


def make_partner(org, *, acting_user=None, **kw) -> Partner:
    return actions.do_create_partner(acting_user=acting_user, org=org, data=partner_data(**kw))


def make_offer(partner: Partner, *, acting_user=None, **kw) -> Offer:
    data = {"title": "凭会员卡八折", "kind": "percent", "percent": Decimal("20")}
    data.update(kw)
    return actions.do_create_offer(acting_user=acting_user, partner=partner, data=data)


def campaign_data(**kw) -> dict:
    now = timezone.now()
    data = {
        "name": "新就业形态劳动者健身券",
        "kind": "fitness",
        "face_value": Decimal("50.00"),
        "quota": 100,
        "per_member_limit": 1,
        "claim_starts": now - dt.timedelta(hours=1),
        "claim_ends": now + dt.timedelta(days=7),
        "valid_until": now + dt.timedelta(days=30),
        "rule": {},
        "budget": Decimal("5000.00"),
    }
    data.update(kw)
    return data


def make_campaign(org, *, acting_user=None, partners=(), publish=True, **kw) -> Campaign:
    campaign = actions.do_create_campaign(acting_user=acting_user, org=org, data=campaign_data(**kw), partners=partners)
    if publish:
        campaign = actions.do_publish_campaign(acting_user=acting_user, campaign=campaign)
    return campaign


def gig_member(org, **kw) -> Membership:
    kw.setdefault("gig_subtype", "delivery")
    kw.setdefault("platform", "美团")
    return make_member(org, worker_type="gig", **kw)


def member_born(org, born: dt.date, **kw) -> Membership:
    person = make_person(doc_number=next_id(born=born))
    return make_member(org, person=person, **kw)


def card_of(membership: Membership) -> Card:
    return Card.objects.get(membership=membership, status=Card.Status.ACTIVE)


def card_payload(membership: Membership) -> str:
    from gonghui.members import cards

    return cards.payload_for(Card.objects.select_related("membership").get(pk=card_of(membership).pk))


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))
