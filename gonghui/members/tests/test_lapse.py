"""自动退会: reminder after six months without dues or activity, lapse after the grace period
unless kept (gonghui.members.lapse, `gonghui lapse-sweep`)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.lapse import sweep
from gonghui.members.models import Card
from gonghui.members.states import MembershipStatus as S
from gonghui.members.tests.helpers import (
    active_cards,
    assert_counters_consistent,
    clear_outbox,
    counts_of,
    entries,
    event_types,
    events,
    make_member,
    outbox_to,
    reload,
)

TODAY = timezone.localdate()
LONG_AGO = TODAY - dt.timedelta(days=200)


@pytest.fixture(autouse=True)
def _empty_outbox():
    clear_outbox()


def idle(tree, **kw):
    return make_member(tree.grassroots, joined_on=LONG_AGO, **kw)


def test_it_warns_idle_members_once_with_an_sms_after_commit(tree, django_capture_on_commit_callbacks):
    m = idle(tree)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(TODAY) == {"warned": 1, "lapsed": 0}
    m = reload(m)
    assert m.status == S.ACTIVE and m.lapse_warned_on == TODAY
    assert event_types(m)[-1] == "lapse_warning"
    [text] = outbox_to(m.person.mobile)
    assert "自动退会" in text
    [entry] = entries("member.lapse_warning_batch")
    assert entry.after["count"] == 1 and entry.actor_label == "system"
    # Idempotent: a second run the same day (or a week later) warns nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(TODAY) == {"warned": 0, "lapsed": 0}
        assert sweep(TODAY + dt.timedelta(days=7)) == {"warned": 0, "lapsed": 0}
    assert len(outbox_to(m.person.mobile)) == 1


def test_it_lapses_after_the_grace_period_revoking_the_card_and_counters(tree):
    m = idle(tree, worker_type="gig")
    stays = make_member(tree.grassroots)
    sweep(TODAY)
    assert sweep(TODAY + dt.timedelta(days=29)) == {"warned": 0, "lapsed": 0}
    assert sweep(TODAY + dt.timedelta(days=30)) == {"warned": 0, "lapsed": 1}
    m = reload(m)
    assert m.status == S.LAPSED and m.ended_on == TODAY + dt.timedelta(days=30)
    assert active_cards(m) == [] and Card.objects.get(membership=m).revoke_reason == "lapsed"
    event = events(m)[-1]
    assert (event.type, event.from_org_id) == ("lapse", tree.grassroots.pk)
    assert entries("member.lapse_batch")[0].after["count"] == 1
    assert counts_of(tree.grassroots) == (1, 1, 0)
    assert reload(stays).status == S.ACTIVE
    assert_counters_consistent()
    assert sweep(TODAY + dt.timedelta(days=60)) == {"warned": 0, "lapsed": 0}


@pytest.mark.parametrize(
    "setup",
    [
        "recent_dues",
        "recent_activity",
        "recent_join",
        "retained",
        "kept",
        "transferring",
    ],
)
def test_it_leaves_alone_members_who_are_not_idle(tree, setup):
    if setup == "recent_join":
        m = make_member(tree.grassroots, joined_on=TODAY - dt.timedelta(days=100))
    elif setup == "retained":
        m = idle(tree, status=S.RETAINED)
    else:
        m = idle(tree)
    if setup == "recent_dues":
        actions.do_record_dues(acting_user=None, membership=m, paid_on=TODAY - dt.timedelta(days=20))
    elif setup == "recent_activity":
        type(m).objects.filter(pk=m.pk).update(last_activity_on=TODAY - dt.timedelta(days=20))
    elif setup == "kept":
        actions.do_keep_membership(
            acting_user=None, membership=m, until=TODAY + dt.timedelta(days=90), reason="线下缴费"
        )
    elif setup == "transferring":
        actions.do_request_transfer(acting_user=None, membership=m, to_org=tree.sibling_grassroots)
    assert sweep(TODAY) == {"warned": 0, "lapsed": 0}
    assert sweep(TODAY + dt.timedelta(days=40)) == {"warned": 0, "lapsed": 0}


def test_it_does_not_lapse_a_warned_member_who_paid_or_was_kept(tree, personas):
    paid, kept = idle(tree), idle(tree)
    assert sweep(TODAY)["warned"] == 2
    actions.do_record_dues(acting_user=personas.own, membership=paid, paid_on=TODAY)
    actions.do_keep_membership(
        acting_user=personas.own, membership=kept, until=TODAY + dt.timedelta(days=60), reason="病假"
    )
    assert reload(paid).lapse_warned_on is None and reload(kept).lapse_warned_on is None
    assert entries("member.keep")[0].reason == "病假"
    assert sweep(TODAY + dt.timedelta(days=30)) == {"warned": 0, "lapsed": 0}
    # Once the keep date has passed, the kept member is reminded again, then lapses.
    assert sweep(TODAY + dt.timedelta(days=61)) == {"warned": 1, "lapsed": 0}
    assert sweep(TODAY + dt.timedelta(days=91)) == {"warned": 0, "lapsed": 1}
    assert reload(kept).status == S.LAPSED and reload(paid).status == S.ACTIVE


def test_it_refuses_a_keep_date_in_the_past_or_without_reason(tree, personas):
    from django.core.exceptions import ValidationError

    m = idle(tree)
    with pytest.raises(ValidationError):
        actions.do_keep_membership(acting_user=personas.own, membership=m, until=TODAY, reason="x")
    with pytest.raises(ValidationError):
        actions.do_keep_membership(
            acting_user=personas.own, membership=m, until=TODAY + dt.timedelta(days=5), reason=""
        )
    assert reload(m).keep_until is None and entries("member.keep") == []


def test_it_sweeps_in_chunks(tree, monkeypatch):
    from gonghui.members import lapse

    monkeypatch.setattr(lapse, "CHUNK", 2)
    members = [idle(tree) for _ in range(5)]
    assert sweep(TODAY) == {"warned": 5, "lapsed": 0}
    assert len(entries("member.lapse_warning_batch")) == 3
    assert sweep(TODAY + dt.timedelta(days=30)) == {"warned": 0, "lapsed": 5}
    assert all(reload(m).status == S.LAPSED for m in members)
    assert_counters_consistent()


def test_it_lets_a_lapsed_member_rejoin(tree):
    m = idle(tree)
    sweep(TODAY)
    sweep(TODAY + dt.timedelta(days=30))
    from gonghui.members.tests.helpers import make_application

    again = actions.do_approve_join(acting_user=None, application=make_application(tree.grassroots, person=m.person))
    assert again.member_no == m.member_no and reload(again).lapse_warned_on is None
    assert_counters_consistent()


def test_it_runs_as_the_lapse_sweep_command(tree, capsys):
    idle(tree)
    call_command("lapse_sweep", "--date", TODAY.isoformat())
    assert json.loads(capsys.readouterr().out) == {"warned": 1, "lapsed": 0}
    from gonghui.__main__ import main

    main(["gonghui", "lapse-sweep", "--date", (TODAY + dt.timedelta(days=10)).isoformat(), "--grace-days", "10"])
    assert json.loads(capsys.readouterr().out) == {"warned": 0, "lapsed": 1}


@pytest.mark.parametrize("args", [["--date", "2025-13-01"], ["--date", "yesterday"], ["--grace-days", "-1"]])
def test_it_refuses_bad_command_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("lapse_sweep", *args)
