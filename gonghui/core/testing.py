"""Test helpers shared by every module: a small org tree and the four personas (DESIGN.md §8).

Personas, for any object living at org X:
  outsider  — a staff account with no grant at all;
  own       — the role granted on X's own subtree;
  ancestor  — the role granted on an ancestor of X;
  sibling   — the role granted on a sibling subtree (sees nothing of X).
Each view and endpoint test checks all four: own and ancestor succeed, outsider and
sibling get 404 (or an empty list).
"""

from __future__ import annotations

from dataclasses import dataclass

from gonghui.accounts.actions import do_create_staff, do_grant_role
from gonghui.accounts.models import Role, User
from gonghui.core.validators import uscc_check_character
from gonghui.orgs.actions import do_create_org
from gonghui.orgs.models import Org

PASSWORD = "test-pass-1234"  # noqa: S105 (test accounts only)


def make_uscc(division: str, body: str = "MA5EXAMPL") -> str:
    first17 = "91" + division + body
    return first17 + uscc_check_character(first17)


@dataclass
class Tree:
    province: Org
    city: Org
    district: Org
    street: Org
    grassroots: Org
    sibling_district: Org
    sibling_grassroots: Org
    other_city: Org


def build_tree() -> Tree:
    """广东省 → 深圳市 → 南山区 → 南头街道 → 某公司工会; 福田区 → 另一公司工会; 广州市."""

    def create(parent, kind, **data):
        return do_create_org(acting_user=None, parent=parent, kind=kind, data=data)

    province = create(None, "province", name="广东省总工会", division_code="440000")
    city = create(province, "city", name="深圳市总工会", division_code="440300")
    district = create(city, "district", name="南山区总工会", division_code="440305")
    street = create(district, "street", name="南头街道总工会", division_code="440305001")
    grassroots = create(
        street, "grassroots", name="南山测试科技有限公司工会", uscc=make_uscc("440305"), employee_count=120
    )
    sibling_district = create(city, "district", name="福田区总工会", division_code="440304")
    sibling_grassroots = create(
        sibling_district, "grassroots", name="福田测试物流有限公司工会", uscc=make_uscc("440304"), employee_count=80
    )
    other_city = create(province, "city", name="广州市总工会", division_code="440100")
    return Tree(province, city, district, street, grassroots, sibling_district, sibling_grassroots, other_city)


def make_staff(username: str, org: Org | None = None, roles=("organiser",), grant_org: Org | None = None) -> User:
    user = do_create_staff(acting_user=None, username=username, display_name=username, home_org=org, password=PASSWORD)
    for code in roles:
        do_grant_role(acting_user=None, user=user, role=Role.objects.get(code=code), org=grant_org or org)
    return User.objects.get(pk=user.pk)


@dataclass
class Personas:
    outsider: User
    own: User
    ancestor: User
    sibling: User

    def allowed(self):
        return [("own", self.own), ("ancestor", self.ancestor)]

    def refused(self):
        return [("outsider", self.outsider), ("sibling", self.sibling)]


def make_personas(own_org: Org, ancestor_org: Org, sibling_org: Org, roles=("organiser",), prefix="p") -> Personas:
    return Personas(
        outsider=make_staff(f"{prefix}-outsider", own_org, roles=()),
        own=make_staff(f"{prefix}-own", own_org, roles=roles),
        ancestor=make_staff(f"{prefix}-ancestor", ancestor_org, roles=roles),
        sibling=make_staff(f"{prefix}-sibling", sibling_org, roles=roles),
    )
