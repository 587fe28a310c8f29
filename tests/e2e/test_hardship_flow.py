"""Issue 4 "done when": an officer takes a household from application through home
visit, the four data checks, review, public notice with one objection (resolved) and approval —
entirely in the console — and the timeline and the statistics show it; then a 金秋助学 payment for
the child (applied, checked, noticed, approved, proposed by the officer and approved within the budget
by a second person from finance), six monthly incomes above 低保 and the exit the daily sweep proposes.

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


def test_an_officer_takes_a_household_from_application_to_approval(login, demo_site, clock, browser):
    from gonghui.hardship.models import HardshipArchive, SubsistenceLine
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    district = Org.objects.get(code="440305")
    for year in (clock.today.year - 1, clock.today.year, clock.today.year + 1):
        SubsistenceLine.objects.update_or_create(
            division_code="440300", year=year, defaults={"monthly_amount": Decimal("1000.00")}
        )
    # A member with no archive of their own: the demo archives some 南山区 workers already.
    members = Membership.objects.filter(org_path__startswith=district.path, status="active").exclude(
        person__in=HardshipArchive.objects.values("person")
    )
    member = (
        members.filter(residence_division="").select_related("person").order_by("pk").first()
        or members.select_related("person").order_by("pk").first()
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
    page.locator('[name="h-0-schooling"]').select_option("senior")
    page.get_by_label("收支年度").fill(str(clock.today.year - 1))
    page.get_by_label("工资性收入（元/年）").fill("12000")
    page.get_by_label("医疗支出（元/年）").fill("0")
    page.get_by_label("主要致困原因").select_option("illness")
    page.get_by_label("建档标准").select_option("district")
    page.get_by_label("建档情况说明").fill("本人申请：患慢性病，子女读高中")
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
    page.get_by_label("调查情况").fill("两口之家，本人患糖尿病，子女读高中，租房居住")
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
    from gonghui.hardship.states import IN_ARCHIVE

    # The demo's own 南山区 households are in the count too: the new one adds one to them.
    in_archive = HardshipArchive.objects.filter(org_path__startswith=district.path, status__in=list(IN_ARCHIVE))
    assert in_archive.filter(pk=archive.pk).exists()
    expect(page.locator("#stat-counters div").first.locator("b")).to_have_text(str(in_archive.count()))

    # 9. A 金秋助学 application for the child (高中: ¥3,000), checked, noticed and approved.
    from gonghui.hardship.models_aid import AidApplication, Budget, Disbursement

    page.goto(f"{demo_site}/hardship/archives/{archive.number}/")
    page.get_by_role("link", name="帮扶申请").last.click()
    expect(page.get_by_role("heading", name="帮扶申请")).to_be_visible()
    page.get_by_label("帮扶项目").select_option(label=f"金秋助学（{district.name}）")
    page.get_by_label("受助家庭成员").select_option(label="子女 李小华")
    page.get_by_label("申请理由").fill("子女就读高中，家庭困难")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#application-status")).to_have_text("已申请")
    expect(page.locator("#aid-amount")).to_have_text("3000.00")
    page.get_by_role("link", name="审核申请").click()
    page.get_by_label("原因/意见").fill("在档困难职工家庭，子女在读高中，属实")
    page.get_by_role("button", name="审核申请").click()
    expect(page.locator("#application-status")).to_have_text("已审核")
    page.get_by_role("link", name="开始公示").click()
    page.get_by_label("公示地点/方式").fill("公司公告栏")
    page.get_by_role("button", name="开始公示").click()
    expect(page.locator("#application-status")).to_have_text("公示中")
    expect(page.get_by_role("link", name="批准资助")).to_have_count(0)
    application = AidApplication.objects.get(person=member.person)
    clock.set(application.notice_ends_on + dt.timedelta(days=1))
    page.reload()
    page.get_by_role("link", name="批准资助").click()
    page.locator('[name="note"]').fill("公示期满无异议，同意资助")
    page.get_by_role("button", name="批准资助").click()
    expect(page.locator("#application-status")).to_have_text("已批准")

    # 10. The officer proposes the payment (maker) ...
    page.get_by_role("link", name="申请发放").click()
    page.get_by_label("开户银行").fill("中国工商银行深圳南山支行")
    page.get_by_label("银行账号").fill("6222021234567890123")
    page.get_by_role("button", name="申请发放").click()
    expect(page.locator("#payments .payment-status")).to_have_text("待审核")
    expect(page.locator("#payments")).not_to_contain_text("6222021234567890123")
    # ... and cannot approve it: the officer has no finance.approve, and the queue excludes the maker.
    budget = Budget.objects.get(org=district, programme=application.programme, year=application.year)
    spent_before = budget.spent

    # 11. Finance (a second person, the checker) approves it within the budget.
    from gonghui.core.testing import PASSWORD, make_staff

    make_staff("e2e-finance", district, roles=("finance",))
    finance = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    finance.goto(f"{demo_site}/login/")
    finance.get_by_label("用户名", exact=True).fill("e2e-finance")
    finance.get_by_label("密码", exact=True).fill(PASSWORD)
    finance.get_by_role("button", name="登录").click()
    finance.get_by_role("link", name="发放审核").first.click()
    payment = Disbursement.objects.get(application=application)
    row = finance.locator("#disbursements tr", has_text=f"#{payment.pk}")
    expect(row).to_contain_text("3000.00")
    row.get_by_role("link", name="审核").click()
    finance.get_by_label("审核意见").fill("资料齐全，预算充足")
    finance.get_by_role("button", name="审核通过").click()
    expect(finance.locator("#payments .payment-status")).to_have_text("已审核，待发放")
    budget.refresh_from_db()
    assert budget.spent == spent_before + Decimal("3000.00") and budget.spent <= budget.amount
    payment.refresh_from_db()
    assert payment.made_by.username == "district" and payment.checked_by.username == "e2e-finance"
    finance.context.close()

    # 12. Monthly incomes for six months after archiving, above 低保; the daily sweep proposes the exit.
    from gonghui.hardship.exits import propose_exits

    month = clock.today.replace(day=1)
    for _i in range(6):
        clock.set(month + dt.timedelta(days=4))
        page.goto(f"{demo_site}/hardship/archives/{archive.number}/")
        page.get_by_role("link", name="登记月收入").click()
        page.get_by_label("月份").fill(f"{month:%Y-%m-%d}")
        page.get_by_label("家庭月收入（元）").fill("6000")
        page.get_by_label("家庭人口").fill("2")
        page.get_by_role("button", name="登记月收入").click()
        expect(page.get_by_role("status")).to_contain_text("已办理")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert propose_exits(clock.today)["proposed"] == 1
    page.reload()
    expect(page.locator("p.flash").first).to_contain_text("系统建议脱困")
    expect(page.get_by_role("link", name="办理脱困")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("金秋助学")
    page.get_by_role("link", name="困难帮扶").first.click()
    expect(page.locator("a", has_text="建议脱困").first).to_be_visible()
    page.locator("a", has_text="建议脱困").first.click()
    expect(page.locator("main")).to_contain_text(archive.number)
