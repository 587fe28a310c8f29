"""Issue 18 (part B) flows in Chromium: the 帮扶申请 form (point 3), the member portal on a 390×844
phone (point 4) and the partner counter without a camera (point 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.demo.data import DEMO_PASSWORD
from gonghui.demo.members import DEMO_MEMBER
from gonghui.people.identity import synthetic_id
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser


def portal_login(page, site: str, mobile_local: str, next_url: str = "/m/") -> None:
    sms.outbox.clear()
    page.goto(f"{site}/m/login/?next={next_url}")
    page.get_by_label("手机号").fill(mobile_local)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(wait_for_code("+86" + mobile_local))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")


def box(locator) -> dict:
    return locator.bounding_box()


def test_aid_application_finds_the_worker_fills_the_household_and_names_the_remaining_steps(login, demo_site):
    from gonghui.hardship.models import HardshipArchive
    from gonghui.hardship.models_aid import AidApplication, AidProgramme

    checked = HardshipArchive.objects.filter(status="checked").select_related("person", "membership").first()
    archived = (
        HardshipArchive.objects.filter(status="archived", household__schooling="senior")
        .select_related("person", "membership")
        .first()
    )
    winter = AidProgramme.objects.get(org__code="440305", code="winter_relief")
    autumn = AidProgramme.objects.get(org__code="440305", code="autumn_education")
    page = login("district", DEMO_PASSWORD)
    page.goto(f"{demo_site}/hardship/aid/applications/new/")
    # The declared situations read in Chinese, never as codes.
    expect(page.locator("main")).to_contain_text("免费师范生")
    expect(page.locator("main")).not_to_contain_text("free_teacher_training")

    # A worker whose archive is still being assessed, found by name: the steps left are named.
    page.get_by_label("查找申请人（姓名、拼音首字母、手机号、证件号或会员证号）").fill(checked.person.name)
    page.locator("#member-result-list a", has_text=checked.person.name).first.click()
    expect(page.locator("#applicant")).to_contain_text("档案尚未完成")
    expect(page.locator("#id_member_no")).to_have_value(checked.membership.member_no)
    page.get_by_label("帮扶项目").select_option(str(winter.pk))
    page.get_by_label("申请理由").fill("春节慰问")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("main")).to_contain_text("尚未完成：基层审核、公示、审批建档")
    expect(page.locator("main")).not_to_contain_text("证件号码“”")

    # An archived household, found by its member number: its student is filled in, the application goes through.
    page.goto(f"{demo_site}/hardship/aid/applications/new/")
    page.get_by_label("查找申请人（姓名、拼音首字母、手机号、证件号或会员证号）").fill(archived.membership.member_no)
    page.locator("#member-result-list a").first.click()
    student = archived.household.get(relation="child")
    expect(page.get_by_label("受助家庭成员")).to_have_value(str(student.pk))
    page.get_by_label("帮扶项目").select_option(str(autumn.pk))
    page.get_by_label("申请理由").fill("子女就读高中，家庭困难")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("main")).to_contain_text("已提交帮扶申请")
    assert AidApplication.objects.get(programme=autumn, person=archived.person).beneficiary_name == student.name


def test_member_portal_on_a_phone_shows_every_service_and_keeps_the_bar_off_the_form(phone, demo_site):
    from gonghui.orgs.models import Org

    page = phone
    portal_login(page, demo_site, DEMO_MEMBER["mobile_local"])
    tiles = page.locator("#services")
    for name in ("普惠服务", "我的诉求", "电子会员卡", "申请转会", "个人信息", "会费计算"):
        expect(tiles.get_by_role("link", name=name)).to_be_visible()
    # The bottom bar sits at the bottom of a short page.
    page.goto(f"{demo_site}/m/profile/")
    bar = box(page.locator("nav.pnav"))
    assert abs(bar["y"] + bar["height"] - 844) <= 1, bar

    # 普惠: claim once; the button turns into a disabled 已领取, the deadline has its year.
    tiles_page = page.goto(f"{demo_site}/m/")
    assert tiles_page.ok
    page.locator("#services").get_by_role("link", name="普惠服务").click()
    campaign = page.locator(".campaign").first
    expect(campaign).to_contain_text("领取截止 20")
    campaign.get_by_role("button", name="领取").click()
    expect(page.locator("main")).to_contain_text("领取成功")
    expect(page.locator(".campaign").first.get_by_role("button", name="已领取")).to_be_disabled()

    # A courier federation's join link: 新就业形态劳动者 · 快递员 by default; the consent error stays visible.
    courier = Org.objects.get(code="440305-F1")
    page.context.clear_cookies()
    portal_login(page, demo_site, "13912340000", next_url=f"/m/join/{courier.code}/")
    page.goto(f"{demo_site}/m/join/{courier.code}/")
    expect(page.locator("#id_worker_type")).to_have_value("gig")
    expect(page.locator("#id_gig_subtype")).to_have_value("courier")
    page.fill("#id_name", "林快递")
    page.fill("#id_doc_number", synthetic_id("440305", dt.date(1990, 1, 1), 123))
    page.get_by_role("button", name="提交申请").click()
    error = page.locator(".field.has-error", has=page.locator("#id_agree"))
    expect(error).to_contain_text("请阅读并勾选入会声明")
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#id_agree").focus()
    page.keyboard.press("Space")
    expect(page.locator("#id_agree")).to_be_checked()
    bar, field = box(page.locator("nav.pnav")), box(error)
    assert field["y"] + field["height"] <= bar["y"] + 1, (field, bar)


def test_the_counter_is_only_in_partner_staff_menus_and_takes_a_typed_card_number(login, page, demo_site):
    from gonghui.accounts.models import User
    from gonghui.benefits.models import CardUse
    from gonghui.members.models import Card

    login("district", DEMO_PASSWORD)
    expect(page.get_by_role("link", name="核销台")).to_have_count(0)
    page.context.clear_cookies()
    login("merchant", DEMO_PASSWORD)
    assert "健身中心" in User.objects.get(username="merchant").display_name  # the partner it serves
    page.get_by_role("link", name="核销台").click()
    expect(page.locator("h1")).to_contain_text("健身中心")
    card = (
        Card.objects.filter(status="active", membership__status="active", membership__org__code__startswith="440305")
        .select_related("membership__person")
        .first()
    )
    # No camera: the cashier types the serial printed on the card, in lower case with a space.
    page.fill("#payload", card.serial[:6].lower() + " " + card.serial[6:].lower())
    page.get_by_role("button", name="核验").click()
    answer = page.locator("#counter-answer")
    expect(answer).to_contain_text("联网查询")
    expect(answer).to_contain_text("会员有效")
    expect(answer).not_to_contain_text(card.membership.person.name)
    page.fill("#amount", "80")
    page.get_by_role("button", name="仅记录消费（无优惠）").click()
    expect(page.locator("#counter-answer")).to_contain_text("已记录")
    assert CardUse.objects.filter(membership=card.membership_id, amount=80).exists()
