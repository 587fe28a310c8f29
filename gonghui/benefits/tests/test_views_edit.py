"""Console pages for editing after creation (issue 6): campaign edit (draft: everything; published: only
deadline, quota, budget, description), partner edit and suspend/resume, offer edit/withdraw, removing a
partner staff link, and the campaign's statistics per org of its subtree. Four personas, bad input,
audit entries, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.benefits import actions, queries, vouchers
from gonghui.benefits.models import PartnerStaff
from gonghui.benefits.tests.helpers import entries, gig_member, make_campaign, make_offer, make_partner, reload
from gonghui.core.testing import make_staff

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def campaign_post(campaign, **kw) -> dict:
    def local(value):
        return timezone.localtime(value).strftime(LOCAL)

    data = {
        "name": campaign.name,
        "description": campaign.description,
        "quota": str(campaign.quota),
        "per_member_limit": str(campaign.per_member_limit),
        "per_period_limit": "",
        "period": "",
        "claim_starts": local(campaign.claim_starts),
        "claim_ends": local(campaign.claim_ends),
        "valid_until": local(campaign.valid_until),
        "budget": str(campaign.budget),
    }
    data.update(kw)
    return data


def partner_post(partner, **kw) -> dict:
    data = {
        "name": partner.name,
        "kind": partner.kind,
        "uscc": partner.uscc,
        "locations": "南山店｜南山区科技园路1号\n蛇口店|蛇口港湾大道2号",
        "contact_name": "李经理",
        "contact_phone": "0755-87654321",
        "description": "",
        "agreement_start": partner.agreement_start.isoformat(),
        "agreement_end": (partner.agreement_end + dt.timedelta(days=365)).isoformat(),
    }
    data.update(kw)
    return data


# --- campaigns -----------------------------------------------------------------------------------


def test_it_edits_a_draft_campaign_with_limits_window_and_rule(tree, personas, client_for):
    campaign = make_campaign(tree.district, publish=False)
    client = client_for(personas.own)
    url = f"/benefits/campaigns/{campaign.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["quota"] == 100 and form.initial["name"] == campaign.name
    ends = timezone.localtime(campaign.claim_ends + dt.timedelta(days=3)).strftime(LOCAL)
    data = campaign_post(
        campaign,
        name="健身券（第二期）",
        per_member_limit="2",
        per_period_limit="1",
        period="week",
        quota="80",
        claim_ends=ends,
        worker_types=["gig"],
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    campaign = reload(campaign)
    assert campaign.name == "健身券（第二期）" and campaign.per_member_limit == 2 and campaign.quota == 80
    assert campaign.per_period_limit == 1 and campaign.period == "week"
    assert campaign.rule["worker_types"] == ["gig"]
    assert timezone.localtime(campaign.claim_ends).strftime(LOCAL) == ends
    [entry] = entries("benefits.campaign_update")
    assert entry.actor_id == personas.own.pk and entry.after["name"] == "健身券（第二期）"
    assert entry.before["quota"] == 100 and "budget" not in entry.after


def test_it_refuses_bad_campaign_edits_and_writes_nothing(tree, personas, client_for):
    campaign = make_campaign(tree.district, publish=False)
    client = client_for(personas.own)
    url = f"/benefits/campaigns/{campaign.pk}/edit/"
    early = campaign_post(campaign, claim_ends=timezone.localtime(campaign.claim_starts).strftime(LOCAL))
    assert "领取截止应晚于领取开始" in client.post(url, early).content.decode()
    period = client.post(url, campaign_post(campaign, per_period_limit="2"))
    assert "每周期限领需同时填写周期和数量" in period.content.decode()
    budget = client.post(url, campaign_post(campaign, quota="1000"))
    assert "预算不足" in budget.content.decode()
    zero = client.post(url, campaign_post(campaign, per_member_limit="0"))
    assert zero.status_code == 200 and zero.context["form"].errors
    assert reload(campaign).quota == 100 and reload(campaign).per_member_limit == 1
    assert not entries("benefits.campaign_update")


def test_a_published_campaign_only_takes_quota_deadline_and_budget(tree, personas, client_for):
    campaign = make_campaign(tree.district)
    client = client_for(personas.own)
    url = f"/benefits/campaigns/{campaign.pk}/edit/"
    renamed = client.post(url, campaign_post(campaign, name="改名"))
    assert renamed.status_code == 200 and "活动已发布，不能修改此项" in renamed.content.decode()
    assert reload(campaign).name == campaign.name and not entries("benefits.campaign_update")
    response = client.post(url, campaign_post(campaign, quota="90", budget="6000.00"))
    assert response.status_code == 302
    campaign = reload(campaign)
    assert campaign.quota == 90 and campaign.budget == Decimal("6000.00")
    [entry] = entries("benefits.campaign_update")
    assert set(entry.after) == {"quota", "budget"}
    # the new quota is what claims are counted against
    member = gig_member(tree.grassroots)
    actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person))
    assert queries.campaign_stats(campaign)["claimed"] == 1


def test_a_closed_campaign_cannot_be_edited(tree, personas, client_for):
    campaign = make_campaign(tree.district)
    actions.do_close_campaign(acting_user=None, campaign=campaign, reason="活动结束")
    client = client_for(personas.own)
    response = client.post(f"/benefits/campaigns/{campaign.pk}/edit/", campaign_post(campaign, quota="90"))
    assert response.status_code == 200 and reload(campaign).quota == 100
    assert not entries("benefits.campaign_update")
    assert f"campaigns/{campaign.pk}/edit/" not in client.get(campaign.get_absolute_url()).content.decode()


def test_campaign_edit_follows_the_four_personas(tree, personas, client_for):
    campaign = make_campaign(tree.district, publish=False)
    url = f"/benefits/campaigns/{campaign.pk}/edit/"
    for _name, user in personas.allowed():
        client = client_for(user)
        assert client.get(url).status_code == 200
        assert f"campaigns/{campaign.pk}/edit/" in client.get(campaign.get_absolute_url()).content.decode()
    for _name, user in personas.refused():
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url, campaign_post(campaign, name="越权")).status_code == 404
    assert reload(campaign).name != "越权" and not entries("benefits.campaign_update")


# --- statistics per org ----------------------------------------------------------------------------


def test_the_campaign_page_shows_statistics_per_org_of_the_subtree(tree, personas, client_for):
    gym = make_partner(tree.district)
    campaign = make_campaign(tree.district, partners=[gym])
    made = []
    for org in (tree.grassroots, tree.grassroots, tree.street, tree.district):
        member = gig_member(org)
        made.append(actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person)))
    actions.do_redeem_voucher(acting_user=None, partner=gym, payload=vouchers.payload_for(made[0]))
    actions.do_redeem_voucher(acting_user=None, partner=gym, payload=vouchers.payload_for(made[3]))
    rows = queries.campaign_stats_by_org(campaign)
    by_name = {row["org"].name: row for row in rows}
    assert list(by_name) == [tree.street.name, tree.district.name]
    street, own = by_name[tree.street.name], by_name[tree.district.name]
    assert (street["claimed"], street["redeemed"], street["expired"]) == (3, 1, 0)
    assert street["budget_used"] == Decimal("50.00") and own["claimed"] == 1 and own["redeemed"] == 1
    page = client_for(personas.own).get(campaign.get_absolute_url()).content.decode()
    assert 'id="stats-by-org"' in page and tree.street.name in page and "¥50.00" in page


def test_statistics_per_org_take_a_constant_number_of_queries(tree, django_assert_num_queries):
    campaign = make_campaign(tree.district)
    member = gig_member(tree.grassroots)
    actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person))
    with django_assert_num_queries(2):
        queries.campaign_stats_by_org(campaign)
    for org in (tree.street, tree.district, tree.grassroots):
        member = gig_member(org)
        actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person))
    with django_assert_num_queries(2):
        assert sum(row["claimed"] for row in queries.campaign_stats_by_org(campaign)) == 4


def test_the_campaign_page_has_a_constant_query_count(tree, personas, client_for, django_assert_num_queries):
    campaign = make_campaign(tree.district)
    client = client_for(personas.own)
    member = gig_member(tree.grassroots)
    actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person))
    client.get(campaign.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(campaign.get_absolute_url())
    for org in (tree.street, tree.district, tree.grassroots):
        member = gig_member(org)
        actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person))
    with django_assert_num_queries(len(few)):
        client.get(campaign.get_absolute_url())


# --- partners --------------------------------------------------------------------------------------


def test_it_edits_a_partner_with_all_its_locations(tree, personas, client_for):
    partner = make_partner(tree.district)
    client = client_for(personas.own)
    url = f"/benefits/partners/{partner.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["locations"] == "南山店｜南山区科技园路1号"
    response = client.post(url, partner_post(partner))
    assert response.status_code == 302 and response["Location"] == f"/benefits/partners/{partner.pk}/"
    partner = reload(partner)
    assert partner.locations == [
        {"name": "南山店", "address": "南山区科技园路1号"},
        {"name": "蛇口店", "address": "蛇口港湾大道2号"},
    ]
    assert partner.contact_name == "李经理"
    [entry] = entries("benefits.partner_update")
    assert entry.actor_id == personas.own.pk and set(entry.after) == {
        "locations",
        "contact_name",
        "contact_phone",
        "agreement_end",
    }


def test_it_refuses_bad_partner_edits_and_writes_nothing(tree, personas, client_for):
    partner = make_partner(tree.district)
    client = client_for(personas.own)
    url = f"/benefits/partners/{partner.pk}/edit/"
    backwards = partner_post(partner, agreement_end=(partner.agreement_start - dt.timedelta(days=1)).isoformat())
    assert "协议结束日期不能早于开始日期" in client.post(url, backwards).content.decode()
    nameless = client.post(url, partner_post(partner, locations="｜只有地址"))
    assert nameless.status_code == 200 and "门店应为列表" in nameless.content.decode()
    assert client.post(url, partner_post(partner, name="")).status_code == 200
    assert reload(partner).contact_name == "王经理" and not entries("benefits.partner_update")


def test_it_suspends_and_resumes_a_partner_with_a_reason(tree, personas, client_for):
    partner = make_partner(tree.district)
    client = client_for(personas.own)
    suspend = f"/benefits/partners/{partner.pk}/status/suspend/"
    assert client.get(suspend).status_code == 200
    assert client.post(suspend, {"reason": ""}).status_code == 200 and reload(partner).status == "active"
    assert client.post(suspend, {"reason": "多次投诉"}).status_code == 302
    assert reload(partner).status == "suspended"
    again = client.post(suspend, {"reason": "再次"})
    assert again.status_code == 200 and reload(partner).status == "suspended"
    assert client.post(f"/benefits/partners/{partner.pk}/status/resume/", {"reason": "已整改"}).status_code == 302
    assert reload(partner).status == "active"
    assert [(e.after["status"], e.reason) for e in entries("benefits.partner_status")] == [
        ("suspended", "多次投诉"),
        ("active", "已整改"),
    ]
    assert client.get(f"/benefits/partners/{partner.pk}/status/end/").status_code == 404


def test_it_edits_and_withdraws_an_offer(tree, personas, client_for):
    partner = make_partner(tree.district)
    offer = make_offer(partner)
    client = client_for(personas.own)
    url = f"/benefits/partners/{partner.pk}/offers/{offer.pk}/edit/"
    assert client.get(url).context["form"].initial["percent"] == Decimal("20")
    bad = client.post(url, {"title": "八折", "kind": "percent", "percent": "", "active": "on"})
    assert "请填写减免比例" in bad.content.decode() and reload(offer).percent == Decimal("20")
    response = client.post(url, {"title": "凭会员卡七折", "kind": "percent", "percent": "30", "active": "on"})
    assert response.status_code == 302 and reload(offer).percent == Decimal("30")
    assert reload(offer).title == "凭会员卡七折"
    assert client.post(f"/benefits/partners/{partner.pk}/offers/{offer.pk}/withdraw/").status_code == 302
    assert reload(offer).active is False
    updates = entries("benefits.offer_update")
    assert len(updates) == 2 and updates[1].after == {"active": False}
    other = make_partner(tree.district, name="别家")
    assert client.get(f"/benefits/partners/{other.pk}/offers/{offer.pk}/edit/").status_code == 404


def test_it_removes_a_partner_staff_link(tree, personas, client_for):
    partner = make_partner(tree.district)
    clerk = make_staff("gym-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=partner, user=clerk)
    link = PartnerStaff.objects.get(user=clerk, active=True)
    client = client_for(personas.own)
    page = client.get(f"/benefits/partners/{partner.pk}/").content.decode()
    assert f"/staff/{link.pk}/remove/" in page
    response = client.post(f"/benefits/partners/{partner.pk}/staff/{link.pk}/remove/")
    assert response.status_code == 302 and not PartnerStaff.objects.filter(user=clerk, active=True).exists()
    [entry] = entries("benefits.partner_staff_remove")
    assert entry.actor_id == personas.own.pk and entry.before == {"user": "gym-clerk"}
    assert client.post(f"/benefits/partners/{partner.pk}/staff/{link.pk}/remove/").status_code == 404
    assert len(entries("benefits.partner_staff_remove")) == 1


def test_partner_edit_pages_follow_the_four_personas(tree, personas, client_for):
    partner = make_partner(tree.district)
    offer = make_offer(partner)
    for _name, user in personas.allowed():
        client = client_for(user)
        assert client.get(f"/benefits/partners/{partner.pk}/edit/").status_code == 200
        assert client.get(f"/benefits/partners/{partner.pk}/status/suspend/").status_code == 200
        assert client.get(f"/benefits/partners/{partner.pk}/offers/{offer.pk}/edit/").status_code == 200
    for _name, user in personas.refused():
        client = client_for(user)
        assert client.get(f"/benefits/partners/{partner.pk}/edit/").status_code == 404
        assert client.post(f"/benefits/partners/{partner.pk}/edit/", partner_post(partner)).status_code == 404
        assert client.post(f"/benefits/partners/{partner.pk}/status/suspend/", {"reason": "x"}).status_code == 404
        assert client.post(f"/benefits/partners/{partner.pk}/offers/{offer.pk}/withdraw/").status_code == 404
    assert reload(partner).status == "active" and reload(offer).active is True
    assert not entries("benefits.partner_update") and not entries("benefits.offer_update")
