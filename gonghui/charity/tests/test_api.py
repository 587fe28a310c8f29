"""/api/v1/charity: public totals without a token (equal to the ledger), staff endpoints with the four
personas, writes through the actions with the shared error shape, the member's wish endpoints."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from gonghui.charity import actions_wishes, queries
from gonghui.charity.models import Donation, Grant
from gonghui.charity.models_wishes import Wish
from gonghui.charity.tests.helpers import donate, make_campaign, make_round, post_wish
from gonghui.members.portal import auth as portal_auth
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db
API = "/api/v1/charity"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def campaign(fund):
    campaign = make_campaign(fund, ratio="1", cap="50")
    donate(campaign, "88.88", external_ref="API-1")
    return campaign


def test_public_totals_need_no_token_and_equal_the_ledger(fund, campaign):
    body = Client().get(f"{API}/public/campaigns/{campaign.pk}").json()
    truth = queries.campaign_ledger_figures(campaign)
    assert Decimal(body["raised"]) == truth["raised"] == Decimal("88.88")
    assert Decimal(body["matched"]) == truth["matched"] == Decimal("50.00")
    assert body["donors"] == truth["donors"] == 1
    body = Client().get(f"{API}/public/funds/{fund.code}").json()
    assert Decimal(body["balance"]) == queries.fund_ledger_figures(fund)["balance"] == Decimal("138.88")
    assert Decimal(body["months"][0]["income"]) == Decimal("138.88")
    assert Client().get(f"{API}/public/campaigns/999999").json()["error"]["code"] == "not_found"


def test_staff_lists_are_scoped(cp, campaign, api_for):
    for _name, user in cp.allowed():
        assert [d["external_ref"] for d in api_for(user).get(f"{API}/donations").json()["items"]] == ["API-1"]
        assert len(api_for(user).get(f"{API}/funds").json()["items"]) == 1
    for _name, user in cp.refused():
        assert api_for(user).get(f"{API}/donations").json()["items"] == []
        assert api_for(user).get(f"{API}/funds").json()["items"] == []
    assert Client().get(f"{API}/donations").status_code == 401


def test_recording_a_donation_checks_input_and_scope(cp, campaign, api_for):
    url = f"{API}/campaigns/{campaign.pk}/donations"
    response = post(api_for(cp.own), url, {"amount": "1.001", "donor_kind": "anonymous", "channel": "cash"})
    assert response.status_code == 422 and "amount" in response.json()["error"]["fields"]
    assert (
        post(api_for(cp.sibling), url, {"amount": "1", "donor_kind": "anonymous", "channel": "cash"}).status_code == 404
    )
    response = post(api_for(cp.ancestor), url, {"amount": "1.50", "donor_kind": "anonymous", "channel": "cash"})
    assert response.status_code == 201 and response.json()["amount"] == "1.50"
    donation = Donation.objects.get(external_ref="API-1")
    response = post(api_for(cp.own), f"{API}/donations/{donation.pk}/refund", {"amount": "100", "reason": "x"})
    assert response.status_code == 422


def test_grants_propose_and_approve_with_maker_checker(cp, checker, fund, campaign, api_for):
    data = {
        "beneficiary_kind": "project",
        "project_name": "图书角",
        "purpose": "project",
        "amount": "20.00",
        "reason": "建图书角",
        "payee_name": "某工会",
        "bank_name": "某银行",
        "account": "6222021234567890",
    }
    response = post(api_for(cp.own), f"{API}/funds/{fund.code}/grants", data)
    assert response.status_code == 201 and "****" in response.json()["account_masked"]
    grant_id = response.json()["id"]
    assert post(api_for(cp.own), f"{API}/grants/{grant_id}/approve", {}).status_code == 422
    assert post(api_for(cp.sibling), f"{API}/grants/{grant_id}/approve", {}).status_code == 404
    assert post(api_for(checker), f"{API}/grants/{grant_id}/approve", {"note": "同意"}).json()["status"] == "approved"
    too_big = {**data, "amount": "1000000.00"}
    assert post(api_for(cp.own), f"{API}/funds/{fund.code}/grants", too_big).status_code == 422
    assert Grant.objects.count() == 1


def test_wishes_review_and_staff_claim(tree, cp, api_for):
    wish = post_wish(make_round(tree.district), make_member(tree.grassroots))
    assert post(api_for(cp.sibling), f"{API}/wishes/{wish.pk}/review", {"approve": True}).status_code == 404
    assert post(api_for(cp.own), f"{API}/wishes/{wish.pk}/review", {"approve": True}).json()["status"] == "published"
    assert [w["id"] for w in Client().get(f"{API}/public/wishes").json()["items"]] == [wish.pk]
    response = post(
        api_for(cp.outsider), f"{API}/wishes/{wish.pk}/claim", {"claimant_kind": "company", "claimant_name": "某企业"}
    )
    assert response.json()["status"] == "claimed"
    response = post(api_for(cp.own), f"{API}/wishes/{wish.pk}/claim", {"claimant_kind": "staff"})
    assert response.status_code == 422


def member_client(membership) -> Client:
    client = Client()
    session = client.session
    session[portal_auth.SESSION_MOBILE] = membership.person.mobile
    session[portal_auth.SESSION_PERSON] = membership.person_id
    session.save()
    return client


def test_a_member_posts_and_confirms_through_the_api(tree, cp, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wish_round = make_round(tree.district)
    member = make_member(tree.grassroots)
    client = member_client(member)
    response = post(
        client,
        f"{API}/me/wishes",
        {"round": wish_round.pk, "category": "daily", "title": "小夜灯", "story": "夜里喂奶", "price": "400"},
    )
    assert response.status_code == 422 and "price" in response.json()["error"]["fields"]
    response = post(
        client,
        f"{API}/me/wishes",
        {"round": wish_round.pk, "category": "daily", "title": "小夜灯", "story": "夜里喂奶", "price": "45"},
    )
    wish = Wish.objects.get(pk=response.json()["id"])
    wish = actions_wishes.do_review_wish(acting_user=cp.own, wish=wish, approve=True)
    donor = member_client(make_member(tree.grassroots))
    assert post(donor, f"{API}/me/wishes/{wish.pk}/claim", {}).json()["status"] == "claimed"
    assert post(client, f"{API}/me/wishes/{wish.pk}/claim", {}).status_code == 422
    assert post(donor, f"{API}/me/wishes/{wish.pk}/confirm", {}).status_code in (403, 422)
    assert [w["title"] for w in client.get(f"{API}/me/wishes").json()] == ["小夜灯"]
    assert Client().get(f"{API}/me/wishes").status_code == 401


def test_volunteers_through_the_api(tree, cp, api_for):
    response = post(
        api_for(cp.own), f"{API}/volunteers", {"org": tree.district.code, "name": "王五", "mobile": "13800001111"}
    )
    assert response.status_code == 201 and response.json()["mobile_masked"] != "13800001111"
    assert (
        post(
            api_for(cp.sibling), f"{API}/volunteers", {"org": tree.district.code, "name": "x", "mobile": "1"}
        ).status_code
        == 404
    )
    assert [v["name"] for v in api_for(cp.ancestor).get(f"{API}/volunteers").json()["items"]] == ["王五"]
    assert api_for(cp.sibling).get(f"{API}/volunteers").json()["items"] == []
