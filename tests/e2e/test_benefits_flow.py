"""Issue 6 "done when": `district` signs a gym as partner, gives the demo `merchant` account the
partner role and publishes a fitness voucher campaign for gig workers; a delivery rider claims one in
the portal; `merchant` scans it at the counter and redeems it; a second scan shows it was already used."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.demo.data import DEMO_PASSWORD
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser
FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def counter(browser, demo_site):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_rider_claims_a_fitness_voucher_and_the_gym_redeems_it(login, phone, counter, demo_site):
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.benefits import actions
    from gonghui.benefits.models import Voucher
    from gonghui.members.tests.helpers import make_member
    from gonghui.orgs.models import Org

    # 1. district signs the gym and gives the demo merchant account the partner role (the demo data
    #    links merchant to its own demo gym: released first, one active partner per account).
    merchant = User.objects.get(username="merchant")
    actions.do_remove_partner_staff(acting_user=None, partner=actions.partner_of(merchant), user=merchant)
    page = login("district", DEMO_PASSWORD)
    page.goto(f"{demo_site}/benefits/partners/new/?org=440305")
    today = timezone.localdate()
    page.fill("#id_name", "南山活力健身馆")
    page.select_option("#id_kind", "gym")
    page.fill("#id_location", "科技园店")
    page.fill("#id_agreement_start", today.isoformat())
    page.fill("#id_agreement_end", (today + dt.timedelta(days=365)).isoformat())
    page.get_by_role("button", name="签约").click()
    expect(page.get_by_role("heading", name="南山活力健身馆")).to_be_visible()
    page.get_by_role("link", name="添加工作人员").click()
    page.fill("#id_username", "merchant")
    page.get_by_role("button", name="添加").click()
    expect(page.locator("main")).to_contain_text("刘洋（南山区职工健身中心前台）")

    # 2. A fitness voucher campaign for gig workers of the district, published.
    page.goto(f"{demo_site}/benefits/campaigns/new/?org=440305")
    now = timezone.localtime()
    page.fill("#id_name", "骑手健身券")
    page.select_option("#id_kind", "fitness")
    page.fill("#id_face_value", "30")
    page.fill("#id_quota", "10")
    page.fill("#id_claim_starts", (now - dt.timedelta(hours=1)).strftime(FMT))
    page.fill("#id_claim_ends", (now + dt.timedelta(days=7)).strftime(FMT))
    page.fill("#id_valid_until", (now + dt.timedelta(days=30)).strftime(FMT))
    page.fill("#id_budget", "300")
    page.get_by_label("新就业形态劳动者").check()
    page.get_by_label("南山活力健身馆").check()
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_role("button", name="发布").click()
    expect(page.locator("main")).to_contain_text("活动已发布")

    # 3. A delivery rider of the district logs in to the portal and claims one.
    rider = make_member(Org.objects.get(code="440305-F2"), worker_type="gig", gig_subtype="delivery", platform="美团")
    sms.outbox.clear()
    phone.goto(f"{demo_site}/m/login/?next=/m/benefits/")
    phone.get_by_label("手机号").fill(rider.person.mobile.removeprefix("+86"))
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(wait_for_code(rider.person.mobile))
    phone.get_by_role("button", name="登录").click()
    phone.goto(f"{demo_site}/m/benefits/")
    expect(phone.locator("main")).to_contain_text("骑手健身券")
    phone.locator(".campaign", has_text="骑手健身券").get_by_role("button", name="领取").click()
    expect(phone.locator("main")).to_contain_text("领取成功")
    expect(phone.locator(".voucher svg.qr")).to_be_visible()
    payload = phone.locator("code.payload").first.text_content().strip()
    assert payload.startswith("GV1.")

    # 4. merchant scans it at the counter and redeems it; scanning again shows the first redemption.
    counter.goto(f"{demo_site}/login/")
    counter.get_by_label("用户名", exact=True).fill("merchant")
    counter.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    counter.get_by_role("button", name="登录").click()
    counter.goto(f"{demo_site}/benefits/counter/")
    counter.fill("#payload", payload)
    counter.get_by_role("button", name="核验").click()
    expect(counter.locator("#counter-answer")).to_contain_text("可以核销")
    counter.get_by_role("button", name="确认核销").click()
    expect(counter.locator("#counter-answer")).to_contain_text("核销成功")
    counter.get_by_role("button", name="核验").click()
    expect(counter.locator("#counter-answer")).to_contain_text("已核销")
    voucher = Voucher.objects.get(campaign__name="骑手健身券")
    assert voucher.status == "redeemed" and voucher.redeemed_by.name == "南山活力健身馆"
