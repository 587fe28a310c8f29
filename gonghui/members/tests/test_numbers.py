"""Member numbers (会员证号): province code + 10-digit sequence, allocated in blocks."""

from __future__ import annotations

from gonghui.members.models import MemberNumberSequence
from gonghui.members.numbers import allocate, province_code_of
from gonghui.orgs.actions import do_create_org


def test_it_prefixes_numbers_with_the_province_code(tree):
    assert province_code_of(tree.grassroots) == "440000"
    assert province_code_of(tree.province) == "440000"
    assert allocate(tree.grassroots) == ["4400000000000001"]
    assert allocate(tree.other_city) == ["4400000000000002"]


def test_it_allocates_contiguous_blocks_without_reuse(tree):
    first = allocate(tree.grassroots, 3)
    second = allocate(tree.street, 2)
    assert first == ["4400000000000001", "4400000000000002", "4400000000000003"]
    assert second == ["4400000000000004", "4400000000000005"]
    assert MemberNumberSequence.objects.get(province_code="440000").next_value == 6


def test_it_keeps_one_sequence_per_province(tree):
    other = do_create_org(
        acting_user=None, parent=None, kind="province", data={"name": "北京市总工会", "division_code": "110000"}
    )
    assert allocate(other) == ["1100000000000001"]
    assert allocate(tree.city) == ["4400000000000001"]


def test_it_falls_back_to_the_division_code_outside_a_province(db):
    root = do_create_org(
        acting_user=None, parent=None, kind="city", data={"name": "深圳市总工会", "division_code": "440300"}
    )
    assert province_code_of(root) == "440000"
    assert allocate(root)[0].startswith("440000")
