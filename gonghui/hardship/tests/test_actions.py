"""Every hardship action: success, each refused transition, permissions with the four personas,
bad input (clear error, nothing written) and the audit entry it leaves.

Archives are kept by 南山测试科技有限公司工会 (grassroots, under 南头街道 → 南山区 → 深圳市).
Personas (帮扶专员 role): own = 南山区, ancestor = 深圳市, sibling = 福田区, outsider = no grant.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.hardship import actions, exits
from gonghui.hardship.checks import CheckOutcome
from gonghui.hardship.models import ArchiveEvent, DataCheck, HouseholdMember, SubsistenceLine
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.states import Category
from gonghui.hardship.tests.helpers import (
    NAMED,
    all_checks,
    child,
    create,
    entries,
    finances,
    reload,
    table_state,
    to_state,
    visit,
)
from gonghui.members.tests.helpers import data_of, make_member, next_id

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]


def persona(hp, name):
    return getattr(hp, name)


# --- create ------------------------------------------------------------------------------------------


def test_it_creates_an_archive_with_the_worker_and_household_encrypted(tree, hp, member, lines):
    kid = child()
    archive = create(
        member, user=hp.own, household=[kid, {"relation": "self", "health": "chronic", "monthly_income": "2000"}]
    )
    archive = reload(archive)
    assert archive.status == S.APPLIED
    assert archive.org == tree.grassroots and archive.org_path == tree.grassroots.path
    assert archive.province_id == tree.province.pk
    assert archive.division_code == "440305001"  # nearest org with a division code (the street)
    assert archive.household_size == 2
    worker, kid_row = archive.household.order_by("pk")
    assert worker.relation == "self" and worker.person == member.person and worker.health == "chronic"
    assert worker.doc_index == member.person.doc_index
    assert worker.monthly_income == Decimal("2000.00")
    assert kid_row.doc_masked.startswith(kid["doc_number"][:6]) and "*" in kid_row.doc_masked
    assert kid["doc_number"].encode() not in bytes(kid_row.doc_cipher)
    [event] = ArchiveEvent.objects.filter(archive=archive)
    assert (event.kind, event.to_status, event.person_name) == ("created", "applied", NAMED)
    [entry] = entries("hardship.create")
    assert entry.actor == hp.own and entry.org_id == tree.grassroots.pk
    assert entry.after["status"] == "applied" and entry.after["approving_org"] == tree.district.pk
    assert kid["doc_number"] not in str(entry.after) and kid["name"] not in str(entry.after)


def test_it_creates_a_discovered_archive(hp, member, lines):
    assert create(member, user=hp.own, origin="discovered").status == S.DISCOVERED


@pytest.mark.parametrize("name", ALLOWED)
def test_it_lets_own_and_ancestor_create(hp, member, lines, name):
    assert create(member, user=persona(hp, name)).pk


@pytest.mark.parametrize("name", REFUSED)
def test_it_refuses_to_create_outside_the_users_subtree(hp, member, lines, name):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        create(member, user=persona(hp, name))
    assert table_state() == before


def test_it_refuses_a_user_without_hardship_permissions(tree, member, lines):
    from gonghui.core.testing import make_staff

    organiser = make_staff("org-only", tree.district, roles=("organiser",))
    with pytest.raises(ActionPermissionError):
        create(member, user=organiser)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"origin": "walk-in"}, "origin"),
        ({"level": "county"}, "level"),
        ({"level": "national"}, "level"),  # no 全国总工会 in this tree
        ({"primary_cause": ""}, "primary_cause"),
        ({"primary_cause": "illness", "secondary_cause": "illness"}, "causes"),
        ({"primary_cause": "bad-luck"}, "causes"),
        ({"person_name": " "}, "person_name"),
        ({"reason": ""}, "reason"),
        ({"division_code": "4403"}, "division_code"),
        (
            {"household": [{"relation": "child", "name": "张三", "doc_number": "110105199001011234"}]},
            "household.0.doc_number",
        ),
        ({"household": [{"relation": "cousin", "name": "张三"}]}, "household.0.relation"),
        ({"household": [{"relation": "child", "name": "张三", "monthly_income": "-5"}]}, "household.0.monthly_income"),
        (
            {"household": [{"relation": "child", "name": "张三", "health": "disabled"}]},
            "household.0.disability_category",
        ),
        ({"applied_on": "2999-01-01"}, "applied_on"),
        ({"facts": {"salary": 1}}, "salary"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(hp, member, lines, kw, field):
    before = table_state()
    with pytest.raises(ValidationError) as e:
        create(member, user=hp.own, **kw)
    assert field in e.value.message_dict
    assert table_state() == before


def test_it_refuses_a_member_whose_membership_ended(tree, hp, lines):
    left = make_member(tree.grassroots, status="left")
    with pytest.raises(ValidationError, match="在册会员"):
        create(left, user=hp.own)


def test_it_refuses_a_second_archive_for_the_same_worker(hp, member, lines):
    create(member, user=hp.own)
    before = table_state()
    with pytest.raises(ValidationError, match="一户一档"):
        create(member, user=hp.own)
    assert table_state() == before


def test_it_refuses_a_household_member_who_is_in_another_live_archive(tree, hp, member, lines):
    spouse_doc = next_id()
    create(member, user=hp.own, household=[{"relation": "spouse", "name": "李四", "doc_number": spouse_doc}])
    other = make_member(tree.grassroots)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        create(other, user=hp.own, household=[{"relation": "spouse", "name": "李四", "doc_number": spouse_doc}])
    assert "李四" in str(e.value.message_dict["household"])
    assert table_state() == before


def test_it_refuses_a_worker_who_is_a_household_member_of_another_archive(tree, hp, member, lines):
    other = make_member(tree.grassroots)
    create(other, user=hp.own, household=[{"relation": "spouse", **data_of(member.person)}])
    with pytest.raises(ValidationError, match="另一户"):
        create(member, user=hp.own)


def test_it_refuses_the_same_document_twice_in_one_household(hp, member, lines):
    doc = next_id()
    with pytest.raises(ValidationError, match="证件号码相同"):
        create(member, user=hp.own, household=[child(doc_number=doc), child(doc_number=doc)])


def test_it_frees_the_household_when_an_archive_is_rejected(tree, hp, member, lines, clock):
    spouse_doc = next_id()
    archive = create(member, user=hp.own, household=[{"relation": "spouse", "name": "李四", "doc_number": spouse_doc}])
    actions.do_reject(acting_user=hp.own, archive=archive, person_name=NAMED, reason="经调查不符合条件")
    assert not HouseholdMember.objects.filter(archive=archive, active=True).exists()
    again = create(member, user=hp.own, household=[{"relation": "spouse", "name": "李四", "doc_number": spouse_doc}])
    assert again.pk != archive.pk


def test_it_sets_the_approving_union_by_level(tree, hp, member, lines):
    assert actions.approving_org(tree.grassroots, "grassroots") == tree.grassroots
    assert actions.approving_org(tree.grassroots, "district") == tree.district
    assert actions.approving_org(tree.grassroots, "city") == tree.city
    assert actions.approving_org(tree.grassroots, "province") == tree.province
    assert actions.approving_org(tree.grassroots, "national") is None
    assert actions.approving_org(tree.street, "grassroots") is None


# --- household and finances --------------------------------------------------------------------------


def test_it_adds_a_household_member_and_reassesses(hp, member, lines):
    archive = create(member, user=hp.own)
    finances(archive, income="30000")  # 2 people: 1250 → relative
    assert reload(archive).category == Category.RELATIVE
    actions.do_add_household_member(
        acting_user=hp.own, archive=archive, data=child(), person_name=NAMED, reason="补录子女"
    )
    archive = reload(archive)
    assert archive.household_size == 3
    assert archive.per_capita == Decimal("833.33")
    assert archive.category == Category.DEEP
    assert entries("hardship.household_add")[0].after["household_size"] == 3


def test_it_records_finances_and_derives_the_category_with_its_reason(hp, member, lines, clock):
    archive = create(member, user=hp.own)
    archive = finances(
        archive, income="30000", expenses=[("medical", "6000"), ("education", "1200"), ("emergency", "500")]
    )
    assert archive.annual_income == Decimal("30000.00")
    assert archive.rigid_expenses == Decimal("7200.00")  # medical + education only
    assert archive.per_capita == Decimal("950.00")
    assert archive.subsistence_line == Decimal("1000.00")
    assert archive.category == archive.computed_category == Category.DEEP
    assert "950.00" in archive.category_reason
    [entry] = entries("hardship.finances")
    assert entry.after["computed_category"] == "deep"


def test_it_replaces_a_years_finances_instead_of_adding_to_them(hp, member, lines):
    archive = create(member, user=hp.own)
    finances(archive, income="12000")
    archive = finances(archive, income="48000")  # exactly twice the line: no category
    assert archive.annual_income == Decimal("48000.00")
    assert archive.income_items.count() == 1
    assert archive.category == ""


def test_it_uses_the_districts_own_line_before_the_citys(hp, member, lines, clock):
    SubsistenceLine.objects.create(division_code="440305", year=clock.today.year - 1, monthly_amount=Decimal("1500"))
    archive = finances(create(member, user=hp.own), income="30000")  # 1250 per month
    assert archive.subsistence_line == Decimal("1500.00")
    assert archive.category == Category.DEEP


def test_it_refuses_finances_without_a_line_and_writes_nothing(hp, member, db, clock):
    archive = create(member, user=hp.own)
    before = table_state()
    with pytest.raises(ValidationError, match="低保标准"):
        finances(archive)
    assert table_state() == before


@pytest.mark.parametrize(
    ("incomes", "field"),
    [
        ([{"kind": "wages", "amount": "abc"}], "incomes.0.amount"),
        ([{"kind": "wages", "amount": "1.234"}], "incomes.0.amount"),
        ([{"kind": "lottery", "amount": "100"}], "incomes.0.kind"),
        ([{"kind": "wages", "amount": "-1"}], "incomes.0.amount"),
    ],
)
def test_it_refuses_bad_finances_and_writes_nothing(hp, member, lines, incomes, field):
    archive = create(member, user=hp.own)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_record_finances(
            acting_user=hp.own, archive=archive, year=2025, incomes=incomes, expenses=[], person_name=NAMED, reason="x"
        )
    assert field in e.value.message_dict
    assert table_state() == before


def test_it_overrides_the_category_only_with_a_written_reason_and_can_revert(hp, member, lines):
    archive = finances(create(member, user=hp.own), income="48000")
    assert archive.category == ""
    with pytest.raises(ValidationError):
        actions.do_override_category(
            acting_user=hp.own, archive=archive, category="accident", person_name=NAMED, reason=""
        )
    archive = actions.do_override_category(
        acting_user=hp.own, archive=archive, category="accident", person_name=NAMED, reason="突发火灾，财产损失严重"
    )
    assert archive.category == "accident" and archive.category_overridden
    assert archive.override_reason == "突发火灾，财产损失严重"
    finances(archive, income="40000")
    assert reload(archive).category == "accident"  # a recomputation keeps the override
    archive = actions.do_override_category(
        acting_user=hp.own, archive=archive, category=None, person_name=NAMED, reason="撤销人工认定"
    )
    assert archive.category == archive.computed_category == Category.RELATIVE  # 40000: 1666.67 a month
    assert not archive.category_overridden
    assert len(entries("hardship.category_override")) == 2


def test_it_makes_a_migrant_worker_a_difficult_migrant_worker(tree, hp, lines, clock):
    migrant = make_member(tree.grassroots, worker_type="migrant")
    archive = create(
        migrant, user=hp.own, facts={"lives_in_city": True, "employed_since": clock.today - dt.timedelta(days=800)}
    )
    archive = finances(archive)
    assert archive.category == Category.MIGRANT and archive.basis_category == Category.DEEP


# --- visits and checks ---------------------------------------------------------------------------


def test_it_records_a_visit_moving_the_archive_on(hp, member, lines, clock):
    archive = create(member, user=hp.own)
    v = actions.do_record_visit(
        acting_user=hp.own,
        archive=archive,
        visited_on=clock.today,
        visitors="王帮扶、李干事",
        findings="住房简陋",
        latitude="22.53",
        longitude="113.93",
    )
    assert v.latitude == Decimal("22.530000")
    assert reload(archive).status == S.VISITED
    event = ArchiveEvent.objects.get(archive=archive, to_status="visited")
    assert event.person_name == "王帮扶、李干事" and event.reason == "住房简陋"
    visit(archive)  # a second visit stays visited
    assert reload(archive).status == S.VISITED
    assert len(entries("hardship.visit")) == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"visited_on": "2999-01-01"}, "visited_on"),
        ({"visitors": ""}, "visitors"),
        ({"findings": " "}, "findings"),
        ({"latitude": "95", "longitude": "113"}, "latitude"),
        ({"latitude": "22.5"}, "longitude"),
    ],
)
def test_it_refuses_a_bad_visit_and_writes_nothing(hp, member, lines, clock, kw, field):
    archive = create(member, user=hp.own)
    data = {"visited_on": clock.today, "visitors": "王帮扶", "findings": "情况"}
    data.update(kw)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_record_visit(acting_user=hp.own, archive=archive, **data)
    assert field in e.value.message_dict
    assert table_state() == before


def test_it_refuses_checks_before_the_visit(hp, member, lines):
    archive = create(member, user=hp.own)
    with pytest.raises(ValidationError, match="入户调查"):
        all_checks(archive)


def test_it_moves_to_checked_only_when_all_four_checks_are_in(hp, member, lines):
    archive = create(member, user=hp.own)
    visit(archive)
    for kind in ["property", "vehicle", "business"]:
        actions.do_record_check(
            acting_user=hp.own, archive=archive, kind=kind, result="none_found", source="平台", person_name=NAMED
        )
    assert reload(archive).status == S.VISITED
    actions.do_record_check(
        acting_user=hp.own,
        archive=archive,
        kind="social_insurance",
        result="within_limit",
        source="社保局",
        person_name=NAMED,
    )
    assert reload(archive).status == S.CHECKED
    assert len(entries("hardship.check")) == 4
    assert len(entries("hardship.checks_complete")) == 1


@pytest.mark.parametrize(
    ("kw", "field"), [({"result": ""}, "result"), ({"source": ""}, "source"), ({"kind": "pets"}, "kind")]
)
def test_it_refuses_a_manual_check_without_result_or_source(hp, member, lines, kw, field):
    archive = create(member, user=hp.own)
    visit(archive)
    data = {"kind": "property", "result": "none_found", "source": "不动产登记中心"}
    data.update(kw)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_record_check(acting_user=hp.own, archive=archive, person_name=NAMED, **data)
    assert field in e.value.message_dict
    assert table_state() == before


class FakeRegistry:
    name = "fake-registry"

    def run(self, archive, kind, *, result="", source="", detail=""):
        return CheckOutcome("exceeds" if kind == "vehicle" else "none_found", "共享接口", "自动核查", self.name)


def test_it_uses_the_configured_checker_and_names_the_exclusion_it_finds(hp, member, lines, settings):
    settings.HARDSHIP_CHECKER = "gonghui.hardship.tests.test_actions.FakeRegistry"
    archive = create(member, user=hp.own)
    visit(archive)
    finances(archive)
    for kind in DataCheck.Kind.values:
        actions.do_record_check(acting_user=hp.own, archive=archive, kind=kind, person_name=NAMED)
    archive = reload(archive)
    assert set(archive.checks.values_list("checker", flat=True)) == {"fake-registry"}
    assert [e["rule"] for e in archive.exclusions] == ["excess_vehicle"]
    with pytest.raises(ValidationError) as e:
        actions.do_review(acting_user=hp.own, archive=archive, person_name=NAMED, reason="审核")
    assert "excess_vehicle" in str(e.value.message_dict["exclusions"])


# --- review, notice, approval -------------------------------------------------------------------------


def test_it_refuses_a_review_of_an_ineligible_household(hp, member, lines):
    archive = create(member, user=hp.own)
    visit(archive)
    finances(archive, income="60000")  # 2500 per month: above twice the line
    all_checks(archive)
    with pytest.raises(ValidationError, match="不符合困难职工认定条件"):
        actions.do_review(acting_user=hp.own, archive=archive, person_name=NAMED, reason="审核")


def test_it_refuses_a_review_without_finances(hp, member, lines):
    archive = create(member, user=hp.own)
    visit(archive)
    all_checks(archive)
    with pytest.raises(ValidationError, match="收入"):
        actions.do_review(acting_user=hp.own, archive=archive, person_name=NAMED, reason="审核")


def test_it_refuses_approval_while_the_notice_runs(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.NOTICE, clock)
    notice = actions.current_notice(archive)
    for day in (notice.starts_on, notice.ends_on):
        clock.set(day)
        with pytest.raises(ValidationError, match="公示期"):
            actions.do_approve(acting_user=hp.own, archive=archive, person_name=NAMED, reason="批准")
    assert reload(archive).status == S.NOTICE


def test_it_refuses_approval_after_an_upheld_objection_until_a_new_notice(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.NOTICE, clock)
    objection = actions.do_log_objection(acting_user=hp.own, archive=archive, text="家中另有商铺", objector="匿名")
    actions.do_resolve_objection(
        acting_user=hp.own, objection=objection, outcome="upheld", resolution="已核实，需补充核查", person_name=NAMED
    )
    with pytest.raises(ValidationError, match="已于"):
        actions.do_resolve_objection(
            acting_user=hp.own, objection=objection, outcome="dismissed", resolution="x", person_name=NAMED
        )
    clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="异议成立"):
        actions.do_approve(acting_user=hp.own, archive=archive, person_name=NAMED, reason="批准")
    actions.do_start_notice(
        acting_user=hp.own, archive=archive, place="公告栏", person_name=NAMED, reason="整改后重新公示"
    )
    notices = list(archive.notices.order_by("pk"))
    assert [n.superseded for n in notices] == [True, False]
    clock.set(notices[1].ends_on + dt.timedelta(days=1))
    assert (
        actions.do_approve(acting_user=hp.own, archive=archive, person_name=NAMED, reason="批准").status == S.ARCHIVED
    )


def test_it_refuses_an_objection_outside_the_notice(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.NOTICE, clock)
    clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="公示期内"):
        actions.do_log_objection(acting_user=hp.own, archive=archive, text="迟到的异议")


def test_it_refuses_a_notice_starting_in_the_past(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.REVIEWED, clock)
    with pytest.raises(ValidationError) as e:
        actions.do_start_notice(
            acting_user=hp.own,
            archive=archive,
            place="公告栏",
            person_name=NAMED,
            reason="公示",
            starts_on=clock.today - dt.timedelta(days=1),
        )
    assert "starts_on" in e.value.message_dict


@pytest.mark.parametrize(
    ("level", "allowed", "refused"),
    [
        ("grassroots", ["own", "ancestor"], ["sibling", "outsider"]),
        ("district", ["own", "ancestor"], ["sibling", "outsider"]),
        ("city", ["ancestor"], ["own", "sibling", "outsider"]),
    ],
)
def test_it_approves_only_at_the_union_matching_the_level(tree, hp, lines, clock, level, allowed, refused):
    for name in refused + allowed:
        archive = to_state(create(make_member(tree.grassroots), user=hp.ancestor, level=level), S.NOTICE, clock)
        clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
        if name in refused:
            before = table_state()
            with pytest.raises(ActionPermissionError):
                actions.do_approve(acting_user=persona(hp, name), archive=archive, person_name=NAMED, reason="批准")
            assert table_state() == before
        else:
            archive = actions.do_approve(
                acting_user=persona(hp, name), archive=archive, person_name=NAMED, reason="批准"
            )
            assert archive.status == S.ARCHIVED
            assert archive.approved_org == actions.approving_org(tree.grassroots, level)
            assert entries("hardship.approve")[-1].actor == persona(hp, name)


def test_it_refuses_approval_for_a_user_who_may_only_change(tree, member, lines, clock):
    from gonghui.accounts.models import Role
    from gonghui.core.testing import make_staff

    Role.objects.create(code="hs-clerk", name="帮扶录入", permissions=["hardship.view", "hardship.change"])
    clerk = make_staff("clerk", tree.district, roles=("hs-clerk",))
    archive = to_state(create(member, user=clerk), S.NOTICE, clock, user=clerk)
    clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
    with pytest.raises(ActionPermissionError):
        actions.do_approve(acting_user=clerk, archive=archive, person_name=NAMED, reason="批准")


# --- after archiving ---------------------------------------------------------------------------------


def test_it_runs_an_annual_review(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.UNDER_REVIEW, clock)
    with pytest.raises(ValidationError, match="入户调查"):
        actions.do_complete_annual_review(acting_user=hp.own, archive=archive, person_name=NAMED, reason="复核通过")
    visit(archive)
    clock.advance(3)
    archive = actions.do_complete_annual_review(
        acting_user=hp.own, archive=archive, person_name=NAMED, reason="复核通过"
    )
    assert archive.status == S.ARCHIVED
    assert archive.next_review_due == clock.today.replace(year=clock.today.year + 1)


def test_it_refuses_to_complete_a_review_of_a_household_no_longer_eligible(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.UNDER_REVIEW, clock)
    visit(archive)
    finances(archive, income="90000")
    with pytest.raises(ValidationError, match="脱困"):
        actions.do_complete_annual_review(acting_user=hp.own, archive=archive, person_name=NAMED, reason="复核")


def test_it_relieves_only_a_household_with_serious_illness_or_disability(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.ARCHIVED, clock)
    with pytest.raises(ValidationError, match="大病或残疾"):
        actions.do_relieve(acting_user=hp.own, archive=archive, person_name=NAMED, reason="无法脱困")
    sick = create(
        make_member(member.org),
        user=hp.own,
        household=[{"relation": "self", "health": "serious", "illness": "尿毒症"}],
    )
    sick = to_state(sick, S.RELIEVED, clock)
    assert sick.status == S.RELIEVED and sick.relieved_on == clock.today


@pytest.mark.parametrize("why", ["retired", "transferred", "died", "ineligible"])
def test_it_removes_an_archive_with_a_reason_and_frees_the_household(hp, member, lines, clock, why):
    archive = to_state(create(member, user=hp.own), S.ARCHIVED, clock)
    archive = actions.do_remove(
        acting_user=hp.own, archive=archive, removal_reason=why, person_name=NAMED, reason="经核实"
    )
    assert archive.status == S.REMOVED and archive.removal_reason == why
    assert not archive.household.filter(active=True).exists()
    assert entries("hardship.remove")[0].after["removal_reason"] == why


def test_it_refuses_removal_without_a_known_reason(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.ARCHIVED, clock)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_remove(acting_user=hp.own, archive=archive, removal_reason="moved", person_name=NAMED, reason="x")
    assert "removal_reason" in e.value.message_dict
    assert table_state() == before


# --- refused transitions ------------------------------------------------------------------------------

CALLS = {
    "review": lambda a, u: actions.do_review(acting_user=u, archive=a, person_name=NAMED, reason="r"),
    "notice": lambda a, u: actions.do_start_notice(acting_user=u, archive=a, place="p", person_name=NAMED, reason="r"),
    "approve": lambda a, u: actions.do_approve(acting_user=u, archive=a, person_name=NAMED, reason="r"),
    "reject": lambda a, u: actions.do_reject(acting_user=u, archive=a, person_name=NAMED, reason="r"),
    "start_review": lambda a, u: actions.do_start_annual_review(
        acting_user=u, archive=a, person_name=NAMED, reason="r"
    ),
    "complete_review": lambda a, u: actions.do_complete_annual_review(
        acting_user=u, archive=a, person_name=NAMED, reason="r"
    ),
    "exit": lambda a, u: actions.do_exit(acting_user=u, archive=a, person_name=NAMED, reason="r"),
    "relieve": lambda a, u: actions.do_relieve(acting_user=u, archive=a, person_name=NAMED, reason="r"),
    "remove": lambda a, u: actions.do_remove(
        acting_user=u, archive=a, removal_reason="died", person_name=NAMED, reason="r"
    ),
    "relapse": lambda a, u: actions.do_relapse(acting_user=u, archive=a, person_name=NAMED, reason="r"),
}


@pytest.mark.parametrize(
    ("state", "call"),
    [
        (S.APPLIED, "review"),
        (S.APPLIED, "notice"),
        (S.APPLIED, "approve"),
        (S.APPLIED, "exit"),
        (S.VISITED, "review"),
        (S.CHECKED, "notice"),
        (S.REVIEWED, "approve"),
        (S.NOTICE, "exit"),
        (S.ARCHIVED, "approve"),
        (S.ARCHIVED, "reject"),
        (S.ARCHIVED, "relapse"),
        (S.ARCHIVED, "complete_review"),
        (S.UNDER_REVIEW, "start_review"),
        (S.EXITED, "remove"),
        (S.EXITED, "exit"),
        (S.RELIEVED, "exit"),
        (S.REMOVED, "relapse"),
        (S.REMOVED, "start_review"),
        (S.REJECTED, "review"),
        (S.RELAPSED, "approve"),
    ],
)
def test_it_refuses_a_transition_not_allowed_naming_the_state(hp, member, lines, clock, state, call):
    household = [{"relation": "self", "health": "serious", "illness": "癌症"}, child()]
    archive = to_state(create(member, user=hp.own, household=household), state, clock)
    before = table_state()
    with pytest.raises(TransitionError) as e:
        CALLS[call](archive, hp.own)
    assert str(S(state).label) in str(e.value)
    assert e.value.current_state == state
    assert table_state() == before


@pytest.mark.parametrize("call", ["reject", "relapse", "start_review"])
@pytest.mark.parametrize("field", ["person_name", "reason"])
def test_it_refuses_a_transition_without_a_named_person_or_reason(hp, member, lines, clock, call, field):
    state = {"reject": S.APPLIED, "relapse": S.EXITED, "start_review": S.ARCHIVED}[call]
    archive = to_state(create(member, user=hp.own), state, clock)
    func = {
        "reject": actions.do_reject,
        "relapse": actions.do_relapse,
        "start_review": actions.do_start_annual_review,
    }[call]
    kw = {"person_name": NAMED, "reason": "原因", field: "  "}
    before = table_state()
    with pytest.raises(ValidationError) as e:
        func(acting_user=hp.own, archive=archive, **kw)
    assert field in e.value.message_dict
    assert table_state() == before


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize(
    ("state", "call"),
    [(S.APPLIED, "reject"), (S.ARCHIVED, "start_review"), (S.ARCHIVED, "exit"), (S.EXITED, "relapse")],
)
def test_it_refuses_transitions_outside_the_users_subtree(hp, member, lines, clock, name, state, call):
    archive = to_state(create(member, user=hp.own), state, clock)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        CALLS[call](archive, persona(hp, name))
    assert table_state() == before


@pytest.mark.parametrize("name", ALLOWED)
def test_it_lets_own_and_ancestor_work_the_archive(hp, member, lines, clock, name):
    user = persona(hp, name)
    archive = to_state(create(member, user=user), S.ARCHIVED, clock, user=user)
    assert archive.status == S.ARCHIVED


@pytest.mark.parametrize("name", REFUSED)
def test_it_refuses_visits_checks_and_finances_outside_the_subtree(hp, member, lines, clock, name):
    archive = create(member, user=hp.own)
    user = persona(hp, name)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        visit(archive, user=user)
    with pytest.raises(ActionPermissionError):
        finances(archive, user=user)
    visit(archive)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        all_checks(archive, user=user)
    assert table_state() == before


# --- monthly incomes and the exit rule -------------------------------------------------------------------


def archived_with_months(member, hp, clock, figures):
    archive = to_state(create(member, user=hp.own), S.ARCHIVED, clock)
    month = clock.today.replace(day=1)
    for income in figures:
        actions.do_record_monthly_income(acting_user=hp.own, archive=archive, month=month, household_income=income)
        month = (month + dt.timedelta(days=32)).replace(day=1)
        clock.set(month)
    return archive


def test_it_proposes_no_exit_when_a_month_is_exactly_at_the_line(hp, member, lines, clock):
    archived_with_months(member, hp, clock, ["2400"] * 5 + ["2000"])  # 2 people: 1200 ×5, then 1000
    assert exits.propose_exits(clock.today)["proposed"] == 0


def test_it_proposes_the_exit_again_only_after_a_newer_month(hp, member, lines, clock):
    archive = archived_with_months(member, hp, clock, ["2400"] * 6)
    assert exits.propose_exits(clock.today)["proposed"] == 1
    actions.do_decline_exit_proposal(acting_user=hp.own, archive=archive, person_name=NAMED, reason="仍有大额医疗支出")
    assert exits.propose_exits(clock.today)["proposed"] == 0
    actions.do_record_monthly_income(acting_user=hp.own, archive=archive, month=clock.today, household_income="2400")
    assert exits.propose_exits(clock.today)["proposed"] == 1
    assert len(entries("hardship.exit_proposed_batch")) == 2


def test_it_runs_the_exit_sweep_as_a_task(hp, member, lines, clock):
    archived_with_months(member, hp, clock, ["2400"] * 6)
    assert exits.exit_sweep_task.call()["considered"] == 1


def test_it_refuses_a_second_record_for_the_same_month_and_bad_months(hp, member, lines, clock):
    archive = archived_with_months(member, hp, clock, ["2400"])
    before = table_state()
    with pytest.raises(ValidationError, match="已登记"):
        actions.do_record_monthly_income(
            acting_user=hp.own, archive=archive, month=clock.today - dt.timedelta(days=20), household_income="1"
        )
    with pytest.raises(ValidationError) as e:
        actions.do_record_monthly_income(acting_user=hp.own, archive=archive, month="2999-01-01", household_income="1")
    assert "month" in e.value.message_dict
    assert table_state() == before


def test_it_refuses_monthly_incomes_before_archiving(hp, member, lines, clock):
    archive = create(member, user=hp.own)
    with pytest.raises(ValidationError, match="不能登记月收入"):
        actions.do_record_monthly_income(acting_user=hp.own, archive=archive, month=clock.today, household_income="1")


def test_it_moves_archives_with_their_org(tree, hp, member, lines):
    from gonghui.orgs.actions import do_move_org

    archive = create(member, user=hp.own)
    do_move_org(acting_user=None, org=tree.street, new_parent=tree.sibling_district, reason="区划调整")
    archive = reload(archive)
    assert archive.org_path.startswith(tree.sibling_district.path)
    assert archive.org_path == type(tree.grassroots).objects.get(pk=tree.grassroots.pk).path


# --- household corrections and visit attachments ------------------------------------------------------


def test_it_updates_a_household_members_health_and_reassesses(hp, member, lines, clock):
    archive = to_state(create(member, user=hp.own), S.UNDER_REVIEW, clock)
    worker = archive.household.get(relation="self")
    updated = actions.do_update_household_member(
        acting_user=hp.own,
        archive=archive,
        member=worker,
        data={"health": "serious", "illness": "尿毒症", "name": "冒名"},
        person_name=NAMED,
        reason="复核发现患大病",
    )
    assert updated.health == "serious" and updated.name == member.person.name  # the worker's name is not editable
    assert entries("hardship.household_update")[0].after["health"] == "serious"
    archive = actions.do_relieve(acting_user=hp.own, archive=reload(archive), person_name=NAMED, reason="大病无法脱困")
    assert archive.status == S.RELIEVED


def test_it_refuses_a_household_update_that_takes_someone_from_another_archive(tree, hp, member, lines):
    taken = next_id()
    create(
        make_member(tree.grassroots),
        user=hp.own,
        household=[{"relation": "spouse", "name": "李四", "doc_number": taken}],
    )
    archive = create(member, user=hp.own)
    kid = archive.household.get(relation="child")
    before = table_state()
    with pytest.raises(ValidationError, match="另一户"):
        actions.do_update_household_member(
            acting_user=hp.own,
            archive=archive,
            member=kid,
            data={"doc_number": taken, "birth_date": None},
            person_name=NAMED,
            reason="更正证件号",
        )
    assert table_state() == before


def test_it_removes_a_household_member_but_never_the_worker(hp, member, lines):
    archive = finances(create(member, user=hp.own), income="30000")
    assert archive.category == Category.RELATIVE  # 1250 a month for 2
    kid = archive.household.get(relation="child")
    with pytest.raises(ValidationError, match="本人"):
        actions.do_remove_household_member(
            acting_user=hp.own,
            archive=archive,
            member=archive.household.get(relation="self"),
            person_name=NAMED,
            reason="x",
        )
    actions.do_remove_household_member(
        acting_user=hp.own, archive=archive, member=kid, person_name=NAMED, reason="子女户口迁出"
    )
    archive = reload(archive)
    assert archive.household_size == 1 and archive.category == ""  # 2500 a month for 1
    assert entries("hardship.household_remove")[0].after["relation"] == "child"


@pytest.mark.parametrize("name", REFUSED)
def test_it_refuses_household_changes_outside_the_subtree(hp, member, lines, name):
    archive = create(member, user=hp.own)
    kid = archive.household.get(relation="child")
    with pytest.raises(ActionPermissionError):
        actions.do_update_household_member(
            acting_user=persona(hp, name),
            archive=archive,
            member=kid,
            data={"health": "minor"},
            person_name=NAMED,
            reason="x",
        )


def test_it_stores_a_visit_photo_under_a_name_with_nothing_personal(hp, member, lines, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    archive = create(member, user=hp.own)
    v = visit(archive)
    content = b"\xff\xd8\xffphoto"  # a JPEG starts with FF D8 FF (checked by core.uploads)
    row = actions.do_add_visit_attachment(acting_user=hp.own, visit=v, upload=ContentFile(content, name="张三家.JPG"))
    assert row.original_name == "张三家.JPG" and row.content_type == "image/jpeg" and row.size == len(content)
    assert row.file.name.startswith(f"hardship/{archive.pk}/") and "张三" not in row.file.name
    assert (tmp_path / row.file.name).read_bytes() == content
    assert entries("hardship.visit_attachment")[0].after["attachment"] == row.pk


@pytest.mark.parametrize(("name", "content"), [("a.exe", b"MZ"), ("a.jpg", b""), ("big.pdf", b"x" * 2048)])
def test_it_refuses_attachments_of_the_wrong_type_or_size(hp, member, lines, settings, tmp_path, name, content):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    settings.HARDSHIP_ATTACHMENT_MAX_BYTES = 1024
    archive = create(member, user=hp.own)
    v = visit(archive)
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_add_visit_attachment(acting_user=hp.own, visit=v, upload=ContentFile(content, name=name))
    assert "file" in e.value.message_dict
    assert table_state() == before
    assert not any(tmp_path.rglob("*.*"))


def test_it_moves_archives_to_the_surviving_org_of_a_merge(tree, hp, lines):
    from gonghui.orgs.actions import do_merge_org

    archive = create(make_member(tree.sibling_grassroots), user=hp.ancestor)
    do_merge_org(acting_user=None, source=tree.sibling_grassroots, target=tree.grassroots, reason="企业合并")
    archive = reload(archive)
    assert archive.org == tree.grassroots and archive.org_path == tree.grassroots.path
