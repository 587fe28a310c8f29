"""Budgets, maker-checker disbursements, the append-only ledger, payment batches, the bank file and
reconciliation (DESIGN.md §3.6)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from openpyxl import load_workbook

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.hardship import aid, aid_queries
from gonghui.hardship.bankfile import do_export_bank_file
from gonghui.hardship.models_aid import AidApplication, Budget, Disbursement, LedgerEntry, PaymentBatch
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


@pytest.fixture(autouse=True)
def _mid_year(clock):
    """Notices move the clock on by weeks; starting in March keeps every step in one aid year."""
    clock.set(dt.date(clock.today.year, 3, 2))


@pytest.fixture
def fp(tree):
    return finance_personas(tree)


@pytest.fixture
def programmes(tree):
    return seed_programmes(tree)


@pytest.fixture
def autumn(programmes):
    return programmes["autumn_education"]


@pytest.fixture
def approved(hp, member, lines, clock, autumn):
    """An approved 金秋助学 application for ¥5,000 (archived household, university)."""
    archive = archived_household(member, clock)
    return approve(apply(autumn, member, user=hp.own, household_member=student(archive)), clock, user=hp.own)


def assert_ledger_matches(b: Budget):
    b.refresh_from_db()
    sums = aid_queries.ledger_balance(budget=b)
    assert (sums["allocated"], sums["spent"]) == (b.amount, b.spent)


# --- budgets -------------------------------------------------------------------------------------------


def test_it_sets_and_changes_a_budget_through_allocation_rows(tree, fp, autumn):
    b = budget(tree.district, autumn, "10000.00", user=fp.own)
    b = aid.do_set_budget(
        acting_user=fp.ancestor, org=tree.district, programme=autumn, year=b.year, amount="8000", reason="调减"
    )
    assert b.amount == d("8000.00")
    rows = list(LedgerEntry.objects.filter(budget=b).values_list("kind", "amount"))
    assert rows == [("allocation", d("10000.00")), ("allocation", d("-2000.00"))]
    assert [e.after["delta"] for e in entries("hardship.budget_set")] == ["10000.00", "-2000.00"]
    assert_ledger_matches(b)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"reason": ""}, "reason"),
        ({"year": 1900}, "year"),
    ],
)
def test_it_refuses_a_bad_budget_and_writes_nothing(tree, fp, autumn, kw, field):
    data = {"org": tree.district, "programme": autumn, "year": aid._today().year, "amount": "1000", "reason": "预算"}
    data.update(kw)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        aid.do_set_budget(acting_user=fp.own, **data)
    assert field in e.value.message_dict
    assert money_state() == before


def test_it_refuses_a_budget_outside_the_programme(tree, autumn):
    with pytest.raises(ValidationError, match="不在项目"):
        budget(tree.sibling_district, autumn)


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_budgets_outside_the_subtree(tree, fp, autumn, name):
    with pytest.raises(ActionPermissionError):
        budget(tree.district, autumn, user=getattr(fp, name))


def test_it_refuses_budgets_to_hardship_officers_without_finance(tree, hp, autumn):
    with pytest.raises(ActionPermissionError, match="finance.approve"):
        budget(tree.district, autumn, user=hp.own)


def test_it_never_lowers_a_budget_below_what_was_spent(tree, hp, fp, approved, autumn):
    b = budget(tree.district, autumn, "6000.00")
    aid.do_approve_disbursement(acting_user=fp.own, disbursement=propose(approved, user=hp.own))
    before = money_state()
    with pytest.raises(ValidationError, match="不能少于已支出"):
        aid.do_set_budget(
            acting_user=fp.own, org=tree.district, programme=autumn, year=b.year, amount="4999.99", reason="调减"
        )
    assert money_state() == before


# --- maker-checker disbursements --------------------------------------------------------------------------


def test_it_draws_on_the_budget_when_the_checker_approves(tree, hp, fp, approved, autumn):
    b = budget(tree.district, autumn, "12000.00")
    made = propose(approved, user=hp.own)
    assert (made.status, made.amount, made.budget, made.account_masked) == (
        D.PROPOSED,
        d("5000.00"),
        b,
        "6222***********0123",
    )
    assert ACCOUNT not in str(entries("hardship.disbursement_propose")[0].after)
    b.refresh_from_db()
    assert b.spent == 0  # proposing draws nothing
    done = aid.do_approve_disbursement(acting_user=fp.own, disbursement=made, note="核对无误")
    assert (done.status, done.checked_by) == (D.APPROVED, fp.own)
    b.refresh_from_db()
    assert (b.spent, b.available) == (d("5000.00"), d("7000.00"))
    (draw,) = LedgerEntry.objects.filter(kind="draw")
    assert (draw.amount, draw.disbursement, draw.budget) == (d("5000.00"), done, b)
    assert entries("hardship.disbursement_approve")[0].actor == fp.own
    assert_ledger_matches(b)


def test_it_refuses_the_maker_as_checker(tree, approved, autumn):
    from gonghui.core.testing import make_staff

    both = make_staff("both-hats", tree.district, roles=("hardship", "finance"))
    budget(tree.district, autumn)
    made = propose(approved, user=both)
    before = money_state()
    with pytest.raises(ValidationError, match="双人复核"):
        aid.do_approve_disbursement(acting_user=both, disbursement=made)
    with pytest.raises(ValidationError, match="审核人本人"):
        aid.do_approve_disbursement(acting_user=None, disbursement=made)
    assert money_state() == before


def test_it_refuses_to_overspend_and_writes_nothing(tree, hp, fp, approved, autumn):
    b = budget(tree.district, autumn, "6000.00")
    made = propose(approved, user=hp.own)
    aid.do_set_budget(
        acting_user=fp.own, org=tree.district, programme=autumn, year=b.year, amount="4000", reason="调减"
    )
    before = money_state()
    with pytest.raises(ValidationError, match="预算余额4000.00元，不足以发放5000.00元"):
        aid.do_approve_disbursement(acting_user=fp.own, disbursement=made)
    assert money_state() == before


def test_it_uses_the_nearest_budget_at_or_above_the_accepting_union(tree, hp, approved, autumn):
    district = budget(tree.district, autumn, "1000.00")
    street = budget(tree.street, autumn, "9000.00")
    assert aid.budget_for(approved) == street
    assert propose(approved, user=hp.own).budget == street != district


def test_it_refuses_a_disbursement_without_budget_or_with_too_little(tree, hp, approved, autumn):
    before = money_state()
    with pytest.raises(ValidationError, match="没有“金秋助学”"):
        propose(approved, user=hp.own)
    assert money_state() == before
    budget(tree.district, autumn, "100.00")
    with pytest.raises(ValidationError, match="不足以发放"):
        propose(approved, user=hp.own)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"account_number": "12ab"}, "account_number"),
        ({"payee_name": ""}, "payee_name"),
        ({"bank_name": ""}, "bank_name"),
    ],
)
def test_it_refuses_bad_bank_details_and_writes_nothing(tree, hp, approved, autumn, kw, field):
    budget(tree.district, autumn)
    data = {"payee_name": "张三", "bank_name": "工商银行", "account_number": ACCOUNT}
    data.update(kw)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        aid.do_propose_disbursement(acting_user=hp.own, application=approved, **data)
    assert field in e.value.message_dict
    assert money_state() == before


def test_it_refuses_a_second_live_disbursement_and_unapproved_applications(tree, hp, fp, approved, autumn, member):
    budget(tree.district, autumn)
    propose(approved, user=hp.own)
    with pytest.raises(ValidationError, match="已有待处理"):
        propose(approved, user=hp.own)
    pending = apply(seed_winter(tree), member, user=hp.own)
    with pytest.raises(TransitionError, match="已申请"):
        propose(pending, user=hp.own)


def seed_winter(tree):
    from gonghui.hardship.models_aid import AidProgramme

    return AidProgramme.objects.get(org=tree.district, code="winter_relief")


def test_it_lets_the_checker_send_a_disbursement_back(tree, hp, fp, approved, autumn):
    budget(tree.district, autumn)
    made = propose(approved, user=hp.own)
    back = aid.do_reject_disbursement(acting_user=fp.own, disbursement=made, note="账号户名不符")
    assert back.status == D.REJECTED and not LedgerEntry.objects.filter(kind="draw").exists()
    with pytest.raises(TransitionError, match="审核未通过"):
        aid.do_approve_disbursement(acting_user=fp.own, disbursement=back)
    assert propose(approved, user=hp.own).status == D.PROPOSED  # a corrected one may follow


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_money_steps_outside_the_subtree(tree, hp, fp, approved, autumn, name):
    budget(tree.district, autumn)
    with pytest.raises(ActionPermissionError):
        propose(approved, user=getattr(hp, name))
    made = propose(approved, user=hp.own)
    with pytest.raises(ActionPermissionError):
        aid.do_approve_disbursement(acting_user=getattr(fp, name), disbursement=made)
    with pytest.raises(ActionPermissionError):
        aid.do_reject_disbursement(acting_user=getattr(fp, name), disbursement=made, note="x")


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lets_checkers_in_scope_approve(tree, hp, fp, approved, autumn, name):
    budget(tree.district, autumn)
    assert (
        aid.do_approve_disbursement(acting_user=getattr(fp, name), disbursement=propose(approved, user=hp.own)).status
        == D.APPROVED
    )


# --- the ledger is append-only ------------------------------------------------------------------------------


def test_it_never_updates_or_deletes_a_ledger_row(tree, autumn):
    budget(tree.district, autumn, "1000")
    row = LedgerEntry.objects.get()
    row.amount = d("1")
    with pytest.raises(ValidationError, match="只能追加"):
        row.save()
    with pytest.raises(ValidationError, match="只能追加"):
        row.delete()
    with pytest.raises(ValidationError, match="只能追加"):
        LedgerEntry.objects.filter(pk=row.pk).update(amount=0)
    with pytest.raises(ValidationError, match="只能追加"):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == d("1000.00")


# --- batches, bank file, reconciliation -------------------------------------------------------------------


@pytest.fixture
def two_approved(tree, hp, fp, lines, clock, autumn, approved):
    """Two approved disbursements (¥5,000 university, ¥3,000 high school) on one ¥20,000 budget."""
    budget(tree.district, autumn, "20000.00")
    other = make_member(tree.grassroots)
    archive = archived_household(other, clock, schooling="senior")
    second = approve(apply(autumn, other, user=hp.own, household_member=student(archive)), clock, user=hp.own)
    return [
        aid.do_approve_disbursement(acting_user=fp.own, disbursement=propose(a, user=hp.own, account=acct))
        for a, acct in ((approved, ACCOUNT), (second, "6217001234000099887"))
    ]


def test_it_batches_exports_and_reconciles_with_a_failure_reversed(tree, hp, fp, two_approved):
    first, second = two_approved
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    assert (batch.count, batch.total, batch.status) == (2, d("8000.00"), "open")
    name, content = do_export_bank_file(acting_user=fp.own, batch=batch)
    assert name == f"{batch.number}.xlsx"
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "收款人", "开户银行", "银行账号", "金额（元）")
    assert [r[3] for r in rows[1:3]] == [ACCOUNT, "6217001234000099887"]  # whole, as text
    assert rows[-1][0] == "合计" and d(str(rows[-1][4])) == d("8000.00")
    (export,) = entries("hardship.bank_file_export")
    assert export.actor == fp.own and export.after["disbursements"] == [first.pk, second.pk]
    assert ACCOUNT not in str(export.after)

    batch = aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed={second.pk: "账户已销户"})
    assert batch.status == "reconciled"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.settle_note) == (D.PAID, D.FAILED, "账户已销户")
    assert first.application.status == AidApplication.Status.PAID
    assert AidApplication.objects.get(pk=second.application_id).status == AidApplication.Status.APPROVED
    reversal = LedgerEntry.objects.get(kind="reversal")
    assert (reversal.amount, reversal.reverses.disbursement) == (d("-3000.00"), second)
    b = first.budget
    b.refresh_from_db()
    assert (b.spent, b.available) == (d("5000.00"), d("15000.00"))
    assert_ledger_matches(b)
    assert entries("hardship.batch_reconcile")[0].after == {
        "paid": [first.pk],
        "failed": [second.pk],
        "settled_on": str(aid._today()),
    }
    # the failed one may be paid again to a corrected account
    retry = propose(AidApplication.objects.get(pk=second.application_id), user=hp.own, account="6217001234000011111")
    assert retry.status == D.PROPOSED


def test_it_refuses_to_reconcile_before_export_or_twice(tree, hp, fp, two_approved):
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    with pytest.raises(ValidationError, match="须先导出"):
        aid.do_reconcile_batch(acting_user=fp.own, batch=batch)
    do_export_bank_file(acting_user=fp.own, batch=batch)
    with pytest.raises(ValidationError, match="不在本批次"):
        aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed={999999: "x"})
    aid.do_reconcile_batch(acting_user=fp.own, batch=batch)
    with pytest.raises(ValidationError, match="已对账"):
        aid.do_reconcile_batch(acting_user=fp.own, batch=batch)
    with pytest.raises(ValidationError, match="已对账"):
        do_export_bank_file(acting_user=fp.own, batch=batch)
    assert set(Disbursement.objects.values_list("status", flat=True)) == {D.PAID}


def test_it_refuses_a_batch_of_unapproved_or_foreign_disbursements(tree, hp, fp, two_approved):
    first, _second = two_approved
    aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=[first])
    before = money_state()
    with pytest.raises(ValidationError, match="不能编入批次"):
        aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    with pytest.raises(ValidationError, match="请选择"):
        aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=[])
    with pytest.raises(ValidationError, match="不属于"):
        aid.do_create_batch(acting_user=None, org=tree.sibling_district, disbursements=[_second])
    assert money_state() == before


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_batches_and_bank_files_outside_the_subtree(tree, hp, fp, two_approved, name):
    with pytest.raises(ActionPermissionError):
        aid.do_create_batch(acting_user=getattr(hp, name), org=tree.district, disbursements=two_approved)
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    with pytest.raises(ActionPermissionError):
        do_export_bank_file(acting_user=getattr(fp, name), batch=batch)
    with pytest.raises(ActionPermissionError):
        do_export_bank_file(acting_user=hp.own, batch=batch)  # a hardship officer never sees whole accounts
    do_export_bank_file(acting_user=fp.ancestor, batch=batch)
    with pytest.raises(ActionPermissionError):
        aid.do_reconcile_batch(acting_user=getattr(fp, name), batch=batch)
    assert PaymentBatch.objects.get().status == "exported"


def test_it_keeps_every_budget_equal_to_its_ledger(tree, hp, fp, two_approved):
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    do_export_bank_file(acting_user=fp.own, batch=batch)
    aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed={two_approved[0].pk: "户名不符"})
    for b in Budget.objects.all():
        assert_ledger_matches(b)
    total = LedgerEntry.objects.filter(budget__isnull=False).exclude(kind="allocation").aggregate(s=Sum("amount"))["s"]
    assert total == d("3000.00") == sum(b.spent for b in Budget.objects.all())


# --- org moves and merges -----------------------------------------------------------------------------------


def test_it_moves_money_rows_with_their_org(tree, hp, fp, two_approved):
    from gonghui.orgs.actions import do_move_org
    from gonghui.orgs.models import Org

    aid.do_create_batch(acting_user=hp.own, org=tree.street, disbursements=two_approved)
    do_move_org(acting_user=None, org=tree.street, new_parent=tree.sibling_district, reason="区划调整")
    grassroots = Org.objects.get(pk=tree.grassroots.pk)
    assert set(Disbursement.objects.values_list("org_path", flat=True)) == {grassroots.path}
    assert set(AidApplication.objects.values_list("org_path", flat=True)) == {grassroots.path}
    assert PaymentBatch.objects.get().org_path == Org.objects.get(pk=tree.street.pk).path
    # the budget stays at 南山区 with its ledger rows
    assert set(LedgerEntry.objects.values_list("org_path", flat=True)) == {tree.district.path}
    assert [x.pk for x in aid_queries_disbursements(fp.own)] == []  # no longer under 南山区


def aid_queries_disbursements(user):
    from gonghui.hardship import aid_queries

    return aid_queries.disbursements(user)


def test_it_moves_money_rows_to_the_surviving_org_of_a_merge(tree, hp, fp, two_approved):
    from gonghui.core.testing import make_uscc
    from gonghui.orgs.actions import do_create_org, do_merge_org

    survivor = do_create_org(
        acting_user=None,
        parent=tree.street,
        kind="grassroots",
        data={"name": "南山合并后公司工会", "uscc": make_uscc("440305", "MA5MERGED"), "employee_count": 10},
    )
    do_merge_org(acting_user=None, source=tree.grassroots, target=survivor, reason="企业合并")
    assert set(Disbursement.objects.values_list("org_id", "org_path")) == {(survivor.pk, survivor.path)}
    assert set(AidApplication.objects.values_list("org_id", flat=True)) == {survivor.pk}
    assert [x.pk for x in aid_queries_disbursements(fp.own)] == [x.pk for x in reversed(two_approved)]


@pytest.mark.parametrize("failed", [{"abc": "x"}, {"1": ""}])
def test_it_refuses_a_bad_failure_list_and_writes_nothing(tree, hp, fp, two_approved, failed):
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    do_export_bank_file(acting_user=fp.own, batch=batch)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed=failed)
    assert "failed" in e.value.message_dict
    assert money_state() == before


def test_it_cancels_an_approved_disbursement_back_into_the_budget(tree, hp, fp, approved, autumn):
    b = budget(tree.district, autumn, "6000.00")
    done = aid.do_approve_disbursement(acting_user=fp.own, disbursement=propose(approved, user=hp.own))
    with pytest.raises(ValidationError, match="reason"):
        aid.do_cancel_disbursement(acting_user=fp.own, disbursement=done, reason="")
    with pytest.raises(ActionPermissionError):
        aid.do_cancel_disbursement(acting_user=fp.sibling, disbursement=done, reason="错误")
    gone = aid.do_cancel_disbursement(acting_user=fp.ancestor, disbursement=done, reason="金额录入错误")
    assert gone.status == D.CANCELLED
    b.refresh_from_db()
    assert b.spent == 0
    reversal = LedgerEntry.objects.get(kind="reversal")
    assert reversal.amount == d("-5000.00") and reversal.reverses.kind == "draw"
    assert entries("hardship.disbursement_cancel")[0].after["status"] == "cancelled"
    assert_ledger_matches(b)
    with pytest.raises(TransitionError, match="已撤销"):
        aid.do_cancel_disbursement(acting_user=fp.own, disbursement=gone, reason="再撤销")
    assert propose(approved, user=hp.own).status == D.PROPOSED


def test_it_audits_batches_and_sent_back_disbursements(tree, hp, fp, two_approved, approved):
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=two_approved)
    (entry,) = entries("hardship.batch_create")
    assert entry.actor == hp.own and entry.after["total"] == str(batch.total)
    # a further proposal for a failed one, sent back by the checker
    do_export_bank_file(acting_user=fp.own, batch=batch)
    aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed={two_approved[0].pk: "户名不符"})
    again = propose(AidApplication.objects.get(pk=two_approved[0].application_id), user=hp.own)
    aid.do_reject_disbursement(acting_user=fp.own, disbursement=again, note="仍不符")
    (sent_back,) = entries("hardship.disbursement_reject")
    assert sent_back.reason == "仍不符" and sent_back.after == {"status": "rejected"}
