"""Issue 11 "done when": the demo rider, who holds the demo first-aid certificate, searches nearby
posts in the portal (the browser's location through static/jobs/near.js), sees the skill match and
applies; district staff move the application to hired in the console; the placement appears in the
district's statistics and the employment measure of the rider's household plan is closed."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from gonghui.demo.data import DEMO_PASSWORD
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser

RIDER_POINT = {"latitude": 22.5333, "longitude": 113.9305}


@pytest.fixture
def phone(browser, demo_site):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        geolocation=RIDER_POINT,
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _plan_for(membership):
    """A household archive for the rider under review with a 就业推荐 measure (through the hardship actions)."""
    from django.utils import timezone

    from gonghui.hardship import actions as hardship
    from gonghui.hardship.states import ArchiveStatus
    from gonghui.hardship.tests.helpers import NAMED, Clock, add_lines, create, to_state

    clock = Clock()
    add_lines(range(clock.today.year - 2, clock.today.year + 2), division="440000")
    archive = to_state(create(membership, division_code="440305"), ArchiveStatus.REVIEWED, clock)
    return hardship.do_add_plan_measure(
        acting_user=None,
        archive=archive,
        measure="job_referral",
        description="推荐附近岗位",
        owner="李干事",
        due_on=timezone.localdate() + dt.timedelta(days=30),
        person_name=NAMED,
    )


def test_the_rider_applies_nearby_staff_hire_and_the_plan_measure_closes(login, phone, demo_site):
    from gonghui.demo.jobs import CPR_POST
    from gonghui.demo.members import DEMO_MEMBER
    from gonghui.hardship.models import PlanMeasure
    from gonghui.jobs.models import Application, JobPost
    from gonghui.members.models import Membership

    rider = Membership.objects.select_related("person").get(person__mobile=DEMO_MEMBER["mobile"])
    measure = _plan_for(rider)
    post = JobPost.objects.get(title=CPR_POST)

    phone.goto(f"{demo_site}/m/login/?next=/m/jobs/")
    phone.get_by_label("手机号").fill(DEMO_MEMBER["mobile_local"])
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(wait_for_code(DEMO_MEMBER["mobile"]))
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url("**/m/jobs/**")
    phone.get_by_label("范围").select_option("5")
    phone.get_by_role("button", name="用我的位置").click()
    phone.wait_for_url("**lat=22.5333**")
    expect(phone.locator("#where")).to_contain_text("您的位置附近 5 公里内")
    job = phone.locator(f"#job-{post.pk}")
    expect(job).to_contain_text("您已具备：急救（CPR+AED）")
    expect(job).to_contain_text("公里")
    job.get_by_role("link", name=CPR_POST).click()
    expect(phone.locator("#skill-match")).to_contain_text("您已具备：急救（CPR+AED）")
    phone.get_by_label("同意向用人单位提供我的完整手机号，方便联系").check()
    phone.get_by_role("button", name="投递").click()
    expect(phone.locator("main")).to_contain_text("投递成功")
    application = Application.objects.get(post=post, person_id=rider.person_id)
    assert application.share_mobile is True

    page = login("district", DEMO_PASSWORD)
    page.goto(f"{demo_site}/jobs/{post.pk}/applications/")
    row = page.locator(f"#app-{application.pk}")
    expect(row).to_contain_text(DEMO_MEMBER["mobile_local"])  # the rider consented to the full number
    row.get_by_label("状态").select_option(label="拟录用")
    row.get_by_role("button", name="更新").click()
    expect(page.locator(f"#app-{application.pk}")).to_contain_text("拟录用")
    page.locator(f"#app-{application.pk}").get_by_role("link", name="录用上岗").click()
    page.get_by_label("工资").fill("2800")
    page.get_by_role("button", name="确认录用").click()
    expect(page.locator("main")).to_contain_text("已录用")
    page.goto(f"{demo_site}/jobs/stats/440305/")
    expect(page.locator("#placements-total")).to_have_text("2")  # the demo's placement and this one

    measure.refresh_from_db()
    assert measure.status == PlanMeasure.Status.DONE and post.employer.name in measure.outcome

    phone.goto(f"{demo_site}/m/jobs/mine/")
    expect(phone.locator(f"#application-{application.pk}")).to_contain_text("已录用")
