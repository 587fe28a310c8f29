"""Issue 4 "done when" (screens part): an officer takes a household from application through home
visit, the four data checks, review, public notice with one objection (resolved) and approval —
entirely in the console — and the timeline and the statistics show it.

The demo `district` login (南山区总工会, 帮扶专员 among its roles) works on a demo member of 南山区.
The notice period is five working days: the hardship actions' clock is moved past its end, as a
real officer would come back a week later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gonghui.demo.data import DEMO_PASSWORD
from gonghui.people.identity import synthetic_id

pytestmark = pytest.mark.browser


@pytest.fixture
def clock(monkeypatch):
    from gonghui.hardship import actions
    from gonghui.hardship.tests.helpers import Clock

    c = Clock()
    monkeypatch.setattr(actions, "_today", c)  # the live server runs in this process
    return c


def test_an_officer_takes_a_household_from_application_to_approval(login, demo_site, clock):
    from gonghui.hardship.models import HardshipArchive, SubsistenceLine
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    district = Org.objects.get(code="440305")
    for year in (clock.today.year - 1, clock.today.year):
        SubsistenceLine.objects.update_or_create(
            division_code="440300", year=year, defaults={"monthly_amount": Decimal("1000.00")}
        )
    member = (
        Membership.objects.filter(org_path__startswith=district.path, status="active", residence_division="")
        .select_related("person")
        .order_by("pk")
        .first()
        or Membership.objects.filter(org_path__startswith=district.path, status="active")
        .select_related("person")
        .order_by("pk")
        .first()
    )
    page = login("district", DEMO_PASSWORD)

    # 1. The work bench, then the archive form (困难职工档案表 order).
    page.get_by_role("link", name="困难帮扶").first.click()
    expect(page.get_by_role("heading", name="帮扶工作台")).to_be_visible()
    page.get_by_role("link", name="建立档案").click()
    expect(page.get_by_role("heading", name="建立困难职工档案")).to_be_visible()
    page.get_by_label("会员证号").fill(member.member_no)
    expect(page.locator("#member-found")).to_contain_text(member.person.name)
    page.get_by_label("本人健康状况").select_option("chronic")
    page.get_by_label("本人疾病名称").fill("糖尿病")
    page.locator('[name="h-0-relation"]').select_option("child")
    page.locator('[name="h-0-name"]').fill("李小华")
    page.locator('[name="h-0-doc_number"]').fill(synthetic_id("440305", dt.date(2010, 5, 1), 77))
    page.locator('[name="h-0-schooling"]').select_option("junior")
    page.get_by_label("收支年度").fill(str(clock.today.year - 1))
    page.get_by_label("工资性收入（元/年）").fill("12000")
    page.get_by_label("医疗支出（元/年）").fill("0")
    page.get_by_label("主要致困原因").select_option("illness")
    page.get_by_label("建档标准").select_option("district")
    page.get_by_label("建档情况说明").fill("本人申请：患慢性病，子女读初中")
    page.get_by_role("button", name="建立档案").click()

    # 2. The household page shows the computed category and why.
    archive = HardshipArchive.objects.get(person=member.person)
    assert archive.number in page.url
    assert member.person.doc_masked not in page.url
    expect(page.locator("#archive-status")).to_have_text("本人申请")
    expect(page.locator("#category")).to_contain_text("深度困难")
    expect(page.locator("#category-reason")).to_contain_text("低于当地低保标准")

    # 3. Home visit.
    page.get_by_role("link", name="登记入户调查").click()
    page.get_by_label("调查人员").fill("王帮扶、李干事")
    page.get_by_label("调查情况").fill("两口之家，本人患糖尿病，子女读初中，租房居住")
    page.get_by_role("button", name="登记入户调查").click()
    expect(page.locator("#archive-status")).to_have_text("已入户调查")

    # 4. The four data checks.
    for kind in ("property", "vehicle", "business", "social_insurance"):
        page.get_by_role("link", name="登记数据核查").click()
        page.get_by_label("核查项目").select_option(kind)
        page.get_by_label("核查结果").select_option("none_found")
        page.get_by_label("数据来源").fill("区数据共享平台")
        page.get_by_role("button", name="登记数据核查").click()
        expect(page.get_by_role("status")).to_contain_text("已办理")
    expect(page.locator("#archive-status")).to_have_text("已数据核查")

    # 5. Review by the union, then the public notice.
    page.get_by_role("link", name="基层审核").click()
    page.get_by_label("原因/意见").fill("入户调查和核查情况属实")
    page.get_by_role("button", name="基层审核").click()
    expect(page.locator("#archive-status")).to_have_text("基层已审核")
    page.get_by_role("link", name="开始公示").click()
    page.get_by_label("公示地点/方式").fill("公司公告栏")
    page.get_by_label("原因/意见").fill("审核通过，予以公示")
    page.get_by_role("button", name="开始公示").click()
    expect(page.locator("#archive-status")).to_have_text("公示中")
    expect(page.get_by_role("link", name="批准建档")).to_have_count(0)

    # 6. One objection during the notice, resolved.
    page.get_by_role("link", name="登记公示异议").click()
    page.get_by_label("异议内容").fill("反映其家属有经营收入")
    page.get_by_role("button", name="登记公示异议").click()
    expect(page.locator("#notice-status")).to_contain_text("1 条异议待处理")
    page.get_by_role("link", name="处理异议").click()
    page.get_by_label("处理结果").select_option("dismissed")
    page.get_by_label("处理情况").fill("经市场监管部门核实，其家属无经营登记，异议不成立")
    page.get_by_role("button", name="处理异议").click()
    expect(page.locator("#notice-status")).not_to_contain_text("异议待处理")

    # 7. A week later the notice has ended: approval by the district union (区县级).
    from gonghui.hardship import actions

    clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
    page.reload()
    page.get_by_role("link", name="批准建档").click()
    page.get_by_label("原因/意见").fill("公示期满，异议不成立，同意建档")
    page.get_by_role("button", name="批准建档").click()
    expect(page.locator("#archive-status")).to_have_text("在档")

    # 8. The timeline holds the whole path; the statistics count the household.
    timeline = page.locator("#timeline")
    for text in ("入户调查", "数据核查：社会保险", "基层已审核", "公示异议", "异议不成立", "公示中 → 在档"):
        expect(timeline).to_contain_text(text)
    archive.refresh_from_db()
    assert archive.status == "archived" and archive.approved_org_id == district.pk
    page.get_by_role("link", name="困难帮扶").first.click()
    page.get_by_role("link", name="帮扶统计").click()
    expect(page.locator("#stat-counters")).to_contain_text("在档户数")
    expect(page.locator("#stat-counters div").first.locator("b")).to_have_text("1")
