"""Member portal pages: nearby search, the skill match, one-tap apply with the member's choices, my
applications with each change, the talent pool opt-in/out; another member's things stay hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gonghui.jobs import actions_apply
from gonghui.jobs.models import Application, TalentPoolEntry
from gonghui.jobs.tests.helpers import SYSTEM, give_skill, member_client
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def test_a_member_finds_a_nearby_post_sees_the_match_and_applies(tree, world, django_assert_max_num_queries):
    member = make_member(tree.grassroots)
    give_skill(member)
    client = member_client(member)
    url = reverse("jobs_portal:search") + "?lat=22.54&lon=113.93&radius=5"
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert world["post"].title in page and "您已具备：急救（CPR+AED）" in page
    assert (
        world["post"].title
        not in client.get(reverse("jobs_portal:search") + "?lat=23.13&lon=113.26&radius=5").content.decode()
    )
    post_page = client.get(reverse("jobs_portal:post", args=[world["post"].pk])).content.decode()
    assert "您已具备：急救（CPR+AED）" in post_page and "身份证号不会提供给用人单位" in post_page
    response = client.post(reverse("jobs_portal:apply", args=[world["post"].pk]), {"share_skills": "1"})
    assert response.status_code == 302
    application = Application.objects.get(person_id=member.person_id)
    assert application.share_mobile is False and application.share_skills is True
    response = client.post(reverse("jobs_portal:apply", args=[world["post"].pk]), {}, follow=True)
    assert "已投递" in response.content.decode()
    assert Application.objects.filter(person_id=member.person_id).count() == 1
    actions_apply.do_move_application(
        acting_user=SYSTEM, application=application, status="interview", note="周三上午面试"
    )
    mine = client.get(reverse("jobs_portal:mine")).content.decode()
    assert "邀请面试" in mine and "周三上午面试" in mine


def test_members_cannot_withdraw_or_see_others_applications(tree, world):
    other = make_member(tree.grassroots)
    client = member_client(other)
    assert client.post(reverse("jobs_portal:withdraw", args=[world["application"].pk])).status_code == 404
    assert world["post"].title not in client.get(reverse("jobs_portal:mine")).content.decode()


def test_a_withdrawn_post_is_hidden_from_those_who_never_applied(tree, world):
    from gonghui.jobs import actions

    actions.do_withdraw_post(acting_user=SYSTEM, post=world["post"], reason="不招了")
    other = make_member(tree.grassroots)
    assert member_client(other).get(reverse("jobs_portal:post", args=[world["post"].pk])).status_code == 404
    page = member_client(world["member"]).get(reverse("jobs_portal:post", args=[world["post"].pk])).content.decode()
    assert "已投递" in page or "已撤回" in page


def test_the_talent_pool_opt_in_records_consent_and_is_revocable(tree, world):
    member = world["member"]
    client = member_client(member)
    response = client.post(reverse("jobs_portal:talent"), {"availability": "now", "job_types": ["gig_daily"]})
    assert response.status_code == 200 and not TalentPoolEntry.objects.exists()  # consent box not ticked
    client.post(reverse("jobs_portal:talent"), {"availability": "now", "job_types": ["gig_daily"], "consent": "on"})
    entry = TalentPoolEntry.objects.get(person_id=member.person_id, active=True)
    assert "同意" in entry.consent_text and entry.job_types == ",gig_daily,"
    client.post(reverse("jobs_portal:talent"), {"leave": "1"})
    entry.refresh_from_db()
    assert not entry.active and entry.revoked_at


def test_portal_pages_need_a_member_login(client, world):
    for url in (
        reverse("jobs_portal:search"),
        reverse("jobs_portal:mine"),
        reverse("jobs_portal:post", args=[world["post"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/m/" in response["Location"]
