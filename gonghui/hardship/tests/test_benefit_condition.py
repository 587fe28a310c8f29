"""The hardship condition that benefit rules use (HardshipConfig.member_conditions)."""

from gonghui.hardship.benefits import ArchiveCondition
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import create, to_state
from gonghui.members import eligibility
from gonghui.members.models import Membership
from gonghui.members.tests.helpers import make_member


def test_the_benefits_app_uses_the_hardship_condition(db):
    assert isinstance(eligibility.CONDITIONS["hardship"].check.__self__, ArchiveCondition)


def test_it_makes_only_archived_workers_eligible_and_segments_alike(tree, clock, lines):
    archived = make_member(tree.grassroots)
    pending = make_member(tree.grassroots)
    other = make_member(tree.grassroots)
    to_state(create(archived), S.ARCHIVED, clock)
    create(pending)  # applied, not yet on file
    rule = {"hardship": "archived"}
    assert eligibility.evaluate(rule, archived).eligible
    assert eligibility.evaluate(rule, pending).reasons == ["仅限在档困难职工"]
    assert not eligibility.evaluate(rule, other).eligible
    assert set(Membership.objects.filter(eligibility.segment(rule)).values_list("pk", flat=True)) == {archived.pk}
    opposite = {"hardship": "not_archived"}
    assert set(Membership.objects.filter(eligibility.segment(opposite)).values_list("pk", flat=True)) == {
        pending.pk,
        other.pk,
    }
    assert eligibility.evaluate(opposite, other).eligible


def test_it_counts_an_exited_household_as_no_longer_archived(tree, clock, lines):
    member = make_member(tree.grassroots)
    to_state(create(member), S.EXITED, clock)
    assert eligibility.evaluate({"hardship": "not_archived"}, member).eligible
