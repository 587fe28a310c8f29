"""The benefits API: four personas on the staff endpoints, the partner counter (own partner only,
idempotent redeem, refusal with time and place, offline sync), the member claim flow through the
portal session, and query counts of the lists."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.benefits import actions, vouchers
from gonghui.benefits.models import Voucher
from gonghui.benefits.tests.helpers import card_payload, entries, gig_member, make_campaign, make_offer, make_partner
from gonghui.core.testing import make_staff
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits"


def post(client, url, body):
    return client.post(url, data=json.dumps(body, default=str), content_type="application/json")


@pytest.fixture
def clerk(tree, gym):
    user = make_staff("gym-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=gym, user=user)
    return user


def member_client(membership) -> Client:
    client = Client()
    session = client.session
    session["member_mobile"] = membership.person.mobile
    session["member_person_id"] = membership.person.pk
    session.save()
    return client


# --- staff endpoints: four personas ----------------------------------------------------------------


def test_partner_and_campaign_reads_follow_the_four_personas(tree, personas, gym, api_for):
    campaign = make_campaign(tree.district, partners=[gym])
    for _name, user in personas.allowed():
        api = api_for(user)
        assert [p["id"] for p in api.get(f"{API}/partners").json()["items"]] == [gym.pk]
        assert api.get(f"{API}/partners/{gym.pk}").status_code == 200
        detail = api.get(f"{API}/campaigns/{campaign.pk}")
        assert detail.status_code == 200 and detail.json()["stats"]["quota"] == 100
    for _name, user in personas.refused():
        api = api_for(user)
        assert api.get(f"{API}/partners").json()["items"] == []
        assert api.get(f"{API}/partners/{gym.pk}").status_code == 404
        assert api.get(f"{API}/campaigns/{campaign.pk}").status_code == 404
        assert api.get(f"{API}/campaigns").json()["count"] == 0
    assert Client().get(f"{API}/partners").status_code == 401


def test_staff_create_and_publish_a_campaign_through_the_api(tree, personas, gym, api_for):
    now = timezone.now()
    body = {
        "org": tree.district.code,
        "name": "骑手健身券",
        "kind": "fitness",
        "face_value": "50",
        "quota": 10,
        "claim_starts": now - dt.timedelta(minutes=5),
        "claim_ends": now + dt.timedelta(days=3),
        "valid_until": now + dt.timedelta(days=30),
        "rule": {"worker_types": ["gig"]},
        "budget": "500",
        "partners": [gym.pk],
    }
    created = post(api_for(personas.own), f"{API}/campaigns", body)
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    assert post(api_for(personas.sibling), f"{API}/campaigns/{campaign_id}/publish", {}).status_code == 404
    published = post(api_for(personas.ancestor), f"{API}/campaigns/{campaign_id}/publish", {})
    assert published.status_code == 200 and published.json()["status"] == "published"
    bad = post(api_for(personas.own), f"{API}/campaigns", {**body, "budget": "100"})
    assert bad.status_code == 422 and "budget" in bad.json()["error"]["fields"]
    outside = post(api_for(personas.sibling), f"{API}/campaigns", body)
    assert outside.status_code == 404


def test_the_partner_list_has_a_fixed_query_count(tree, personas, gym, api_for, django_assert_num_queries):
    for i in range(5):
        make_partner(tree.district, name=f"商户{i}")
    api = api_for(personas.own)
    api.get(f"{API}/partners")  # warm up the token stamp
    with django_assert_num_queries(5):  # token, grants, partner link, count, page
        response = api.get(f"{API}/partners")
    assert response.json()["count"] == 6


# --- the counter -----------------------------------------------------------------------------------


def test_a_partner_account_sees_only_its_own_partner(tree, gym, clerk, api_for):
    other = make_partner(tree.district, name="南山大药房", kind="pharmacy")
    api = api_for(clerk)
    assert [p["id"] for p in api.get(f"{API}/partners").json()["items"]] == [gym.pk]
    assert api.get(f"{API}/partners/{other.pk}").status_code == 404
    assert post(api, f"{API}/counter/redeem", {"payload": "x", "partner": other.pk}).status_code == 404
    assert api.get(f"{API}/campaigns").json()["count"] == 0


def test_scan_a_member_card_shows_the_masked_name_and_the_offers_that_apply(tree, gym, clerk, api_for):
    make_offer(gym, title="会员九折", percent=Decimal("10"))
    make_offer(gym, title="骑手专享", percent=Decimal("30"), rule={"worker_types": ["gig"]})
    member = make_member(tree.grassroots)
    api = api_for(clerk)
    scanned = post(api, f"{API}/counter/scan", {"payload": card_payload(member)}).json()
    assert scanned["kind"] == "card" and scanned["valid"] and scanned["name_masked"].endswith("*")
    assert [o["title"] for o in scanned["offers"]] == ["会员九折"]
    bad = post(api, f"{API}/counter/scan", {"payload": card_payload(member)[:-4] + "AAAA"}).json()
    assert not bad["valid"] and bad["reason"] in ("bad_signature", "malformed")
    use = post(api, f"{API}/counter/card-use", {"payload": card_payload(member), "amount": "100", "offer": None})
    assert use.status_code == 201 and use.json()["reduction"] == "0.00"


def test_redeem_twice_then_another_partner_is_refused_with_time_and_place(tree, gym, clerk, api_for):
    pool = make_partner(tree.district, name="南山游泳馆")
    pool_clerk = make_staff("pool-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=pool, user=pool_clerk)
    campaign = make_campaign(tree.district, partners=[gym, pool])
    voucher = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots))
    payload = vouchers.payload_for(voucher)
    api = api_for(clerk)
    peek = post(api, f"{API}/counter/scan", {"payload": payload}).json()
    assert peek["kind"] == "voucher" and peek["voucher"]["ok"]
    first = post(api, f"{API}/counter/redeem", {"payload": payload, "place": "前台"}).json()
    assert first["ok"] and first["outcome"] == "redeemed"
    again = post(api, f"{API}/counter/redeem", {"payload": payload}).json()
    assert again["ok"] and again["outcome"] == "already_redeemed_by_you"
    refused = post(api_for(pool_clerk), f"{API}/counter/redeem", {"payload": payload}).json()
    assert not refused["ok"] and "南山活力健身馆（前台）" in refused["message"]
    for user in (clerk, pool_clerk):
        assert api_for(user).get(f"{API}/counter/conflicts").json()["count"] == 1


def test_offline_sync_reports_conflicts(tree, gym, clerk, api_for):
    pool = make_partner(tree.district, name="南山游泳馆")
    campaign = make_campaign(tree.district, partners=[gym, pool])
    voucher = actions.do_claim_voucher(campaign=campaign, membership=make_member(tree.grassroots))
    actions.do_redeem_voucher(acting_user=None, partner=pool, payload=vouchers.payload_for(voucher))
    body = {"items": [{"payload": vouchers.payload_for(voucher), "scanned_at": timezone.now(), "place": "前台"}]}
    (result,) = post(api_for(clerk), f"{API}/counter/sync", body).json()
    assert result["outcome"] == "redeemed_elsewhere"
    assert entries("benefits.voucher_redeem_conflict")


def test_union_staff_without_a_partner_must_name_one_in_scope(tree, personas, gym, api_for):
    answer = post(api_for(personas.own), f"{API}/counter/redeem", {"payload": "x"})
    assert answer.status_code == 403


# --- the member ------------------------------------------------------------------------------------


def test_a_rider_claims_in_the_portal_and_another_district_does_not_see_the_campaign(tree, gym):
    campaign = make_campaign(tree.district, partners=[gym], rule={"worker_types": ["gig"]})
    rider = gig_member(tree.grassroots)
    client = member_client(rider)
    listed = client.get(f"{API}/me/campaigns").json()
    assert [c["id"] for c in listed] == [campaign.pk]
    claimed = client.post(f"{API}/me/campaigns/{campaign.pk}/claim")
    assert claimed.status_code == 201 and claimed.json()["payload"].startswith("GV1.")
    again = client.post(f"{API}/me/campaigns/{campaign.pk}/claim")
    assert again.status_code == 422 and "每人限领 1 张" in again.json()["error"]["message"]
    assert [v["status"] for v in client.get(f"{API}/me/vouchers").json()] == ["issued"]

    futian = member_client(gig_member(tree.sibling_grassroots))
    assert futian.get(f"{API}/me/campaigns").json() == []
    assert futian.post(f"{API}/me/campaigns/{campaign.pk}/claim").status_code == 404

    regular = member_client(make_member(tree.grassroots))
    assert regular.get(f"{API}/me/campaigns").json() == []
    why = regular.get(f"{API}/me/campaigns/{campaign.pk}/eligibility").json()
    assert why == {"eligible": False, "reasons": ["仅限职工类型：新就业形态劳动者"]}
    assert Client().get(f"{API}/me/campaigns").status_code == 401
    assert Voucher.objects.count() == 1


def test_a_hospital_records_a_medical_reduction_and_staff_see_totals(tree, personas, api_for):
    hospital = make_partner(tree.district, name="南山医院", kind="hospital")
    offer = make_offer(hospital, title="医疗减免", kind="medical", percent=Decimal("30"), yearly_cap=Decimal("500"))
    nurse = make_staff("nurse", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=hospital, user=nurse)
    member = make_member(tree.grassroots)
    body = {"payload": card_payload(member), "offer": offer.pk, "visit_date": timezone.localdate(), "total": "3000"}
    done = post(api_for(nurse), f"{API}/counter/medical", {**body, "insured": "1000"})
    assert done.status_code == 201 and done.json()["reduction"] == "500.00" and done.json()["capped"]
    bad = post(api_for(nurse), f"{API}/counter/medical", {**body, "insured": "5000"})
    assert bad.status_code == 422 and "insured" in bad.json()["error"]["fields"]
    totals = api_for(personas.ancestor).get(f"{API}/medical/totals").json()
    assert totals["visits"] == 1 and totals["by_hospital"][0]["name"] == "南山医院"
    assert api_for(personas.sibling).get(f"{API}/medical/totals").json()["visits"] == 0


def test_services_say_why_they_are_not_available_and_members_rate_them(tree, personas, gym, api_for):
    api = api_for(personas.own)
    body = {"org": tree.district.code, "name": "骑手法律援助", "category": "legal_aid", "description": "免费咨询"}
    created = post(api, f"{API}/services", {**body, "rule": {"worker_types": ["gig"]}})
    assert created.status_code == 201
    service_id = created.json()["id"]
    assert post(api, f"{API}/services/{service_id}/publish", {}).json()["status"] == "published"
    assert post(api_for(personas.sibling), f"{API}/services/{service_id}/publish", {}).status_code == 404
    regular = member_client(make_member(tree.grassroots))
    (service,) = regular.get(f"{API}/me/services").json()
    assert not service["eligible"] and service["reasons"] == ["仅限职工类型：新就业形态劳动者"]
    rated = regular.post(
        f"{API}/me/feedback",
        data=json.dumps({"target": "partner", "id": gym.pk, "rating": 5, "comment": "很好"}),
        content_type="application/json",
    )
    assert rated.status_code == 201
    summary = api.get(f"{API}/feedback", {"target": "partner", "id": gym.pk}).json()
    assert summary["count"] == 1 and summary["average"] == 5
    assert api_for(personas.sibling).get(f"{API}/feedback", {"target": "partner", "id": gym.pk}).status_code == 404
    handled = post(api, f"{API}/feedback/{rated.json()['id']}/handle", {"response": "继续合作"})
    assert handled.status_code == 200 and handled.json()["response"] == "继续合作"


def test_campaign_lists_have_a_fixed_query_count_and_stats_add_up(
    tree, personas, gym, api_for, django_assert_num_queries
):
    campaigns = [make_campaign(tree.district, partners=[gym], name=f"活动{i}") for i in range(3)]
    member = make_member(tree.grassroots)
    voucher = actions.do_claim_voucher(campaign=campaigns[0], membership=member)
    actions.do_redeem_voucher(acting_user=None, partner=gym, payload=vouchers.payload_for(voucher))
    api = api_for(personas.own)
    api.get(f"{API}/campaigns")
    with django_assert_num_queries(4):  # token, grants, count, page (issued counts in the same query)
        items = api.get(f"{API}/campaigns").json()["items"]
    assert sorted(c["issued"] for c in items) == [0, 0, 1]
    stats = api_for(personas.ancestor).get(f"{API}/campaigns/stats", {"under": tree.district.code}).json()
    assert stats["campaigns"] == 3 and stats["claimed"] == 1 and stats["redeemed"] == 1
    assert stats["budget_used"] == "50.00" and stats["budget"] == "15000.00"
    assert api_for(personas.sibling).get(f"{API}/campaigns/stats", {"under": tree.district.code}).status_code == 404
    by_partner = api.get(f"{API}/campaigns/{campaigns[0].pk}/by-partner").json()
    assert by_partner == [{"redeemed_by_id": gym.pk, "name": gym.name, "redeemed": 1}]
