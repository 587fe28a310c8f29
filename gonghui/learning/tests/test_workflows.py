"""Needs surveys, 送课上门 requests and 由训转赛 contests: success, refusals, permissions, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gonghui.learning import actions, actions_records, actions_workflows
from gonghui.learning.models import Certificate, Proposal, Skill, Survey, Vote
from gonghui.learning.tests.helpers import SYSTEM, card_payload, enrol, entries, make_offering, me, reload
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def test_a_needs_survey_collects_votes_and_gives_the_result_list(tree, personas):
    closes = timezone.now() + dt.timedelta(days=7)
    with pytest.raises(ValidationError) as info:
        actions_workflows.do_create_survey(
            acting_user=personas.own, org=tree.district, title="", closes_at=closes, proposals=[]
        )
    assert {"title", "proposals"} <= set(info.value.message_dict)
    with pytest.raises(PermissionDenied):
        actions_workflows.do_create_survey(
            acting_user=personas.sibling,
            org=tree.district,
            title="x",
            closes_at=closes,
            proposals=[("a", "work"), ("b", "life")],
        )
    assert Survey.objects.count() == 0
    survey = actions_workflows.do_create_survey(
        acting_user=personas.own,
        org=tree.district,
        title="春季开什么课",
        closes_at=closes,
        proposals=[("Excel", "work"), ("摄影", "life"), ("八段锦", "culture")],
    )
    excel, photo, _qigong = survey.proposals.order_by("id")
    a, b = make_member(tree.grassroots), make_member(tree.grassroots)
    actions_workflows.do_vote(acting_user=me(a), proposal=photo, membership=a)
    actions_workflows.do_vote(acting_user=me(b), proposal=photo, membership=b)
    actions_workflows.do_vote(acting_user=me(a), proposal=excel, membership=a)
    with pytest.raises(ValidationError, match="已为这门课程投过票"):
        actions_workflows.do_vote(acting_user=me(a), proposal=photo, membership=a)
    with pytest.raises(PermissionDenied):
        actions_workflows.do_vote(acting_user=me(a), proposal=photo, membership=b)
    outsider = make_member(tree.sibling_grassroots)
    with pytest.raises(ValidationError, match="仅限南山区总工会所属会员"):
        actions_workflows.do_vote(acting_user=me(outsider), proposal=photo, membership=outsider)
    assert Vote.objects.count() == 3
    results = actions_workflows.do_close_survey(acting_user=personas.own, survey=survey)
    assert [(p.title, p.votes) for p in results] == [("摄影", 2), ("Excel", 1), ("八段锦", 0)]
    assert entries("learning.survey_close")[0].after["results"][0] == ["摄影", 2]
    with pytest.raises(ValidationError, match="投票已结束"):
        actions_workflows.do_vote(acting_user=me(b), proposal=Proposal.objects.get(pk=excel.pk), membership=b)
    with pytest.raises(ValidationError, match="当前状态为“已结束”"):
        actions_workflows.do_close_survey(acting_user=personas.own, survey=survey)


def test_a_workplace_request_becomes_a_course_for_that_workplace(tree, personas):
    from gonghui.core.testing import make_staff

    workplace_staff = make_staff("workplace", tree.grassroots)
    with pytest.raises(ValidationError) as info:
        actions_workflows.do_request_course(
            acting_user=workplace_staff,
            requester=tree.grassroots,
            topic="",
            category="x",
            headcount=0,
            preferred_dates="",
        )
    assert {"topic", "category", "headcount", "preferred_dates"} <= set(info.value.message_dict)
    request = actions_workflows.do_request_course(
        acting_user=workplace_staff,
        requester=tree.grassroots,
        topic="叉车安全操作",
        category="safety",
        headcount=25,
        preferred_dates="下月第二周",
    )
    assert request.owner == tree.street
    with pytest.raises(PermissionDenied):
        actions_workflows.do_decide_course_request(acting_user=workplace_staff, request=request, approve=True)
    with pytest.raises(ValidationError, match="不批准时请说明原因"):
        actions_workflows.do_decide_course_request(acting_user=personas.own, request=request, approve=False)
    now = timezone.now()
    request = actions_workflows.do_decide_course_request(
        acting_user=personas.own,
        request=request,
        approve=True,
        data={
            "venue": "公司会议室",
            "fee": Decimal("0"),
            "enrol_opens_at": now,
            "enrol_closes_at": now + dt.timedelta(days=5),
        },
    )
    course = request.offering
    assert request.status == "approved" and course.rule["orgs"] == [tree.grassroots.code] and course.capacity == 25
    assert course.origin_request_id == request.pk and course.org == tree.street
    with pytest.raises(ValidationError, match="当前状态为“已批准并排课”"):
        actions_workflows.do_decide_course_request(acting_user=personas.own, request=request, approve=False, note="x")


def test_a_contest_ranks_entrants_and_awards_certificates_and_skills(tree):
    first = timezone.now() - dt.timedelta(days=3)
    course = make_offering(
        tree.district,
        first=first,
        sessions=1,
        min_enrolment=1,
        enrol_opens_at=first - dt.timedelta(days=5),
        enrol_closes_at=first - dt.timedelta(hours=1),
        publish=False,
        skill_name="短视频剪辑",
    )
    course = actions.do_publish_offering(acting_user=SYSTEM, offering=course)
    with pytest.raises(ValidationError, match="课程开班后才能组织竞赛"):
        actions_workflows.do_create_contest(acting_user=SYSTEM, offering=course, title="剪辑大赛", held_on=first.date())
    members = [make_member(tree.grassroots) for _ in range(4)]
    for m in members:
        enrol(course, m, now=first - dt.timedelta(days=2))
    actions.do_decide_opening(acting_user=SYSTEM, offering=course, now=first)
    contest = actions_workflows.do_create_contest(
        acting_user=SYSTEM, offering=reload(course), title="剪辑大赛", held_on=first.date(), awards=2
    )
    for m, score in zip(members, (88, 95, 88, 70), strict=True):
        actions_workflows.do_record_contest_score(acting_user=SYSTEM, contest=contest, membership=m, score=score)
    with pytest.raises(ValidationError, match="成绩应为 0–100"):
        actions_workflows.do_record_contest_score(
            acting_user=SYSTEM, contest=contest, membership=members[0], score="abc"
        )
    stranger = make_member(tree.grassroots)
    with pytest.raises(ValidationError, match="未参加本课程"):
        actions_workflows.do_record_contest_score(acting_user=SYSTEM, contest=contest, membership=stranger, score=90)
    entries_ = actions_workflows.do_award_contest(acting_user=SYSTEM, contest=contest)
    assert [(e.rank, e.award) for e in entries_] == [(1, "一等奖"), (2, "二等奖"), (2, "二等奖"), (4, "")]
    awards = Certificate.objects.filter(kind="award")
    assert awards.count() == 3 and Skill.objects.filter(source="contest").count() == 3
    with pytest.raises(ValidationError, match="当前状态为“已颁奖”"):
        actions_workflows.do_award_contest(acting_user=SYSTEM, contest=contest)


def test_an_online_view_counts_and_credits_a_member_who_watched_half(tree):
    course = make_offering(
        tree.district, online=True, venue="", live_url="https://live.example.org/x", replay_url="", min_enrolment=1
    )
    m = make_member(tree.grassroots)
    enrol(course, m)
    session = course.sessions.first()
    assert actions_records.do_record_view(acting_user=me(m), session=session, watch_seconds=600) is None
    attendance = actions_records.do_record_view(acting_user=me(m), session=session, watch_seconds=3600)
    assert attendance.method == "online" and attendance.hours == Decimal("1.0")
    assert reload(course).live_views == 2
    with pytest.raises(ValidationError):
        actions_records.do_record_view(acting_user=me(m), session=session, watch_seconds=-1)
    assert card_payload(m)  # the member has a card (used by other tests)


def test_editing_a_published_offering_is_limited_and_audited(tree):
    course = make_offering(tree.district)
    with pytest.raises(ValidationError) as info:
        actions.do_edit_offering(acting_user=SYSTEM, offering=course, data={"fee": Decimal("1"), "teacher": "新老师"})
    assert "fee" in info.value.message_dict
    actions.do_edit_offering(acting_user=SYSTEM, offering=course, data={"teacher": "新老师"})
    assert reload(course).teacher == "新老师"
    assert entries("learning.offering_edit")[0].after == {"teacher": "新老师"}


def test_members_vote_in_the_portal_and_staff_see_the_results_in_their_subtree(tree, personas, client_for):
    from gonghui.learning.tests.helpers import member_client

    survey = actions_workflows.do_create_survey(
        acting_user=personas.own,
        org=tree.district,
        title="春季开什么课",
        closes_at=timezone.now() + dt.timedelta(days=3),
        proposals=[("Excel", "work"), ("摄影", "life")],
    )
    photo = survey.proposals.get(title="摄影")
    member = make_member(tree.grassroots)
    client = member_client(member)
    assert "春季开什么课" in client.get("/m/learning/surveys/").content.decode()
    client.post("/m/learning/surveys/", {"proposal": photo.pk})
    assert reload(photo).votes == 1
    page = client.post("/m/learning/surveys/", {"proposal": photo.pk}, follow=True).content.decode()
    assert "您已为这门课程投过票" in page and reload(photo).votes == 1
    stranger = member_client(make_member(tree.sibling_grassroots))
    assert "春季开什么课" not in stranger.get("/m/learning/surveys/").content.decode()
    assert stranger.post("/m/learning/surveys/", {"proposal": photo.pk}).status_code == 404
    for _name, user in personas.allowed():
        assert "摄影 — 1 票" in client_for(user).get("/learning/workflows/").content.decode()
    for _name, user in personas.refused():
        assert "春季开什么课" not in client_for(user).get("/learning/workflows/").content.decode()


def test_the_calendar_and_the_skills_queue_follow_the_four_personas(tree, personas, client_for):
    course = make_offering(tree.district)
    m = make_member(tree.grassroots)
    actions_records.do_declare_skill(acting_user=me(m), membership=m, name="焊工", acquired_on=dt.date(2024, 1, 1))
    month = timezone.localtime(course.sessions.first().starts_at).strftime("%Y-%m")
    for _name, user in personas.allowed():
        client = client_for(user)
        assert course.title in client.get(f"/learning/calendar/?month={month}").content.decode()
        assert "焊工" in client.get("/learning/skills/").content.decode()
    for _name, user in personas.refused():
        client = client_for(user)
        assert course.title not in client.get(f"/learning/calendar/?month={month}").content.decode()
        assert "焊工" not in client.get("/learning/skills/").content.decode()
    assert client_for(personas.own).get("/learning/calendar/?month=bad").status_code == 200


def test_the_owning_org_approves_a_workplace_request_from_the_console(tree, personas, client_for):
    from gonghui.core.testing import make_staff
    from gonghui.learning.models import CourseRequest

    request = actions_workflows.do_request_course(
        acting_user=make_staff("workplace2", tree.grassroots),
        requester=tree.grassroots,
        topic="叉车安全操作",
        category="safety",
        headcount=25,
        preferred_dates="下月",
    )
    url = f"/learning/requests/{request.pk}/decide/"
    assert client_for(personas.sibling).post(url, {"decision": "approve"}).status_code == 404
    page = client_for(personas.own).post(url, {"decision": "reject"}, follow=True).content.decode()
    assert "不批准时请说明原因" in page and reload(request).status == "requested"
    response = client_for(personas.own).post(url, {"decision": "approve"})
    request = CourseRequest.objects.get(pk=request.pk)
    assert request.status == "approved" and response.url == f"/learning/{request.offering_id}/"
    assert request.offering.status == "draft" and "送课上门" in request.offering.venue
