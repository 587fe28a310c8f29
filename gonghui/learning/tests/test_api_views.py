"""Every view and endpoint with the four personas (own and ancestor see, outsider and sibling get 404
or an empty list), the member's side (portal pages and API with the portal session), bounded
query counts on lists, and bad input answered in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.learning import actions, actions_records
from gonghui.learning.models import Certificate, Enrolment
from gonghui.learning.tests.helpers import SYSTEM, card_payload, enrol, make_offering, member_client, reload
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world(tree):
    """A course with one enrolled member, a finished course with a certificate, at 南山区."""
    course = make_offering(tree.district, capacity=1, min_enrolment=1)
    member = make_member(tree.grassroots)
    enrol(course, member)
    first = timezone.now() - dt.timedelta(days=3)
    done = make_offering(
        tree.district,
        title="急救培训",
        first=first,
        sessions=1,
        min_enrolment=1,
        enrol_opens_at=first - dt.timedelta(days=5),
        enrol_closes_at=first + dt.timedelta(hours=1),
    )
    enrol(done, member, now=first - dt.timedelta(days=1))
    s = done.sessions.get()
    actions.do_decide_opening(acting_user=SYSTEM, offering=done, now=first + dt.timedelta(hours=1))
    actions_records.do_check_in_card(acting_user=SYSTEM, session=s, payload=card_payload(member), now=s.starts_at)
    actions_records.do_complete_offering(acting_user=SYSTEM, offering=done)
    return {"course": reload(course), "done": reload(done), "member": member, "certificate": Certificate.objects.get()}


def test_console_pages_follow_the_four_personas(tree, personas, world, client_for):
    course, certificate = world["course"], world["certificate"]
    session = course.sessions.first()
    pages = [
        f"/learning/{course.pk}/",
        f"/learning/sessions/{session.pk}/",
        f"/learning/sessions/{session.pk}/sheet.xlsx",
        f"/learning/certificates/{certificate.pk}/",
        f"/learning/{course.pk}/edit/",
        f"/learning/stats/{tree.district.code}/",
    ]
    for _name, user in personas.allowed():
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 200, url
        assert course.title in client.get("/learning/").content.decode()
        assert certificate.serial in client.get("/learning/certificates/").content.decode()
    for _name, user in personas.refused():
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 404, (url, _name)
        assert course.title not in client.get("/learning/").content.decode()
        assert certificate.serial not in client.get("/learning/certificates/").content.decode()


def test_lists_use_a_bounded_number_of_queries(tree, personas, world, client_for, django_assert_max_num_queries):
    for i in range(5):
        make_offering(tree.district, title=f"课程{i}")
    client = client_for(personas.own)
    with django_assert_max_num_queries(12):
        assert client.get("/learning/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/learning/certificates/").status_code == 200
    with django_assert_max_num_queries(20):
        assert member_client(world["member"]).get("/m/learning/").status_code == 200


def test_staff_enrol_and_cancel_from_the_console(tree, personas, world, client_for):
    course = world["course"]
    other = make_member(tree.grassroots)
    client = client_for(personas.own)
    client.post(f"/learning/{course.pk}/do/enrol/", {"member_no": other.member_no})
    e = Enrolment.objects.get(offering=course, person_id=other.person_id)
    assert e.status == "waitlisted" and e.channel == "staff"
    page = client.get(f"/learning/{course.pk}/").content.decode()
    assert "候补名单（1" in page
    first = Enrolment.objects.get(offering=course, person_id=world["member"].person_id)
    client.post(f"/learning/{course.pk}/do/unenrol/", {"enrolment": first.pk})
    assert reload(e).status == "offered"
    sibling = client_for(personas.sibling)
    assert sibling.post(f"/learning/{course.pk}/do/enrol/", {"member_no": other.member_no}).status_code == 404


def test_the_console_scan_page_checks_a_card_in(tree, personas, world, client_for):
    course, member = world["course"], world["member"]
    session = course.sessions.first()
    actions.do_edit_offering(acting_user=SYSTEM, offering=course, data={})
    client = client_for(personas.own)
    # Check-in opens an hour before the session: this one is a week away.
    page = client.post(f"/learning/sessions/{session.pk}/", {"payload": card_payload(member)}).content.decode()
    assert "签到尚未开始" in page


def test_api_courses_follow_the_four_personas(tree, personas, world, api_for):
    course = world["course"]
    for _name, user in personas.allowed():
        client = api_for(user)
        ids = [c["id"] for c in client.get(f"{API}/courses").json()["items"]]
        assert course.pk in ids
        assert client.get(f"{API}/courses/{course.pk}").json()["sessions"]
        assert (
            client.get(f"{API}/courses?org={tree.district.code}&category=work&status=open&q=短视频").json()["count"]
            == 1
        )
    for _name, user in personas.refused():
        client = api_for(user)
        assert client.get(f"{API}/courses").json()["items"] == []
        assert client.get(f"{API}/courses/{course.pk}").status_code == 404
    bad = api_for(personas.own).get(f"{API}/courses?status=nope")
    assert bad.status_code == 422 and "状态应为以下之一" in bad.json()["error"]["fields"]["status"][0]


def test_api_enrol_and_cancel_for_staff_and_member(tree, personas, world, api_for):
    course = world["course"]
    other = make_member(tree.grassroots)
    staff = api_for(personas.own)
    answer = staff.post(
        f"{API}/courses/{course.pk}/enrolments", {"member_no": other.member_no}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["status"] == "waitlisted" and answer.json()["waiting_ahead"] == 0
    twice = staff.post(
        f"{API}/courses/{course.pk}/enrolments", {"member_no": other.member_no}, content_type="application/json"
    )
    assert twice.status_code == 422 and "已报名，无需重复报名" in twice.json()["error"]["message"]
    missing = staff.post(f"{API}/courses/{course.pk}/enrolments", {}, content_type="application/json")
    assert missing.status_code == 422 and "member_no" in missing.json()["error"]["fields"]
    sibling = api_for(personas.sibling)
    assert (
        sibling.post(
            f"{API}/courses/{course.pk}/enrolments", {"member_no": other.member_no}, content_type="application/json"
        ).status_code
        == 404
    )
    assert sibling.delete(f"{API}/courses/{course.pk}/enrolments/{other.member_no}").status_code == 404
    assert staff.delete(f"{API}/courses/{course.pk}/enrolments/{other.member_no}").json()["status"] == "cancelled"
    # The member themself, through the portal session cookie.
    mine = member_client(other)
    listed = mine.get(f"{API}/courses").json()["items"]
    assert [c["eligible"] for c in listed if c["id"] == course.pk] == [True]
    assert mine.post(f"{API}/courses/{course.pk}/enrolments", {}, content_type="application/json").status_code == 201
    assert mine.delete(f"{API}/courses/{course.pk}/enrolments/{world['member'].member_no}").status_code == 404


def test_api_attendance_by_card_and_skills_follow_the_personas(tree, personas, world, api_for):
    course, member = world["course"], world["member"]
    session = course.sessions.first()
    for _name, user in personas.refused():
        client = api_for(user)
        assert (
            client.post(
                f"{API}/sessions/{session.pk}/attendance", {"payload": "x"}, content_type="application/json"
            ).status_code
            == 404
        )
        assert client.get(f"{API}/members/{member.member_no}/skills").status_code == 404
    client = api_for(personas.own)
    answer = client.post(
        f"{API}/sessions/{session.pk}/attendance", {"payload": "forged"}, content_type="application/json"
    ).json()
    assert answer["ok"] is False and "会员卡无效" in answer["message"]
    skills = api_for(personas.ancestor).get(f"{API}/members/{member.member_no}/skills").json()
    assert [s["name"] for s in skills] == ["短视频剪辑"]
    detail = client.get(f"{API}/members/{member.member_no}").json()
    assert detail["skills"][0]["certificate_serial"] == world["certificate"].serial


def test_the_certificate_check_needs_no_login_and_shows_only_the_masked_name(world):
    certificate = world["certificate"]
    anon = Client()
    answer = anon.get(f"{API}/certificates/{certificate.serial}").json()
    assert answer["holder"] == certificate.holder_masked and world["member"].person.name not in str(answer)
    page = anon.get(f"/c/{certificate.serial}/").content.decode()
    assert "证书有效" in page and "<svg" in page and world["member"].person.name not in page
    assert anon.get("/c/not-a-serial!/").status_code == 404


def test_portal_pages_for_the_member(tree, world):
    member, course, certificate = world["member"], world["course"], world["certificate"]
    client = member_client(member)
    assert course.title in client.get("/m/learning/").content.decode()
    page = client.get(f"/m/learning/{course.pk}/").content.decode()
    assert "已报名" in page and "取消报名" in page
    mine = client.get("/m/learning/mine/").content.decode()
    assert certificate.serial in mine or "急救培训" in mine
    assert client.get(f"/m/learning/certificates/{certificate.serial}/").status_code == 200
    assert "短视频剪辑" in client.get("/m/profile/").content.decode()
    assert "职工学习" in client.get("/m/").content.decode()
    response = client.post("/m/learning/mine/", {"name": "", "acquired_on": "2099-01-01"})
    assert "此项为必填项" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    # Another member may not see this member's certificate page, nor a course outside their subtree.
    stranger = member_client(make_member(tree.sibling_grassroots))
    assert stranger.get(f"/m/learning/certificates/{certificate.serial}/").status_code == 404
    assert stranger.get(f"/m/learning/{course.pk}/").status_code == 404
    assert Client().get("/m/learning/").status_code == 302


def test_the_member_page_of_the_console_shows_the_skills(tree, personas, world, client_for):
    member = world["member"]
    page = client_for(personas.own).get(f"/members/{member.member_no}/").content.decode()
    assert "技能档案" in page and "短视频剪辑" in page
