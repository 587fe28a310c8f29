"""Funds, campaigns, donations, refunds, receipts, transfers, fees and grants through the actions:
success, refused transitions, permission outside the subtree, bad input (nothing written), audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.charity import actions, actions_grants, queries
from gonghui.charity.models import Campaign, Donation, Fund, FundLedger, Grant
from gonghui.charity.tests.helpers import donate, entries, make_campaign, make_fund, propose_grant
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def assert_reconciles(campaign=None, fund=None):
    if campaign is not None:
        campaign = reload(campaign)
        truth = queries.campaign_ledger_figures(campaign)
        assert {k: getattr(campaign, k) for k in truth} == truth
    if fund is not None:
        fund = reload(fund)
        truth = queries.fund_ledger_figures(fund)
        names = {"donations": "donations_count", "grants": "grants_count"}
        assert {k: getattr(fund, names.get(k, k)) for k in truth} == truth
    assert queries.recount(fix=False) == []


def test_it_creates_a_fund_with_restrictions_and_audits_it(tree, cp):
    fund = make_fund(tree.district, user=cp.own, restrictions={"beneficiary_kinds": ["hardship"], "max_grant": "30000"})
    assert fund.restrictions == {"beneficiary_kinds": ["hardship"], "max_grant": "30000.00"}
    assert entries("charity.fund_create")[0].actor_label == "c-own"


@pytest.mark.parametrize("who", ["sibling", "outsider"])
def test_it_refuses_a_fund_outside_the_subtree(tree, cp, who):
    with pytest.raises(ActionPermissionError):
        make_fund(tree.district, user=getattr(cp, who))
    assert not Fund.objects.exists()


@pytest.mark.parametrize(
    ("restrictions", "field"), [({"purposes": ["bogus"]}, "restrictions"), ({"max_grant": "abc"}, "restrictions")]
)
def test_it_refuses_bad_restrictions(tree, restrictions, field):
    with pytest.raises(ValidationError) as error:
        make_fund(tree.district, restrictions=restrictions)
    assert field in error.value.message_dict
    assert not Fund.objects.exists()


def test_it_books_a_donation_with_its_matching_money_and_counters(fund):
    campaign = make_campaign(fund, ratio="1", cap="150.00")
    first = donate(campaign, "100.00")
    second = donate(campaign, "80.00")
    assert (first.matched, second.matched) == (Decimal("100.00"), Decimal("50.00"))  # 1:1 up to ¥150
    campaign = reload(campaign)
    assert (campaign.raised, campaign.matched, campaign.donors) == (Decimal("180.00"), Decimal("150.00"), 2)
    assert reload(fund).balance == Decimal("330.00")
    assert FundLedger.objects.filter(kind="match").count() == 2
    assert len(entries("charity.donation_record")) == 2
    assert_reconciles(campaign, fund)


@pytest.mark.parametrize(
    ("amount", "field"),
    [("-5", "amount"), ("0", "amount"), ("12.345", "amount"), ("abc", "amount"), ("NaN", "amount")],
)
def test_it_refuses_a_bad_amount_and_books_nothing(fund, amount, field):
    campaign = make_campaign(fund)
    with pytest.raises(ValidationError) as error:
        donate(campaign, amount)
    assert field in error.value.message_dict
    assert not Donation.objects.exists() and not FundLedger.objects.exists()
    assert reload(fund).balance == 0


def test_it_refuses_donations_to_a_draft_campaign_and_a_duplicate_reference(fund):
    draft = make_campaign(fund, open_=False)
    with pytest.raises(ValidationError):
        donate(draft)
    campaign = make_campaign(fund, name="第二期")
    donate(campaign, external_ref="PAY-1")
    with pytest.raises(ValidationError) as error:
        donate(campaign, external_ref="PAY-1")
    assert "external_ref" in error.value.message_dict
    assert Donation.objects.count() == 1


def test_it_refuses_a_donation_outside_the_subtree(fund, cp):
    campaign = make_campaign(fund)
    with pytest.raises(ActionPermissionError):
        donate(campaign, user=cp.sibling)
    donate(campaign, user=cp.ancestor)
    assert Donation.objects.count() == 1


def test_it_refunds_by_reversal_rows_and_reverses_matching_pro_rata(fund, cp):
    campaign = make_campaign(fund, ratio="1", cap="1000")
    donation = donate(campaign, "100.00")
    actions.do_refund_donation(acting_user=cp.own, donation=donation, amount="40.00", reason="捐赠人申请退款")
    donation = reload(donation)
    assert (donation.amount, donation.refunded, donation.match_refunded) == (
        Decimal("100.00"),
        Decimal("40.00"),
        Decimal("40.00"),
    )
    refunds = FundLedger.objects.filter(kind="refund").order_by("amount")
    assert [r.amount for r in refunds] == [Decimal("-40.00"), Decimal("-40.00")]
    assert all(r.reverses_id for r in refunds)
    assert reload(fund).balance == Decimal("120.00")
    with pytest.raises(ValidationError):
        actions.do_refund_donation(acting_user=cp.own, donation=donation, amount="60.01", reason="超额")
    actions.do_refund_donation(acting_user=cp.own, donation=donation, amount="60.00", reason="全部退款")
    assert reload(fund).balance == 0
    assert_reconciles(campaign, fund)


def test_it_issues_a_receipt_once_and_records_the_official_number(fund, cp):
    donation = donate(make_campaign(fund))
    issued = actions.do_issue_receipt(acting_user=cp.own, donation=donation)
    again = actions.do_issue_receipt(acting_user=cp.own, donation=donation)
    assert issued.receipt_serial == again.receipt_serial and issued.receipt_serial.startswith("JZ")
    actions.do_record_official_receipt(acting_user=cp.own, donation=donation, number="粤财0012345")
    with pytest.raises(ValidationError):
        actions.do_record_official_receipt(acting_user=cp.own, donation=donation, number="粤财0099999")
    with pytest.raises(ActionPermissionError):
        actions.do_issue_receipt(acting_user=cp.sibling, donation=donation)
    assert len(entries("charity.receipt_issue")) == 1


def test_it_approves_a_grant_by_another_person_and_draws_the_fund(fund, cp, checker):
    donate(make_campaign(fund, ratio="0", cap="0"), "5000.00")
    grant = propose_grant(fund, user=cp.own, amount="3000.00")
    with pytest.raises(ValidationError) as error:
        actions_grants.do_approve_grant(acting_user=cp.own, grant=grant)
    assert "checker" in error.value.message_dict
    with pytest.raises(ActionPermissionError):
        actions_grants.do_approve_grant(acting_user=cp.sibling, grant=grant)
    grant = actions_grants.do_approve_grant(acting_user=checker, grant=grant, note="管委会同意")
    assert grant.status == "approved" and reload(fund).balance == Decimal("2000.00")
    assert FundLedger.objects.get(kind="grant").amount == Decimal("-3000.00")
    with pytest.raises(TransitionError):
        actions_grants.do_approve_grant(acting_user=checker, grant=grant)
    name, content = actions_grants.do_export_grant_bank_file(acting_user=checker, fund=fund)
    assert name.endswith(".xlsx") and content[:2] == b"PK"
    grant = actions_grants.do_mark_grant_paid(acting_user=checker, grant=grant, payment_ref="B-1")
    grant = actions_grants.do_confirm_grant_receipt(acting_user=cp.own, grant=grant, note="受助方回执已收")
    assert grant.status == "confirmed"
    assert [e.action for e in entries("charity.grant_approve")] == ["charity.grant_approve"]
    assert_reconciles(fund=fund)


def test_it_refuses_a_grant_larger_than_the_balance_or_against_the_restrictions(tree, cp, checker):
    fund = make_fund(tree.district, restrictions={"beneficiary_kinds": ["project"], "purposes": ["project"]})
    donate(make_campaign(fund, ratio="0", cap="0"), "500.00")
    with pytest.raises(ValidationError) as error:
        propose_grant(fund, user=cp.own, amount="500.01")
    assert "amount" in error.value.message_dict
    member = make_member(tree.grassroots)
    with pytest.raises(ValidationError) as error:
        propose_grant(fund, user=cp.own, beneficiary_kind="emergency", membership=member, purpose="medical")
    assert {"beneficiary_kind", "purpose"} <= set(error.value.message_dict)
    assert not Grant.objects.exists()
    # Two grants that each fit but not together: the second approval is refused, balance stays ≥ 0.
    first = propose_grant(fund, user=cp.own, amount="300.00")
    second = propose_grant(fund, user=cp.own, amount="300.00")
    actions_grants.do_approve_grant(acting_user=checker, grant=first)
    with pytest.raises(ValidationError):
        actions_grants.do_approve_grant(acting_user=checker, grant=second)
    assert reload(fund).balance == Decimal("200.00") and reload(second).status == "proposed"


def test_it_cancels_an_approved_grant_with_a_reversal_row(fund, cp, checker):
    donate(make_campaign(fund, ratio="0", cap="0"), "1000.00")
    grant = actions_grants.do_approve_grant(acting_user=checker, grant=propose_grant(fund, user=cp.own))
    actions_grants.do_cancel_grant(acting_user=checker, grant=grant, reason="受助人已获其他救助")
    back = FundLedger.objects.get(kind="grant_return")
    assert back.amount == Decimal("1000.00") and back.reverses.kind == "grant"
    assert reload(fund).balance == Decimal("1000.00")
    assert_reconciles(fund=fund)


def test_it_moves_money_between_funds_with_approval(tree, fund, cp, checker):
    other = make_fund(tree.district, code="study", name="金秋助学基金")
    donate(make_campaign(fund, ratio="0", cap="0"), "800.00")
    transfer = actions.do_propose_transfer(
        acting_user=cp.own, from_fund=fund, to_fund=other, amount="300", reason="调剂"
    )
    with pytest.raises(ValidationError):
        actions.do_decide_transfer(acting_user=cp.own, transfer=transfer, approve=True)
    actions.do_decide_transfer(acting_user=checker, transfer=transfer, approve=True)
    assert (reload(fund).balance, reload(other).balance) == (Decimal("500.00"), Decimal("300.00"))
    too_much = actions.do_propose_transfer(acting_user=cp.own, from_fund=fund, to_fund=other, amount="501", reason="x")
    with pytest.raises(ValidationError):
        actions.do_decide_transfer(acting_user=checker, transfer=too_much, approve=True)
    actions.do_record_fee(acting_user=checker, fund=fund, amount="1.50", memo="银行手续费")
    assert reload(fund).balance == Decimal("498.50")
    assert_reconciles(fund=fund)
    assert_reconciles(fund=other)


def test_the_ledger_refuses_updates_and_deletes_in_python(fund):
    donate(make_campaign(fund))
    row = FundLedger.objects.first()
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    with pytest.raises(ValidationError):
        FundLedger.objects.all().update(memo="x")
    with pytest.raises(ValidationError):
        FundLedger.objects.all().delete()


def test_recount_finds_and_fixes_a_drifted_counter(fund):
    from django.db.models import QuerySet

    campaign = make_campaign(fund)
    donate(campaign, "10.00")
    QuerySet.update(Campaign.objects.filter(pk=campaign.pk), raised=Decimal("999"))
    problems = queries.recount()
    assert problems and "campaign" in problems[0]
    assert reload(campaign).raised == Decimal("10.00")
    assert queries.recount(fix=False) == []


def test_a_grant_to_a_household_shows_on_its_hardship_timeline(tree, fund, cp, checker):
    from gonghui.hardship import aid_queries
    from gonghui.hardship.tests.helpers import add_lines, create

    add_lines(range(2024, 2028))
    archive = create(make_member(tree.grassroots))
    donate(make_campaign(fund, ratio="0", cap="0"), "40000.00")
    grant = propose_grant(
        fund, user=cp.own, beneficiary_kind="hardship", archive=archive, purpose="medical", amount="30000.00"
    )
    actions_grants.do_approve_grant(acting_user=checker, grant=grant)
    items = [i for i in aid_queries.full_timeline(archive) if i.kind == "charity_grant"]
    assert len(items) == 1 and items[0].title == "公益资助：深工有爱专项基金" and "30000.00 元" in items[0].detail
    assert Grant.objects.get().public_label == "在档困难职工家庭"  # the public never sees who
