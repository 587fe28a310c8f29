"""Issue 14 "done when", in the browser:
1. a company's donation goes into the 深工有爱 fund, `city` proposes a grant to a 南山区 hardship
   household from it, the `charity` committee member approves it, and the grant shows on the
   household's timeline for `district`;
2. a wish is posted by the demo member in the portal, reviewed by `district`, claimed from the public
   wall and fulfilled with a photo by `district` for a company, and confirmed by the member."""

from __future__ import annotations

import struct
import zlib

import pytest
from playwright.sync_api import expect

from gonghui.demo.data import DEMO_PASSWORD
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser
DEMO_MOBILE, DEMO_E164 = "13800000001", "+8613800000001"


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00\xc8\x16\x1d")) + chunk(b"IEND", b"")


@pytest.fixture
def phone(browser, demo_site):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def log_out(page, demo_site):
    page.context.clear_cookies()


def test_a_donation_becomes_a_grant_on_a_hardship_household_timeline(login, demo_site):
    from gonghui.charity.models import Campaign, Grant
    from gonghui.core.tree import in_subtree
    from gonghui.hardship.models import HardshipArchive
    from gonghui.orgs.models import Org

    district = Org.objects.get(code="440305")
    archive = HardshipArchive.objects.filter(in_subtree("org_path", district.path)).order_by("pk").first()
    campaign = Campaign.objects.get(name="职工互助日常捐赠")

    # 1. city records a company's bank transfer to the fund's year-round campaign.
    page = login("city", DEMO_PASSWORD)
    page.goto(f"{demo_site}/charity/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="登记捐赠").click()
    page.get_by_label("金额（元）").fill("8888.88")
    page.get_by_label("捐赠人类型").select_option(label="企业")
    page.get_by_label("捐赠人（显示名）").fill("南山某科技公司")
    page.get_by_label("渠道").select_option(label="银行转账")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("heading", name="南山某科技公司 捐赠 ¥8888.88")).to_be_visible()

    # 2. city proposes a grant from the fund to the household (the maker).
    page.get_by_role("link", name=campaign.name).click()
    page.get_by_role("link", name=campaign.fund.name).click()
    page.get_by_role("link", name="申请资助").click()
    page.get_by_label("资助对象").select_option(label="在档困难职工家庭")
    page.get_by_label("困难职工档案编号（资助困难家庭时）").fill(archive.number)
    page.get_by_label("资助用途").select_option(label="医疗救助")
    page.get_by_label("金额（元）").fill("1234.56")
    page.get_by_label("申请理由").fill("家庭成员住院，自付费用高")
    page.get_by_label("收款人").fill("困难职工本人")
    page.get_by_label("开户银行").fill("工商银行南山支行")
    page.get_by_label("银行账号").fill("6222020000009876543")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("#grant-status")).to_have_text("待审批")
    grant = Grant.objects.get(amount="1234.56")
    log_out(page, demo_site)

    # 3. The committee member approves (the checker) and records the payment.
    page = login("charity", DEMO_PASSWORD)
    page.goto(f"{demo_site}/charity/grants/")
    page.get_by_role("link", name="在档困难职工家庭").first.click()
    page.goto(f"{demo_site}/charity/grants/{grant.pk}/")
    page.get_by_role("link", name="批准").click()
    page.get_by_label("意见或说明").fill("管委会同意")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#grant-status")).to_have_text("已批准，待拨付")
    page.get_by_role("link", name="登记已拨付").click()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#grant-status")).to_have_text("已拨付")
    log_out(page, demo_site)

    # 4. district sees the grant on the household's timeline.
    page = login("district", DEMO_PASSWORD)
    page.goto(f"{demo_site}/hardship/archives/{archive.number}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("公益资助：深工有爱专项基金")
    expect(timeline).to_contain_text("1234.56 元，医疗救助，已拨付")


def test_a_wish_goes_posted_reviewed_claimed_fulfilled_confirmed(login, phone, demo_site, tmp_path):
    from gonghui.charity.models_wishes import Wish

    # 0. district opens a new wish round for 南山区 (the demo member's wish of the demo round is done).
    page = login("district", DEMO_PASSWORD)
    page.goto(f"{demo_site}/charity/wishes/")
    page.get_by_role("link", name="发起心愿征集").click()
    page.get_by_label("名称").fill("南山区微心愿第二期")
    page.get_by_label("开始日期").fill("2026-01-01")
    page.get_by_label("截止日期").fill("2030-12-31")
    page.get_by_role("button", name="发起").click()

    # 1. The member logs in to the portal and posts a wish.
    phone.goto(f"{demo_site}/m/login/")
    phone.get_by_label("手机号").fill(DEMO_MOBILE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(wait_for_code(DEMO_E164))
    phone.get_by_role("button", name="登录").click()
    phone.goto(f"{demo_site}/m/charity/")
    phone.get_by_label("心愿征集").select_option(label="南山区微心愿第二期（上限 300.00 元）")
    phone.get_by_label("类别").select_option(label="劳动用品")
    phone.get_by_label("我的心愿").fill("一个保温饭盒")
    phone.get_by_label("心愿故事").fill("跑单中午吃饭总是凉的")
    phone.get_by_label("预估金额（元）").fill("69")
    phone.get_by_role("button", name="提交心愿").click()
    expect(phone.locator("main")).to_contain_text("一个保温饭盒")
    wish = Wish.objects.get(title="一个保温饭盒")

    # 2. district reviews it: published on the wall, anonymised.
    page.goto(f"{demo_site}/charity/wishes/{wish.pk}/review/")
    page.get_by_label("审核结果").select_option(label="通过，发布到心愿墙")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#wish-status")).to_have_text("待认领")

    # 3. district claims it from the public wall for a company and uploads the delivery photo.
    page.goto(f"{demo_site}/gongyi/wishes/")
    card = page.locator(f"#wish-{wish.pk}")
    expect(card).not_to_contain_text("陈晓明")
    card.get_by_role("link", name="认领").click()
    page.get_by_label("认领身份").select_option(label="代爱心企业")
    page.get_by_label("爱心企业名称").fill("南山爱心餐饮公司")
    page.get_by_role("button", name="认领").click()
    photo = tmp_path / "delivered.png"
    photo.write_bytes(png())
    page.get_by_label("送达照片").set_input_files(str(photo))
    page.get_by_role("button", name="登记送达").click()
    expect(page.locator("#wish-status")).to_have_text("已送达，待确认")

    # 4. The member confirms receipt in the portal.
    phone.goto(f"{demo_site}/m/charity/")
    phone.locator(f"#my-wish-{wish.pk}").get_by_role("button", name="我已收到").click()
    expect(phone.locator(f"#my-wish-{wish.pk}")).to_contain_text("已确认")
    assert Wish.objects.get(pk=wish.pk).status == "confirmed"
