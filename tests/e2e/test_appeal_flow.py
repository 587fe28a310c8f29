"""Issue 5 "done when", the operator's road in a real browser: the demo's province hotline operator
takes a wage-arrears call on the workbench and sends it straight to the suggested 南山区 (issue 18);
the demo `district` handler signs for it and resolves it; the operator's call-back records satisfaction.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gonghui.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def click_move(page, label: str):
    page.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def confirm_move(page, label: str):
    """A move without input (签收): its page has only the note field and the button."""
    click_move(page, label)
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def test_an_operator_registers_a_wage_call_that_goes_down_the_tree_and_comes_back(login, demo_site):
    """Issue 5's road, with issue 18's corrections: the lookup fills the form without submitting it, the
    suggestion says what it changed, the division is picked from a list, 转办 offers the suggested union
    first with nothing selected, and the operator no longer sees 签收/退回 once the ticket is forwarded."""
    from gonghui.appeals.models import Appeal

    page = login("hotline", DEMO_PASSWORD)
    page.goto(f"{demo_site}/appeals/workbench/")
    page.get_by_label("来电号码").fill("13800000001")  # the demo member 陈晓明
    with page.expect_response("**/appeals/workbench/caller/"):
        page.get_by_role("button", name="查询来电人").click()
    expect(page.locator("#lookup")).to_contain_text("该号码的历史工单")
    expect(page.get_by_label("来电人", exact=True)).to_have_value("陈晓明")  # copied into the form
    expect(page.locator("#lookup")).to_contain_text("已填入：来电人")
    assert "/workbench/" in page.url and page.locator(".has-error").count() == 0  # the form was not sent

    page.get_by_label("诉求事项").select_option("other")
    page.get_by_label("诉求内容").fill("我们工地二十多个工人三个月没拿到工资，老板联系不上")
    page.get_by_role("button", name="建议分类").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".suggestion")).to_contain_text("已按建议填入：诉求事项 欠薪/工资")
    expect(page.get_by_label("诉求事项")).to_have_value("wages")
    expect(page.get_by_label("来电人", exact=True)).to_have_value("陈晓明")  # kept across the suggestion
    page.get_by_label("诉求类型").select_option("complaint")
    page.get_by_label("所在地行政区划").select_option(label="深圳市南山区（440305）")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_contain_text("已受理")
    appeal = Appeal.objects.get(caller_name="陈晓明", text__startswith="我们工地二十多个工人")
    assert "138" not in page.url and appeal.number in page.url
    expect(page.locator("body")).to_contain_text("138****0001")

    click_move(page, "转办")
    radios = page.locator("input[name=to_org]")
    assert radios.count() > 20 and page.locator("input[name=to_org]:checked").count() == 0  # nothing pre-selected
    expect(radios.first).to_have_accessible_name("深圳市南山区总工会 440305")  # the suggestion comes first
    page.get_by_label("查找下级组织（名称或代码）").fill("福田")
    expect(page.locator("#org-found")).to_contain_text("深圳市福田区总工会")  # the holder's subtree, searched
    page.get_by_label("查找下级组织（名称或代码）").press("Enter")  # searches; never sends the form
    assert "/assign/" in page.url
    page.locator("input[name=to_org]").first.check()
    page.get_by_role("button", name="转办").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_contain_text("已转办待签收")
    expect(page.locator(".headline .buttons")).not_to_contain_text("签收")
    expect(page.locator(".headline .buttons")).not_to_contain_text("退回")

    page.context.clear_cookies()
    handler = login("district", DEMO_PASSWORD)
    handler.goto(f"{demo_site}/appeals/?tab=sign")
    first, second = (handler.locator("nav.tabs a").nth(i).bounding_box() for i in (0, 1))
    assert second["x"] - (first["x"] + first["width"]) >= 8 or second["y"] > first["y"]  # counters apart (issue 18)
    handler.get_by_role("table").get_by_role("link", name=appeal.number).click()
    confirm_move(handler, "签收")
    expect(handler.locator("h1")).to_contain_text("已签收")
    click_move(handler, "办结")
    handler.get_by_label("办理结果").fill("经协调，企业已补发全部工资")
    handler.get_by_label("追回金额（元）").fill("186000")
    handler.get_by_role("button", name="办结").click()
    handler.wait_for_load_state("domcontentloaded")
    expect(handler.locator("h1")).to_contain_text("已办结")

    handler.context.clear_cookies()
    page = login("hotline", DEMO_PASSWORD)
    page.goto(f"{demo_site}/appeals/{appeal.number}/")  # the workbench lists only the 50 most urgent call-backs
    page.get_by_role("link", name="去回访").click()
    page.get_by_label("满意度").select_option("very_satisfied")
    page.get_by_role("button", name="保存回访记录").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_contain_text("已评价")
    appeal.refresh_from_db()
    assert appeal.satisfaction == "very_satisfied" and appeal.resolved_on_time
    assert str(appeal.amount_recovered) == "186000.00"
