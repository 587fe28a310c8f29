"""Issue 18 point 1: the 转办 picker (nothing pre-selected; the suggested 承办 union first, then the
holder's children; a scoped search of the holder's subtree) and 签收/退回 only for the holder."""

import re

import pytest
from django.urls import reverse

from gonghui.appeals import actions
from gonghui.appeals.models import AppealEvent
from gonghui.appeals.tests.helpers import register, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(tree, clock, operator):
    """A wage call taken by the province; the caller's division (南山区) makes 南山区总工会 the suggestion."""
    return register(operator, tree.province, division_code="440305")


def test_it_offers_the_suggestion_first_then_the_children_with_nothing_selected(ticket, tree, operator, client_for):
    assert ticket.suggested_org == tree.district
    page = client_for(operator).get(reverse("appeals:move", args=[ticket.number, "assign"])).content.decode()
    assert "建议承办" in page and "直属下级" in page
    radios = re.findall(r'<input type="radio" name="to_org"[^>]*>', page)
    assert radios and not [r for r in radios if "checked" in r]
    values = re.findall(r'name="to_org" value="(\d+)"', page)
    assert values[0] == str(tree.district.pk)  # the suggestion comes first
    assert {str(tree.city.pk), str(tree.other_city.pk)} <= set(values[1:])
    assert reverse("appeals:assign_orgs", args=[ticket.number]) in page


def test_it_refuses_a_forward_without_a_choice_or_outside_the_subtree_and_writes_nothing(
    ticket, tree, operator, handlers, client_for
):
    client = client_for(operator)
    url = reverse("appeals:move", args=[ticket.number, "assign"])
    events = AppealEvent.objects.count()
    response = client.post(url, {"note": ""})
    assert response.status_code == 200 and "请选择转办给哪个组织" in response.content.decode()
    city_ticket = actions.do_assign(
        acting_user=operator, appeal=register(operator, tree.province, topic="hours"), to_org=tree.city
    )
    actions.do_sign(acting_user=handlers["city"], appeal=city_ticket)
    response = client_for(handlers["city"]).post(
        reverse("appeals:move", args=[city_ticket.number, "assign"]), {"to_org": tree.other_city.pk}
    )
    assert response.status_code == 200 and "请从“深圳市总工会”的下级组织中选择" in response.content.decode()
    assert reload(ticket).status == "registered" and reload(city_ticket).org == tree.city
    assert AppealEvent.objects.count() == events + 3  # only the setup: register, assign, sign


def test_it_forwards_to_the_suggestion_and_then_only_the_holder_may_sign_or_return(
    ticket, tree, operator, handlers, client_for
):
    client = client_for(operator)
    response = client.post(
        reverse("appeals:move", args=[ticket.number, "assign"]), {"to_org": tree.district.pk, "note": "请南山区办理"}
    )
    assert response.status_code == 302
    appeal = reload(ticket)
    assert appeal.status == "assigned" and appeal.org == tree.district
    sign = reverse("appeals:move", args=[ticket.number, "sign"])
    back = reverse("appeals:move", args=[ticket.number, "return"])
    operator_page = client.get(appeal.get_absolute_url()).content.decode()
    assert sign not in operator_page and back not in operator_page
    # The timeline names the new status in words (issue 18: not "受理 → registered", "转办 → assigned").
    assert "<strong>受理</strong> → 已受理" in operator_page and "<strong>转办</strong> → 已转办待签收" in operator_page
    assert "→ registered" not in operator_page and "→ assigned" not in operator_page
    assert sign not in client_for(handlers["city"]).get(appeal.get_absolute_url()).content.decode()
    holder_page = client_for(handlers["district"]).get(appeal.get_absolute_url()).content.decode()
    assert sign in holder_page and back in holder_page


def test_it_searches_the_holders_subtree_by_name_or_code_within_scope(tree, clock, operator, handlers, ap, client_for):
    appeal = actions.do_assign(acting_user=operator, appeal=register(operator, tree.province), to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    url = reverse("appeals:assign_orgs", args=[appeal.number])
    for _name, user in ap.allowed():  # 南山区 and 深圳市 may handle it
        page = client_for(user).get(url, {"q": "南头"}).content.decode()
        assert f'value="{tree.street.pk}"' in page and f'value="{tree.district.pk}"' not in page
        by_code = client_for(user).get(url, {"q": tree.grassroots.code[:8].lower()}).content.decode()
        assert f'value="{tree.grassroots.pk}"' in by_code
    for _name, user in ap.refused():  # 福田区 and a user without the permission
        assert client_for(user).get(url, {"q": "南头"}).status_code == 404
    nothing = client_for(ap.own).get(url, {"q": "福田"}).content.decode()  # a sibling is not below the holder
    assert "to_org" not in nothing and "下级组织中没有" in nothing
