"""The portal's dues calculator (会费: 0.5% of the base wage, the part under ¥10 ignored)."""

from decimal import Decimal

from gonghui.members.states import MembershipStatus
from gonghui.members.tests.helpers import make_member, make_person
from gonghui.members.tests.test_portal import _empty_outbox, member_login_as, send_code  # noqa: F401 (fixtures)


def test_it_calculates_dues_for_anyone(client, db):
    response = client.get("/m/dues/", {"base_wage": "5678.90"})
    assert response.status_code == 200
    assert response.context["result"] == {
        "wage": Decimal("5678.90"),
        "counted": Decimal("5670"),
        "monthly": Decimal("28.35"),
    }
    assert "¥28.35" in response.content.decode()


def test_it_shows_the_form_without_a_result_at_first(client, db):
    response = client.get("/m/dues/")
    assert response.status_code == 200 and response.context["result"] is None


def test_it_refuses_bad_wages_with_a_message(client, db):
    for bad in ("-1", "abc", "12.345", "99999999"):
        response = client.get("/m/dues/", {"base_wage": bad})
        assert response.context["result"] is None
        assert response.context["form"].errors["base_wage"], bad


def test_it_tells_a_retained_member_they_pay_none(member_login_as, tree):  # noqa: F811
    person = make_person(mobile="+8613900001111")
    make_member(tree.grassroots, person=person, status=MembershipStatus.RETAINED)
    client = member_login_as("+8613900001111")
    response = client.get("/m/dues/", {"base_wage": "3000"})
    assert response.context["retained"] and response.context["result"]["monthly"] == Decimal("0.00")
    assert "免缴会费" in response.content.decode()
