"""Issue 10 "done when": a member finds a course in the portal and enrols; at two sessions the
teacher checks them in by scanning their e-member card on the console's attendance sheet; the course
completes, the member receives a certificate whose QR page verifies publicly without login, and the
skill shows on the member's console page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.demo.data import DEMO_PASSWORD
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, demo_site):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_member_enrols_is_checked_in_twice_completes_and_the_certificate_verifies(login, phone, browser, demo_site):
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.learning import actions, actions_records
    from gonghui.learning.models import Offering
    from gonghui.members import cards
    from gonghui.members.models import Card
    from gonghui.members.tests.helpers import make_member
    from gonghui.orgs.models import Org

    # A course of the district whose two sessions are under way (check-in is open) and whose enrolment
    # closes in a few minutes: published by the `district` account.
    district = User.objects.get(username="district")
    now = timezone.now()
    course = actions.do_create_offering(
        acting_user=district,
        org=Org.objects.get(code="440305"),
        data={
            "title": "叉车安全操作培训",
            "category": "safety",
            "venue": "南山区职工服务中心",
            "capacity": 20,
            "min_enrolment": 1,
            "fee": Decimal("0"),
            "enrol_opens_at": now - dt.timedelta(days=1),
            "enrol_closes_at": now + dt.timedelta(minutes=30),
            "skill_name": "叉车安全操作",
            "completion_percent": 100,
        },
    )
    for minutes in (20, 10):
        start = now - dt.timedelta(minutes=minutes)
        actions.do_add_session(
            acting_user=district,
            offering=course,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            class_hours=Decimal("2"),
        )
    actions.do_publish_offering(acting_user=district, offering=course)

    # 1. The member logs in to the portal, finds the course and enrols.
    member = make_member(Org.objects.get(code="440305-F2"), worker_type="gig", gig_subtype="delivery")
    sms.outbox.clear()
    phone.goto(f"{demo_site}/m/login/?next=/m/learning/")
    phone.get_by_label("手机号").fill(member.person.mobile.removeprefix("+86"))
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(wait_for_code(member.person.mobile))
    phone.get_by_role("button", name="登录").click()
    phone.goto(f"{demo_site}/m/learning/?q=叉车")
    phone.get_by_role("link", name="叉车安全操作培训").click()
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator("main")).to_contain_text("报名成功")
    expect(phone.locator("#my-enrolment")).to_contain_text("已报名")

    # 2. The enrolment closes; the opening rule opens the course (the sweep's action, run here).
    actions.do_decide_opening(acting_user=district, offering=course, now=now + dt.timedelta(minutes=31))

    # 3. The teacher scans the member's card on each session's attendance sheet.
    card = Card.objects.select_related("membership").get(membership=member, status="active")
    payload = cards.payload_for(card)
    page = login("district", DEMO_PASSWORD)
    for session in course.sessions.all():
        page.goto(f"{demo_site}/learning/sessions/{session.pk}/")
        page.fill("#id_payload", payload)
        page.get_by_role("button", name="签到", exact=True).click()
        expect(page.locator("#scan-result")).to_contain_text("签到成功")
        expect(page.locator("#sheet")).to_contain_text(member.member_no)

    # 4. After the last session the course completes (the console's button, at a time after the sessions).
    result = actions_records.do_complete_offering(
        acting_user=district, offering=Offering.objects.get(pk=course.pk), now=now + dt.timedelta(hours=3)
    )
    assert result == {"completed": 1, "not_completed": 0}

    # 5. The member sees the certificate; its QR page verifies without login.
    phone.goto(f"{demo_site}/m/learning/mine/")
    phone.get_by_role("link", name="结业证书 · 叉车安全操作培训").click()
    expect(phone.locator("article.certificate svg")).to_be_visible()
    serial = re.search(r"ZG[A-Z0-9]{15}", phone.locator("article.certificate").text_content()).group(0)
    anonymous = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    check = anonymous.new_page()
    check.goto(f"{demo_site}/c/{serial}/")
    expect(check.locator("#verdict")).to_contain_text("证书有效")
    expect(check.locator("main, body")).to_contain_text("南山区总工会")
    assert member.person.name not in check.content()
    anonymous.close()

    # 6. The skill shows on the member's console page.
    page.goto(f"{demo_site}/members/{member.member_no}/")
    expect(page.locator("#learning-skills")).to_contain_text("叉车安全操作")
