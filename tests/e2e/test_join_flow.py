"""Issue 3 "done when": a delivery rider joins through a 联合会's QR link and gets an e-card.

The rider opens the join link of the demo's 南山区外卖配送行业工会联合会 (the link its QR poster
carries), logs in with mobile + SMS code (read from the console SMS outbox, as from a phone),
and applies. The demo `district` organiser approves in the console's join queue. The rider
then sees the e-member card with its QR code as inline SVG, whose payload verifies.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.demo.data import DEMO_PASSWORD
from gonghui.people.identity import synthetic_id

pytestmark = pytest.mark.browser

RIDER_MOBILE = "13612345678"
RIDER_E164 = "+8613612345678"
RIDER_NAME = "李明华"
FEDERATION_CODE = "440305-F2"  # 南山区外卖配送行业工会联合会 in the demo data


def wait_for_code(mobile: str, timeout: float = 10.0) -> str:
    """The newest login code sent to `mobile` by the console SMS backend (the live server runs in
    this process, so its outbox is ours)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [m["text"] for m in sms.outbox if m["mobile"] == mobile]
        if texts:
            return re.search(r"\d{6}", texts[-1]).group(0)
        time.sleep(0.05)
    raise AssertionError(f"no SMS to {mobile} within {timeout}s")


@pytest.fixture
def rider(browser, demo_site):
    """The rider's phone: its own browser context (no cookies shared with the staff browser)."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_rider_joins_by_qr_link_and_gets_an_e_card(rider, login, demo_site):
    from gonghui.members import cards
    from gonghui.members.portal.qr import qr_svg
    from gonghui.orgs.models import Org

    sms.outbox.clear()
    federation = Org.objects.get(code=FEDERATION_CODE)
    doc_number = synthetic_id("440305", dt.date(1995, 6, 18), 37)

    # 1. The QR link names the union and asks the rider to log in first.
    rider.goto(f"{demo_site}/m/join/{FEDERATION_CODE}/")
    expect(rider.get_by_role("heading", name=f"申请加入{federation.name}")).to_be_visible()
    rider.get_by_role("link", name="手机号登录后申请").click()

    # 2. Mobile + SMS code; the number never appears in a URL.
    rider.get_by_label("手机号").fill(RIDER_MOBILE)
    rider.get_by_role("button", name="获取验证码").click()
    expect(rider.get_by_role("heading", name="输入验证码")).to_be_visible()
    expect(rider.locator("main")).to_contain_text("136****5678")
    assert RIDER_MOBILE not in rider.url
    rider.get_by_label("短信验证码").fill(wait_for_code(RIDER_E164))
    rider.get_by_role("button", name="登录").click()

    # 3. Back on the QR join page, logged in: the application form.
    expect(rider.get_by_role("heading", name=f"申请加入{federation.name}")).to_be_visible()
    assert rider.url.endswith(f"/m/join/{FEDERATION_CODE}/")
    rider.get_by_label("姓名").fill(RIDER_NAME)
    rider.get_by_label("证件号码").fill(doc_number)
    # A 外卖 joint union's link defaults to a gig worker delivering food (issue 18, point 4).
    expect(rider.get_by_label("职工类型")).to_have_value("gig")
    expect(rider.get_by_label("新就业形态类别")).to_be_visible()
    rider.get_by_label("职工类型").select_option(label="普通职工")
    expect(rider.get_by_label("新就业形态类别")).to_be_hidden()  # only for gig workers
    rider.get_by_label("职工类型").select_option(label="新就业形态劳动者")
    rider.get_by_label("新就业形态类别").select_option(label="外卖配送员")
    rider.get_by_label("所在平台").fill("美团")
    rider.get_by_label("我承认《中国工会章程》，自愿加入工会").check()
    rider.get_by_role("button", name="提交申请").click()
    expect(rider.get_by_role("heading", name="办理进度")).to_be_visible()
    applications = rider.locator("#applications")
    expect(applications).to_contain_text("待审核")
    expect(applications).to_contain_text(federation.name)
    expect(applications).to_contain_text("扫码入会")

    # Before approval there is no card.
    rider.goto(f"{demo_site}/m/card/")
    expect(rider.locator("#no-card")).to_be_visible()
    expect(rider.locator("svg.qr")).to_have_count(0)

    # 4. The district organiser approves in the console's join queue.
    staff = login("district", DEMO_PASSWORD)
    staff.goto(f"{demo_site}/members/joins/")
    staff.get_by_role("link", name=RIDER_NAME).click()
    staff.get_by_role("link", name="审核通过").click()
    staff.get_by_role("button", name="审核通过").click()
    expect(staff.locator(".flash")).to_contain_text("已审核通过")

    # 5. The rider's home shows the membership; the card page shows the QR as inline SVG.
    rider.goto(f"{demo_site}/m/")
    membership_box = rider.locator("#membership")
    expect(membership_box).to_contain_text("正常")
    expect(membership_box).to_contain_text(federation.name)
    rider.get_by_role("link", name="电子会员卡").first.click()
    card = rider.locator("#ecard")
    expect(card.locator("svg.qr")).to_be_visible()
    expect(card).to_contain_text(RIDER_NAME)
    expect(card).to_contain_text(federation.name)
    member_no = card.locator("#member-no").inner_text().strip()
    assert re.fullmatch(r"\d{16}", member_no), member_no

    from gonghui.members.models import Card

    card_row = Card.objects.select_related("membership").get(membership__member_no=member_no, status="active")
    claims = cards.decode(cards.payload_for(card_row))
    assert (claims.member_no, claims.org_code) == (member_no, FEDERATION_CODE)
    # The SVG drawn in the browser encodes exactly that signed payload: same modules as segno's.
    expected_path = re.search(r' d="([^"]+)"', str(qr_svg(cards.payload_for(card_row)))).group(1)
    assert card.locator("svg.qr path").get_attribute("d") == expected_path

    # The printable version opens in its own tab and carries the same QR.
    with rider.context.expect_page() as new_tab:
        rider.get_by_role("link", name="打印会员卡").click()
    printable = new_tab.value
    printable.wait_for_load_state()
    expect(printable.locator("#printcard svg.qr")).to_be_visible()
    expect(printable.locator("#printcard")).to_contain_text(member_no)
