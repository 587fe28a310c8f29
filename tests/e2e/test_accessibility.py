"""Issue 18 point 12: axe-core (axe-playwright-python, bundled, no network) finds no serious or critical
accessibility violation on the main console and portal pages, and none of them logs a console error
(such as the favicon's 404) or fails to load a resource. Run with the demo data set and CJK fonts
(`fonts-noto-cjk`, installed by .ci/run) so that contrast is measured on real glyphs.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from gonghui.demo.data import DEMO_PASSWORD
from tests.e2e.test_join_flow import wait_for_code

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def watch(page) -> list[str]:
    """Console errors, uncaught page errors and failed requests of `page`, as readable lines."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def audit_pages(page, base: str, paths: list[str]) -> dict[str, list[str]]:
    """Open each path; return what axe and the console found, by path (empty when all is well)."""
    axe, found = Axe(), {}
    problems = watch(page)
    for path in paths:
        problems.clear()
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        lines = [f"status {response.status}"] if response.status != 200 else []
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                lines.append(f"{violation['impact']} {violation['id']} ({violation['help']}): {targets}")
        lines += problems
        if lines:
            found[path] = lines
    return found


def test_the_main_console_and_portal_pages_pass_axe_without_console_errors(browser, demo_site, login):
    from gonghui.members.models import Membership

    member_no = Membership.objects.filter(status="active", org__code="440305-F2").values_list("member_no", flat=True)[0]
    page = login("admin", DEMO_PASSWORD)
    console = [
        "/",
        "/orgs/",
        "/orgs/440305/",
        "/members/",
        f"/members/{member_no}/",
        "/members/joins/",
        "/appeals/",
        "/appeals/workbench/",
        "/hardship/archives/",
        "/benefits/campaigns/",
        "/benefits/partners/",
        "/benefits/services/",
        "/audit/",
    ]
    found = audit_pages(page, demo_site, console)

    from gonghui.core import sms

    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844})
    try:
        member = phone.new_page()
        found |= audit_pages(member, demo_site, ["/m/login/"])
        sms.outbox.clear()
        member.get_by_label("手机号").fill("13800000001")
        member.get_by_role("button", name="获取验证码").click()
        member.get_by_label("短信验证码").fill(wait_for_code("+8613800000001"))
        member.get_by_role("button", name="登录").click()
        member.wait_for_load_state("domcontentloaded")
        found |= audit_pages(member, demo_site, ["/m/", "/m/card/", "/m/benefits/", "/appeals/m/"])
    finally:
        phone.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(lines) for path, lines in found.items())
