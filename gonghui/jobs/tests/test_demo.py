"""The jobs demo: a 南山区 零工驿站 with daily-pay and trainee posts, two employers, the post the demo
rider's first-aid skill matches, a placement with a follow-up due; a second run adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.demo.jobs import CPR_POST
from gonghui.demo.learning import CPR_SKILL
from gonghui.jobs import queries, search
from gonghui.jobs.models import Employer, FollowUp, JobPost, MinimumWage
from gonghui.learning.actions import current_membership
from gonghui.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_gig_station_s_posts_a_skill_match_for_the_rider_and_a_follow_up_due():
    call_command("demo", members=300, stdout=io.StringIO())
    assert Employer.objects.filter(status="approved").count() == 2
    posts = JobPost.objects.filter(status="published")
    assert {"gig_daily", "trainee"} <= set(posts.values_list("job_type", flat=True))
    assert all(p.station and p.station.kind.code == "gig" and p.station.division_code == "440305" for p in posts)
    assert MinimumWage.objects.filter(demo=True).exists()
    rider = current_membership(Person.objects.get(mobile="+8613800000001").pk)
    post = JobPost.objects.get(title=CPR_POST)
    met, missing = search.skill_match(post.skills, queries.member_skills(rider))
    assert met == [CPR_SKILL] and not missing
    near = search.search(search.Query(lat=22.5333, lon=113.9305, radius_km=3, skills=[CPR_SKILL]))
    assert post.pk in near.ids
    assert FollowUp.objects.filter(done_at__isnull=True, due_on__lte=timezone.localdate()).count() == 1
    before = JobPost.objects.count()
    call_command("demo", members=300, stdout=io.StringIO())
    assert JobPost.objects.count() == before
