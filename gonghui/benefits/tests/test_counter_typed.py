"""Issue 18 point 5: the counter is in the menu of partner staff only; a cashier may type the card
serial or the member number (an online lookup, marked as such, masked name and offers only)."""

from __future__ import annotations

import pytest

from gonghui.benefits.models import CardUse
from gonghui.benefits.tests.helpers import card_of, gig_member, make_offer
from gonghui.members.actions import do_leave
from gonghui.members.api import normalise_reference, verify_reference

pytestmark = pytest.mark.django_db


def menu(client) -> list[str]:
    return [str(item["label"]) for item in client.get("/").context["nav_items"]]


def test_it_shows_the_counter_in_the_menu_of_partner_staff_only(tree, gym, clerk, personas, client_for):
    assert "核销台" in menu(client_for(clerk))
    for _name, user in [*personas.allowed(), *personas.refused()]:
        assert "核销台" not in menu(client_for(user))


@pytest.mark.parametrize("typed", ["serial", "serial-sloppy", "member_no"])
def test_it_finds_a_member_by_a_typed_card_serial_or_member_number(tree, gym, clerk, client_for, typed):
    make_offer(gym)
    rider = gig_member(tree.grassroots)
    serial = card_of(rider).serial
    text = {
        "serial": serial,
        "serial-sloppy": " " + serial[:4].lower() + "-" + serial[4:].lower().replace("0", "o") + " ",
        "member_no": rider.member_no,
    }[typed]
    page = client_for(clerk).post("/benefits/counter/check/", {"payload": text}).content.decode()
    assert "联网查询" in page and "会员有效" in page
    assert rider.person.name not in page  # masked
    assert rider.person.name[0] in page and "凭会员卡八折" in page
    # One tap records the use, with the typed reference instead of the QR payload.
    offer = gym.offers.get()
    done = (
        client_for(clerk)
        .post("/benefits/counter/use/", {"payload": text, "amount": "100", "offer": offer.pk})
        .content.decode()
    )
    assert "已记录" in done
    use = CardUse.objects.get()
    assert use.membership_id == rider.pk and str(use.reduction) == "20.00"


def test_it_refuses_unknown_or_ended_references_and_writes_nothing(tree, gym, clerk, client_for):
    rider = gig_member(tree.grassroots)
    counter = client_for(clerk)
    page = counter.post("/benefits/counter/check/", {"payload": "C0000000000Z"}).content.decode()
    assert "未找到这个卡号或会员证号" in page and "联网查询" in page
    page = counter.post("/benefits/counter/check/", {"payload": "4400009999999999"}).content.decode()
    assert "未找到这个卡号或会员证号" in page
    do_leave(acting_user=None, membership=rider, reason="退会")
    answer = verify_reference(rider.member_no)
    assert not answer["valid"] and answer["online"]
    page = counter.post("/benefits/counter/use/", {"payload": rider.member_no, "amount": "10"}).content.decode()
    assert "flash-error" in page
    assert not CardUse.objects.exists()


def test_it_normalises_what_a_cashier_types():
    assert normalise_reference(" c1o2-3i4l 5abcd ") == "C10231415ABCD"
    assert normalise_reference("４４０００００００００００００１") == "4400000000000001"
