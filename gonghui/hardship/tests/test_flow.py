"""The whole path of one household: application → visit → checks → review → notice with an
objection → approval → monthly incomes → proposed exit → exit → relapse → re-archived."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.calendar import add_working_days
from gonghui.hardship import actions, exits, rules
from gonghui.hardship.models import ArchiveEvent
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.states import Category
from gonghui.hardship.tests.helpers import NAMED, all_checks, create, entries, finances, reload, visit


def test_it_takes_a_household_from_application_to_exit_and_back(tree, hp, member, lines, clock):
    user = hp.own
    archive = create(member, user=user)
    assert archive.status == S.APPLIED
    assert archive.number.startswith(f"KN{clock.today:%Y}")
    assert archive.household_size == 2

    visit(archive, user=user)
    finances(archive, user=user)  # 12000 a year for two people: 500 a month against 1000 → deep
    all_checks(archive, user=user)
    archive = reload(archive)
    assert archive.status == S.CHECKED
    assert archive.category == Category.DEEP
    assert archive.per_capita == Decimal("500.00")

    actions.do_review(acting_user=user, archive=archive, person_name=NAMED, reason="情况属实")
    notice = actions.do_start_notice(
        acting_user=user, archive=archive, place="公司公告栏", person_name=NAMED, reason="公示"
    )
    assert notice.ends_on == add_working_days(clock.today, 5)
    objection = actions.do_log_objection(acting_user=user, archive=archive, text="该户有车", objector="")
    clock.set(notice.ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="异议尚未处理"):
        actions.do_approve(acting_user=user, archive=archive, person_name=NAMED, reason="批准")
    actions.do_resolve_objection(
        acting_user=user, objection=objection, outcome="dismissed", resolution="核查车辆为单位所有", person_name=NAMED
    )
    archive = actions.do_approve(acting_user=user, archive=archive, person_name=NAMED, reason="公示期满，批准建档")
    assert archive.status == S.ARCHIVED
    assert archive.approved_org == tree.district
    assert archive.next_review_due == rules.review_due(clock.today)

    month = rules.month_start(clock.today)
    for _i in range(6):
        actions.do_record_monthly_income(acting_user=user, archive=archive, month=month, household_income="2400")
        clock.set(rules.next_month(month))
        month = rules.next_month(month)
    result = exits.propose_exits(clock.today)
    assert result == {"considered": 1, "proposed": 1}
    archive = reload(archive)
    assert archive.exit_proposed_on == clock.today
    assert ArchiveEvent.objects.filter(archive=archive, kind="exit_proposed").count() == 1
    assert exits.propose_exits(clock.today) == {"considered": 0, "proposed": 0}

    archive = actions.do_exit(acting_user=user, archive=archive, person_name=NAMED, reason="连续6个月高于低保")
    assert archive.status == S.EXITED
    archive = actions.do_relapse(acting_user=user, archive=archive, person_name=NAMED, reason="再次患病")
    visit(archive, user=user)
    all_checks(archive, user=user)
    actions.do_review(acting_user=user, archive=reload(archive), person_name=NAMED, reason="情况属实")
    notice = actions.do_start_notice(
        acting_user=user, archive=archive, place="公告栏", person_name=NAMED, reason="公示"
    )
    clock.set(notice.ends_on + dt.timedelta(days=1))
    archive = actions.do_approve(acting_user=user, archive=archive, person_name=NAMED, reason="重新建档")
    assert archive.status == S.ARCHIVED
    assert archive.times_archived == 2
    transitions = list(
        ArchiveEvent.objects.filter(archive=archive, kind="transition").values_list("from_status", "to_status")
    )
    assert transitions == [
        ("applied", "visited"),
        ("visited", "checked"),
        ("checked", "reviewed"),
        ("reviewed", "notice"),
        ("notice", "archived"),
        ("archived", "exited"),
        ("exited", "relapsed"),
        ("relapsed", "visited"),
        ("visited", "checked"),
        ("checked", "reviewed"),
        ("reviewed", "notice"),
        ("notice", "archived"),
    ]
    assert all(e.person_name and e.reason for e in ArchiveEvent.objects.filter(archive=archive))
    assert [e.action for e in entries("hardship.approve")] == ["hardship.approve", "hardship.approve"]
