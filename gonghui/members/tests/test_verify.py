"""do_verify_identity: 实名认证 after joining — counters, card, audit, refusals."""

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.members import actions
from gonghui.members.states import MembershipStatus as S
from gonghui.members.tests.helpers import (
    active_cards,
    assert_counters_consistent,
    counts_of,
    entries,
    make_member,
    reload,
    sub_counts_of,
    table_state,
)
from gonghui.people.verification import VerificationResult


def test_it_verifies_counts_issues_a_card_and_audits(tree, personas):
    m = make_member(tree.grassroots, verified=False)
    assert counts_of(tree.grassroots) == (1, 0, 0)
    actions.do_verify_identity(acting_user=personas.own, membership=m)
    m = reload(m)
    assert m.person.is_verified and m.person.verification_method == "format_check"
    assert "未联网核查" in m.person.verification_note  # the bundled backend says what it did not do
    assert counts_of(tree.grassroots) == (1, 1, 0)
    assert sub_counts_of(tree.city)[1] == 1
    assert [c.membership_id for c in active_cards(m)] == [m.pk]
    entry = entries("member.verify_identity")[0]
    assert entry.actor_id == personas.own.pk
    assert entry.after["verified"] is True and entry.after["card"] == active_cards(m)[0].serial
    assert_counters_consistent()


def test_it_records_a_failed_check_without_counting_or_a_card(tree, personas, settings):
    settings.GONGHUI_IDENTITY_BACKEND = "gonghui.members.tests.test_verify.RefusingBackend"
    m = make_member(tree.grassroots, verified=False)
    actions.do_verify_identity(acting_user=personas.own, membership=m)
    m = reload(m)
    assert not m.person.is_verified and m.person.verification_note == "姓名与证件号码不一致"
    assert counts_of(tree.grassroots) == (1, 0, 0)
    assert active_cards(m) == []
    assert entries("member.verify_identity")[0].after["verified"] is False


def test_it_suspends_nothing_for_a_retained_member_but_counts_them(tree, personas):
    m = make_member(tree.grassroots, verified=False, status=S.RETAINED)
    actions.do_verify_identity(acting_user=personas.own, membership=m)
    assert counts_of(tree.grassroots) == (1, 1, 0)
    assert active_cards(m) == []  # a retained member's card stays suspended until reactivation
    assert_counters_consistent()


def test_it_refuses_an_already_verified_member_and_writes_nothing(tree, personas):
    m = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ValidationError) as info:
        actions.do_verify_identity(acting_user=personas.own, membership=m)
    assert "已通过实名认证" in info.value.messages[0]
    assert table_state() == before


def test_it_refuses_an_ended_membership(tree, personas):
    m = make_member(tree.grassroots, verified=False, status=S.LEFT)
    before = table_state()
    with pytest.raises(TransitionError):
        actions.do_verify_identity(acting_user=personas.own, membership=m)
    assert table_state() == before


@pytest.mark.parametrize("who", ["outsider", "sibling"])
def test_it_refuses_staff_outside_the_subtree(tree, personas, who):
    m = make_member(tree.grassroots, verified=False)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        actions.do_verify_identity(acting_user=getattr(personas, who), membership=m)
    assert table_state() == before


def test_it_offers_verification_on_the_member_page(tree, personas, client_for):
    m = make_member(tree.grassroots, verified=False)
    client = client_for(personas.ancestor)
    page = client.get(f"/members/{m.member_no}/")
    assert "verify" in [a.slug for a in page.context["status_actions"]]
    assert client.post(f"/members/{m.member_no}/verify/").status_code == 302
    assert reload(m).person.is_verified
    page = client.get(f"/members/{m.member_no}/")
    assert "verify" not in [a.slug for a in page.context["status_actions"]]
    assert client_for(personas.sibling).post(f"/members/{m.member_no}/verify/").status_code == 404


class RefusingBackend:
    method = "test_refusal"

    def verify(self, *, name, doc_type, number, mobile=""):
        assert len(number) == 18  # the backend receives the whole number, decrypted
        return VerificationResult(verified=False, method=self.method, note="姓名与证件号码不一致")
