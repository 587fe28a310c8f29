"""Helpers for the hardship tests: a clock, 低保 lines, and archives walked to any state
through the real actions (acting_user=None, as a system job would)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.hardship import actions
from gonghui.hardship.models import (
    ArchiveEvent,
    DataCheck,
    HardshipArchive,
    HomeVisit,
    HouseholdMember,
    IncomeItem,
    MonthlyIncome,
    NoticeObjection,
    PublicNotice,
    RigidExpense,
    SubsistenceLine,
)
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.members.tests.helpers import next_id, next_name

LINE = Decimal("1000.00")
NAMED = "王帮扶"


class Clock:
    """Stands in for `hardship.actions._today` so that notice periods can pass in a test."""

    def __init__(self):
        self.today = timezone.localdate()

    def __call__(self):
        return self.today

    def advance(self, days: int = 1):
        self.today += dt.timedelta(days=days)
        return self.today

    def set(self, day: dt.date):
        self.today = day
        return day


def add_lines(years, division="440300", amount=LINE):
    for year in years:
        SubsistenceLine.objects.update_or_create(
            division_code=division, year=year, defaults={"monthly_amount": Decimal(amount)}
        )


def child(**kw) -> dict:
    data = {
        "relation": "child",
        "name": next_name(),
        "doc_type": "resident_id",
        "doc_number": next_id(born=dt.date(2010, 5, 1)),
        "schooling": "junior",
    }
    data.update(kw)
    return data


def create(membership, *, user=None, level="district", origin="applied", household=None, **kw):
    data = {
        "acting_user": user,
        "membership": membership,
        "origin": origin,
        "level": level,
        "primary_cause": kw.pop("primary_cause", "illness"),
        "person_name": kw.pop("person_name", NAMED),
        "reason": kw.pop("reason", "本人申请，家庭成员患病"),
        "household": household if household is not None else [child()],
    }
    data.update(kw)
    return actions.do_create_archive(**data)


def finances(archive, *, income="12000", expenses=(), year=None, user=None):
    """Income for the year (default one wages item); with 2 people and LINE 1000, 12000 → 500/month: deep."""
    year = year or actions._today().year - 1
    return actions.do_record_finances(
        acting_user=user,
        archive=archive,
        year=year,
        incomes=[{"kind": "wages", "amount": income}],
        expenses=[{"kind": k, "amount": a} for k, a in expenses],
        person_name=NAMED,
        reason="登记上年度收支",
    )


def visit(archive, *, user=None, on=None):
    return actions.do_record_visit(
        acting_user=user,
        archive=archive,
        visited_on=on or actions._today(),
        visitors="王帮扶、李干事",
        findings="家中两人，本人患慢性病，子女读初中",
    )


def all_checks(archive, *, user=None, result="none_found"):
    for kind in DataCheck.Kind.values:
        actions.do_record_check(
            acting_user=user, archive=archive, kind=kind, result=result, source="区数据共享平台", person_name=NAMED
        )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def to_state(archive, status: str, clock: Clock, *, user=None):
    """Walk `archive` through the real actions until it reaches `status`."""
    path = [S.VISITED, S.CHECKED, S.REVIEWED, S.NOTICE, S.ARCHIVED, S.UNDER_REVIEW]
    archive = reload(archive)
    if status in (S.EXITED, S.RELIEVED, S.REMOVED, S.RELAPSED, S.REJECTED):
        if status == S.REJECTED:
            return actions.do_reject(acting_user=user, archive=archive, person_name=NAMED, reason="不符合条件")
        archive = to_state(archive, S.ARCHIVED, clock, user=user)
        if status == S.RELIEVED:
            return actions.do_relieve(acting_user=user, archive=archive, person_name=NAMED, reason="大病无法脱困")
        if status == S.REMOVED:
            return actions.do_remove(
                acting_user=user, archive=archive, removal_reason="retired", person_name=NAMED, reason="已退休"
            )
        archive = actions.do_exit(acting_user=user, archive=archive, person_name=NAMED, reason="收入稳定")
        if status == S.RELAPSED:
            archive = actions.do_relapse(acting_user=user, archive=archive, person_name=NAMED, reason="再次患病")
        return archive
    for step in path:
        if archive.status == status:
            return archive
        if step == S.VISITED and archive.status in (S.DISCOVERED, S.APPLIED, S.RELAPSED):
            visit(archive, user=user)
        elif step == S.CHECKED and archive.status == S.VISITED:
            if not archive.assessment_year:
                finances(archive, user=user)
            all_checks(archive, user=user)
        elif step == S.REVIEWED and archive.status == S.CHECKED:
            actions.do_review(acting_user=user, archive=archive, person_name=NAMED, reason="情况属实")
        elif step == S.NOTICE and archive.status == S.REVIEWED:
            actions.do_start_notice(
                acting_user=user, archive=archive, place="公司公告栏", person_name=NAMED, reason="审核通过，公示"
            )
        elif step == S.ARCHIVED and archive.status == S.NOTICE:
            notice = actions.current_notice(archive)
            clock.set(notice.ends_on + dt.timedelta(days=1))
            actions.do_approve(acting_user=user, archive=archive, person_name=NAMED, reason="公示无异议，批准建档")
        elif step == S.UNDER_REVIEW and archive.status == S.ARCHIVED:
            actions.do_start_annual_review(acting_user=user, archive=archive, person_name=NAMED, reason="年度复核")
        archive = reload(archive)
    assert archive.status == status, (archive.status, status)
    return archive


def entries(action: str, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def table_state() -> dict:
    """Everything a hardship action could write, to assert that a refused action wrote nothing."""
    return {
        "archives": list(HardshipArchive.objects.order_by("pk").values()),
        "household": list(HouseholdMember.objects.order_by("pk").values("pk", "active", "name", "archive_id")),
        "incomes": IncomeItem.objects.count(),
        "expenses": RigidExpense.objects.count(),
        "events": ArchiveEvent.objects.count(),
        "visits": HomeVisit.objects.count(),
        "checks": DataCheck.objects.count(),
        "notices": list(PublicNotice.objects.order_by("pk").values()),
        "objections": list(NoticeObjection.objects.order_by("pk").values()),
        "monthly": MonthlyIncome.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
