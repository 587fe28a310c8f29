"""Enrolment: seats, the FIFO waitlist, freed seats with a claim window, and every refusal (a clear
Chinese reason, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gonghui.core.actionkit import Actor
from gonghui.learning import actions
from gonghui.learning.models import Enrolment, Offering
from gonghui.learning.tests.helpers import SYSTEM, enrol, entries, make_offering, me, reload
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree):
    return make_offering(tree.district, capacity=2, min_enrolment=1)


def test_it_enrols_until_full_then_waitlists_in_arrival_order_and_audits(tree, course):
    members = [make_member(tree.grassroots) for _ in range(4)]
    results = [enrol(course, m) for m in members]
    assert [r.waitlisted for r in results] == [False, False, True, True]
    assert [r.enrolment.arrival for r in results] == [1, 2, 3, 4]
    assert "前面还有 1 人" in results[3].message
    course = reload(course)
    assert course.seats_taken == 2 and course.arrivals == 4
    assert len(entries("learning.enrol")) == 2 and len(entries("learning.waitlist")) == 2
    assert entries("learning.enrol")[0].actor_label.startswith("会员本人")


def test_a_freed_seat_goes_to_the_first_waiting_member_with_a_claim_window(tree, course, settings):
    settings.LEARNING_CLAIM_HOURS = 24
    a, b, c, d = (make_member(tree.grassroots) for _ in range(4))
    first = enrol(course, a).enrolment
    enrol(course, b)
    third = enrol(course, c).enrolment
    enrol(course, d)
    actions.do_cancel_enrolment(acting_user=me(a), enrolment=first)
    third = reload(third)
    assert third.status == "offered"
    assert dt.timedelta(hours=23) < third.offer_expires_at - timezone.now() <= dt.timedelta(hours=24)
    assert reload(course).seats_taken == 2  # the seat passed on, not returned
    actions.do_claim_seat(acting_user=me(c), enrolment=third)
    assert reload(third).status == "enrolled"
    assert Enrolment.objects.get(person_id=d.person_id).status == "waitlisted"


def test_an_unclaimed_offer_lapses_and_passes_to_the_next_in_line(tree, course):
    a, b, c, d = (make_member(tree.grassroots) for _ in range(4))
    first = enrol(course, a).enrolment
    enrol(course, b)
    third, fourth = enrol(course, c).enrolment, enrol(course, d).enrolment
    actions.do_cancel_enrolment(acting_user=me(a), enrolment=first)
    later = timezone.now() + dt.timedelta(hours=25)
    with pytest.raises(ValidationError, match="确认期限已过"):
        actions.do_claim_seat(acting_user=me(c), enrolment=third, now=later)
    assert actions.expire_seat_offers(now=later) == 1
    third, fourth = reload(third), reload(fourth)
    assert third.status == "cancelled" and "未在期限内确认" in third.reason
    assert fourth.status == "offered"
    assert entries("learning.seat_offer_lapse")[0].actor_label == "系统任务：learning-offer-sweep"
    assert actions.expire_seat_offers(now=later) == 0  # idempotent: the new offer is not yet due


def test_a_freed_seat_without_anyone_waiting_returns_to_the_pool(tree, course):
    a = make_member(tree.grassroots)
    e = enrol(course, a).enrolment
    actions.do_cancel_enrolment(acting_user=me(a), enrolment=e)
    assert reload(course).seats_taken == 0
    # and the member may enrol again
    assert not enrol(course, a).waitlisted


def test_raising_capacity_offers_seats_to_waiting_members(tree, course):
    members = [make_member(tree.grassroots) for _ in range(3)]
    waiting = [enrol(course, m).enrolment for m in members][-1]
    actions.do_edit_offering(acting_user=SYSTEM, offering=course, data={"capacity": 3})
    assert reload(waiting).status == "offered"
    assert reload(course).seats_taken == 3


def _nothing_written(before: int):
    assert Enrolment.objects.count() == before


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"enrol_closes_at": "past"}, "报名已于"),
        ({"enrol_opens_at": "future"}, "报名尚未开始"),
    ],
)
def test_it_refuses_outside_the_enrolment_window(tree, change, reason):
    now = timezone.now()
    kw = {}
    if change.get("enrol_closes_at"):
        kw = {"enrol_opens_at": now - dt.timedelta(days=3), "enrol_closes_at": now - dt.timedelta(minutes=1)}
    else:
        kw = {"enrol_opens_at": now + dt.timedelta(days=1), "enrol_closes_at": now + dt.timedelta(days=3)}
    course = make_offering(tree.district, **kw)
    m = make_member(tree.grassroots)
    with pytest.raises(ValidationError, match=reason):
        enrol(course, m)
    _nothing_written(0)
    assert reload(course).seats_taken == 0


def test_it_refuses_a_cancelled_course_twice_and_outside_the_rule(tree, course):
    m = make_member(tree.grassroots)
    enrol(course, m)
    with pytest.raises(ValidationError, match="已报名，无需重复报名"):
        enrol(course, m)
    _nothing_written(1)
    outsider = make_member(tree.sibling_grassroots)
    with pytest.raises(ValidationError, match="不符合报名条件：仅限南山区总工会所属会员"):
        enrol(course, outsider)
    gig_only = make_offering(tree.district, rule={"worker_types": ["gig"]})
    with pytest.raises(ValidationError, match="仅限职工类型"):
        enrol(gig_only, m)
    actions.do_cancel_offering(acting_user=SYSTEM, offering=course, reason="场地维修")
    other = make_member(tree.grassroots)
    with pytest.raises(ValidationError, match="已取消，不能报名"):
        enrol(course, other)
    assert Enrolment.objects.filter(person_id=other.person_id).count() == 0


def test_a_region_wide_rule_admits_members_beyond_the_owning_subtree(tree):
    course = make_offering(tree.district, rule={"orgs": [tree.city.code]})
    assert not enrol(course, make_member(tree.sibling_grassroots)).waitlisted
    far = make_member(tree.other_city)
    with pytest.raises(ValidationError, match="仅限深圳市总工会所属会员"):
        enrol(course, far)


def test_staff_enrol_on_behalf_only_inside_their_subtree(tree, course, personas):
    m = make_member(tree.grassroots)
    with pytest.raises(PermissionDenied):
        actions.do_enrol(acting_user=personas.sibling, offering=course, membership=m)
    with pytest.raises(PermissionDenied):
        actions.do_enrol(acting_user=personas.outsider, offering=course, membership=m)
    result = actions.do_enrol(acting_user=personas.own, offering=course, membership=m)
    assert result.enrolment.channel == "staff"
    assert entries("learning.enrol")[0].actor_label == "p-own"


def test_a_member_cannot_enrol_or_cancel_for_someone_else(tree, course):
    a, b = make_member(tree.grassroots), make_member(tree.grassroots)
    with pytest.raises(PermissionDenied):
        actions.do_enrol(acting_user=me(a), offering=course, membership=b)
    e = enrol(course, b).enrolment
    with pytest.raises(PermissionDenied):
        actions.do_cancel_enrolment(acting_user=me(a), enrolment=e)
    assert reload(e).status == "enrolled"


def test_it_validates_an_offering_with_field_errors_and_writes_nothing(tree):
    from gonghui.learning.tests.helpers import offering_data

    bad = offering_data(title=" ", capacity=5, min_enrolment=6, fee=-1, venue="", rule={"worker_types": ["x"]})
    with pytest.raises(ValidationError) as info:
        actions.do_create_offering(acting_user=SYSTEM, org=tree.district, data=bad)
    fields = info.value.message_dict
    assert {"title", "min_enrolment", "fee", "venue", "rule"} <= set(fields)
    assert Offering.objects.count() == 0


def test_publishing_needs_a_session_and_a_draft(tree):
    draft = make_offering(tree.district, publish=False, sessions=0)
    with pytest.raises(ValidationError, match="至少一次"):
        actions.do_publish_offering(acting_user=SYSTEM, offering=draft)
    live = make_offering(tree.district)
    with pytest.raises(ValidationError, match="当前状态为“报名中”，不能发布"):
        actions.do_publish_offering(acting_user=SYSTEM, offering=live)


def test_a_member_actor_cannot_publish(tree):
    m = make_member(tree.grassroots)
    draft = make_offering(tree.district, publish=False)
    with pytest.raises(PermissionDenied):
        actions.do_publish_offering(acting_user=Actor.member(m.person_id, "x"), offering=draft)
