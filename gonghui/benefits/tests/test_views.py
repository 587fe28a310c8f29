"""Benefit pages: four personas on staff pages, creating and publishing a campaign in the console,
the partner counter (card → offers → one-tap use; voucher → redeem → second scan refused), and the
member's portal page (claim; another district does not see the campaign)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.benefits import actions, vouchers
from gonghui.benefits.models import Campaign, CardUse, Partner, Voucher
from gonghui.benefits.tests.helpers import card_payload, gig_member, make_campaign, make_offer, make_partner
from gonghui.benefits.tests.test_api import member_client
from gonghui.core.testing import make_staff
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def test_staff_pages_follow_the_four_personas(tree, personas, gym, client_for):
    campaign = make_campaign(tree.district, partners=[gym])
    for _name, user in personas.allowed():
        client = client_for(user)
        assert client.get(f"/benefits/partners/{gym.pk}/").status_code == 200
        page = client.get(f"/benefits/campaigns/{campaign.pk}/")
        assert page.status_code == 200 and page.context["stats"]["quota"] == 100
        assert gym.name in client.get("/benefits/partners/").content.decode()
    for _name, user in personas.refused():
        client = client_for(user)
        assert client.get(f"/benefits/partners/{gym.pk}/").status_code == 404
        assert client.get(f"/benefits/campaigns/{campaign.pk}/").status_code == 404
        assert gym.name not in client.get("/benefits/partners/").content.decode()
    assert Client().get("/benefits/partners/").status_code == 302


def test_the_partner_list_page_has_a_constant_query_count(tree, personas, client_for, django_assert_num_queries):
    client = client_for(personas.own)
    make_partner(tree.district)
    client.get("/benefits/partners/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/benefits/partners/")
    for i in range(5):
        make_partner(tree.district, name=f"商户{i}")
    with django_assert_num_queries(len(few)):
        response = client.get("/benefits/partners/")
    assert response.context["page_obj"].paginator.count == 6


def test_district_signs_a_gym_and_publishes_a_campaign_in_the_console(tree, personas, client_for):
    client = client_for(personas.own)
    today = timezone.localdate()
    response = client.post(
        f"/benefits/partners/new/?org={tree.district.code}",
        {
            "name": "南山活力健身馆",
            "kind": "gym",
            "location": "南山店",
            "address": "科技园",
            "agreement_start": today.isoformat(),
            "agreement_end": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    gym = Partner.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/partners/{gym.pk}/"
    assert gym.locations == [{"name": "南山店", "address": "科技园"}]
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        f"/benefits/campaigns/new/?org={tree.district.code}",
        {
            "name": "骑手健身券",
            "kind": "fitness",
            "face_value": "30",
            "quota": "50",
            "per_member_limit": "1",
            "claim_starts": (now - dt.timedelta(hours=1)).strftime(fmt),
            "claim_ends": (now + dt.timedelta(days=7)).strftime(fmt),
            "valid_until": (now + dt.timedelta(days=30)).strftime(fmt),
            "budget": "1500",
            "worker_types": ["gig"],
            "partners": [gym.pk],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302, response.context["form"].errors
    assert campaign.rule["worker_types"] == ["gig"] and list(campaign.partners.all()) == [gym]
    client.post(f"/benefits/campaigns/{campaign.pk}/publish/")
    assert Campaign.objects.get().status == "published"
    bad = client.post(f"/benefits/campaigns/new/?org={tree.district.code}", {"name": "x", "quota": "0"})
    assert bad.status_code == 200 and Campaign.objects.count() == 1
    assert client_for(personas.sibling).get(f"/benefits/campaigns/new/?org={tree.district.code}").status_code == 404


def test_the_counter_checks_a_card_and_records_a_use_in_one_tap(tree, gym, clerk, client_for):
    offer = make_offer(gym, title="会员八折")
    member = make_member(tree.grassroots)
    client = client_for(clerk)
    assert client.get("/benefits/counter/").status_code == 200
    page = client.post("/benefits/counter/check/", {"payload": card_payload(member)}).content.decode()
    assert "会员卡有效" in page and "会员八折" in page and member.person.name not in page
    page = client.post(
        "/benefits/counter/use/", {"payload": card_payload(member), "amount": "50", "offer": offer.pk}
    ).content.decode()
    assert "减免 ¥10.00" in page and CardUse.objects.get().reduction == 10
    revoked = client.post("/benefits/counter/check/", {"payload": card_payload(member)[:-5] + "AAAAA"})
    assert "未通过核验" in revoked.content.decode()


def test_a_stranger_has_no_counter(tree, gym, client_for):
    stranger = make_staff("stranger", tree.district, roles=())
    assert client_for(stranger).get("/benefits/counter/").status_code == 403
    assert client_for(stranger).get(f"/benefits/counter/?partner={gym.pk}").status_code == 404


def test_claim_in_the_portal_then_redeem_at_the_counter_then_a_second_scan(tree, gym, clerk, client_for):
    campaign = make_campaign(tree.district, partners=[gym], rule={"worker_types": ["gig"]})
    rider = gig_member(tree.grassroots)
    portal = member_client(rider)
    home = portal.get("/m/benefits/").content.decode()
    assert campaign.name in home
    portal.post(f"/m/benefits/claim/{campaign.pk}/")
    voucher = Voucher.objects.get()
    page = portal.get("/m/benefits/").content.decode()
    assert "<svg" in page and vouchers.payload_for(voucher) in page

    counter = client_for(clerk)
    payload = vouchers.payload_for(voucher)
    assert "可以核销" in counter.post("/benefits/counter/check/", {"payload": payload}).content.decode()
    done = counter.post("/benefits/counter/redeem/", {"payload": payload, "place": "前台"}).content.decode()
    assert "核销成功" in done and done.count("核销成功") == 1  # not "核销成功：核销成功：…"
    again = counter.post("/benefits/counter/redeem/", {"payload": payload}).content.decode()
    assert "已由本店于" in again and "无需重复核销" in again

    other_district = member_client(gig_member(tree.sibling_grassroots))
    assert campaign.name not in other_district.get("/m/benefits/").content.decode()
    assert other_district.post(f"/m/benefits/claim/{campaign.pk}/").status_code == 404
    assert Client().get("/m/benefits/").status_code == 302


def test_the_organiser_gives_an_account_the_partner_role(tree, personas, gym, client_for):
    merchant = make_staff("merchant-x", tree.district, roles=())
    client = client_for(personas.own)
    response = client.post(f"/benefits/partners/{gym.pk}/staff/new/", {"username": "merchant-x"})
    assert response.status_code == 302
    assert actions.partner_of(merchant) == gym
    again = client.post(f"/benefits/partners/{gym.pk}/staff/new/", {"username": "nobody"})
    assert "未找到此账号" in again.content.decode()
    assert client_for(personas.sibling).get(f"/benefits/partners/{gym.pk}/staff/new/").status_code == 404
