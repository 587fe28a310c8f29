"""Eligibility rules as data: every condition, its Chinese reason, and that `segment()` (the bulk
filter) agrees with `evaluate()` member by member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from gonghui.benefits.tests.helpers import gig_member, member_born
from gonghui.members import eligibility
from gonghui.members.actions import revoke_cards
from gonghui.members.eligibility import Condition, evaluate, parse_rule, register_condition, segment
from gonghui.members.models import Membership
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def agrees(rule, memberships):
    """evaluate() and segment() give the same answer for each membership."""
    matched = set(Membership.objects.filter(segment(rule)).values_list("pk", flat=True))
    for m in memberships:
        m = Membership.objects.select_related("person").get(pk=m.pk)
        assert bool(evaluate(rule, m)) == (m.pk in matched), (rule, m.member_no, evaluate(rule, m).reasons)
    return matched


def test_it_asks_by_default_for_an_active_verified_member_with_a_card(tree):
    ok = make_member(tree.grassroots)
    retained = make_member(tree.grassroots, status="retained")
    unverified = make_member(tree.grassroots, verified=False)
    verdict = evaluate({}, Membership.objects.get(pk=ok.pk))
    assert verdict.eligible and verdict.reasons == []
    assert "会籍状态为“保留会籍”" in evaluate({}, retained).reasons[0]
    reasons = evaluate({}, unverified).reasons
    assert "尚未完成实名认证" in reasons and "电子会员卡未激活或已失效" in reasons
    assert agrees({}, [ok, retained, unverified]) == {ok.pk}


def test_it_refuses_a_member_whose_card_was_revoked(tree):
    member = make_member(tree.grassroots)
    revoke_cards(member, "测试")
    assert evaluate({}, member).reasons == ["电子会员卡未激活或已失效"]
    assert evaluate({"card": False}, member).eligible
    agrees({}, [member])
    agrees({"card": False}, [member])


def test_it_limits_to_an_org_subtree_and_names_the_org(tree):
    inside = make_member(tree.grassroots)
    outside = make_member(tree.sibling_grassroots)
    rule = {"orgs": [tree.district.code]}
    assert evaluate(rule, inside).eligible
    assert evaluate(rule, outside).reasons == ["仅限南山区总工会所属会员"]
    assert agrees(rule, [inside, outside]) == {inside.pk}


def test_it_limits_by_worker_type_and_gig_subtype(tree):
    rider = gig_member(tree.grassroots, gig_subtype="delivery")
    courier = gig_member(tree.grassroots, gig_subtype="courier")
    regular = make_member(tree.grassroots)
    rule = {"worker_types": ["gig"], "gig_subtypes": ["delivery"]}
    assert evaluate(rule, rider).eligible
    assert evaluate(rule, courier).reasons == ["仅限：外卖配送员"]
    assert evaluate(rule, regular).reasons == ["仅限职工类型：新就业形态劳动者", "仅限：外卖配送员"]
    assert agrees(rule, [rider, courier, regular]) == {rider.pk}


def test_it_counts_age_in_whole_years_on_the_day(tree):
    member = member_born(tree.grassroots, dt.date(1990, 6, 15))
    born = Membership.objects.get(pk=member.pk).person.birth_date
    birthday_60 = born.replace(year=born.year + 60)
    rule = {"age_min": 18, "age_max": 59}
    assert evaluate(rule, member, today=birthday_60 - dt.timedelta(days=1)).eligible
    late = evaluate(rule, member, today=birthday_60)
    assert late.reasons == ["仅限 18–59 周岁（您 60 周岁）"]
    for today, expected in ((birthday_60 - dt.timedelta(days=1), True), (birthday_60, False)):
        matched = Membership.objects.filter(segment(rule, today=today), pk=member.pk).exists()
        assert matched is expected


def test_it_limits_by_skill_level(tree):
    skilled = make_member(tree.grassroots)
    # Fixture data: no member action edits the skill level yet (the roster import sets it).
    Membership.objects.filter(pk=skilled.pk).update(skill_level="三级/高级工")
    plain = make_member(tree.grassroots)
    rule = {"skill_levels": ["三级/高级工", "二级/技师"]}
    assert evaluate(rule, plain).reasons == ["仅限技能等级：三级/高级工、二级/技师"]
    assert agrees(rule, [skilled, plain]) == {skilled.pk}


def test_it_treats_hardship_as_unknown_until_the_hardship_app_provides_it(tree, monkeypatch):
    # As if the hardship app were not installed: the placeholder answers "unknown".
    monkeypatch.setitem(eligibility.CONDITIONS, "hardship", eligibility._hardship_placeholder())
    member = make_member(tree.grassroots)
    rule = {"hardship": "archived"}
    verdict = evaluate(rule, member)
    assert not verdict.eligible
    assert verdict.reasons == ["暂时无法核实困难职工档案状态，请联系所在工会"]
    assert not Membership.objects.filter(segment(rule)).exists()


def test_it_uses_a_registered_condition_for_both_evaluate_and_segment(tree, monkeypatch):
    archived = make_member(tree.grassroots)
    other = make_member(tree.grassroots)
    monkeypatch.setitem(
        eligibility.CONDITIONS,
        "hardship",
        Condition(
            label="困难职工档案",
            values={"archived": "在档困难职工", "not_archived": "非在档困难职工"},
            check=lambda m, v: (m.pk == archived.pk) == (v == "archived"),
            segment=lambda v: Q(pk=archived.pk) if v == "archived" else ~Q(pk=archived.pk),
        ),
    )
    assert evaluate({"hardship": "archived"}, other).reasons == ["仅限在档困难职工"]
    assert agrees({"hardship": "archived"}, [archived, other]) == {archived.pk}
    assert agrees({"hardship": "not_archived"}, [archived, other]) == {other.pk}


def test_it_refuses_bad_rule_data_with_clear_messages():
    with pytest.raises(ValidationError) as exc:
        parse_rule({"worker_types": ["pilot"], "age_min": 70, "age_max": 20, "colour": "red", "card": "yes"})
    messages = exc.value.message_dict["rule"]
    assert any("未知的条件：colour" in m for m in messages)
    assert any("worker_types" in m and "pilot" in m for m in messages)
    assert "最小年龄不能大于最大年龄" in messages
    assert any("card" in m for m in messages)
    with pytest.raises(ValidationError):
        parse_rule(["not", "a", "dict"])
    with pytest.raises(ValidationError):
        parse_rule({"hardship": "maybe"})


def test_it_normalises_and_describes_a_rule(tree):
    data = eligibility.rule_data({"worker_types": "gig", "orgs": [tree.district.code.lower()], "age_max": 60})
    assert data["worker_types"] == ["gig"] and data["orgs"] == [tree.district.code.upper()]
    assert data["statuses"] == ["active"] and data["verified"] is True and data["card"] is True
    lines = eligibility.describe(data)
    assert "职工类型：新就业形态劳动者" in lines and "所属工会：南山区总工会（含下级）" in lines


def test_a_plugin_can_register_a_new_condition():
    register_condition(
        "test_flag",
        Condition(label="测试", values={"yes": "是"}, check=lambda m, v: True, segment=lambda v: Q()),
    )
    try:
        assert parse_rule({"test_flag": "yes"}).conditions == (("test_flag", "yes"),)
    finally:
        eligibility.CONDITIONS.pop("test_flag")


class _FakeArchiveCondition:
    label = "困难职工档案"
    values = {"archived": "在档困难职工", "not_archived": "非在档困难职工"}
    unknown_reason = ""

    def check(self, membership, value):
        return value == "not_archived"

    def segment(self, value):
        return Q() if value == "not_archived" else Q(pk__in=[])


def fake_archive_condition():
    return _FakeArchiveCondition()


@pytest.mark.parametrize("attribute", ["member_conditions", "benefit_conditions"])
def test_an_app_provides_a_condition_through_its_app_config_without_importing_benefits(tree, monkeypatch, attribute):
    """`member_conditions` is the hook; `benefit_conditions` (its name before the move to members) still works."""
    from types import SimpleNamespace

    monkeypatch.setitem(eligibility.CONDITIONS, "hardship", eligibility.CONDITIONS["hardship"])
    factory = "gonghui.benefits.tests.test_eligibility.fake_archive_condition"
    config = SimpleNamespace(**{attribute: {"hardship": factory}})
    assert eligibility.discover([config]) == ["hardship"]
    member = make_member(tree.grassroots)
    assert evaluate({"hardship": "not_archived"}, member).eligible
    assert evaluate({"hardship": "archived"}, member).reasons == ["仅限在档困难职工"]
    assert agrees({"hardship": "archived"}, [member]) == set()
