"""Where join applications land: gig workers by the routing table (platform × division → 联合会),
others to the 属地 street or district federation (gonghui.members.routing, DOMAIN.md §2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gonghui.members.models import JoinApplication
from gonghui.members.routing import _division_chain, local_federation, route_application, route_gig_worker
from gonghui.members.tests.helpers import (
    assert_counters_consistent,
    make_application,
    make_federation,
    make_member,
    make_routing_rule,
    table_state,
)
from gonghui.orgs.actions import do_close_org


@pytest.fixture
def feds(tree):
    """南山区快递 联合会 and 南山区外卖 联合会 under 南山区; 深圳市网约车 联合会 under 深圳市."""
    courier = make_federation(tree.district, "南山区快递行业工会联合会", kind="industry")
    delivery = make_federation(tree.district, "南山区外卖配送新业态工会联合会", kind="new_forms")
    city_ride = make_federation(tree.city, "深圳市网约车司机工会联合会", kind="new_forms")
    make_routing_rule(courier, "440305")  # every platform in 南山区
    make_routing_rule(delivery, "440305", platform="美团")
    make_routing_rule(delivery, "440305", platform="饿了么")
    make_routing_rule(city_ride, "440300", platform="滴滴")
    return {"courier": courier, "delivery": delivery, "city_ride": city_ride}


def test_it_walks_the_division_chain_most_specific_first():
    assert _division_chain("440305001") == ["440305001", "440305", "440300", "440000"]
    assert _division_chain("440305") == ["440305", "440300", "440000"]
    assert _division_chain("440300") == ["440300", "440000"]
    assert _division_chain("440000") == ["440000"]
    assert _division_chain("") == [] and _division_chain("4403") == []


def test_it_routes_a_gig_worker_by_platform_and_division(tree, feds):
    org, why = route_gig_worker("美团", "440305001")
    assert org == feds["delivery"] and "美团" in why
    assert route_gig_worker("顺丰", "440305")[0] == feds["courier"]  # catch-all platform rule
    assert route_gig_worker("滴滴", "440305")[0] == feds["courier"]  # the district's rule beats the city's
    assert route_gig_worker("滴滴", "440304")[0] == feds["city_ride"]  # 福田区 falls back to the city rule
    assert route_gig_worker("顺丰", "440304") is None
    assert route_gig_worker("美团", "") is None


def test_it_prefers_an_exact_subtype_rule(tree, feds):
    drivers = make_federation(tree.district, "南山区货车司机工会联合会", kind="industry")
    make_routing_rule(drivers, "440305", gig_subtype="truck")
    assert route_gig_worker("货拉拉", "440305", "truck")[0] == drivers
    assert route_gig_worker("货拉拉", "440305", "courier")[0] == feds["courier"]


def test_it_skips_rules_pointing_at_closed_orgs(tree, feds):
    do_close_org(acting_user=None, org=feds["delivery"], reason="撤销")
    assert route_gig_worker("美团", "440305")[0] == feds["courier"]


def test_it_finds_the_local_federation_walking_up(tree):
    assert local_federation("440305001")[0] == tree.street
    assert local_federation("440305")[0] == tree.district
    assert local_federation("440305999")[0] == tree.district  # unknown street → its district
    assert local_federation("440306")[0] == tree.city  # a district without a union → the city
    assert local_federation("450000") is None


def test_it_routes_applications_in_order_chosen_gig_local(tree, feds):
    assert route_application(org=tree.grassroots, worker_type="gig", platform="美团", division_code="440305")[0] == (
        tree.grassroots
    )
    assert (
        route_application(org=None, worker_type="gig", platform="美团", division_code="440305")[0] == feds["delivery"]
    )
    # A gig worker without a matching rule, and a regular worker, go to the 属地 federation.
    assert (
        route_application(org=None, worker_type="gig", platform="顺丰", division_code="440304")[0]
        == tree.sibling_district
    )
    assert (
        route_application(org=None, worker_type="regular", platform="美团", division_code="440305001")[0] == tree.street
    )
    assert route_application(org=None, worker_type="regular", platform="", division_code="") is None


def test_it_files_a_routed_gig_application_at_the_federation_and_approves_it_there(tree, feds, personas):
    application = make_application(
        None,
        worker_type="gig",
        gig_subtype="delivery",
        platform=" 美团 ",
        division_code="440305001",
        channel="web",
    )
    assert application.org == feds["delivery"] and application.platform == "美团"
    assert "美团" in application.routed_by
    from gonghui.members.actions import do_approve_join

    member = do_approve_join(acting_user=personas.own, application=application)
    assert member.org == feds["delivery"] and member.is_gig_worker
    assert_counters_consistent()


def test_it_files_a_no_union_employer_application_at_the_street(tree):
    application = make_application(None, employer_name="南头小餐馆", division_code="440305001", channel="web")
    assert application.org == tree.street and "440305001" in application.routed_by


def test_it_refuses_an_application_it_cannot_route_and_writes_nothing(tree):
    before = table_state()
    with pytest.raises(ValidationError) as info:
        make_application(None, division_code="", channel="web")
    assert "division_code" in info.value.message_dict
    with pytest.raises(ValidationError):
        make_application(None, division_code="450000", channel="web")
    assert table_state() == before


def test_it_routes_a_member_elsewhere_into_a_transfer_to_the_federation(tree, feds):
    member = make_member(tree.sibling_grassroots)
    application = make_application(
        None, person=member.person, worker_type="gig", gig_subtype="courier", platform="顺丰", division_code="440305"
    )
    assert application.status == "transferred" and application.transfer.to_org == feds["courier"]
    assert JoinApplication.objects.count() == 2
