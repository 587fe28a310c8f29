"""Aid programmes and applications: rules and amounts as data (金秋助学 example), exclusions named,
no double aid, application → check → notice (with objections) → approval, four personas, audit,
nothing written on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.hardship import aid
from gonghui.hardship.models_aid import AidApplication, AidProgramme
from gonghui.hardship.tests.aid_helpers import (
    apply,
    approve,
    archived_household,
    d,
    entries,
    money_state,
    seed_programmes,
    student,
)
from gonghui.members.tests.helpers import make_member, next_id

A = AidApplication.Status


@pytest.fixture
def programmes(tree):
    return seed_programmes(tree)


@pytest.fixture
def household(member, lines, clock):
    return archived_household(member, clock)


def autumn(catalogue, member, user=None, **kw):
    return apply(catalogue["autumn_education"], member, user=user, **kw)


# --- programmes ---------------------------------------------------------------------------------------


def test_it_seeds_the_standard_programmes_once(tree):
    made = aid.seed_standard_programmes(tree.district)
    assert {p.code for p in made} == {"autumn_education", "winter_relief", "medical_aid", "living_aid"}
    assert aid.seed_standard_programmes(tree.district) == []
    autumn_rules = AidProgramme.objects.get(org=tree.district, code="autumn_education").amount_rules
    assert [r["amount"] for r in autumn_rules] == ["5000.00", "3000.00", "4000.00", "2000.00"]
    assert len(entries("hardship.programme_create")) == 4


def test_it_refuses_a_programme_with_bad_rules_and_writes_nothing(tree, hp):
    before = money_state()
    with pytest.raises(ValidationError) as e:
        aid.do_create_programme(
            acting_user=hp.own,
            org=tree.district,
            code="Bad Code",
            name="",
            kind="lottery",
            beneficiary="worker",
            amount_rules=[{"label": "x", "when": {"unknown_fact": True}, "amount": "-5"}],
            exclusion_rules=[{"code": "", "label": ""}],
        )
    assert {"code", "name", "kind", "amount_rules", "exclusion_rules"} <= set(e.value.message_dict)
    assert money_state() == before


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_programmes_outside_the_subtree(tree, hp, name):
    with pytest.raises(ActionPermissionError):
        aid.seed_standard_programmes(tree.district, acting_user=getattr(hp, name))


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lets_approvers_in_scope_change_the_rules(tree, hp, programmes, name):
    p = programmes["winter_relief"]
    rules = [{"label": "全部在档", "when": {"archived": True}, "amount": "800.00"}]
    p = aid.do_update_programme_rules(
        acting_user=getattr(hp, name), programme=p, amount_rules=rules, exclusion_rules=[], flags=[], reason="新标准"
    )
    assert p.amount_rules[0]["amount"] == "800.00"
    (entry,) = entries("hardship.programme_rules")
    assert entry.before["amount_rules"][0]["amount"] == "2000.00"


def test_it_evaluates_rules_in_order_and_names_every_exclusion(programmes):
    p = programmes["autumn_education"]
    facts = {"archived": True, "category": "deep", "schooling": "senior", "relation": "child"}
    flags = {"temporary_hardship": False, "military_academy": False, "free_teacher_training": False}
    result = aid.evaluate(p, {**facts, **flags, "aided_elsewhere": True, "military_academy": True})
    assert result.amount == d("3000.00")
    assert [x["rule"] for x in result.exclusions] == ["military_academy", "aided_elsewhere"]
    assert aid.evaluate(p, {**facts, "schooling": "junior"}).amount is None


# --- 金秋助学 amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schooling", "amount", "label"),
    [("university", "5000.00", "在档困难职工家庭·大学"), ("senior", "3000.00", "在档困难职工家庭·高中")],
)
def test_it_gives_an_archived_household_the_archived_amount(
    hp, member, lines, clock, programmes, schooling, amount, label
):
    archive = archived_household(member, clock, schooling=schooling)
    a = autumn(programmes, member, hp.own, household_member=student(archive))
    assert (a.amount, a.rule_label, a.archived, a.status) == (d(amount), label, True, A.APPLIED)
    assert a.beneficiary_masked == student(archive).doc_masked
    (entry,) = entries("hardship.aid_apply")
    assert entry.after["amount"] == amount and entry.after["beneficiary"] == a.beneficiary_masked


@pytest.mark.parametrize(("schooling", "amount"), [("university", "4000.00"), ("vocational", "2000.00")])
def test_it_gives_a_household_in_temporary_hardship_the_lower_amount(tree, hp, programmes, schooling, amount):
    worker = make_member(tree.grassroots)
    a = autumn(
        programmes,
        worker,
        hp.own,
        beneficiary_name="李小明",
        doc_number=next_id(born=dt.date(2006, 3, 1)),
        schooling=schooling,
        flags={"temporary_hardship": True},
    )
    assert (a.amount, a.archived) == (d(amount), False)


def test_it_refuses_a_household_neither_archived_nor_in_temporary_hardship(tree, hp, programmes):
    worker = make_member(tree.grassroots)
    before = money_state()
    with pytest.raises(ValidationError, match="不符合"):
        autumn(programmes, worker, hp.own, beneficiary_name="李小明", doc_number=next_id(), schooling="university")
    assert money_state() == before


@pytest.mark.parametrize(
    ("flag", "rule"),
    [
        ("military_academy", "military_academy"),
        ("free_teacher_training", "free_teacher_training"),
        ("aided_elsewhere", "aided_elsewhere"),
    ],
)
def test_it_refuses_an_excluded_student_naming_the_rule(hp, household, member, programmes, flag, rule):
    before = money_state()
    with pytest.raises(ValidationError) as e:
        autumn(programmes, member, hp.own, household_member=student(household), flags={flag: True})
    assert f"规则 {rule}" in str(e.value.message_dict["exclusions"])
    assert money_state() == before


def test_it_refuses_double_aid_in_the_same_year_but_not_the_next(hp, household, member, programmes, clock):
    first = autumn(programmes, member, hp.own, household_member=student(household))
    before = money_state()
    with pytest.raises(ValidationError, match="不得重复资助"):
        autumn(programmes, member, hp.own, household_member=student(household))
    # the same student entered by hand (no household link) is still the same person
    with pytest.raises(ValidationError, match="不得重复资助"):
        autumn(
            programmes,
            member,
            hp.own,
            beneficiary_name=student(household).name,
            doc_number=_doc_of(student(household)),
            schooling="university",
        )
    assert money_state() == before
    assert autumn(programmes, member, hp.own, household_member=student(household), year=clock.today.year + 1)
    aid.do_reject_application(acting_user=hp.own, application=first, reason="材料不全")
    assert autumn(programmes, member, hp.own, household_member=student(household)).status == A.APPLIED


def _doc_of(member):
    from gonghui.core import crypto
    from gonghui.people.actions import DOC_PURPOSE

    return crypto.decrypt(member.doc_cipher, DOC_PURPOSE)


def test_it_keeps_archive_only_programmes_for_archived_households(tree, hp, programmes):
    worker = make_member(tree.grassroots)
    with pytest.raises(ValidationError, match="仅限在档困难职工"):
        apply(programmes["winter_relief"], worker, user=hp.own)


def test_it_pays_winter_relief_by_category(hp, household, member, programmes):
    a = apply(programmes["winter_relief"], member, user=hp.own)
    assert (a.amount, a.rule_label, a.beneficiary_name) == (d("2000.00"), "深度困难", member.person.name)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"flags": {"lottery": True}}, "flags"),
        ({"flags": {"aided_elsewhere": "yes"}}, "flags"),
        ({"year": 1999}, "year"),
        ({"household_member": None, "beneficiary_name": "", "doc_number": "123"}, "doc_number"),
        ({"schooling": "kindergarten"}, "schooling"),
    ],
)
def test_it_refuses_bad_applications_and_writes_nothing(hp, household, member, programmes, kw, field):
    data = {"household_member": student(household)}
    data.update(kw)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        autumn(programmes, member, hp.own, **data)
    assert field in e.value.message_dict
    assert money_state() == before


def test_it_refuses_an_applicant_outside_the_programme(tree, hp, programmes):
    worker = make_member(tree.sibling_grassroots)
    with pytest.raises(ValidationError, match="不在项目"):
        autumn(programmes, worker, None, beneficiary_name="李小明", doc_number=next_id(), schooling="university")


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_applications_by_officers_outside_the_subtree(hp, household, member, programmes, name):
    with pytest.raises(ActionPermissionError):
        autumn(programmes, member, getattr(hp, name), household_member=student(household))


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_takes_applications_from_officers_in_scope(hp, household, member, programmes, name):
    assert autumn(programmes, member, getattr(hp, name), household_member=student(household)).pk


# --- check, notice, objections, approval --------------------------------------------------------------------


@pytest.fixture
def application(hp, household, member, programmes):
    return autumn(programmes, member, hp.own, household_member=student(household))


def test_it_carries_an_application_from_check_through_notice_to_approval(hp, application, clock):
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    assert a.status == A.CHECKED
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公司公告栏")
    assert a.status == A.NOTICE and a.notice_ends_on > a.notice_starts_on
    with pytest.raises(ValidationError, match="公示期间不能审批"):
        aid.do_approve_application(acting_user=hp.own, application=a, note="同意")
    clock.set(a.notice_ends_on + dt.timedelta(days=1))
    a = aid.do_approve_application(acting_user=hp.ancestor, application=a, note="公示无异议，同意")
    assert (a.status, a.decided_by, a.decided_on) == (A.APPROVED, hp.ancestor, clock.today)
    assert [e.after["status"] for e in entries("hardship.aid_check") + entries("hardship.aid_notice")] == [
        "checked",
        "notice",
    ]
    assert entries("hardship.aid_approve")[0].actor == hp.ancestor


def test_it_blocks_approval_while_an_objection_is_open_and_refuses_an_upheld_one(hp, application, clock):
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公告栏")
    objection = aid.do_log_aid_objection(acting_user=hp.own, application=a, text="该生已获企业奖学金", objector="")
    clock.set(a.notice_ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="尚未处理完毕"):
        aid.do_approve_application(acting_user=hp.own, application=a, note="同意")
    aid.do_resolve_aid_objection(acting_user=hp.own, objection=objection, outcome="upheld", resolution="核实属实")
    with pytest.raises(ValidationError, match="异议成立"):
        aid.do_approve_application(acting_user=hp.own, application=a, note="同意")
    a = aid.do_reject_application(acting_user=hp.own, application=a, reason="公示异议成立")
    assert a.status == A.REJECTED
    assert entries("hardship.aid_objection_resolve")[0].after["outcome"] == "upheld"


def test_it_approves_after_a_dismissed_objection(hp, application, clock):
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公告栏")
    objection = aid.do_log_aid_objection(acting_user=hp.own, application=a, text="怀疑收入不实")
    aid.do_resolve_aid_objection(acting_user=hp.own, objection=objection, outcome="dismissed", resolution="经核实无误")
    with pytest.raises(ValidationError, match="已处理"):
        aid.do_resolve_aid_objection(acting_user=hp.own, objection=objection, outcome="upheld", resolution="x")
    clock.set(a.notice_ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="公示期内"):
        aid.do_log_aid_objection(acting_user=hp.own, application=a, text="迟到的异议")
    assert aid.do_approve_application(acting_user=hp.own, application=a, note="同意").status == A.APPROVED


def test_it_refuses_steps_out_of_order_naming_the_state(hp, application, clock):
    with pytest.raises(TransitionError, match="已申请"):
        aid.do_start_aid_notice(acting_user=hp.own, applications=[application], place="公告栏")
    with pytest.raises(TransitionError, match="已申请"):
        aid.do_approve_application(acting_user=hp.own, application=application, note="同意")
    with pytest.raises(ValidationError, match="不在公示期"):
        aid.do_log_aid_objection(acting_user=hp.own, application=application, text="x")
    a = approve(application, clock, user=hp.own)
    with pytest.raises(TransitionError, match="已批准"):
        aid.do_check_application(acting_user=hp.own, application=a, person_name="王帮扶", reason="再审")


def test_it_rechecks_the_rules_when_the_archive_changed(hp, application, clock):
    from gonghui.hardship import actions
    from gonghui.hardship.tests.helpers import NAMED

    archive = application.archive
    actions.do_exit(acting_user=hp.own, archive=archive, person_name=NAMED, reason="收入稳定")
    before = money_state()
    with pytest.raises(ValidationError, match="不符合资助标准"):
        aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    assert money_state() == before


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"place": ""}, "place"),
        ({"starts_on": dt.date(2000, 1, 1)}, "starts_on"),
        ({"working_days": 99}, "working_days"),
    ],
)
def test_it_refuses_a_bad_notice_and_writes_nothing(hp, application, kw, field):
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    data = {"place": "公告栏"}
    data.update(kw)
    before = money_state()
    with pytest.raises(ValidationError) as e:
        aid.do_start_aid_notice(acting_user=hp.own, applications=[a], **data)
    assert field in e.value.message_dict
    assert money_state() == before


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_every_step_outside_the_subtree(hp, application, clock, name):
    user = getattr(hp, name)
    with pytest.raises(ActionPermissionError):
        aid.do_check_application(acting_user=user, application=application, person_name="王帮扶", reason="属实")
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    with pytest.raises(ActionPermissionError):
        aid.do_start_aid_notice(acting_user=user, applications=[a], place="公告栏")
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公告栏")
    with pytest.raises(ActionPermissionError):
        aid.do_log_aid_objection(acting_user=user, application=a, text="x")
    clock.set(a.notice_ends_on + dt.timedelta(days=1))
    with pytest.raises(ActionPermissionError):
        aid.do_approve_application(acting_user=user, application=a, note="同意")
    with pytest.raises(ActionPermissionError):
        aid.do_reject_application(acting_user=user, application=a, reason="x")


def test_it_approves_without_notice_when_the_programme_needs_none(tree, hp, household, member):
    p = aid.do_create_programme(
        acting_user=hp.own,
        org=tree.district,
        code="quick_relief",
        name="临时救助",
        kind="living_aid",
        beneficiary="worker",
        amount_rules=[{"label": "在档", "when": {"archived": True}, "amount": "500"}],
        requires_notice=False,
    )
    a = apply(p, member, user=hp.own)
    a = aid.do_check_application(acting_user=hp.own, application=a, person_name="王帮扶", reason="属实")
    assert aid.do_approve_application(acting_user=hp.own, application=a, note="同意").status == A.APPROVED


def test_it_refuses_applications_to_an_inactive_programme(hp, household, member, programmes):
    aid.do_set_programme_active(
        acting_user=hp.own, programme=programmes["winter_relief"], active=False, reason="已结束"
    )
    with pytest.raises(ValidationError, match="停止受理"):
        apply(programmes["winter_relief"], member, user=hp.own)


def test_it_seeds_demo_programmes_budgets_and_allowances_once(tree, household, clock):
    from gonghui.hardship.models_aid import Budget, ConvenienceAllowance

    assert aid.seed_demo(tree.district, clock.today.year) == {"budgets": 4, "allowances": 1}
    assert aid.seed_demo(tree.district, clock.today.year) == {"budgets": 0, "allowances": 0}
    assert Budget.objects.get(programme__code="autumn_education").amount == d("200000.00")
    assert ConvenienceAllowance.objects.get().archive == household


def test_it_audits_objections_rejections_and_switching_a_programme_off(hp, application, programmes):
    a = aid.do_check_application(acting_user=hp.own, application=application, person_name="王帮扶", reason="属实")
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公告栏")
    objection = aid.do_log_aid_objection(acting_user=hp.own, application=a, text="有异议")
    aid.do_reject_application(acting_user=hp.own, application=a, reason="主动放弃")
    aid.do_set_programme_active(
        acting_user=hp.own, programme=programmes["autumn_education"], active=False, reason="本年度结束"
    )
    assert entries("hardship.aid_objection")[0].after == {"objection": objection.pk}
    (rejected,) = entries("hardship.aid_reject")
    assert rejected.reason == "主动放弃" and rejected.before == {"status": "notice"}
    (off,) = entries("hardship.programme_active")
    assert off.before == {"active": True} and off.after == {"active": False}
