"""A district organiser sees only their own subtree of the org tree, in a real browser.

The demo's `district` login holds its roles on 南山区总工会 (440305). The tree page starts at
that district, children arrive lazily through htmx, and nothing of 福田区 or any other
district, city or the province shows up; a sibling's detail URL answers with the 404 page.
"""

import pytest
from playwright.sync_api import expect

from gonghui.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

OWN_DISTRICT = "440305"  # 南山区: every code in its subtree contains this division code
SIBLING_DISTRICT = "440304"  # 福田区
OUTSIDE_NAMES = ["福田", "罗湖", "宝安", "广州市", "佛山市", "深圳市总工会", "广东省总工会"]


def test_district_organiser_sees_only_their_subtree(login, demo_site):
    page = login("district", DEMO_PASSWORD)
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.goto(f"{demo_site}/orgs/")
    tree = page.locator("#org-tree")
    root = tree.locator(f"li.node[data-code='{OWN_DISTRICT}']")
    expect(root).to_have_count(1)
    expect(tree.locator(":scope > li.node")).to_have_count(1)  # the scope root is the only top node

    # The scope root opens by itself and loads its children (htmx, trigger "load").
    children = root.locator(":scope > details > ul > li.node")
    expect(children.first).to_be_visible()
    expect(root.get_by_text("南山区快递行业工会联合会")).to_be_visible()

    # Expand a street by clicking its summary (not the link inside it): htmx fetches its level.
    street = children.filter(has=page.locator(":scope > details")).first
    street_code = street.get_attribute("data-code")
    assert street_code.startswith(OWN_DISTRICT)
    with page.expect_response(lambda r: r.url.endswith(f"/orgs/{street_code}/children/")) as response:
        street.locator(":scope > details > summary .tag").click()
    assert response.value.status == 200
    grassroots = street.locator(":scope > details > ul > li.node")
    expect(grassroots.first).to_be_visible()
    expect(street.locator(".loading")).to_have_count(0)
    assert grassroots.count() >= 1

    codes = tree.locator("li.node").evaluate_all("nodes => nodes.map(n => n.dataset.code)")
    assert len(codes) > len(set(children.evaluate_all("ns => ns.map(n => n.dataset.code)")))
    assert all(OWN_DISTRICT in code for code in codes), codes

    text = tree.inner_text()
    for name in OUTSIDE_NAMES:
        assert name not in text, f"{name} is outside the district's scope but shows in the tree"

    # A sibling district's page (and its children partial) do not exist for this user.
    for url in (f"/orgs/{SIBLING_DISTRICT}/", f"/orgs/{SIBLING_DISTRICT}/children/", "/orgs/440300/"):
        response = page.goto(f"{demo_site}{url}")
        assert response.status == 404, url
        expect(page.get_by_role("heading", name="没有找到")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("福田区总工会")


def test_wrong_password_shows_the_error(login, demo_site):
    page = login("district", "not-the-password")
    assert page.url.rstrip("/").endswith("/login")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_role("button", name="退出")).to_have_count(0)
    # The username is kept, the password is not.
    expect(page.get_by_label("用户名", exact=True)).to_have_value("district")
    expect(page.get_by_label("密码", exact=True)).to_have_value("")

    page.goto(f"{demo_site}/orgs/")
    assert "/login/" in page.url  # still anonymous: the tree sends us back to the login form
