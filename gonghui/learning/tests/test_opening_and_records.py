"""The opening rule at the enrolment deadline (working-day calendar, Asia/Shanghai), attendance by
card and session QR, no-shows and barring, completion → certificate → skill, revocation, and the
public certificate check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.learning import actions, actions_records
from gonghui.learning.models import Certificate, Enrolment, Skill
from gonghui.learning.tests.helpers import (
    SYSTEM,
    card_payload,
    enrol,
    entries,
    make_offering,
    me,
    member_client,
    reload,
)
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_the_default_deadline_skips_weekends_and_holidays_in_beijing_time():
    # First session Thursday 2026-10-08 19:00 (the day after the National Day holiday, 10-01…10-07).
    first = dt.datetime(2026, 10, 8, 19, 0, tzinfo=SH)
    deadline = actions.default_enrol_deadline(first)
    # Two working days back: 09-30 (Wed) and 09-29 (Tue) — the holiday week does not count.
    assert deadline == dt.datetime(2026, 9, 29, 18, 0, tzinfo=SH)
    # An ordinary Monday: back over the weekend to Thursday.
    assert actions.default_enrol_deadline(dt.datetime(2026, 11, 16, 19, 0, tzinfo=SH)).date() == dt.date(2026, 11, 12)


@pytest.fixture
def sms(monkeypatch):
    sent = []
    monkeypatch.setattr("gonghui.learning.actions.send_sms", lambda mobile, text: sent.append((mobile, text)))
    return sent


def _course_closing_at(tree, closes_at, **kw):
    return make_offering(
        tree.district, enrol_opens_at=closes_at - dt.timedelta(days=10), enrol_closes_at=closes_at, **kw
    )


def test_the_opening_task_opens_at_the_minimum_and_cancels_below_it_telling_everyone(
    tree, sms, django_capture_on_commit_callbacks
):
    closes = dt.datetime(2026, 9, 29, 18, 0, tzinfo=SH)
    before = closes - dt.timedelta(hours=1)
    full = _course_closing_at(tree, closes, capacity=12, min_enrolment=10)
    short = _course_closing_at(tree, closes, capacity=12, min_enrolment=10, title="烘焙")
    members = [make_member(tree.grassroots) for _ in range(10)]
    for m in members:
        enrol(full, m, now=before)
    for m in members[:9]:
        enrol(short, m, now=before)
    # One minute before the deadline (Beijing time) nothing is due; the UTC clock says 09:59.
    assert actions.decide_due_offerings(now=closes - dt.timedelta(minutes=1)) == {"opened": 0, "cancelled": 0}
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.decide_due_offerings(now=closes)
    assert result == {"opened": 1, "cancelled": 1}
    assert reload(full).status == "running"
    short = reload(short)
    assert short.status == "cancelled" and "未达最低开班人数 10 人" in short.cancel_reason
    assert Enrolment.objects.filter(offering=short, status="cancelled").count() == 9
    assert len(sms) == 9 and all("烘焙" in text and "已取消" in text for _m, text in sms)
    assert entries("learning.offering_cancel")[0].actor_label == "系统任务：learning-opening-rule"
    assert actions.decide_due_offerings(now=closes + dt.timedelta(hours=1)) == {"opened": 0, "cancelled": 0}


def test_deciding_before_the_deadline_or_twice_is_refused(tree):
    course = make_offering(tree.district, min_enrolment=0)
    with pytest.raises(ValidationError, match="报名尚未截止"):
        actions.do_decide_opening(acting_user=SYSTEM, offering=course)
    later = course.enrol_closes_at + dt.timedelta(minutes=1)
    actions.do_decide_opening(acting_user=SYSTEM, offering=course, now=later)
    with pytest.raises(ValidationError, match="只有报名中的课程"):
        actions.do_decide_opening(acting_user=SYSTEM, offering=course, now=later)


@pytest.fixture
def running(tree):
    """A running two-session course (sessions in the past), a teacher and two enrolled members."""
    now = timezone.now()
    first = now - dt.timedelta(days=8)
    course = make_offering(
        tree.district,
        enrol_opens_at=first - dt.timedelta(days=10),
        enrol_closes_at=first - dt.timedelta(days=1),
        min_enrolment=1,
        skill_name="急救（CPR+AED）",
        skill_level="",
        completion_percent=100,
        first=first,
        publish=False,
    )
    course = actions.do_publish_offering(acting_user=SYSTEM, offering=course)
    a, b = make_member(tree.grassroots), make_member(tree.grassroots)
    enrol(course, a, now=first - dt.timedelta(days=2))
    enrol(course, b, now=first - dt.timedelta(days=2))
    actions.do_decide_opening(acting_user=SYSTEM, offering=course)
    return reload(course), a, b


def test_card_check_in_credits_hours_marks_late_and_refuses_forged_and_revoked_cards(tree, running, personas):
    course, a, b = running
    s1, s2 = list(course.sessions.all())
    at = s1.starts_at + dt.timedelta(minutes=5)
    ok = actions_records.do_check_in_card(acting_user=personas.own, session=s1, payload=card_payload(a), now=at)
    assert ok.ok and ok.attendance.hours == Decimal("2.0") and not ok.attendance.late
    again = actions_records.do_check_in_card(acting_user=personas.own, session=s1, payload=card_payload(a), now=at)
    assert again.code == "already"
    late = actions_records.do_check_in_card(
        acting_user=personas.own, session=s1, payload=card_payload(b), now=s1.starts_at + dt.timedelta(minutes=60)
    )
    assert late.attendance.late and late.attendance.hours == Decimal("1.0")
    payload = card_payload(a)
    forged = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
    refused = actions_records.do_check_in_card(acting_user=personas.own, session=s2, payload=forged, now=s2.starts_at)
    assert not refused.ok and "会员卡无效" in refused.message
    assert entries("learning.check_in")[0].actor_label == "p-own"
    with pytest.raises(Exception):  # noqa: B017 (a sibling has no checkin grant)
        actions_records.do_check_in_card(acting_user=personas.sibling, session=s2, payload=payload, now=s2.starts_at)


def test_a_revoked_card_is_refused_at_check_in(tree, running, personas):
    from gonghui.members.models import Card

    course, a, _b = running
    s1 = course.sessions.first()
    payload = card_payload(a)
    Card.objects.filter(membership=a).update(status=Card.Status.REVOKED)  # the members app's revocation
    result = actions_records.do_check_in_card(acting_user=personas.own, session=s1, payload=payload, now=s1.starts_at)
    assert not result.ok and result.code == "revoked"


def test_two_no_shows_bar_a_member_who_then_sees_why(tree, running):
    course, a, b = running
    for s in course.sessions.all():
        actions_records.do_check_in_card(acting_user=SYSTEM, session=s, payload=card_payload(a), now=s.starts_at)
        assert actions_records.do_close_session(acting_user=SYSTEM, session=s) == 1
    b_enrolment = Enrolment.objects.get(offering=course, person_id=b.person_id)
    assert b_enrolment.status == "barred" and b_enrolment.no_shows == 2 and "缺勤 2 次" in b_enrolment.reason
    page = member_client(b).get(f"/m/learning/{course.pk}/").content.decode()
    assert "已被取消资格" in page and "缺勤 2 次，按规定取消本课程资格" in page
    with pytest.raises(ValidationError, match="无需重复操作"):
        actions_records.do_close_session(acting_user=SYSTEM, session=course.sessions.first())


def test_completion_issues_a_certificate_and_a_skill_and_revocation_takes_both_back(tree, running, client):
    course, a, b = running
    for s in course.sessions.all():
        actions_records.do_check_in_card(acting_user=SYSTEM, session=s, payload=card_payload(a), now=s.starts_at)
    actions_records.do_check_in_card(
        acting_user=SYSTEM,
        session=course.sessions.first(),
        payload=card_payload(b),
        now=course.sessions.first().starts_at,
    )
    assert actions_records.do_complete_offering(acting_user=SYSTEM, offering=course) == {
        "completed": 1,
        "not_completed": 1,
    }
    certificate = Certificate.objects.get()
    assert certificate.person_id == a.person_id and certificate.hours == Decimal("4.0")
    assert len(certificate.serial) == 17 and certificate.holder_masked.endswith("*")
    skill = Skill.objects.get()
    assert (skill.name, skill.source, skill.status) == ("急救（CPR+AED）", "certificate", "verified")
    answer = client.get(f"/api/v1/certificates/{certificate.serial}").json()
    assert answer["valid"] and answer["holder"] == certificate.holder_masked and answer["org_name"] == "南山区总工会"
    assert client.get(f"/c/{certificate.serial}/").status_code == 200
    with pytest.raises(ValidationError, match="请填写撤销原因"):
        actions_records.do_revoke_certificate(acting_user=SYSTEM, certificate=certificate, reason=" ")
    actions_records.do_revoke_certificate(acting_user=SYSTEM, certificate=certificate, reason="考核作弊")
    answer = client.get(f"/api/v1/certificates/{certificate.serial}").json()
    assert not answer["valid"] and answer["revoked_reason"] == "考核作弊"
    assert reload(skill).status == "revoked"
    unknown = client.get("/api/v1/certificates/ZGXXXXXXXXXXXXXXX")
    assert unknown.status_code == 404 and unknown.json()["found"] is False
    assert client.get("/c/ZGXXXXXXXXXXXXXXX/").status_code == 404
    with pytest.raises(ValidationError, match="当前状态为“已结业”"):
        actions_records.do_complete_offering(acting_user=SYSTEM, offering=course)


def test_a_member_checks_in_by_scanning_the_session_qr(tree, running):
    course, a, _b = running
    s1 = course.sessions.first()
    result = actions_records.do_check_in_qr(acting_user=me(a), session=s1, now=s1.starts_at)
    assert result.ok and result.attendance.method == "qr"
    stranger = make_member(tree.grassroots)
    with pytest.raises(ValidationError, match="未报名本课程"):
        actions_records.do_check_in_qr(acting_user=me(stranger), session=s1, now=s1.starts_at)
    with pytest.raises(ValidationError, match="签到已结束"):
        actions_records.do_check_in_qr(acting_user=me(a), session=s1, now=s1.ends_at + dt.timedelta(hours=2))


def test_declared_skills_count_only_after_staff_verify_them(tree, personas):
    from gonghui.learning import queries

    m = make_member(tree.grassroots)
    with pytest.raises(ValidationError) as info:
        actions_records.do_declare_skill(acting_user=me(m), membership=m, name="", acquired_on=None)
    assert {"name", "acquired_on"} <= set(info.value.message_dict)
    skill = actions_records.do_declare_skill(
        acting_user=me(m), membership=m, name="电工", level="四级/中级工", acquired_on=dt.date(2024, 5, 1)
    )
    assert [s["name"] for s in queries.skills_of(m)] == []
    with pytest.raises(Exception):  # noqa: B017 (outside the subtree)
        actions_records.do_verify_skill(acting_user=personas.sibling, skill=skill, approve=True)
    with pytest.raises(ValidationError, match="不通过时请填写原因"):
        actions_records.do_verify_skill(acting_user=personas.own, skill=skill, approve=False)
    actions_records.do_verify_skill(acting_user=personas.own, skill=skill, approve=True)
    assert [(s["name"], s["level"], s["verified"]) for s in queries.skills_of(m)] == [("电工", "四级/中级工", True)]
    with pytest.raises(ValidationError, match="当前状态为“已核实”"):
        actions_records.do_verify_skill(acting_user=personas.own, skill=skill, approve=True)
