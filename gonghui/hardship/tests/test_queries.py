"""Work queues, the household timeline, subtree statistics (reconciled with the rows), follow-up
calls and the 低保 table action — with the four personas and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError
from gonghui.core.testing import make_staff
from gonghui.hardship import actions, queries
from gonghui.hardship.models import HardshipArchive, SubsistenceLine
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import NAMED, create, entries, reload, to_state
from gonghui.members.tests.helpers import make_member


@pytest.fixture
def households(tree, hp, lines, clock):
    """One archive in each of several states under 南山 and one under 福田."""
    made = {}
    for status in (S.APPLIED, S.NOTICE, S.ARCHIVED, S.EXITED, S.REMOVED):
        made[status] = to_state(create(make_member(tree.grassroots), user=hp.own), status, clock)
    made["futian"] = create(make_member(tree.sibling_grassroots), user=hp.ancestor)
    return made


def ids(qs):
    return sorted(a.pk for a in qs)


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lists_the_archives_in_the_users_subtree(hp, households, name):
    expected = [a.pk for k, a in households.items() if k != "futian"]
    if name == "ancestor":
        expected.append(households["futian"].pk)
    assert ids(queries.archives(getattr(hp, name))) == sorted(expected)


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_shows_nothing_of_nanshan_to_outsider_and_sibling(hp, households, name):
    visible = ids(queries.archives(getattr(hp, name)))
    assert not set(visible) & {a.pk for k, a in households.items() if k != "futian"}


def test_it_builds_the_work_queues(hp, households, clock):
    own = hp.own
    today = clock.today
    assert ids(queries.awaiting_visit(own)) == [households[S.APPLIED].pk]
    notice_archive = households[S.NOTICE]
    notice = actions.current_notice(notice_archive)
    assert ids(queries.notices_running(own, notice.starts_on)) == [notice_archive.pk]
    after = notice.ends_on + dt.timedelta(days=1)
    assert ids(queries.ready_to_approve(own, after)) == [notice_archive.pk]
    assert ids(queries.notices_running(own, after)) == []
    archived = households[S.ARCHIVED]
    due = reload(archived).next_review_due
    assert ids(queries.reviews_overdue(own, due)) == []
    assert ids(queries.reviews_overdue(own, due + dt.timedelta(days=1))) == [archived.pk]
    assert ids(queries.reviews_due(own, due - dt.timedelta(days=10))) == [archived.pk]
    assert queries.work_queues(own, today)["awaiting_visit"] == 1


def test_it_keeps_an_archive_with_an_open_objection_out_of_the_approval_queue(hp, households):
    archive = households[S.NOTICE]
    notice = actions.current_notice(archive)
    actions._today.set(notice.starts_on)
    objection = actions.do_log_objection(acting_user=hp.own, archive=archive, text="有异议")
    after = notice.ends_on + dt.timedelta(days=1)
    assert ids(queries.ready_to_approve(hp.own, after)) == []
    assert [o.pk for o in queries.open_objections(hp.own)] == [objection.pk]
    assert list(queries.open_objections(hp.sibling)) == []


def test_it_lists_proposed_exits_without_n_plus_one(hp, households, django_assert_num_queries):
    HardshipArchive.objects.filter(pk=households[S.ARCHIVED].pk).update(exit_proposed_on=dt.date(2026, 1, 1))
    queries.archives(hp.own).exists()  # loads (and caches) the user's grants
    with django_assert_num_queries(1):
        rows = list(queries.exits_proposed(hp.own))
        assert [str(r.org) for r in rows] and [r.person.name for r in rows]


def test_it_puts_the_whole_household_on_one_timeline_in_eight_queries(
    hp, tree, lines, clock, django_assert_num_queries
):
    archive = to_state(create(make_member(tree.grassroots), user=hp.own), S.EXITED, clock)
    actions.do_record_follow_up(
        acting_user=hp.own, archive=archive, called_on=clock.today, caller="王帮扶", stable=True, notes="工作稳定"
    )
    with django_assert_num_queries(8):
        items = queries.timeline(archive)
    kinds = [i.kind for i in items]
    for kind in ("event.created", "event.transition", "visit", "check", "notice", "follow_up"):
        assert kind in kinds
    assert [i.on for i in items] == sorted(i.on for i in items)
    titles = [i.title for i in items if i.kind == "event.transition"]
    assert titles[0] == "本人申请 → 已入户调查" and titles[-1] == "在档 → 已脱困"


def test_it_counts_statistics_that_reconcile_with_the_rows(hp, households, tree):
    stats = queries.subtree_stats(hp.ancestor, tree.city)
    rows = HardshipArchive.objects.all()
    assert sum(stats["by_status"].values()) == rows.count() == 6
    in_archive = rows.filter(status__in=["archived", "under_review"])
    assert stats["archived_total"] == in_archive.count() == 1
    assert sum(stats["archived_by_category"].values()) == stats["archived_total"]
    assert sum(stats["archived_by_level"].values()) == stats["archived_total"]
    assert sum(stats["archived_by_cause"].values()) == stats["archived_total"]
    assert stats["removed_by_reason"] == {"retired": 1}
    assert stats["by_status"]["exited"] == 1
    own_view = queries.subtree_stats(hp.own, tree.city)
    assert sum(own_view["by_status"].values()) == 5  # 福田 is outside 南山区
    assert queries.subtree_stats(hp.sibling, tree.district)["by_status"] == {}


# --- follow-up calls -------------------------------------------------------------------------------


def test_it_records_follow_up_calls_only_after_exit(hp, tree, lines, clock):
    archive = to_state(create(make_member(tree.grassroots), user=hp.own), S.ARCHIVED, clock)
    with pytest.raises(ValidationError, match="已脱困"):
        actions.do_record_follow_up(
            acting_user=hp.own, archive=archive, called_on=clock.today, caller="王", stable=True, notes="x"
        )
    archive = actions.do_exit(acting_user=hp.own, archive=archive, person_name=NAMED, reason="收入稳定")
    with pytest.raises(ValidationError) as e:
        actions.do_record_follow_up(
            acting_user=hp.own, archive=archive, called_on=clock.today, caller="", stable=True, notes="x"
        )
    assert "caller" in e.value.message_dict
    with pytest.raises(ActionPermissionError):
        actions.do_record_follow_up(
            acting_user=hp.sibling, archive=archive, called_on=clock.today, caller="王", stable=True, notes="x"
        )
    row = actions.do_record_follow_up(
        acting_user=hp.own, archive=archive, called_on=clock.today, caller="王帮扶", stable=False, notes="再次失业"
    )
    assert not row.stable
    assert entries("hardship.follow_up")[0].after == {"follow_up": row.pk, "stable": False}


# --- the 低保 table -----------------------------------------------------------------------------------


def test_it_lets_the_city_approver_set_the_citys_line(tree, hp, db, clock):
    line = actions.do_set_subsistence_line(
        acting_user=hp.ancestor, division_code="440300", year=clock.today.year, monthly_amount="1365"
    )
    assert line.monthly_amount == Decimal("1365.00")
    line = actions.do_set_subsistence_line(
        acting_user=hp.ancestor, division_code="440300", year=clock.today.year, monthly_amount="1400"
    )
    assert SubsistenceLine.objects.count() == 1
    [first, second] = entries("hardship.subsistence_line")
    assert first.before is None and second.before["monthly_amount"] == "1365.00"
    assert second.org_id == tree.city.pk


@pytest.mark.parametrize("name", ["own", "sibling", "outsider"])
def test_it_refuses_the_citys_line_to_anyone_below_or_beside_the_city(tree, hp, db, clock, name):
    with pytest.raises(ActionPermissionError):
        actions.do_set_subsistence_line(
            acting_user=getattr(hp, name), division_code="440300", year=clock.today.year, monthly_amount="1"
        )
    assert not SubsistenceLine.objects.exists()


def test_it_lets_the_district_set_its_own_line(tree, hp, db, clock):
    assert actions.do_set_subsistence_line(
        acting_user=hp.own, division_code="440305", year=clock.today.year, monthly_amount="1200"
    )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"division_code": "4403"}, "division_code"),
        ({"year": 1999}, "year"),
        ({"monthly_amount": "0"}, "monthly_amount"),
        ({"monthly_amount": "abc"}, "monthly_amount"),
    ],
)
def test_it_refuses_a_bad_line(db, clock, kw, field):
    data = {"division_code": "440300", "year": clock.today.year, "monthly_amount": "1000"}
    data.update(kw)
    with pytest.raises(ValidationError) as e:
        actions.do_set_subsistence_line(acting_user=None, **data)
    assert field in e.value.message_dict
    assert not SubsistenceLine.objects.exists()


def test_it_refuses_a_line_to_a_user_with_only_view_rights(tree, db, clock):
    viewer = make_staff("viewer", tree.city, roles=("finance",))  # hardship.view only
    with pytest.raises(ActionPermissionError):
        actions.do_set_subsistence_line(
            acting_user=viewer, division_code="440300", year=clock.today.year, monthly_amount="1"
        )
