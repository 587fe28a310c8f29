"""Issue 18 point 4: the portal home links to every service (tiles contributed by the apps), a
federation's join link defaults the worker type to its trade, and a claimed voucher cannot be
claimed again (the deadline shows the year)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import timezone

from gonghui.benefits.tests.helpers import gig_member, make_campaign
from gonghui.benefits.tests.test_api import member_client
from gonghui.members.portal.forms import gig_defaults_for
from gonghui.members.tests.helpers import make_federation, make_member
from gonghui.members.tests.test_portal import member_login_as, send_code  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def services(body: str) -> str:
    """The tile grid of the home page (not the bottom bar)."""
    start = body.index('id="services"')
    return body[start : body.index("</nav>", start)]


def test_it_links_the_home_to_every_portal_service(tree):
    member = make_member(tree.grassroots)
    tiles = services(member_client(member).get("/m/").content.decode())
    for url in (
        "/m/benefits/",
        "/appeals/m/",
        "/m/card/",
        "/m/transfer/",
        "/m/profile/",
        "/m/applications/",
        "/m/dues/",
    ):
        assert f'href="{url}"' in tiles, url


def test_it_shows_only_the_tiles_that_apply_and_takes_new_ones_from_an_app(tree, monkeypatch):
    member = make_member(tree.grassroots)
    config = apps.get_app_config("orgs")
    monkeypatch.setattr(config, "portal_tiles", [("测试服务", "portal:dues", "新应用的服务")], raising=False)
    body = member_client(member).get("/m/").content.decode()
    assert "测试服务" in body and "新应用的服务" in body
    # A person without a membership: no card, transfer, benefits or dues tiles; appeals and profile stay.
    from gonghui.members.actions import do_leave

    do_leave(acting_user=None, membership=member, reason="退会")
    tiles = services(member_client(member).get("/m/").content.decode())
    assert 'href="/m/card/"' not in tiles and 'href="/m/transfer/"' not in tiles
    assert 'href="/m/benefits/"' not in tiles and 'href="/appeals/m/"' in tiles


@pytest.mark.parametrize(
    ("name", "subtype"),
    [
        ("南山区快递行业工会联合会", "courier"),
        ("南山区外卖配送行业工会联合会", "delivery"),
        ("南山区网约车行业工会联合会", "ride_hailing"),
        ("南山区货车司机工会联合会", "truck"),
    ],
)
def test_it_defaults_a_federations_join_link_to_its_trade(tree, member_login_as, name, subtype):  # noqa: F811
    federation = make_federation(tree.district, name=name)
    assert gig_defaults_for(federation) == {"worker_type": "gig", "gig_subtype": subtype}
    form = member_login_as().get(f"/m/join/{federation.code}/").context["form"]
    assert (form["worker_type"].value(), form["gig_subtype"].value()) == ("gig", subtype)


def test_it_keeps_the_regular_default_for_other_unions(tree, member_login_as):  # noqa: F811
    assert gig_defaults_for(tree.grassroots) == {}
    assert gig_defaults_for(make_federation(tree.district, name="科技园楼宇工会联合会", kind="building")) == {}
    form = member_login_as().get(f"/m/join/{tree.grassroots.code}/").context["form"]
    assert form["worker_type"].value() == "regular"


def test_it_disables_the_claim_button_once_claimed_and_shows_the_deadline_year(tree):
    campaign = make_campaign(tree.district, rule={"worker_types": ["gig"]})
    portal = member_client(gig_member(tree.grassroots))
    page = portal.get("/m/benefits/").content.decode()
    year = timezone.localtime(campaign.claim_ends).strftime("%Y-%m-%d")
    assert f"领取截止 {year}" in page and "已领取" not in page
    portal.post(f"/m/benefits/claim/{campaign.pk}/")
    page = portal.get("/m/benefits/").content.decode()
    block = page[page.index(f'id="campaign-{campaign.pk}"') :]
    assert "已领取" in block[:800] and "disabled" in block[:800]
    assert f'action="/m/benefits/claim/{campaign.pk}/"' not in page
