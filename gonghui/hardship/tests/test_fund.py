"""便民服务项目基金: an annual allowance per archived worker (default ¥1,000, a setting), orders in 18
categories dispatched to providers, the worker pays cost price, the fund the rest, never negative."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.hardship import aid, aid_queries
from gonghui.hardship.models_aid import ConvenienceAllowance, LedgerEntry, ServiceCategory
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.aid_helpers import archived_household, d, entries, money_state
from gonghui.hardship.tests.helpers import create, to_state
from gonghui.members.tests.helpers import make_member


@pytest.fixture
def archive(member, lines, clock):
    return archived_household(member, clock)


@pytest.fixture
def provider(tree):
    return aid.do_add_service_provider(
        acting_user=None,
        org=tree.district,
        name="南山便民维修服务部",
        categories=["utilities_repair", "appliance_repair"],
        contact="0755-12345678",
    )


def dispatch(archive, provider, user=None, **kw):
    data = {"category": "utilities_repair", "description": "厨房水管漏水"}
    data.update(kw)
    return aid.do_dispatch_service_order(acting_user=user, archive=archive, provider=provider, **data)


def complete(order, user=None, total="300.00", cost="80.00", **kw):
    return aid.do_complete_service_order(acting_user=user, order=order, total_price=total, cost_price=cost, **kw)


def test_it_has_eighteen_categories():
    assert len(ServiceCategory.values) == 18
    assert {"水电维修", "家电维修", "医疗保健", "法律服务"} <= {str(label) for label in ServiceCategory.labels}


def test_it_grants_allowances_to_archived_households_once(tree, hp, archive, clock):
    pending = create(make_member(tree.grassroots), user=hp.own)  # not archived: no allowance
    year = clock.today.year
    assert aid.do_grant_convenience_allowances(acting_user=hp.own, org=tree.district, year=year) == 1
    assert aid.do_grant_convenience_allowances(acting_user=hp.own, org=tree.district, year=year) == 0
    (allowance,) = ConvenienceAllowance.objects.all()
    assert (allowance.archive, allowance.amount, allowance.balance) == (archive, d("1000.00"), d("1000.00"))
    assert not ConvenienceAllowance.objects.filter(archive=pending).exists()
    (entry,) = entries("hardship.convenience_grant")
    assert entry.after["archives"] == [archive.pk]
    assert LedgerEntry.objects.get(allowance=allowance).amount == d("1000.00")


def test_it_takes_the_allowance_from_the_setting(tree, archive, clock, settings):
    settings.HARDSHIP_CONVENIENCE_ALLOWANCE = "1500.00"
    aid.do_grant_convenience_allowances(acting_user=None, org=tree.district, year=clock.today.year)
    assert ConvenienceAllowance.objects.get().amount == d("1500.00")


def test_it_dispatches_and_settles_the_worker_paying_cost_price(hp, archive, provider, clock):
    order = dispatch(archive, provider, hp.own)
    assert order.status == "dispatched" and order.allowance.amount == d("1000.00")  # allowance made on demand
    order = complete(order, hp.own, total="300.00", cost="80.00")
    assert (order.status, order.cost_price, order.fund_amount) == ("completed", d("80.00"), d("220.00"))
    order.allowance.refresh_from_db()
    assert order.allowance.balance == d("780.00")
    draw = LedgerEntry.objects.get(kind="draw")
    assert (draw.amount, draw.service_order) == (d("220.00"), order)
    assert entries("hardship.service_complete")[0].after["fund_amount"] == "220.00"
    sums = aid_queries.ledger_balance(allowance=order.allowance)
    assert (sums["allocated"], sums["spent"]) == (order.allowance.amount, order.allowance.spent)
    assert any(i.kind == "service_order" and "基金支付 220.00" in i.detail for i in aid_queries.timeline_items(archive))


def test_it_never_lets_the_balance_go_negative(hp, archive, provider):
    complete(dispatch(archive, provider, hp.own), hp.own, total="950.00", cost="0")
    order = dispatch(archive, provider, hp.own, category="appliance_repair", description="冰箱不制冷")
    before = money_state()
    with pytest.raises(ValidationError, match="余额50.00元，不足以支付100.00元"):
        complete(order, hp.own, total="150.00", cost="50.00")
    assert money_state() == before
    order = complete(order, hp.own, total="80.00", cost="30.00")
    order.allowance.refresh_from_db()
    assert order.allowance.balance == 0
    with pytest.raises(ValidationError, match="已用完"):
        dispatch(archive, provider, hp.own)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"total": "abc"}, "total_price"),
        ({"cost": "-1"}, "cost_price"),
        ({"total": "50", "cost": "80"}, "cost_price"),
    ],
)
def test_it_refuses_bad_settlements_and_writes_nothing(hp, archive, provider, kw, field):
    order = dispatch(archive, provider, hp.own)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        complete(order, hp.own, **kw)
    assert field in e.value.message_dict
    assert money_state() == before


def test_it_refuses_orders_the_provider_does_not_serve_or_for_households_not_archived(
    tree, hp, archive, provider, clock
):
    before = money_state()
    with pytest.raises(ValidationError, match="不提供“法律服务”"):
        dispatch(archive, provider, hp.own, category="legal")
    with pytest.raises(ValidationError, match="18类"):
        dispatch(archive, provider, hp.own, category="fortune_telling")
    with pytest.raises(ValidationError, match="description"):
        dispatch(archive, provider, hp.own, description="")
    exited = to_state(create(make_member(tree.grassroots)), S.EXITED, clock)
    with pytest.raises(ValidationError, match="仅面向在档困难职工"):
        dispatch(exited, provider, hp.own)
    far = aid.do_add_service_provider(
        acting_user=None, org=tree.sibling_district, name="福田服务", categories=["legal"]
    )
    with pytest.raises(ValidationError, match="不为本户提供服务"):
        dispatch(archive, far, hp.own, category="legal")
    assert money_state()["orders"] == before["orders"]


def test_it_cancels_a_dispatched_order_without_touching_the_fund(hp, archive, provider):
    order = aid.do_cancel_service_order(
        acting_user=hp.own, order=dispatch(archive, provider, hp.own), reason="已自行修好"
    )
    assert order.status == "cancelled"
    assert not LedgerEntry.objects.filter(kind="draw").exists()
    with pytest.raises(TransitionError, match="已取消"):
        complete(order, hp.own)


def test_it_refuses_a_provider_with_unknown_categories(tree, hp):
    with pytest.raises(ValidationError) as e:
        aid.do_add_service_provider(acting_user=hp.own, org=tree.district, name="", categories=["x"])
    assert {"name", "categories"} <= set(e.value.message_dict)


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_fund_actions_outside_the_subtree(tree, hp, archive, provider, clock, name):
    user = getattr(hp, name)
    with pytest.raises(ActionPermissionError):
        aid.do_grant_convenience_allowances(acting_user=user, org=tree.district, year=clock.today.year)
    with pytest.raises(ActionPermissionError):
        dispatch(archive, provider, user)
    order = dispatch(archive, provider, hp.own)
    with pytest.raises(ActionPermissionError):
        complete(order, user)
    with pytest.raises(ActionPermissionError):
        aid.do_cancel_service_order(acting_user=user, order=order, reason="x")
    assert list(aid_queries.service_orders(user)) == []


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lets_officers_in_scope_run_the_fund(hp, archive, provider, name):
    user = getattr(hp, name)
    order = complete(dispatch(archive, provider, user), user)
    assert [o.pk for o in aid_queries.service_orders(user)] == [order.pk]


def test_it_reports_the_fund_for_a_subtree(tree, hp, archive, provider, clock):
    complete(dispatch(archive, provider, hp.own), hp.own, total="300", cost="100")
    stats = aid_queries.convenience_stats(hp.ancestor, tree.city, year=clock.today.year)
    assert stats == {
        "allowances": 1,
        "granted": d("1000.00"),
        "spent": d("200.00"),
        "by_category": {"utilities_repair": {"count": 1, "fund": d("200.00")}},
    }
    assert aid_queries.convenience_stats(hp.sibling, tree.city, year=clock.today.year)["allowances"] == 0


def test_it_audits_providers_dispatches_and_cancellations(hp, archive, provider):
    order = dispatch(archive, provider, hp.own)
    aid.do_cancel_service_order(acting_user=hp.own, order=order, reason="已自行修好")
    assert entries("hardship.provider_add")[0].after["categories"] == ["utilities_repair", "appliance_repair"]
    assert entries("hardship.service_dispatch")[0].after == {
        "archive": archive.pk,
        "category": "utilities_repair",
        "provider": provider.pk,
    }
    assert entries("hardship.service_cancel")[0].reason == "已自行修好"
