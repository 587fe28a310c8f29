"""Benefit actions: success, refusals with reasons, permission outside the subtree, bad input
(nothing written) and the audit entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gonghui.benefits import actions, queries, vouchers
from gonghui.benefits.actions import ClaimRefused, SyncItem
from gonghui.benefits.models import Campaign, CardUse, MedicalReduction, Partner, Redemption, Voucher
from gonghui.benefits.tests.helpers import (
    card_payload,
    entries,
    gig_member,
    make_campaign,
    make_offer,
    make_partner,
    partner_data,
    reload,
)
from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_staff
from gonghui.members.actions import do_lapse
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "partners": list(Partner.objects.values()),
        "campaigns": list(Campaign.objects.values()),
        "vouchers": list(Voucher.objects.values()),
        "redemptions": Redemption.objects.count(),
        "uses": CardUse.objects.count(),
        "medical": MedicalReduction.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- partners, offers, campaigns -------------------------------------------------------------------


def test_it_signs_a_partner_and_records_who_did_it(tree, personas):
    partner = make_partner(tree.district, acting_user=personas.own)
    assert partner.org_path == tree.district.path and partner.province_id == tree.district.province_id
    (entry,) = entries("benefits.partner_create")
    assert entry.actor_id == personas.own.pk and entry.org_path == tree.district.path
    assert entry.after["name"] == "南山活力健身馆"


def test_it_refuses_to_sign_a_partner_outside_the_subtree_and_writes_nothing(tree, personas):
    before = snapshot()
    for user in (personas.sibling, personas.outsider):
        with pytest.raises(PermissionDenied):
            make_partner(tree.district, acting_user=user)
    assert snapshot() == before


def test_it_refuses_bad_partner_input_with_field_errors(tree, personas):
    before = snapshot()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        actions.do_create_partner(
            acting_user=personas.own,
            org=tree.district,
            data=partner_data(kind="casino", agreement_end=today - dt.timedelta(days=400)),
        )
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.do_create_partner(
            acting_user=personas.own, org=tree.district, data=partner_data(agreement_end=today - dt.timedelta(days=400))
        )
    assert exc.value.message_dict["agreement_end"] == ["协议结束日期不能早于开始日期"]
    with pytest.raises(ValidationError) as exc:
        actions.do_create_partner(acting_user=personas.own, org=tree.district, data=partner_data(locations=["x"]))
    assert "locations" in exc.value.message_dict
    assert snapshot() == before


def test_it_suspends_a_partner_with_a_reason_and_refuses_a_wrong_transition(tree, personas, gym):
    with pytest.raises(ValidationError):
        actions.do_set_partner_status(acting_user=personas.own, partner=gym, status="suspended", reason=" ")
    gym = actions.do_set_partner_status(acting_user=personas.own, partner=gym, status="ended", reason="协议到期")
    with pytest.raises(ValidationError) as exc:
        actions.do_set_partner_status(acting_user=personas.own, partner=gym, status="active", reason="续约")
    assert "已解约" in str(exc.value)
    assert entries("benefits.partner_status")[0].reason == "协议到期"


def test_it_validates_offers(tree, gym):
    with pytest.raises(ValidationError) as exc:
        make_offer(gym, kind="percent", percent=None)
    assert "percent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_offer(gym, kind="fixed", percent=None, amount="abc")
    assert exc.value.message_dict["amount"] == ["应为金额，例如 12.50"]
    with pytest.raises(ValidationError) as exc:
        make_offer(gym, percent=Decimal("120"))
    assert "percent" in exc.value.message_dict
    offer = make_offer(gym, kind="fixed", percent=None, amount="10.5", min_spend="50")
    assert offer.amount == Decimal("10.50") and entries("benefits.offer_create")


def test_it_checks_the_campaign_budget_limits_and_windows(tree, personas):
    with pytest.raises(ValidationError) as exc:
        make_campaign(tree.district, acting_user=personas.own, quota=200, budget=Decimal("5000"))
    assert "预算不足" in exc.value.message_dict["budget"][0]
    with pytest.raises(ValidationError) as exc:
        make_campaign(tree.district, free_entry=True)  # a face value and free entry
    assert "face_value" in exc.value.message_dict
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        make_campaign(tree.district, claim_ends=now - dt.timedelta(hours=2))
    assert "claim_ends" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_campaign(tree.district, per_period_limit=1)
    assert "period" in exc.value.message_dict
    assert not Campaign.objects.exists()


def test_it_publishes_once_and_limits_changes_after_publishing(tree, personas, gym):
    campaign = make_campaign(tree.district, acting_user=personas.own, partners=[gym], publish=False)
    campaign = actions.do_publish_campaign(acting_user=personas.own, campaign=campaign)
    assert campaign.status == "published" and entries("benefits.campaign_publish")
    with pytest.raises(ValidationError) as exc:
        actions.do_publish_campaign(acting_user=personas.own, campaign=campaign)
    assert "已发布" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        actions.do_update_campaign(acting_user=personas.own, campaign=campaign, data={"face_value": "80"})
    assert "face_value" in exc.value.message_dict
    actions.do_update_campaign(acting_user=personas.own, campaign=campaign, data={"quota": 80})
    assert reload(campaign).quota == 80
    assert sum(campaign.shards.values_list("quota", flat=True)) == 80 and campaign.shards.count() == 16
    with pytest.raises(PermissionDenied):
        actions.do_publish_campaign(acting_user=personas.sibling, campaign=campaign)


def test_it_refuses_a_partner_from_outside_the_campaign_org(tree, personas):
    futian_gym = make_partner(tree.sibling_district, name="福田健身")
    with pytest.raises(ValidationError) as exc:
        make_campaign(tree.district, partners=[futian_gym])
    assert "福田健身" in exc.value.message_dict["partners"][0]


# --- claims --------------------------------------------------------------------------------------


def test_a_rider_claims_a_voucher_for_gig_workers_of_the_district(tree, gym):
    campaign = make_campaign(tree.district, partners=[gym], rule={"worker_types": ["gig"]})
    rider = queries.claimant(membership_id=gig_member(tree.grassroots).pk)
    voucher = actions.do_claim_voucher(campaign=campaign, membership=rider)
    assert voucher.status == "issued" and voucher.expires_at == campaign.valid_until
    assert reload(campaign).issued == 1
    (entry,) = entries("benefits.voucher_claim")
    assert entry.after == {"campaign": campaign.pk, "member_no": rider.member_no, "seq": 1}
    assert entry.org_path == tree.district.path
    claims = vouchers.decode(vouchers.payload_for(voucher))
    assert claims.code == voucher.code and claims.campaign_id == campaign.pk


def test_it_refuses_claims_with_the_reason_and_writes_nothing(tree, gym):
    campaign = make_campaign(tree.district, rule={"worker_types": ["gig"]}, quota=1, budget=Decimal("50"))
    regular = make_member(tree.grassroots)
    other_district = gig_member(tree.sibling_grassroots)
    before = snapshot()
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=regular)
    assert exc.value.refusal == "not_eligible" and "仅限职工类型：新就业形态劳动者" in exc.value.reasons
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=other_district)
    assert exc.value.reasons[0] == "仅限南山区总工会所属会员"
    assert snapshot() == before
    rider = gig_member(tree.grassroots)
    actions.do_claim_voucher(campaign=campaign, membership=rider)
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=reload(campaign), membership=rider)
    # SQLite meets the member's voucher first, PostgreSQL the empty quota first: both refuse, nothing written.
    assert exc.value.refusal in ("limit", "sold_out")
    second = gig_member(tree.grassroots)
    count = Voucher.objects.count()
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=second)
    assert exc.value.refusal == "sold_out" and "已领完（共 1 张）" in exc.value.messages[0]
    assert Voucher.objects.count() == count and reload(campaign).issued == 1


def test_it_enforces_the_per_member_and_per_period_limits(tree):
    campaign = make_campaign(
        tree.district, per_member_limit=3, per_period_limit=1, period="day", quota=10, budget=Decimal("500")
    )
    member = make_member(tree.grassroots)
    now = timezone.now()
    actions.do_claim_voucher(campaign=campaign, membership=member, now=now)
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=member, now=now)
    assert exc.value.refusal == "period_limit" and "每天限领 1 张" in exc.value.messages[0]
    actions.do_claim_voucher(campaign=campaign, membership=member, now=now + dt.timedelta(days=1))
    actions.do_claim_voucher(campaign=campaign, membership=member, now=now + dt.timedelta(days=2))
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=member, now=now + dt.timedelta(days=3))
    assert exc.value.refusal == "limit" and "每人限领 3 张，您已领取 3 张" in exc.value.messages[0]
    assert sorted(Voucher.objects.values_list("member_seq", flat=True)) == [1, 2, 3]


def test_it_refuses_claims_outside_the_window_or_on_a_draft(tree):
    draft = make_campaign(tree.district, publish=False)
    member = make_member(tree.grassroots)
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=draft, membership=member)
    assert "草稿" in exc.value.messages[0]
    campaign = make_campaign(tree.district)
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=member, now=campaign.claim_ends)
    assert exc.value.refusal == "ended"


def test_bulk_issue_reaches_the_segment_up_to_the_quota_and_is_idempotent(tree, personas):
    campaign = make_campaign(
        tree.district, acting_user=personas.own, rule={"worker_types": ["gig"]}, quota=3, budget=Decimal("150")
    )
    riders = [gig_member(tree.grassroots) for _ in range(2)]
    make_member(tree.grassroots)  # not in the segment
    gig_member(tree.sibling_grassroots)  # outside the campaign's org
    result = actions.do_bulk_issue(acting_user=personas.own, campaign=campaign, chunk_size=1)
    assert result.issued == 2 and not result.sold_out
    assert set(Voucher.objects.values_list("membership_id", flat=True)) == {r.pk for r in riders}
    again = actions.do_bulk_issue(acting_user=personas.own, campaign=campaign)
    assert again.issued == 0 and again.skipped_limit == 2
    more = [gig_member(tree.grassroots) for _ in range(2)]
    last = actions.do_bulk_issue(acting_user=personas.own, campaign=campaign)
    assert last.issued == 1 and last.sold_out and reload(campaign).issued == 3 and more
    assert sum(e.after["issued"] for e in entries("benefits.voucher_bulk_issue")) == 3
    with pytest.raises(PermissionDenied):
        actions.do_bulk_issue(acting_user=personas.sibling, campaign=campaign)


# --- redemption ----------------------------------------------------------------------------------


@pytest.fixture
def issued(tree, gym):
    campaign = make_campaign(tree.district, partners=[gym])
    voucher = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots))
    return voucher, vouchers.payload_for(voucher)


def test_the_same_partner_scanning_twice_is_told_it_already_redeemed(tree, gym, issued):
    voucher, payload = issued
    clerk = make_staff("gym-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=gym, user=clerk)
    first = actions.do_redeem_voucher(acting_user=clerk, partner=gym, payload=payload, place="前台")
    assert first.ok and first.outcome == "redeemed" and first.holder.endswith("*")
    audit_count = AuditEntry.objects.count()
    second = actions.do_redeem_voucher(acting_user=clerk, partner=gym, payload=payload)
    assert second.ok and second.outcome == "already_redeemed_by_you"
    assert "已由本店于" in second.message and "前台" in second.message
    assert AuditEntry.objects.count() == audit_count  # idempotent: nothing written
    voucher = reload(voucher)
    assert voucher.status == "redeemed" and voucher.redeemed_by == gym and voucher.redeemed_by_user == clerk
    assert entries("benefits.voucher_redeem")[0].actor_id == clerk.pk


def test_a_second_partner_is_refused_with_the_time_and_place_of_the_first(tree, gym, issued):
    voucher, payload = issued
    other = make_partner(tree.district, name="南山游泳馆")
    campaign = voucher.campaign
    campaign.partners.add(other)  # fixture: both may accept it
    actions.do_redeem_voucher(acting_user=None, partner=gym, payload=payload, place="前台")
    refused = actions.do_redeem_voucher(acting_user=None, partner=other, payload=payload)
    assert not refused.ok and refused.outcome == "redeemed_elsewhere"
    when = timezone.localtime(reload(voucher).redeemed_at).strftime("%Y-%m-%d %H:%M")
    assert when in refused.message and "南山活力健身馆（前台）" in refused.message
    (log,) = Redemption.objects.filter(outcome="refused")
    assert log.partner == other and log.first_partner == gym
    assert list(queries.conflicts_for(gym)) == [log] == list(queries.conflicts_for(other))


def test_expired_revoked_forged_and_foreign_vouchers_are_refused_with_the_reason(tree, gym, issued, personas):
    voucher, payload = issued
    late = actions.do_redeem_voucher(
        acting_user=None, partner=gym, payload=payload, now=voucher.expires_at + dt.timedelta(minutes=1)
    )
    assert late.outcome == "expired" and "过期" in late.message
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    assert actions.do_redeem_voucher(acting_user=None, partner=gym, payload=tampered).outcome in (
        "bad_signature",
        "malformed",
    )
    assert actions.do_redeem_voucher(acting_user=None, partner=gym, payload="hello").outcome == "not_a_voucher"
    elsewhere = make_partner(tree.district, name="不在活动内的商户")
    assert actions.do_redeem_voucher(acting_user=None, partner=elsewhere, payload=payload).outcome == (
        "not_accepted_here"
    )
    actions.do_revoke_voucher(acting_user=personas.own, voucher=voucher, reason="重复发放")
    revoked = actions.do_redeem_voucher(acting_user=None, partner=gym, payload=payload)
    assert revoked.outcome == "revoked" and "重复发放" in revoked.message
    assert reload(voucher).status == "revoked" and not Redemption.objects.exists()


def test_a_stranger_cannot_work_a_partners_counter(tree, gym, issued):
    _voucher, payload = issued
    stranger = make_staff("stranger", tree.district, roles=())
    with pytest.raises(PermissionDenied):
        actions.do_redeem_voucher(acting_user=stranger, partner=gym, payload=payload)
    other_clerk = make_staff("other-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=make_partner(tree.district, name="别家"), user=other_clerk)
    with pytest.raises(PermissionDenied):
        actions.do_redeem_voucher(acting_user=other_clerk, partner=gym, payload=payload)


def test_offline_sync_applies_queued_redemptions_and_reports_conflicts_to_both_sides(tree, gym):
    pool = make_partner(tree.district, name="南山游泳馆")
    campaign = make_campaign(tree.district, partners=[gym, pool])
    earlier = timezone.now() - dt.timedelta(minutes=40)
    a = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots), now=earlier)
    b = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots), now=earlier)
    scanned = timezone.now() - dt.timedelta(minutes=30)
    actions.do_redeem_voucher(acting_user=None, partner=pool, payload=vouchers.payload_for(a), place="泳池入口")
    results = actions.do_sync_offline(
        acting_user=None,
        partner=gym,
        items=[
            SyncItem(vouchers.payload_for(a), scanned, "前台"),
            SyncItem(vouchers.payload_for(b), scanned, "前台"),
        ],
    )
    assert [r.outcome for r in results] == ["redeemed_elsewhere", "redeemed"]
    c = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots))
    (early,) = actions.do_sync_offline(
        acting_user=None, partner=gym, items=[SyncItem(vouchers.payload_for(c), c.issued_at - dt.timedelta(days=1))]
    )
    assert early.outcome == "invalid_time" and reload(c).status == "issued"
    assert "泳池入口" in results[0].message
    b = reload(b)
    assert b.redeemed_by == gym and b.redeemed_at == scanned
    (conflict,) = Redemption.objects.filter(outcome="conflict")
    assert conflict.offline and conflict.partner == gym and conflict.first_partner == pool
    assert conflict in queries.conflicts_for(gym) and conflict in queries.conflicts_for(pool)
    assert entries("benefits.voucher_redeem_conflict")


def test_an_offline_scan_made_before_expiry_counts_even_after_the_expiry_task(tree, gym, issued):
    voucher, payload = issued
    after = voucher.expires_at + dt.timedelta(hours=1)
    assert actions.expire_vouchers(now=after) == 1
    assert reload(voucher).status == "expired" and entries("benefits.voucher_expire")[0].after["expired"] == 1
    assert actions.expire_vouchers(now=after) == 0
    (result,) = actions.do_sync_offline(
        acting_user=None,
        partner=gym,
        items=[SyncItem(payload, voucher.expires_at - dt.timedelta(hours=1))],
        now=after,
    )
    assert result.outcome == "redeemed" and reload(voucher).status == "redeemed"


# --- card uses and medical reductions ------------------------------------------------------------


def test_it_records_a_card_use_with_the_offer_reduction(tree):
    pharmacy = make_partner(tree.district, name="南山大药房", kind="pharmacy")
    offer = make_offer(pharmacy, percent=Decimal("20"), cap_per_use=Decimal("30"))
    member = make_member(tree.grassroots)
    use = actions.do_record_card_use(
        acting_user=None, partner=pharmacy, payload=card_payload(member), amount="88.80", offer=offer
    )
    assert use.amount == Decimal("88.80") and use.reduction == Decimal("17.76")
    big = actions.do_record_card_use(
        acting_user=None, partner=pharmacy, payload=card_payload(member), amount="500", offer=offer
    )
    assert big.reduction == Decimal("30.00")
    assert entries("benefits.card_use")[0].after["member_no"] == member.member_no
    assert queries.card_use_totals(pharmacy)["reduction"] == Decimal("47.76")


def test_it_refuses_a_card_use_for_a_lapsed_member_or_a_forged_card(tree):
    pharmacy = make_partner(tree.district, name="南山大药房", kind="pharmacy")
    member = make_member(tree.grassroots)
    payload = card_payload(member)
    with pytest.raises(ValidationError) as exc:
        actions.do_record_card_use(acting_user=None, partner=pharmacy, payload=payload[:-4] + "AAAA", amount="10")
    assert exc.value.message_dict["payload"]
    do_lapse(acting_user=None, membership=member, reason="测试")
    with pytest.raises(ValidationError) as exc:
        actions.do_record_card_use(acting_user=None, partner=pharmacy, payload=payload, amount="10")
    assert "注销" in exc.value.message_dict["payload"][0] or "会籍" in exc.value.message_dict["payload"][0]
    with pytest.raises(ValidationError):
        actions.do_record_card_use(acting_user=None, partner=pharmacy, payload=payload, amount="-5")
    assert not CardUse.objects.exists()


def test_medical_reductions_respect_the_yearly_cap_per_member(tree, settings, personas):
    hospital = make_partner(tree.district, name="南山医院", kind="hospital")
    offer = make_offer(
        hospital, title="职工医疗减免", kind="medical", percent=Decimal("30"), yearly_cap=Decimal("1000")
    )
    member = make_member(tree.grassroots)
    today = timezone.localdate()

    def visit(total, insured, who=member):
        return actions.do_record_medical_reduction(
            acting_user=None,
            partner=hospital,
            offer=offer,
            visit_date=today,
            total=total,
            insured=insured,
            payload=card_payload(who),
        )

    first = visit("5000", "2000")  # 30% of 3000 = 900
    assert (first.out_of_pocket, first.reduction, first.capped) == (Decimal("3000.00"), Decimal("900.00"), False)
    second = visit("1000", "0")  # 300, but only 100 left this year
    assert (second.reduction, second.capped) == (Decimal("100.00"), True)
    assert visit("1000", "0").reduction == Decimal("0.00")
    other = make_member(tree.grassroots)
    assert visit("1000", "0", other).reduction == Decimal("300.00")
    settings.BENEFITS_MEDICAL_YEARLY_CAP = "200"
    third = make_member(tree.grassroots)
    assert visit("1000", "0", third).reduction == Decimal("200.00")
    with pytest.raises(ValidationError) as exc:
        visit("100", "200")
    assert exc.value.message_dict["insured"] == ["医保报销不能超过医疗费用总额"]
    totals = queries.medical_totals(personas.own)
    assert totals["visits"] == 5 and totals["reduction"] == Decimal("1500.00")
    assert totals["by_hospital"][0]["name"] == "南山医院"
    assert queries.medical_totals(personas.ancestor, tree.district.path)["visits"] == 5
    for user in (personas.sibling, personas.outsider, None):
        assert queries.medical_totals(user)["visits"] == 0
    assert len(entries("benefits.medical_reduction")) == 5


def test_only_hospitals_record_medical_reductions(tree, gym):
    offer = make_offer(gym, title="健身八折")
    with pytest.raises(ValidationError) as exc:
        actions.do_record_medical_reduction(
            acting_user=None,
            partner=gym,
            offer=offer,
            visit_date=timezone.localdate(),
            total="100",
            insured="0",
            payload="x",
        )
    assert "partner" in exc.value.message_dict


# --- feedback ------------------------------------------------------------------------------------


def test_members_rate_and_staff_respond(tree, personas, gym):
    member = make_member(tree.grassroots)
    feedback = actions.do_leave_feedback(membership=member, target=gym, rating=4, comment="器械很新")
    actions.do_leave_feedback(membership=member, target=gym, rating="2")
    with pytest.raises(ValidationError):
        actions.do_leave_feedback(membership=member, target=gym, rating=6)
    summary = queries.feedback_summary(personas.own, target=gym)
    assert summary["count"] == 2 and summary["average"] == 3
    assert queries.feedback_summary(personas.sibling)["count"] == 0
    with pytest.raises(PermissionDenied):
        actions.do_handle_feedback(acting_user=personas.sibling, feedback=feedback, response="已反馈商户")
    handled = actions.do_handle_feedback(acting_user=personas.own, feedback=feedback, response="继续合作")
    assert handled.handled_by == personas.own and entries("benefits.feedback_handle")


def test_a_second_claim_of_a_one_per_member_campaign_is_refused_by_the_limit(tree):
    campaign = make_campaign(tree.district)
    member = make_member(tree.grassroots)
    actions.do_claim_voucher(campaign=campaign, membership=member)
    before = snapshot()
    with pytest.raises(ClaimRefused) as exc:
        actions.do_claim_voucher(campaign=campaign, membership=member)
    assert exc.value.refusal == "limit" and "每人限领 1 张，您已领取 1 张" in exc.value.messages[0]
    assert snapshot() == before and reload(campaign).issued == 1


def test_benefit_rows_follow_an_org_move_and_a_merge(tree, personas, gym):
    from gonghui.orgs.actions import do_merge_org, do_move_org
    from gonghui.orgs.models import Org

    street_gym = make_partner(tree.street, name="街道健身房")
    campaign = make_campaign(tree.street, partners=[street_gym])
    voucher = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots))
    do_move_org(acting_user=None, org=tree.street, new_parent=tree.sibling_district, reason="区划调整")
    street = Org.objects.get(pk=tree.street.pk)
    assert reload(street_gym).org_path == street.path and reload(campaign).org_path == street.path
    assert reload(voucher).member_org_path.startswith(street.path)
    assert street_gym not in Partner.objects.restrict(personas.own, "benefit.view")
    assert street_gym in Partner.objects.restrict(personas.sibling, "benefit.view")
    do_merge_org(acting_user=None, source=tree.sibling_grassroots, target=tree.grassroots, reason="企业合并")
    futian_gym = make_partner(tree.sibling_district, name="福田健身")
    do_merge_org(acting_user=None, source=tree.sibling_district, target=tree.district, reason="区划合并")
    assert reload(futian_gym).org_id == tree.district.pk and reload(futian_gym).org_path == tree.district.path
