"""Issue 5 "done when", the operator's road in a real browser: the demo's province hotline operator
takes a wage-arrears call on the workbench, sends it down to 深圳市 and on to 南山区; the demo
`district` handler signs for it and resolves it; the operator's call-back records satisfaction.
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
    from gonghui.appeals.models import Appeal

    page = login("hotline", DEMO_PASSWORD)
    page.goto(f"{demo_site}/appeals/workbench/")
    page.get_by_label("来电号码").fill("13912340000")
    page.get_by_label("来电人").fill("王师傅")
    page.get_by_label("诉求类型").select_option("complaint")
    page.get_by_label("诉求事项").select_option("wages")
    page.get_by_label("诉求内容").fill("我们工地二十多个工人三个月没拿到工资，老板联系不上")
    page.get_by_label("所在地行政区划代码").fill("440305")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_contain_text("已受理")
    appeal = Appeal.objects.get(caller_name="王师傅", text__startswith="我们工地二十多个工人")  # the demo has others
    assert "139" not in page.url and appeal.number in page.url
    expect(page.locator("body")).to_contain_text("139****0000")

    for target in ("深圳市总工会", "深圳市南山区总工会"):
        if target == "深圳市南山区总工会":
            confirm_move(page, "签收")
        click_move(page, "转办")
        page.get_by_label("转办给").select_option(label=target)
        page.get_by_role("button", name="转办").click()
        page.wait_for_load_state("domcontentloaded")
        expect(page.locator("h1")).to_contain_text("已转办待签收")

    page.context.clear_cookies()
    handler = login("district", DEMO_PASSWORD)
    handler.goto(f"{demo_site}/appeals/?tab=sign")
    handler.get_by_role("link", name=appeal.number).click()
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
    page.goto(f"{demo_site}/appeals/workbench/")
    page.locator("li", has_text=appeal.number).get_by_role("link", name="办结回访").click()
    page.get_by_label("满意度").select_option("very_satisfied")
    page.get_by_role("button", name="保存回访记录").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_contain_text("已评价")
    appeal.refresh_from_db()
    assert appeal.satisfaction == "very_satisfied" and appeal.resolved_on_time
    assert str(appeal.amount_recovered) == "186000.00"
