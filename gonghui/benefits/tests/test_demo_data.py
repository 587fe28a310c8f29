"""The demo benefits (gonghui.demo.benefits): idempotent, and the issue's "done when" flow works on
them — a gig worker of 南山区 claims the fitness voucher in the portal, the `merchant` login redeems
it at the gym's counter, a second scan is refused with the time and place, another district's member
does not see the campaign."""

from __future__ import annotations

import pytest

from gonghui.benefits import actions, vouchers
from gonghui.benefits.models import Campaign, Offer, Partner, Service, Voucher
from gonghui.benefits.tests.helpers import gig_member
from gonghui.benefits.tests.test_api import member_client
from gonghui.core.testing import make_staff
from gonghui.demo.benefits import CAMPAIGN, GYM, seed_demo
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tree):
    district = make_staff("district", tree.district, roles=("organiser",))
    merchant = make_staff("merchant", tree.district, roles=())
    created = seed_demo()
    return district, merchant, created


def test_it_seeds_once_and_a_second_run_changes_nothing(demo, django_assert_max_num_queries):
    _district, merchant, created = demo
    assert created == {"partners": 2, "partner_staff": 1, "campaigns": 1, "services": 3}
    gym = Partner.objects.get(name=GYM)
    assert gym.kind == "gym" and gym.org.code == "440305" and actions.partner_of(merchant) == gym
    campaign = Campaign.objects.get(name=CAMPAIGN)
    assert campaign.status == "published" and campaign.rule["worker_types"] == ["gig"] and campaign.quota == 200
    assert list(campaign.partners.all()) == [gym]
    assert Service.objects.filter(status="published").count() == 3
    assert Offer.objects.filter(kind="medical").count() == 1
    with django_assert_max_num_queries(20):
        assert seed_demo() == {}
    assert Partner.objects.count() == 2 and Campaign.objects.count() == 1 and Service.objects.count() == 3


def test_it_needs_the_district_and_its_login(tree):
    assert seed_demo() == {} and not Partner.objects.exists()


def test_the_done_when_flow_on_the_demo_data(tree, demo, client_for):
    _district, merchant, _created = demo
    campaign = Campaign.objects.get(name=CAMPAIGN)
    rider = gig_member(tree.grassroots)
    portal = member_client(rider)
    assert CAMPAIGN in portal.get("/m/benefits/").content.decode()
    portal.post(f"/m/benefits/claim/{campaign.pk}/")
    voucher = Voucher.objects.get(membership=rider)
    payload = vouchers.payload_for(voucher)

    counter = client_for(merchant)
    assert GYM in counter.get("/benefits/counter/").content.decode()
    assert (
        "核销成功" in counter.post("/benefits/counter/redeem/", {"payload": payload, "place": "前台"}).content.decode()
    )
    again = counter.post("/benefits/counter/redeem/", {"payload": payload}).content.decode()
    assert "已核销过" in again and "前台" in again

    office_worker = member_client(make_member(tree.grassroots))
    page = office_worker.get("/m/benefits/").content.decode()
    assert f'id="campaign-{campaign.pk}"' not in page  # not a gig worker
    assert "暂不可用" in page  # the gig workers' legal aid service, with the reason when opened
    elsewhere = member_client(gig_member(tree.sibling_grassroots))
    assert CAMPAIGN not in elsewhere.get("/m/benefits/").content.decode()
    assert elsewhere.post(f"/m/benefits/claim/{campaign.pk}/").status_code == 404
