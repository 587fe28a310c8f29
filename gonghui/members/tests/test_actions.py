"""Join applications and transfers (gonghui.members.actions): success, refusals, permissions,
bad input, audit, events, cards, SMS after commit and counters (DOMAIN.md §2, DESIGN.md §8)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.calendar import add_working_days
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.members import actions
from gonghui.members.models import Card, JoinApplication, Membership, MembershipEvent, TransferRequest
from gonghui.members.states import MembershipStatus as S
from gonghui.members.tests.helpers import (
    active_cards,
    assert_counters_consistent,
    clear_outbox,
    counts_of,
    entries,
    event_types,
    events,
    make_application,
    make_federation,
    make_member,
    make_person,
    make_transfer,
    outbox_to,
    person_data,
    reload,
    sub_counts_of,
    table_state,
    work_data,
)
from gonghui.orgs.actions import do_close_org


@pytest.fixture(autouse=True)
def _empty_outbox():
    clear_outbox()


# --- do_apply_join ------------------------------------------------------------------------------


def test_it_files_a_pending_application_due_in_three_working_days(tree, personas):
    application = make_application(tree.grassroots, acting_user=personas.own, employer_name=" 南山 测试 ")
    application = reload(application)
    assert application.status == "pending"
    assert application.org_id == tree.grassroots.pk and application.org_path == tree.grassroots.path
    assert application.province_id == tree.province.pk
    assert application.employer_name == "南山 测试"
    from django.utils import timezone

    assert application.due_on == add_working_days(timezone.localdate(), 3)
    [entry] = entries("member.join_apply")
    assert entry.actor_id == personas.own.pk and entry.org_id == tree.grassroots.pk
    assert entry.after["status"] == "pending" and entry.after["channel"] == "staff"


def test_it_counts_the_deadline_in_working_days_across_a_holiday(tree, monkeypatch):
    # 2025: 1–8 October are holidays, Saturday 11 October is a make-up working day.
    monkeypatch.setattr(actions, "_today", lambda: dt.date(2025, 9, 30))
    assert make_application(tree.grassroots).due_on == dt.date(2025, 10, 11)
    monkeypatch.setattr(actions, "_today", lambda: dt.date(2025, 6, 6))  # a Friday
    assert make_application(tree.grassroots).due_on == dt.date(2025, 6, 11)


def test_it_follows_the_review_days_setting(tree, settings, monkeypatch):
    settings.GONGHUI = {**settings.GONGHUI, "JOIN_REVIEW_WORKING_DAYS": 5}
    monkeypatch.setattr(actions, "_today", lambda: dt.date(2025, 6, 6))
    assert make_application(tree.grassroots).due_on == dt.date(2025, 6, 13)


@pytest.mark.parametrize(
    "work, channel, field",
    [
        ({}, "telegram", "channel"),
        ({"worker_type": "astronaut"}, "web", "worker_type"),
        ({"worker_type": "gig", "gig_subtype": ""}, "web", "gig_subtype"),
        ({"worker_type": "gig", "gig_subtype": "pilot"}, "web", "gig_subtype"),
        ({"division_code": "4403"}, "web", "division_code"),
        ({"division_code": "44030A"}, "web", "division_code"),
        ({"employer_name": "厂" * 121}, "web", "employer_name"),
    ],
)
def test_it_refuses_bad_work_data_and_writes_nothing(tree, work, channel, field):
    before = table_state()
    with pytest.raises(ValidationError) as info:
        actions.do_apply_join(
            acting_user=None, person_data=person_data(), work=work_data(**work), channel=channel, org=tree.grassroots
        )
    assert field in info.value.message_dict
    assert table_state() == before


def test_it_refuses_bad_person_data_and_writes_nothing(tree):
    before = table_state()
    with pytest.raises(ValidationError) as info:
        actions.do_apply_join(
            acting_user=None,
            person_data=person_data(doc_number="440305199001010010"),
            work=work_data(),
            channel="web",
            org=tree.grassroots,
        )
    assert "doc_number" in info.value.message_dict
    assert table_state() == before


def test_it_refuses_an_org_that_cannot_hold_members(tree):
    with pytest.raises(ValidationError) as info:
        make_application(tree.province)
    assert "org" in info.value.message_dict
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="企业注销")
    with pytest.raises(ValidationError):
        make_application(reload(tree.sibling_grassroots))
    assert JoinApplication.objects.count() == 0


def test_it_refuses_a_second_pending_application_for_the_same_person(tree):
    person = make_person()
    make_application(tree.grassroots, person=person)
    with pytest.raises(ValidationError):
        make_application(tree.sibling_grassroots, person=person)
    assert JoinApplication.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("who", ["outsider", "sibling"])
def test_it_refuses_staff_filing_for_an_org_outside_their_subtree(tree, personas, who):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        make_application(tree.grassroots, acting_user=getattr(personas, who))
    assert table_state() == before


def test_it_turns_a_join_by_a_current_member_elsewhere_into_a_transfer(tree):
    member = make_member(tree.grassroots)
    application = make_application(tree.sibling_grassroots, person=member.person, employer_name="福田新公司")
    assert application.status == "transferred"
    transfer = application.transfer
    assert (transfer.from_org_id, transfer.to_org_id, transfer.status) == (
        tree.grassroots.pk,
        tree.sibling_grassroots.pk,
        "pending",
    )
    assert transfer.new_employer == "福田新公司" and transfer.requested_by_member
    assert reload(member).status == S.TRANSFERRING
    assert Membership.objects.filter(person=member.person).count() == 1
    assert entries("member.join_apply")[-1].after["transfer"] == transfer.pk
    assert_counters_consistent()


def test_it_refuses_a_join_at_the_org_the_person_already_belongs_to(tree):
    member = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ValidationError) as info:
        make_application(tree.grassroots, person=member.person)
    assert member.member_no in info.value.message_dict["doc_number"][0]
    assert table_state() == before


# --- do_approve_join ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["own", "ancestor"])
def test_it_approves_a_join_with_number_card_event_audit_counters_and_sms(
    tree, personas, who, django_capture_on_commit_callbacks
):
    user = getattr(personas, who)
    application = make_application(tree.grassroots, worker_type="gig", gig_subtype="courier", platform="顺丰")
    person = application.person
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_approve_join(acting_user=user, application=application)
    m = reload(m)
    assert m.status == S.ACTIVE and m.org_id == tree.grassroots.pk and m.org_path == tree.grassroots.path
    assert re.fullmatch(r"440000\d{10}", m.member_no)
    assert m.joined_on == m.last_activity_on
    assert (m.worker_type, m.gig_subtype, m.platform) == ("gig", "courier", "顺丰")
    [card] = active_cards(m)
    assert card.org_code == tree.grassroots.code and card.expires_at > card.issued_at
    [event] = events(m)
    assert (event.type, event.to_org_id, event.actor_id) == ("join", tree.grassroots.pk, user.pk)
    application = reload(application)
    assert (application.status, application.membership_id, application.decided_by_id) == ("approved", m.pk, user.pk)
    [entry] = entries("member.join_approve")
    assert entry.object_id == str(m.pk) and entry.after["card"] == card.serial and entry.before is None
    assert counts_of(tree.grassroots) == (1, 1, 1)
    assert sub_counts_of(tree.province) == (1, 1, 1)
    assert_counters_consistent()
    [sms] = outbox_to(person.mobile)
    assert m.member_no in sms


def test_it_sends_no_sms_when_the_approval_rolls_back(tree, django_capture_on_commit_callbacks):
    application = make_application(tree.grassroots)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.do_approve_join(acting_user=None, application=application)
    assert callbacks and outbox_to(application.person.mobile) == []


def test_it_issues_no_card_to_an_unverified_member_and_counts_them_unverified(tree):
    m = make_member(tree.grassroots, verified=False)
    assert active_cards(m) == []
    assert counts_of(tree.grassroots) == (1, 0, 0)
    assert entries("member.join_approve")[0].after["card"] is None


def test_it_starts_the_membership_on_a_given_date(tree):
    m = make_member(tree.grassroots, joined_on=dt.date(2024, 3, 5))
    assert m.joined_on == dt.date(2024, 3, 5) and events(m)[0].on == dt.date(2024, 3, 5)


def test_it_gives_every_new_member_a_different_number(tree):
    numbers = {make_member(tree.grassroots).member_no for _ in range(5)}
    assert len(numbers) == 5


@pytest.mark.parametrize("who", ["outsider", "sibling"])
def test_it_refuses_approval_outside_the_subtree_and_writes_nothing(tree, personas, who):
    application = make_application(tree.grassroots)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        actions.do_approve_join(acting_user=getattr(personas, who), application=application)
    with pytest.raises(ActionPermissionError):
        actions.do_reject_join(acting_user=getattr(personas, who), application=application, reason="不符合")
    assert table_state() == before


def test_it_refuses_approval_at_an_org_closed_meanwhile(tree):
    application = make_application(tree.sibling_grassroots)
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="企业注销")
    with pytest.raises(ValidationError):
        actions.do_approve_join(acting_user=None, application=application)
    assert Membership.objects.count() == 0


# --- reject / withdraw, and the application state machine ---------------------------------------------


def test_it_rejects_with_a_reason_audit_and_sms(tree, personas, django_capture_on_commit_callbacks):
    application = make_application(tree.grassroots)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject_join(acting_user=personas.own, application=application, reason="  非本单位职工 ")
    application = reload(application)
    assert (application.status, application.reject_reason, application.decided_by_id) == (
        "rejected",
        "非本单位职工",
        personas.own.pk,
    )
    [entry] = entries("member.join_reject")
    assert entry.reason == "非本单位职工" and entry.after["status"] == "rejected"
    assert "非本单位职工" in outbox_to(application.person.mobile)[0]
    assert Membership.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "  \u3000 ", None])
def test_it_requires_a_reason_to_reject(tree, personas, reason):
    application = make_application(tree.grassroots)
    before = table_state()
    with pytest.raises(ValidationError) as info:
        actions.do_reject_join(acting_user=personas.own, application=application, reason=reason)
    assert "reason" in info.value.message_dict
    assert table_state() == before


def test_it_lets_the_applicant_withdraw(tree):
    application = make_application(tree.grassroots)
    actions.do_withdraw_join(acting_user=None, application=application)
    assert reload(application).status == "withdrawn"
    assert entries("member.join_withdraw")[0].actor_label == "system"
    # A withdrawn application no longer blocks a new one.
    make_application(tree.grassroots, person=application.person)


def _approve(app, user):
    return actions.do_approve_join(acting_user=user, application=app)


def _reject(app, user):
    return actions.do_reject_join(acting_user=user, application=app, reason="不符合")


def _withdraw(app, user):
    return actions.do_withdraw_join(acting_user=user, application=app)


@pytest.mark.parametrize("first", [_approve, _reject, _withdraw])
@pytest.mark.parametrize("then", [_approve, _reject, _withdraw])
def test_it_refuses_every_decision_on_a_decided_application(tree, personas, first, then):
    application = make_application(tree.grassroots)
    first(application, personas.own)
    before = table_state()
    with pytest.raises(TransitionError) as info:
        then(application, personas.own)
    assert "当前状态为" in info.value.messages[0]
    assert table_state() == before


def test_it_refuses_decisions_on_an_application_turned_into_a_transfer(tree, personas):
    member = make_member(tree.grassroots)
    application = make_application(tree.sibling_grassroots, person=member.person)
    with pytest.raises(TransitionError):
        _approve(application, personas.ancestor)


# --- transfers ---------------------------------------------------------------------------------------


def test_it_transfers_a_member_keeping_the_number_with_events_cards_counters_and_audit(
    tree, personas, django_capture_on_commit_callbacks
):
    m = make_member(tree.grassroots, worker_type="gig")
    old_card = active_cards(m)[0]
    transfer = make_transfer(
        m, tree.sibling_grassroots, acting_user=personas.own, new_employer="福田新公司", reason="跳槽"
    )
    assert reload(m).status == S.TRANSFERRING
    assert counts_of(tree.grassroots) == (1, 1, 1)  # still counted at the old org while transferring
    assert entries("member.transfer_request")[0].after["to"] == tree.sibling_grassroots.pk
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_accept_transfer(acting_user=personas.sibling, transfer=transfer)
    m = reload(m)
    assert (m.status, m.org_id, m.org_path, m.employer_name) == (
        S.ACTIVE,
        tree.sibling_grassroots.pk,
        tree.sibling_grassroots.path,
        "福田新公司",
    )
    assert reload(old_card).status == Card.Status.REVOKED and reload(old_card).revoke_reason == "transfer_out"
    [new_card] = active_cards(m)
    assert new_card.org_code == tree.sibling_grassroots.code
    out, into = events(m)[-2:]
    assert (out.type, out.from_org_id, out.to_org_id, out.actor_id, out.reason) == (
        "transfer_out",
        tree.grassroots.pk,
        tree.sibling_grassroots.pk,
        personas.sibling.pk,
        "跳槽",
    )
    assert (into.type, into.from_org_id, into.to_org_id) == (
        "transfer_in",
        tree.grassroots.pk,
        tree.sibling_grassroots.pk,
    )
    assert counts_of(tree.grassroots) == (0, 0, 0) and counts_of(tree.sibling_grassroots) == (1, 1, 1)
    assert sub_counts_of(tree.district) == (0, 0, 0) and sub_counts_of(tree.city) == (1, 1, 1)
    assert_counters_consistent()
    assert reload(transfer).status == "accepted"
    [entry] = entries("member.transfer_accept")
    assert entry.before["org"] == tree.grassroots.pk and entry.after["org"] == tree.sibling_grassroots.pk
    assert m.member_no in outbox_to(m.person.mobile)[0]
    # Both orgs see the history: events name the old and the new org.
    assert MembershipEvent.objects.filter(membership=m, from_org=tree.grassroots).count() >= 2
    assert MembershipEvent.objects.filter(membership=m, to_org=tree.sibling_grassroots).count() == 2


def test_it_rejects_a_transfer_with_a_reason_and_the_member_stays(tree, personas):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, tree.sibling_grassroots)
    with pytest.raises(ValidationError):
        actions.do_reject_transfer(acting_user=personas.sibling, transfer=transfer, reason=" ")
    assert reload(transfer).status == "pending"
    actions.do_reject_transfer(acting_user=personas.sibling, transfer=transfer, reason="非本单位职工")
    m = reload(m)
    assert (m.status, m.org_id) == (S.ACTIVE, tree.grassroots.pk)
    assert len(active_cards(m)) == 1
    assert reload(transfer).status == "rejected" and reload(transfer).reject_reason == "非本单位职工"
    event = events(m)[-1]
    assert (event.type, event.reason, event.to_org_id) == (
        "transfer_rejected",
        "非本单位职工",
        tree.sibling_grassroots.pk,
    )
    assert entries("member.transfer_reject")[0].reason == "非本单位职工"
    assert_counters_consistent()


def test_it_cancels_a_transfer(tree, personas):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, tree.sibling_grassroots)
    actions.do_cancel_transfer(acting_user=personas.own, transfer=transfer, reason="不走了")
    assert reload(transfer).status == "cancelled" and reload(m).status == S.ACTIVE
    assert entries("member.transfer_cancel")[0].reason == "不走了"
    # A new transfer may start again.
    make_transfer(m, tree.sibling_grassroots)


@pytest.mark.parametrize("first", ["accept", "reject", "cancel"])
@pytest.mark.parametrize("then", ["accept", "reject", "cancel"])
def test_it_refuses_every_decision_on_a_closed_transfer(tree, first, then):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, tree.sibling_grassroots)
    run = {
        "accept": lambda: actions.do_accept_transfer(acting_user=None, transfer=transfer),
        "reject": lambda: actions.do_reject_transfer(acting_user=None, transfer=transfer, reason="不收"),
        "cancel": lambda: actions.do_cancel_transfer(acting_user=None, transfer=transfer),
    }
    run[first]()
    before = table_state()
    with pytest.raises(TransitionError):
        run[then]()
    assert table_state() == before


def test_it_lets_only_the_receiving_side_accept_or_reject(tree, personas):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, tree.sibling_grassroots)
    before = table_state()
    for user in (personas.own, personas.outsider):
        with pytest.raises(ActionPermissionError):
            actions.do_accept_transfer(acting_user=user, transfer=transfer)
        with pytest.raises(ActionPermissionError):
            actions.do_reject_transfer(acting_user=user, transfer=transfer, reason="不收")
    with pytest.raises(ActionPermissionError):
        actions.do_cancel_transfer(acting_user=personas.sibling, transfer=transfer)
    assert table_state() == before
    actions.do_accept_transfer(acting_user=personas.ancestor, transfer=transfer)


@pytest.mark.parametrize("who", ["outsider", "sibling"])
def test_it_refuses_a_transfer_request_from_outside_the_subtree(tree, personas, who):
    m = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        make_transfer(m, tree.sibling_grassroots, acting_user=getattr(personas, who))
    assert table_state() == before


def test_it_refuses_bad_transfer_targets(tree):
    m = make_member(tree.grassroots)
    before = table_state()
    for target in (tree.grassroots, tree.province):
        with pytest.raises(ValidationError):
            make_transfer(m, target)
    with pytest.raises(ValidationError) as info:
        make_transfer(m, None)  # no union and no residence: where should it be parked?
    assert "residence_division" in info.value.message_dict
    assert table_state() == before


def test_it_refuses_a_second_transfer_while_one_is_pending(tree):
    m = make_member(tree.grassroots)
    make_transfer(m, tree.sibling_grassroots)
    with pytest.raises(ValidationError):
        make_transfer(m, tree.other_city)
    assert TransferRequest.objects.filter(membership=m).count() == 1


def test_it_parks_the_membership_at_the_residence_federation_when_the_new_employer_has_no_union(tree, personas):
    m = make_member(tree.sibling_grassroots)
    transfer = make_transfer(m, None, residence_division="440305001", new_employer="无工会的小店")
    assert transfer.parked and transfer.to_org_id == tree.street.pk
    assert reload(m).residence_division == "440305001"
    actions.do_accept_transfer(acting_user=personas.own, transfer=transfer)
    m = reload(m)
    assert (m.status, m.org_id) == (S.ACTIVE, tree.street.pk)
    assert event_types(m)[-2:] == ["transfer_out", "transfer_parked"]
    assert_counters_consistent()


def test_it_parks_at_the_district_when_the_street_has_no_federation(tree):
    m = make_member(tree.grassroots)
    transfer = make_transfer(m, None, residence_division="440304002")
    assert transfer.parked and transfer.to_org_id == tree.sibling_district.pk


def test_it_refuses_to_accept_into_an_org_closed_meanwhile(tree):
    m = make_member(tree.grassroots)
    target = make_federation(tree.sibling_district, "福田区楼宇工会联合会", kind="building")
    transfer = make_transfer(m, target)
    do_close_org(acting_user=None, org=target, reason="撤销")
    with pytest.raises(ValidationError):
        actions.do_accept_transfer(acting_user=None, transfer=transfer)
    assert reload(m).org_id == tree.grassroots.pk


def test_it_keeps_the_member_number_across_several_transfers(tree):
    m = make_member(tree.grassroots)
    for target in (tree.sibling_grassroots, tree.grassroots, tree.street):
        actions.do_accept_transfer(acting_user=None, transfer=make_transfer(reload(m), target))
    m = reload(m)
    assert m.org_id == tree.street.pk and Membership.objects.get(pk=m.pk).member_no == m.member_no
    assert Card.objects.filter(membership=m, status="active").count() == 1
    assert Card.objects.filter(membership=m).count() == 4
    assert_counters_consistent()


# --- dues and keep --------------------------------------------------------------------------------------


def test_it_records_dues_paid_only_forward_and_clears_the_reminder(tree, personas):
    from django.utils import timezone

    m = make_member(tree.grassroots)
    today = timezone.localdate()
    actions.do_record_dues(acting_user=personas.own, membership=m, paid_on=today - dt.timedelta(days=3))
    actions.do_record_dues(acting_user=personas.own, membership=m, paid_on=today - dt.timedelta(days=30))
    assert reload(m).last_dues_paid_on == today - dt.timedelta(days=3)
    assert len(entries("member.dues")) == 1
    with pytest.raises(ValidationError):
        actions.do_record_dues(acting_user=personas.own, membership=m, paid_on=today + dt.timedelta(days=1))
    with pytest.raises(ActionPermissionError):
        actions.do_record_dues(acting_user=personas.sibling, membership=m, paid_on=today)


def test_it_refuses_dues_and_keep_for_a_membership_that_has_ended(tree, personas):
    from django.utils import timezone

    m = make_member(tree.grassroots, status=S.LEFT)
    before = table_state()
    with pytest.raises(ValidationError):
        actions.do_record_dues(acting_user=personas.own, membership=m, paid_on=timezone.localdate())
    with pytest.raises(ValidationError):
        actions.do_keep_membership(
            acting_user=personas.own,
            membership=m,
            until=timezone.localdate() + dt.timedelta(days=30),
            reason="线下缴费",
        )
    assert table_state() == before
