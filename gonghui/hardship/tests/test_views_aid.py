"""The money screens, the 便民服务 fund, household corrections, the manual exit proposal and the
低保 table, with the four personas (帮扶专员 hp and 财务 fp: own = 南山区, ancestor = 深圳市,
sibling = 福田区, outsider = no grant): reads are scoped (404 outside), each form runs one action
(errors on the field, nothing written), the proposer of a payment cannot approve it in the UI, and
lists cost a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gonghui.core.testing import make_staff
from gonghui.hardship import actions, aid
from gonghui.hardship.models import ArchiveEvent, HouseholdMember, SubsistenceLine
from gonghui.hardship.models_aid import (
    AidApplication,
    Budget,
    Disbursement,
    PaymentBatch,
    ServiceOrder,
    ServiceProvider,
)
from gonghui.hardship.tests import helpers as h
from gonghui.hardship.tests.aid_helpers import (
    ACCOUNT,
    apply,
    approve,
    archived_household,
    budget,
    d,
    entries,
    finance_personas,
    money_state,
    propose,
    seed_programmes,
    student,
)
from gonghui.members.tests.helpers import make_member

D = Disbursement.Status
A = AidApplication.Status


@pytest.fixture(autouse=True)
def _mid_year(clock):
    clock.set(dt.date(clock.today.year, 3, 2))


@pytest.fixture
def fp(tree):
    return finance_personas(tree)


@pytest.fixture
def autumn(tree):
    return seed_programmes(tree)["autumn_education"]


@pytest.fixture
def household(member, lines, clock):
    return archived_household(member, clock)


@pytest.fixture
def approved(hp, member, household, autumn, clock):
    return approve(apply(autumn, member, user=hp.own, household_member=student(household)), clock, user=hp.own)


def errors(response) -> str:
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return " ".join(str(m) for msgs in form.errors.values() for m in msgs)


# --- programmes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "seen"), [("own", True), ("ancestor", True), ("sibling", False)])
def test_it_lists_programmes_in_scope(hp, client_for, autumn, who, seen):
    response = client_for(getattr(hp, who)).get("/hardship/aid/programmes/")
    assert response.status_code == 200
    assert (autumn.name in response.content.decode()) is seen


def test_it_refuses_the_programme_list_to_an_outsider(hp, client_for, autumn):
    assert client_for(hp.outsider).get("/hardship/aid/programmes/").status_code == 403


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_shows_a_programme_with_its_rules_as_text(hp, client_for, autumn, who, status):
    response = client_for(getattr(hp, who)).get(f"/hardship/aid/programmes/{autumn.pk}/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "在档困难职工家庭" in page and "5000" in page and "在读阶段" in page
        assert "同一受助人同一年度不得重复资助" in page


# --- budgets ------------------------------------------------------------------------------------------------


def test_it_sets_a_budget_and_shows_the_ledger(tree, fp, client_for, autumn, clock):
    c = client_for(fp.own)
    response = c.post(
        "/hardship/aid/budgets/set/",
        {
            "org": tree.district.code,
            "programme": autumn.pk,
            "year": clock.today.year,
            "amount": "20000",
            "reason": "年度预算",
        },
    )
    b = Budget.objects.get()
    assert response.status_code == 302 and response.url == f"/hardship/aid/budgets/{b.pk}/"
    assert b.amount == d("20000.00")
    assert len(entries("hardship.budget_set")) == 1
    page = c.get(response.url).content.decode()
    assert "20000.00" in page and "预算下达/调整" in page


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"amount": "-5"}, "0"),
        ({"org": "NOPE"}, "找不到该组织代码"),
        ({"programme": ""}, "必填"),
    ],
)
def test_it_refuses_a_bad_budget_and_writes_nothing(tree, fp, client_for, autumn, clock, data, field_text):
    before = money_state()
    form = {"org": tree.district.code, "programme": autumn.pk, "year": clock.today.year, "amount": "100", "reason": "x"}
    form.update(data)
    response = client_for(fp.own).post("/hardship/aid/budgets/set/", form)
    assert field_text in errors(response)
    assert money_state() == before


def test_it_refuses_the_budget_form_without_finance_approve(hp, client_for, autumn):
    assert client_for(hp.own).get("/hardship/aid/budgets/set/").status_code == 403


def test_it_refuses_a_budget_at_a_sibling_org(tree, fp, client_for, autumn, clock):
    before = money_state()
    form = {"org": tree.district.code, "programme": autumn.pk, "year": clock.today.year, "amount": "100", "reason": "x"}
    response = client_for(fp.sibling).post("/hardship/aid/budgets/set/", form)
    assert "不在可用的选项中" in errors(response)  # the programme is not even offered outside its subtree
    assert money_state() == before


# --- applications -------------------------------------------------------------------------------------------


def test_it_applies_for_a_student_from_the_household(hp, client_for, member, household, autumn, clock):
    kid = student(household)
    c = client_for(hp.own)
    page = c.get(f"/hardship/aid/applications/new/?archive={household.number}")
    assert page.status_code == 200 and kid.name in page.content.decode()
    response = c.post(
        "/hardship/aid/applications/new/",
        {
            "archive_number": household.number,
            "programme": autumn.pk,
            "member_no": member.member_no,
            "household_member": kid.pk,
            "doc_type": "resident_id",
            "year": clock.today.year,
            "reason": "子女考入大学",
        },
    )
    application = AidApplication.objects.get()
    assert response.status_code == 302 and response.url == f"/hardship/aid/applications/{application.pk}/"
    assert application.amount == d("5000.00") and application.beneficiary_name == kid.name
    assert len(entries("hardship.aid_apply")) == 1


@pytest.mark.parametrize(
    ("data", "text"),
    [({"reason": ""}, "必填"), ({"member_no": "00000000"}, "找不到该会员证号"), ({"programme": ""}, "必填")],
)
def test_it_refuses_a_bad_application_and_writes_nothing(hp, client_for, member, household, autumn, clock, data, text):
    before = money_state()
    form = {
        "archive_number": household.number,
        "programme": autumn.pk,
        "member_no": member.member_no,
        "household_member": student(household).pk,
        "doc_type": "resident_id",
        "year": clock.today.year,
        "reason": "子女考入大学",
    }
    form.update(data)
    assert text in errors(client_for(hp.own).post("/hardship/aid/applications/new/", form))
    assert money_state() == before


def test_it_refuses_double_aid_in_the_same_year_on_the_form(hp, client_for, member, household, autumn, clock):
    apply(autumn, member, user=hp.own, household_member=student(household))
    before = money_state()
    form = {
        "archive_number": household.number,
        "programme": autumn.pk,
        "member_no": member.member_no,
        "household_member": student(household).pk,
        "doc_type": "resident_id",
        "year": clock.today.year,
        "reason": "再次申请",
    }
    assert "不得重复资助" in errors(client_for(hp.own).post("/hardship/aid/applications/new/", form))
    assert money_state() == before


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 403)])
def test_it_scopes_the_apply_form(hp, client_for, household, autumn, who, status):
    assert (
        client_for(getattr(hp, who)).get(f"/hardship/aid/applications/new/?archive={household.number}").status_code
        == status
    )


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_application_page(hp, client_for, approved, who, status):
    assert client_for(getattr(hp, who)).get(f"/hardship/aid/applications/{approved.pk}/").status_code == status


def test_it_walks_an_application_through_check_notice_objection_and_approval(
    hp, client_for, member, household, autumn, clock
):
    application = apply(autumn, member, user=hp.own, household_member=student(household))
    c = client_for(hp.own)
    base = f"/hardship/aid/applications/{application.pk}/"
    assert "审核申请" in c.get(base).content.decode()
    assert c.post(base + "check/", {"person_name": "王帮扶", "reason": "属实"}).status_code == 302
    assert c.post(base + "notice/", {"place": "公告栏", "working_days": 5}).status_code == 302
    page = c.get(base).content.decode()
    assert "登记公示异议" in page and "批准资助" not in page
    assert c.post(base + "objection/", {"text": "反映有经营收入"}).status_code == 302
    application.refresh_from_db()
    clock.set(application.notice_ends_on + dt.timedelta(days=1))
    # An unresolved objection blocks approval: the button is not offered and a forced post is refused.
    assert "批准资助" not in c.get(base).content.decode()
    before = money_state()
    assert "异议" in errors(c.post(base + "approve/", {"note": "同意"}))
    assert money_state() == before
    objection = application.objections.get()
    r = c.post(base + "resolve/", {"objection": objection.pk, "outcome": "dismissed", "resolution": "经核实不成立"})
    assert r.status_code == 302
    assert "批准资助" in c.get(base).content.decode()
    assert c.post(base + "approve/", {"note": "公示期满，同意"}).status_code == 302
    application.refresh_from_db()
    assert application.status == A.APPROVED
    for action in ("aid_check", "aid_notice", "aid_objection", "aid_objection_resolve", "aid_approve"):
        assert len(entries(f"hardship.{action}")) == 1, action


def test_it_offers_no_steps_to_the_sibling_and_404s_their_post(hp, client_for, approved):
    response = client_for(hp.sibling).post(f"/hardship/aid/applications/{approved.pk}/pay/", {})
    assert response.status_code == 404


def test_it_lists_applications_in_constant_queries(hp, client_for, member, household, autumn, tree, clock):
    c = client_for(hp.own)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/hardship/aid/applications/").status_code == 200
        return len(ctx)

    apply(autumn, member, user=hp.own, household_member=student(household))
    one = count()
    for _i in range(3):
        other = archived_household(make_member(tree.grassroots), clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        apply(autumn, other.membership, user=hp.own, household_member=student(other))
    assert count() == one


# --- disbursements: maker-checker -----------------------------------------------------------------------------


def pay_form():
    return {"payee_name": "张三", "bank_name": "工商银行南山支行", "account_number": ACCOUNT}


def test_it_proposes_a_payment_and_finance_approves_it_within_budget(hp, fp, client_for, approved, tree, autumn):
    b = budget(tree.district, autumn, "10000.00", user=fp.own)
    r = client_for(hp.own).post(f"/hardship/aid/applications/{approved.pk}/pay/", pay_form())
    assert r.status_code == 302
    payment = Disbursement.objects.get()
    assert payment.status == D.PROPOSED and payment.account_masked != ACCOUNT
    queue = client_for(fp.own).get("/hardship/aid/disbursements/?queue=approve").content.decode()
    assert f"#{payment.pk}" in queue and ACCOUNT not in queue
    r = client_for(fp.own).post(f"/hardship/aid/disbursements/{payment.pk}/approve/", {"note": "同意"})
    assert r.status_code == 302
    payment.refresh_from_db()
    b.refresh_from_db()
    assert payment.status == D.APPROVED and payment.checked_by == fp.own
    assert b.spent == d("5000.00")
    assert len(entries("hardship.disbursement_propose")) == 1
    assert len(entries("hardship.disbursement_approve")) == 1


def test_it_refuses_the_proposer_as_approver_in_the_ui(tree, client_for, approved, autumn, fp):
    budget(tree.district, autumn, "10000.00", user=fp.own)
    both = make_staff("maker-checker", tree.district, roles=("hardship", "finance"))
    c = client_for(both)
    assert c.post(f"/hardship/aid/applications/{approved.pk}/pay/", pay_form()).status_code == 302
    payment = Disbursement.objects.get()
    assert f"#{payment.pk}" not in c.get("/hardship/aid/disbursements/?queue=approve").content.decode()
    page = c.get(f"/hardship/aid/disbursements/{payment.pk}/approve/").content.decode()
    assert "双人复核" in page
    before = money_state()
    assert "经办人本人" in errors(c.post(f"/hardship/aid/disbursements/{payment.pk}/approve/", {"note": ""}))
    assert money_state() == before


def test_it_refuses_a_payment_over_budget_and_writes_nothing(hp, fp, client_for, approved, tree, autumn):
    budget(tree.district, autumn, "1000.00", user=fp.own)
    before = money_state()
    response = client_for(hp.own).post(f"/hardship/aid/applications/{approved.pk}/pay/", pay_form())
    assert "预算" in errors(response)
    assert money_state() == before


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_approval_form(fp, hp, client_for, approved, tree, autumn, who, status):
    budget(tree.district, autumn, user=fp.own)
    payment = propose(approved, user=hp.own)
    assert client_for(getattr(fp, who)).get(f"/hardship/aid/disbursements/{payment.pk}/approve/").status_code == status


def test_it_refuses_the_approval_form_to_the_officer_without_finance(hp, fp, client_for, approved, tree, autumn):
    budget(tree.district, autumn, user=fp.own)
    payment = propose(approved, user=hp.own)
    assert client_for(hp.own).get(f"/hardship/aid/disbursements/{payment.pk}/approve/").status_code == 403


def test_it_rejects_and_cancels_payments(hp, fp, client_for, approved, tree, autumn):
    b = budget(tree.district, autumn, user=fp.own)
    payment = propose(approved, user=hp.own)
    c = client_for(fp.own)
    assert "必填" in errors(c.post(f"/hardship/aid/disbursements/{payment.pk}/reject/", {"note": ""}))
    assert c.post(f"/hardship/aid/disbursements/{payment.pk}/reject/", {"note": "账号有误"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == D.REJECTED
    again = propose(approved, user=hp.own)
    aid.do_approve_disbursement(acting_user=fp.own, disbursement=again, note="")
    assert c.post(f"/hardship/aid/disbursements/{again.pk}/cancel/", {"reason": "重复"}).status_code == 302
    again.refresh_from_db()
    b.refresh_from_db()
    assert again.status == D.CANCELLED and b.spent == d("0.00")
    assert len(entries("hardship.disbursement_cancel")) == 1


def test_it_lists_the_approval_queue_in_constant_queries(hp, fp, client_for, tree, autumn, lines, clock):
    budget(tree.district, autumn, user=fp.own)
    c = client_for(fp.own)

    def add():
        m = make_member(tree.grassroots)
        archive = archived_household(m, clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        application = approve(apply(autumn, m, user=hp.own, household_member=student(archive)), clock, user=hp.own)
        clock.set(dt.date(clock.today.year, 3, 2))
        propose(application, user=hp.own)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/hardship/aid/disbursements/?queue=approve").status_code == 200
        return len(ctx)

    add()
    one = count()
    add()
    add()
    assert count() == one


# --- batches, bank file, reconciliation ----------------------------------------------------------------------------


def test_it_batches_exports_and_reconciles(hp, fp, client_for, approved, tree, autumn):
    b = budget(tree.district, autumn, user=fp.own)
    payment = propose(approved, user=hp.own)
    aid.do_approve_disbursement(acting_user=fp.own, disbursement=payment, note="")
    officer, finance = client_for(hp.own), client_for(fp.own)
    form = officer.get("/hardship/aid/batches/new/")
    assert form.status_code == 200 and f"#{payment.pk}" in form.content.decode()
    r = officer.post("/hardship/aid/batches/new/", {"org": tree.district.code, "disbursements": [payment.pk]})
    batch = PaymentBatch.objects.get()
    assert r.status_code == 302 and r.url == f"/hardship/aid/batches/{batch.pk}/"
    # The officer without finance.approve cannot download the bank file.
    assert officer.post(f"/hardship/aid/batches/{batch.pk}/bank-file/").status_code == 403
    assert entries("hardship.bank_file_export") == []
    response = finance.post(f"/hardship/aid/batches/{batch.pk}/bank-file/")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert ACCOUNT in [str(c.value) for row in sheet.iter_rows() for c in row]
    assert len(entries("hardship.bank_file_export")) == 1
    before = money_state()
    assert "无法识别" in errors(finance.post(f"/hardship/aid/batches/{batch.pk}/reconcile/", {"failed": "abc"}))
    assert money_state() == before
    r = finance.post(f"/hardship/aid/batches/{batch.pk}/reconcile/", {"failed": f"{payment.pk} 账户已销户"})
    assert r.status_code == 302
    payment.refresh_from_db()
    b.refresh_from_db()
    assert payment.status == D.FAILED and b.spent == d("0.00")
    assert len(entries("hardship.batch_reconcile")) == 1
    page = finance.get(f"/hardship/aid/batches/{batch.pk}/").content.decode()
    assert "账户已销户" in page and ACCOUNT not in page


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_batch_page(hp, fp, client_for, approved, tree, autumn, who, status):
    budget(tree.district, autumn, user=fp.own)
    payment = propose(approved, user=hp.own)
    aid.do_approve_disbursement(acting_user=fp.own, disbursement=payment, note="")
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=[payment])
    assert client_for(getattr(hp, who)).get(f"/hardship/aid/batches/{batch.pk}/").status_code == status


# --- 便民服务 fund -------------------------------------------------------------------------------------------


def test_it_runs_the_fund_from_grant_to_completed_order(hp, client_for, household, tree, clock):
    c = client_for(hp.own)
    r = c.post("/hardship/fund/grant/", {"org": tree.district.code, "year": clock.today.year})
    assert r.status_code == 302
    assert (
        c.post(
            "/hardship/fund/providers/new/",
            {"org": tree.district.code, "name": "南山家电维修部", "categories": ["appliance_repair"]},
        ).status_code
        == 302
    )
    p = ServiceProvider.objects.get()
    r = c.post(
        "/hardship/fund/orders/new/",
        {"archive": household.number, "category": "appliance_repair", "provider": p.pk, "description": "修冰箱"},
    )
    assert r.status_code == 302
    order = ServiceOrder.objects.get()
    before = money_state()
    bad = c.post(f"/hardship/fund/orders/{order.pk}/complete/", {"total_price": "100", "cost_price": "300"})
    assert "成本价不能高于服务总价" in errors(bad)
    assert money_state() == before
    r = c.post(f"/hardship/fund/orders/{order.pk}/complete/", {"total_price": "300", "cost_price": "100"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.fund_amount == d("200.00") and order.allowance.balance == d("800.00")
    page = c.get("/hardship/fund/").content.decode()
    assert "800.00" in page and "家电维修" in page
    for action in ("convenience_grant", "provider_add", "service_dispatch", "service_complete"):
        assert len(entries(f"hardship.{action}")) == 1, action


def test_it_refuses_an_order_for_an_archive_outside_scope(hp, client_for, household, tree, clock):
    aid.do_add_service_provider(acting_user=hp.own, org=tree.district, name="区服务商", categories=["legal"])
    p = ServiceProvider.objects.get()
    before = money_state()
    r = client_for(hp.sibling).post(
        "/hardship/fund/orders/new/",
        {"archive": household.number, "category": "legal", "provider": p.pk, "description": "法律咨询"},
    )
    assert r.status_code == 200
    assert money_state() == before


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 200), ("outsider", 403)])
def test_it_shows_the_fund_page_by_scope(hp, client_for, household, tree, clock, who, status):
    aid.do_grant_convenience_allowances(acting_user=hp.own, org=tree.district, year=clock.today.year)
    response = client_for(getattr(hp, who)).get("/hardship/fund/")
    assert response.status_code == status
    if status == 200:
        assert (household.number in response.content.decode()) is (who != "sibling")


# --- household corrections, manual exit proposal -----------------------------------------------------------------


def test_it_proposes_an_exit_by_hand(hp, client_for, household):
    c = client_for(hp.own)
    url = f"/hardship/archives/{household.number}/exit/propose/"
    assert "必填" in errors(c.post(url, {"person_name": "王帮扶", "reason": ""}))
    assert h.reload(household).exit_proposed_on is None
    r = c.post(url, {"person_name": "王帮扶", "reason": "子女已就业，家庭收入稳定"})
    assert r.status_code == 302
    household = h.reload(household)
    assert household.exit_proposed_on is not None
    assert ArchiveEvent.objects.filter(archive=household, kind=ArchiveEvent.Kind.EXIT_PROPOSED).count() == 1
    assert len(entries("hardship.exit_propose")) == 1
    assert "建议脱困" in c.get(f"/hardship/archives/{household.number}/").content.decode()
    # A second proposal is refused; the sibling cannot reach the archive.
    assert "已有待处理的脱困建议" in errors(c.post(url, {"person_name": "王帮扶", "reason": "再次"}))
    assert client_for(hp.sibling).get(url).status_code == 404
    assert client_for(hp.outsider).get(url).status_code == 404


def test_it_refuses_an_exit_proposal_for_a_pending_archive(hp, member, lines, clock):
    archive = h.create(member)
    before = h.table_state()
    with pytest.raises(ValidationError, match="不能建议脱困"):
        actions.do_propose_exit(acting_user=hp.own, archive=archive, person_name="王", reason="x")
    assert h.table_state() == before


def test_it_edits_and_removes_a_household_member(hp, client_for, member, lines, clock):
    archive = h.create(member, household=[h.child(schooling="junior")])
    kid = archive.household.get(relation="child")
    c = client_for(hp.own)
    url = f"/hardship/archives/{archive.number}/household/{kid.pk}/edit/"
    page = c.get(url)
    assert page.status_code == 200 and kid.doc_masked in page.content.decode()
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    form.update(person_name="王帮扶", reason="升入高中", schooling="senior", doc_number="")
    r = c.post(url, form)
    assert r.status_code == 302, errors(r)
    kid.refresh_from_db()
    assert kid.schooling == "senior"
    assert len(entries("hardship.household_update")) == 1
    remove = f"/hardship/archives/{archive.number}/household/{kid.pk}/remove/"
    assert "必填" in errors(c.post(remove, {"person_name": "王帮扶", "reason": ""}))
    assert c.post(remove, {"person_name": "王帮扶", "reason": "已迁出"}).status_code == 302
    assert not HouseholdMember.objects.filter(pk=kid.pk).exists()
    assert client_for(hp.sibling).get(url).status_code == 404


# --- the 低保 table --------------------------------------------------------------------------------------------


def test_it_lists_and_sets_subsistence_lines(tree, client_for, clock, lines):
    admin = make_staff("line-admin", tree.city, roles=("hardship",))
    c = client_for(admin)
    assert "440300" in c.get("/hardship/lines/").content.decode()
    before = SubsistenceLine.objects.count()
    assert "6位或9位" in errors(
        c.post("/hardship/lines/set/", {"division_code": "44", "year": 2025, "monthly_amount": "1"})
    )
    assert SubsistenceLine.objects.count() == before
    r = c.post("/hardship/lines/set/", {"division_code": "440300", "year": clock.today.year, "monthly_amount": "1450"})
    assert r.status_code == 302
    assert SubsistenceLine.objects.get(division_code="440300", year=clock.today.year).monthly_amount == d("1450.00")
    assert len(h.entries("hardship.subsistence_line")) == 1


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 200), ("outsider", 403)])
def test_it_gates_the_line_form_by_hardship_approve(hp, client_for, who, status):
    assert client_for(getattr(hp, who)).get("/hardship/lines/set/").status_code == status


def test_it_refuses_a_line_outside_the_users_division(hp, client_for, lines, clock):
    before = SubsistenceLine.objects.count()
    r = client_for(hp.sibling).post(
        "/hardship/lines/set/", {"division_code": "440305", "year": clock.today.year, "monthly_amount": "1"}
    )
    assert r.status_code in (200, 403)
    assert SubsistenceLine.objects.count() == before


def test_it_offers_the_money_and_exit_buttons_on_the_household_page(hp, fp, client_for, household):
    url = f"/hardship/archives/{household.number}/"
    for user in (hp.own, hp.ancestor):
        page = client_for(user).get(url).content.decode()
        assert f"/hardship/archives/{household.number}/exit/propose/" in page
        assert f"/hardship/aid/applications/new/?archive={household.number}" in page
    page = client_for(fp.own).get(url).content.decode()  # finance may read, not act
    assert "/exit/propose/" not in page and "/aid/applications/new/" not in page


def test_it_lists_budgets_in_constant_queries(fp, client_for, tree, clock):
    programmes = list(seed_programmes(tree).values())
    c = client_for(fp.own)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/hardship/aid/budgets/").status_code == 200
        return len(ctx)

    budget(tree.district, programmes[0], user=fp.own)
    one = count()
    for p in programmes[1:4]:
        budget(tree.district, p, user=fp.own)
    assert count() == one
    assert "暂无预算" in client_for(fp.sibling).get("/hardship/aid/budgets/").content.decode()
    assert client_for(fp.outsider).get("/hardship/aid/budgets/").status_code == 403
