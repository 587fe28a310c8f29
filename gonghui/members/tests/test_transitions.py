"""The membership state machine through its actions: every allowed and every refused transition,
event rows, audit entries, cards, counters and permissions (DESIGN.md §3.4, §8; DOMAIN.md §2).

Members live at 南山测试科技有限公司工会 (tree.grassroots) under 南山区; personas: own = 南山区,
ancestor = 深圳市, sibling = 福田区, outsider = no grant.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.members import actions
from gonghui.members.models import Card, Membership, MembershipEvent, TransferRequest
from gonghui.members.states import MembershipStatus as S
from gonghui.members.tests.helpers import (
    active_cards,
    assert_counters_consistent,
    counts_of,
    entries,
    event_types,
    events,
    make_application,
    make_member,
    make_transfer,
    reload,
    sub_counts_of,
    table_state,
)

# The allowed transitions, written out from DOMAIN.md §2 (not imported from states.py).
SPEC = {
    S.ACTIVE: {S.TRANSFERRING, S.RETAINED, S.LAPSED, S.LEFT, S.EXPELLED, S.DECEASED},
    S.TRANSFERRING: {S.DECEASED},  # back to active only through accept / reject / cancel of the transfer
    S.RETAINED: {S.ACTIVE, S.LEFT, S.EXPELLED, S.DECEASED},
    S.LAPSED: {S.DECEASED},  # back to active only by re-joining (a new application)
    S.LEFT: {S.DECEASED},
    S.EXPELLED: {S.DECEASED},
    S.DECEASED: set(),
}
REASON = "测试原因"


def _transfer(tree):
    def run(user, m):
        return actions.do_request_transfer(acting_user=user, membership=m, to_org=tree.sibling_grassroots)

    return run


ACTIONS = {
    S.RETAINED: lambda user, m: actions.do_retain(acting_user=user, membership=m, reason=REASON),
    S.ACTIVE: lambda user, m: actions.do_reactivate(acting_user=user, membership=m, reason=REASON),
    S.LAPSED: lambda user, m: actions.do_lapse(acting_user=user, membership=m, reason=REASON),
    S.LEFT: lambda user, m: actions.do_leave(acting_user=user, membership=m, reason=REASON),
    S.EXPELLED: lambda user, m: actions.do_expel(acting_user=user, membership=m, reason=REASON),
    S.DECEASED: lambda user, m: actions.do_mark_deceased(acting_user=user, membership=m, reason=REASON),
}


def member_in(tree, status, **kw):
    if status == S.TRANSFERRING:
        m = make_member(tree.grassroots, **kw)
        make_transfer(m, tree.sibling_grassroots)
        return reload(m)
    return make_member(tree.grassroots, status=status, **kw)


def run_action(tree, target, user, membership):
    if target == S.TRANSFERRING:
        return _transfer(tree)(user, membership)
    return ACTIONS[target](user, membership)


ALL = list(S)
REFUSED_PAIRS = [(a, b) for a in ALL for b in ALL if b not in SPEC[a] and not (a == b == S.TRANSFERRING)]
ALLOWED_PAIRS = [(a, b) for a in ALL for b in sorted(SPEC[a])]  # sorted: xdist workers must agree


@pytest.mark.parametrize("current, target", REFUSED_PAIRS)
def test_it_refuses_every_transition_the_rules_do_not_allow_naming_the_state_and_writing_nothing(
    tree, personas, current, target
):
    m = member_in(tree, current)
    before = table_state()
    with pytest.raises(ValidationError) as info:
        run_action(tree, target, personas.own, m)
    if isinstance(info.value, TransitionError):
        assert str(S(current).label) in info.value.messages[0]
    assert table_state() == before


@pytest.mark.parametrize("current, target", ALLOWED_PAIRS)
def test_it_allows_every_transition_the_rules_allow_and_keeps_counters_right(tree, personas, current, target):
    m = member_in(tree, current)
    result = run_action(tree, target, personas.own, m)
    m = reload(m)
    assert m.status == target
    if target == S.TRANSFERRING:
        assert isinstance(result, TransferRequest)
    assert Membership.objects.filter(person=m.person, status__in=[S.ACTIVE, S.TRANSFERRING, S.RETAINED]).count() == (
        1 if target in (S.ACTIVE, S.TRANSFERRING, S.RETAINED) else 0
    )
    assert_counters_consistent()


# --- each transition in detail -----------------------------------------------------------------


def test_it_retains_a_membership_dues_exempt_with_card_suspended_event_and_audit(tree, personas):
    m = make_member(tree.grassroots)
    assert len(active_cards(m)) == 1
    counted = counts_of(tree.grassroots)
    m = actions.do_retain(acting_user=personas.own, membership=m, reason="  退休 ")
    m = reload(m)
    assert m.status == S.RETAINED and m.dues_exempt and m.ended_on is None
    assert Card.objects.get(membership=m).status == Card.Status.SUSPENDED
    assert counts_of(tree.grassroots) == counted  # retained members still count
    event = events(m)[-1]
    assert (event.type, event.reason, event.from_org_id, event.actor_id) == (
        "retain",
        "退休",
        tree.grassroots.pk,
        personas.own.pk,
    )
    [entry] = entries("member.retain")
    assert entry.actor_id == personas.own.pk and entry.object_id == str(m.pk) and entry.org_id == tree.grassroots.pk
    assert entry.before["status"] == "active" and entry.after["status"] == "retained" and entry.reason == "退休"


def test_it_reactivates_a_retained_membership_with_its_card(tree, personas):
    m = make_member(tree.grassroots, status=S.RETAINED)
    card = Card.objects.get(membership=m)
    m = reload(actions.do_reactivate(acting_user=personas.ancestor, membership=m, reason="重新就业"))
    assert m.status == S.ACTIVE and not m.dues_exempt
    assert [c.pk for c in active_cards(m)] == [card.pk]  # the suspended card comes back
    assert event_types(m)[-1] == "reactivate"
    assert entries("member.reactivate")[0].after["status"] == "active"
    assert_counters_consistent()


@pytest.mark.parametrize(
    "action, status, event_type, card_reason",
    [
        (actions.do_leave, S.LEFT, "leave", "left"),
        (actions.do_expel, S.EXPELLED, "expel", "expelled"),
        (actions.do_mark_deceased, S.DECEASED, "deceased", "deceased"),
        (actions.do_lapse, S.LAPSED, "lapse", "lapsed"),
    ],
)
@pytest.mark.parametrize("verified, worker_type", [(True, "regular"), (False, "gig")])
def test_it_ends_a_membership_revoking_the_card_and_decrementing_every_counter(
    tree, personas, action, status, event_type, card_reason, verified, worker_type
):
    m = make_member(tree.grassroots, verified=verified, worker_type=worker_type)
    make_member(tree.grassroots)  # another member that stays
    own, sub_city = counts_of(tree.grassroots), sub_counts_of(tree.city)
    m = reload(action(acting_user=personas.own, membership=m, reason="原因"))
    assert m.status == status and m.ended_on is not None
    delta = (1, 1 if verified else 0, 1 if worker_type == "gig" else 0)
    assert counts_of(tree.grassroots) == tuple(a - b for a, b in zip(own, delta, strict=True))
    assert sub_counts_of(tree.city) == tuple(a - b for a, b in zip(sub_city, delta, strict=True))
    assert all(
        c.status == Card.Status.REVOKED and c.revoke_reason == card_reason for c in Card.objects.filter(membership=m)
    )
    assert active_cards(m) == []
    event = events(m)[-1]
    assert (event.type, event.reason, event.actor_id) == (event_type, "原因", personas.own.pk)
    [entry] = entries(f"member.{event_type}")
    assert entry.before["status"] == "active" and entry.after["status"] == status
    assert_counters_consistent()


@pytest.mark.parametrize("action", [actions.do_leave, actions.do_expel, actions.do_mark_deceased, actions.do_retain])
@pytest.mark.parametrize("reason", ["", "   "])
def test_it_requires_a_reason_and_writes_nothing_without_one(tree, personas, action, reason):
    m = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ValidationError) as info:
        action(acting_user=personas.own, membership=m, reason=reason)
    assert "reason" in info.value.message_dict
    assert table_state() == before


def test_it_refuses_an_overlong_reason(tree, personas):
    m = make_member(tree.grassroots)
    with pytest.raises(ValidationError):
        actions.do_leave(acting_user=personas.own, membership=m, reason="长" * 301)
    assert reload(m).status == S.ACTIVE


def test_it_marks_a_transferring_member_deceased_and_closes_the_pending_transfer(tree, personas):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, tree.sibling_grassroots)
    actions.do_mark_deceased(acting_user=personas.own, membership=m, reason="病故")
    assert reload(m).status == S.DECEASED
    transfer = reload(transfer)
    assert transfer.status != "pending"
    with pytest.raises(ValidationError):
        actions.do_accept_transfer(acting_user=None, transfer=transfer)
    assert_counters_consistent()


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [S.RETAINED, S.LEFT, S.EXPELLED, S.DECEASED, S.LAPSED, S.TRANSFERRING])
@pytest.mark.parametrize("who", ["outsider", "sibling"])
def test_it_refuses_staff_outside_the_subtree_and_writes_nothing(tree, personas, target, who):
    m = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        run_action(tree, target, getattr(personas, who), m)
    assert table_state() == before


@pytest.mark.parametrize("who", ["own", "ancestor"])
def test_it_allows_staff_of_the_subtree_and_its_ancestors(tree, personas, who):
    m = make_member(tree.grassroots)
    actions.do_leave(acting_user=getattr(personas, who), membership=m, reason="离职")
    assert reload(m).status == S.LEFT


def test_it_needs_the_approve_permission_to_expel(tree):
    from gonghui.core.testing import make_staff

    viewer = make_staff("viewer-ns", tree.district, roles=("viewer",))
    m = make_member(tree.grassroots)
    with pytest.raises(ActionPermissionError):
        actions.do_expel(acting_user=viewer, membership=m, reason="判刑")
    assert reload(m).status == S.ACTIVE


# --- one current membership per person; re-join --------------------------------------------------


def test_it_keeps_one_current_membership_per_person_in_the_database(tree):
    m = make_member(tree.grassroots)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=m.person,
            org=tree.sibling_grassroots,
            org_path=tree.sibling_grassroots.path,
            member_no="X1",
            status=S.RETAINED,
            joined_on=m.joined_on,
        )


@pytest.mark.parametrize("ended", [S.LAPSED, S.LEFT])
def test_it_lets_a_former_member_rejoin_keeping_the_member_number(tree, personas, ended):
    m = make_member(tree.grassroots, status=ended)
    application = make_application(tree.sibling_grassroots, person=m.person)
    assert application.status == "pending"
    again = actions.do_approve_join(acting_user=None, application=application)
    assert again.pk == m.pk and again.member_no == m.member_no
    again = reload(again)
    assert again.status == S.ACTIVE and again.org_id == tree.sibling_grassroots.pk and again.ended_on is None
    event = events(again)[-1]
    assert (event.type, event.from_org_id, event.to_org_id) == (
        "rejoin",
        tree.grassroots.pk,
        tree.sibling_grassroots.pk,
    )
    assert len(active_cards(again)) == 1
    assert entries("member.join_approve")[-1].before["status"] == ended
    assert Membership.objects.filter(person=m.person).count() == 1
    assert_counters_consistent()


def test_it_refuses_a_join_application_for_a_deceased_person(tree):
    m = make_member(tree.grassroots, status=S.DECEASED)
    before = table_state()
    with pytest.raises(ValidationError):
        make_application(tree.grassroots, person=m.person)
    assert table_state() == before


def test_it_records_the_whole_history_in_order(tree, personas):
    m = make_member(tree.grassroots)
    actions.do_retain(acting_user=personas.own, membership=m, reason="退休")
    actions.do_reactivate(acting_user=personas.own, membership=m, reason="返聘")
    actions.do_leave(acting_user=personas.own, membership=m, reason="离职")
    assert event_types(m) == ["join", "retain", "reactivate", "leave"]
    assert MembershipEvent.objects.filter(membership=m, province_id=tree.province.pk).count() == 4
