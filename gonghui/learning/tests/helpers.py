"""Test helpers of learning: offerings with sessions, enrolled members, card payloads, portal clients."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from gonghui.core.actionkit import Actor
from gonghui.core.models import AuditEntry
from gonghui.learning import actions
from gonghui.learning.models import Offering
from gonghui.members.models import Card, Membership
from gonghui.members.schemas import mask_name

SYSTEM = Actor.system("test")


def offering_data(**kw) -> dict:
    now = timezone.now()
    data = {
        "kind": "course",
        "title": "短视频剪辑入门",
        "category": "work",
        "teacher": "李老师",
        "venue": "南山区职工服务中心 301",
        "capacity": 30,
        "min_enrolment": 10,
        "fee": Decimal("88.00"),
        "companion_rule": "可带一名子女免费",
        "enrol_opens_at": now - dt.timedelta(days=1),
        "enrol_closes_at": now + dt.timedelta(days=7),
        "rule": {},
        "skill_name": "短视频剪辑",
    }
    data.update(kw)
    return data


def make_offering(org, *, acting_user=SYSTEM, publish=True, sessions=2, first=None, **kw) -> Offering:
    offering = actions.do_create_offering(acting_user=acting_user, org=org, data=offering_data(**kw))
    start = first or (timezone.now() + dt.timedelta(days=8))
    for i in range(sessions):
        begins = start + dt.timedelta(days=7 * i)
        actions.do_add_session(
            acting_user=acting_user,
            offering=offering,
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=2),
            class_hours=Decimal("2.0"),
            topic=f"第 {i + 1} 讲",
        )
    if publish:
        offering = actions.do_publish_offering(acting_user=acting_user, offering=offering)
    return Offering.objects.select_related("org").get(pk=offering.pk)


def me(membership: Membership) -> Actor:
    return Actor.member(membership.person_id, mask_name(membership.person.name))


def enrol(offering, membership, **kw):
    return actions.do_enrol(acting_user=me(membership), offering=offering, membership=membership, **kw)


def card_payload(membership: Membership) -> str:
    from gonghui.members import cards

    card = Card.objects.select_related("membership").get(membership=membership, status=Card.Status.ACTIVE)
    return cards.payload_for(card)


def member_client(membership) -> Client:
    client = Client()
    session = client.session
    session["member_mobile"] = membership.person.mobile
    session["member_person_id"] = membership.person.pk
    session.save()
    return client


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))
