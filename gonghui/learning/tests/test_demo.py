"""The learning demo: the 夜校 term as the issue describes it, and the demo rider's certificate and skill."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from gonghui.demo.learning import CPR_SKILL
from gonghui.learning import queries
from gonghui.learning.actions import current_membership
from gonghui.learning.models import Certificate, Enrolment, Offering
from gonghui.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_term_waiting_for_its_tenth_member_a_full_course_and_the_rider_s_skill():
    call_command("demo", members=300, stdout=io.StringIO())
    ai = Offering.objects.get(title__startswith="AI 办公工具入门")
    assert (ai.status, ai.seats_taken, ai.min_enrolment) == ("open", 9, 10)
    baking = Offering.objects.get(title__startswith="周末烘焙课")
    assert (
        baking.seats_taken == baking.capacity
        and Enrolment.objects.filter(offering=baking, status="waitlisted").exists()
    )
    assert Offering.objects.get(title="新就业形态劳动者免费健康体检").rule == {
        "statuses": ["active"],
        "verified": True,
        "card": True,
        "worker_types": ["gig"],
    }
    rider = current_membership(Person.objects.get(mobile="+8613800000001").pk)
    assert Certificate.objects.filter(person_id=rider.person_id, status="valid").count() == 1
    assert [s["name"] for s in queries.skills_of(rider)] == [CPR_SKILL]
    before = Offering.objects.count()
    call_command("demo", members=300, stdout=io.StringIO())
    assert Offering.objects.count() == before
