"""Issue 13 "done when": the demo rider logs in at /m/, opens 附近服务 with the phone's location in 南山区
(granted geolocation), sees the nearest stations with distances, opens one, checks in and rates it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.demo.members import DEMO_MEMBER
from gonghui.demo.stations import RIDER_POINT
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, demo_site):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        geolocation={"latitude": RIDER_POINT[0], "longitude": RIDER_POINT[1]},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_demo_rider_finds_checks_in_and_rates_the_nearest_station(phone, demo_site):
    from gonghui.stations.models import Rating

    sms.outbox.clear()
    phone.goto(f"{demo_site}/m/login/")
    phone.get_by_label("手机号").fill(DEMO_MEMBER["mobile_local"])
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(wait_for_code(DEMO_MEMBER["mobile"]))
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="附近服务").click()
    # the page asks for the location itself (granted above) and lists the nearest stations
    expect(phone.locator("ol.stations li").first).to_be_visible()
    expect(phone.locator("main")).to_contain_text("您的位置")
    expect(phone.locator("svg.sketch")).to_be_visible()
    first = phone.locator("ol.stations li").first
    expect(first.locator(".dist")).to_contain_text("m")
    expect(first.get_by_role("link", name="高德地图")).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/")
    )
    name = first.locator("a.name").text_content().split(". ", 1)[1]
    first.locator("a.name").click()
    expect(phone.locator("h1")).to_contain_text(name)
    phone.get_by_role("button", name="到站签到").click()
    expect(phone.locator("main")).to_contain_text("签到成功")
    phone.get_by_label("4★").check()
    phone.get_by_placeholder("说说您的感受（选填）").fill("热水很方便")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("main")).to_contain_text("感谢您的评价")
    assert Rating.objects.filter(comment="热水很方便", score=4).exists()
    # a second scan within the hour is refused
    phone.get_by_role("button", name="到站签到").click()
    expect(phone.locator("main")).to_contain_text("一小时内已在本站签到过")
