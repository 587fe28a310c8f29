"""Every write to the org tree (gonghui.orgs.actions): success, refusals, permissions, bad input, audit.

The tree (gonghui.core.testing.build_tree):

    广东省 440000
    ├── 深圳市 440300
    │   ├── 南山区 440305 ── 南头街道 440305001 ── 南山测试科技 (grassroots, 120 employees)
    │   └── 福田区 440304 ── 福田测试物流 (grassroots, 80 employees)
    └── 广州市 440100

Personas: own = organiser on 南山区, ancestor = organiser on 深圳市, sibling = organiser on
福田区, outsider = no grant.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.accounts.actions import do_create_staff
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.testing import PASSWORD, make_staff, make_uscc
from gonghui.orgs.actions import (
    do_bulk_create_orgs,
    do_close_org,
    do_create_org,
    do_merge_org,
    do_move_org,
    do_update_org,
    org_merged,
    org_moved,
)
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org
from gonghui.orgs.tests.helpers import assert_tree_consistent, entries, recompute_tree, reload, table_state

REFUSED = ["outsider", "sibling"]


def create(parent, kind, user=None, **data):
    return do_create_org(acting_user=user, parent=parent, kind=kind, data=data)


def superuser(username="root"):
    return do_create_staff(
        acting_user=None, username=username, display_name="管理员", home_org=None, password=PASSWORD, is_superuser=True
    )


@pytest.fixture
def branch_and_group(tree):
    """A branch with a group under the 南山 grassroots union, so that subtrees have depth."""
    branch = create(tree.grassroots, "branch", name="研发分会", code="NS-B1")
    group = create(branch, "group", name="研发一组", code="NS-B1-1")
    return branch, group


# --- do_create_org ------------------------------------------------------------------------


def test_it_creates_a_grassroots_union_with_path_depth_code_and_counter(tree, personas):
    uscc = make_uscc("440305", "MA5NEWC01")
    org = do_create_org(
        acting_user=personas.own,
        parent=tree.street,
        kind="grassroots",
        data={"name": "  南山新公司\u3000工会 ", "uscc": uscc.lower(), "employee_count": "35"},
        reason="新建",
    )
    org = reload(org)
    assert org.name == "南山新公司 工会"
    assert org.uscc == uscc
    assert org.code == uscc  # a grassroots union without a code takes its employer's USCC
    assert org.parent_id == tree.street.pk
    assert org.path == f"{tree.street.path}{org.pk:08d}."
    assert org.depth == tree.street.depth + 1 == 4
    assert org.province_id == tree.province.pk
    assert org.employee_count == 35
    assert org.status == OrgStatus.ACTIVE
    assert reload(tree.street).child_count == 2
    assert_tree_consistent()


def test_it_records_the_create_in_the_audit_log(tree, personas):
    org = do_create_org(
        acting_user=personas.own, parent=tree.street, kind="grassroots", data={"name": "审计测试工会"}, reason="试点"
    )
    [entry] = entries("org.create")[-1:]
    assert entry.actor_id == personas.own.pk
    assert entry.actor_label == personas.own.username
    assert entry.object_type == "orgs.org"
    assert entry.object_id == str(org.pk)
    assert entry.org_id == org.pk
    assert entry.org_path == org.path
    assert entry.before is None
    assert entry.after["name"] == "审计测试工会"
    assert entry.after["parent"] == tree.street.pk
    assert entry.after["path"] == org.path
    assert entry.reason == "试点"


def test_it_defaults_codes_by_kind(tree, personas):
    district = create(tree.city, "district", personas.ancestor, name="坪山区总工会", division_code="440310")
    federation = create(
        tree.district, "federation", personas.own, name="南山区快递行业联合会", federation_kind="industry"
    )
    assert district.code == "440310"  # local federations use their division code
    assert federation.code == "440305-002"  # the parent's code and a running number (the street is -001's place)
    explicit = create(
        tree.district, "federation", personas.own, name="外卖联合会", federation_kind="new_forms", code="ns-f2"
    )
    assert explicit.code == "NS-F2"


def test_it_lets_a_superuser_create_a_root_and_nobody_else(db):
    admin = superuser()
    root = do_create_org(
        acting_user=admin, parent=None, kind="national", data={"name": "中华全国总工会", "code": "ACFTU"}
    )
    assert (root.path, root.depth, root.parent_id, root.province_id) == (f"{root.pk:08d}.", 0, None, None)
    province = create(root, "province", admin, name="湖南省总工会", division_code="430000")
    assert reload(province).province_id == province.pk
    organiser = make_staff("national-organiser", root)
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_create_org(
            acting_user=organiser, parent=None, kind="province", data={"name": "另一个省", "division_code": "450000"}
        )
    assert table_state() == before


@pytest.mark.parametrize(
    "parent_attr, kind",
    [
        ("group", "city"),  # a union group holds nothing, certainly not a city
        ("branch", "branch"),
        ("grassroots", "federation"),
        ("street", "industry_union"),
        ("province", "street"),
        ("city", "province"),
        ("district", "district"),
    ],
)
def test_it_refuses_a_kind_the_parent_cannot_hold(tree, branch_and_group, parent_attr, kind):
    branch, group = branch_and_group
    parent = {"group": group, "branch": branch}.get(parent_attr) or getattr(tree, parent_attr)
    admin = superuser()
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        create(parent, kind, admin, name="不应存在的组织", division_code="440399", federation_kind="regional")
    assert list(exc.value.message_dict) == ["kind"]
    assert "不能设立" in exc.value.message_dict["kind"][0]
    assert table_state() == before


def test_it_refuses_a_root_of_a_grassroots_kind_even_for_a_superuser(db):
    with pytest.raises(ValidationError) as exc:
        create(None, "grassroots", superuser(), name="无上级的工会")
    assert "kind" in exc.value.message_dict
    assert not Org.objects.exists()


def test_it_refuses_an_unknown_kind(tree, personas):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        create(tree.street, "club", personas.own, name="俱乐部")
    assert "club" in exc.value.message_dict["kind"][0]
    assert table_state() == before


def test_it_refuses_to_create_under_a_closed_org(tree, personas):
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="企业注销")
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        create(tree.sibling_grassroots, "branch", personas.ancestor, name="分会")
    assert exc.value.current_state == OrgStatus.CLOSED
    assert "已撤销" in exc.value.messages[0]
    assert table_state() == before


@pytest.mark.parametrize("persona", REFUSED)
def test_it_refuses_to_create_outside_the_users_subtree(tree, personas, persona):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        create(tree.street, "grassroots", getattr(personas, persona), name="越权工会")
    assert table_state() == before


def test_it_refuses_a_user_who_may_only_view(tree):
    viewer = make_staff("viewer", tree.district, roles=("viewer",))
    with pytest.raises(ActionPermissionError) as exc:
        create(tree.street, "grassroots", viewer, name="只读用户建的工会")
    assert exc.value.permission == "org.add"


def test_it_lets_the_ancestor_create_deep_in_its_subtree(tree, personas):
    org = create(tree.street, "grassroots", personas.ancestor, name="上级代建工会")
    assert org.path.startswith(tree.city.path)


GOOD_USCC = make_uscc("440305", "MA5BADNN1")
BAD_CREATE_INPUT = [
    ("grassroots", {"name": "   "}, "name"),
    ("grassroots", {"name": "名" * 121}, "name"),
    ("grassroots", {"name": "工会", "uscc": GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")}, "uscc"),
    ("grassroots", {"name": "工会", "uscc": "91440305MA5I00000X"}, "uscc"),
    ("grassroots", {"name": "工会", "federation_kind": "regional"}, "federation_kind"),
    ("federation", {"name": "联合会"}, "federation_kind"),
    ("federation", {"name": "联合会", "federation_kind": "union"}, "federation_kind"),
    ("grassroots", {"name": "工会", "latitude": "91"}, "latitude"),
    ("grassroots", {"name": "工会", "longitude": "东经113"}, "longitude"),
    ("grassroots", {"name": "工会", "employee_count": -1}, "employee_count"),
    ("grassroots", {"name": "工会", "employee_count": "很多"}, "employee_count"),
    ("grassroots", {"name": "工会", "established_on": "2024-02-30"}, "established_on"),
    ("grassroots", {"name": "工会", "established_on": dt.date.today() + dt.timedelta(days=2)}, "established_on"),
    ("grassroots", {"name": "工会", "code": "has space"}, "code"),
    ("grassroots", {"name": "工会", "code": "440300"}, "code"),  # taken by 深圳市
    ("street", {"name": "街道"}, "division_code"),  # a local federation needs its division code
    ("street", {"name": "街道", "division_code": "440305"}, "division_code"),  # a district's code, not a street's
    ("street", {"name": "街道", "division_code": "440304001"}, "division_code"),  # inside 福田, not 南山
    ("street", {"name": "街道", "division_code": "990305001"}, "division_code"),  # no such province
]


@pytest.mark.parametrize("kind, data, field", BAD_CREATE_INPUT)
def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(tree, personas, kind, data, field):
    parent = tree.street if kind == "grassroots" else tree.district
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        create(parent, kind, personas.own, **data)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert all(message.strip() for message in exc.value.message_dict[field])
    assert table_state() == before


def test_it_refuses_a_uscc_already_registered_by_an_active_grassroots_union(tree, personas):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        create(tree.street, "grassroots", personas.own, name="重复登记", uscc=tree.grassroots.uscc, code="DUP-1")
    assert tree.grassroots.name in exc.value.message_dict["uscc"][0]
    assert table_state() == before
    # Once the old union is closed, the employer may register a new one.
    do_close_org(acting_user=None, org=tree.grassroots, reason="改组")
    again = create(tree.street, "grassroots", personas.own, name="重新组建", uscc=tree.grassroots.uscc, code="DUP-2")
    assert again.uscc == tree.grassroots.uscc


def test_it_checks_division_codes_against_the_parents_significant_digits(db):
    """500000 (重庆) and 440310 (坪山区) end in zeros that are part of the code."""
    chongqing = create(None, "province", name="重庆市总工会", division_code="500000")
    with pytest.raises(ValidationError) as exc:
        create(chongqing, "city", name="成都市总工会", division_code="510100")
    assert "division_code" in exc.value.message_dict
    assert create(chongqing, "district", name="万州区总工会", division_code="500101").division_code == "500101"

    guangdong = create(None, "province", name="广东省总工会", division_code="440000")
    shenzhen = create(guangdong, "city", name="深圳市总工会", division_code="440300")
    pingshan = create(shenzhen, "district", name="坪山区总工会", division_code="440310")
    with pytest.raises(ValidationError) as exc:
        create(pingshan, "street", name="别区的街道", division_code="440311001")
    assert "division_code" in exc.value.message_dict
    assert create(pingshan, "street", name="坪山街道", division_code="440310001").depth == 3


# --- do_update_org ------------------------------------------------------------------------


def test_it_updates_fields_and_audits_only_what_changed(tree, personas):
    org = do_update_org(
        acting_user=personas.own,
        org=tree.grassroots,
        data={"name": "南山测试科技集团工会", "employee_count": 150, "latitude": "22.54", "short_name": ""},
        reason="更名",
    )
    org = reload(org)
    assert (org.name, org.employee_count, str(org.latitude)) == ("南山测试科技集团工会", 150, "22.540000")
    [entry] = entries("org.update")
    assert entry.actor_id == personas.own.pk
    assert entry.org_path == tree.grassroots.path
    assert entry.object_id == str(tree.grassroots.pk)
    assert entry.before == {"name": "南山测试科技有限公司工会", "employee_count": 120, "latitude": None}
    assert entry.after == {"name": "南山测试科技集团工会", "employee_count": 150, "latitude": "22.540000"}
    assert entry.reason == "更名"


def test_it_writes_nothing_when_an_update_changes_nothing(tree, personas):
    before = table_state()
    do_update_org(
        acting_user=personas.own, org=tree.grassroots, data={"name": tree.grassroots.name, "employee_count": 120}
    )
    assert table_state() == before


def test_it_changes_the_code_normalised(tree, personas):
    org = do_update_org(acting_user=personas.own, org=tree.grassroots, data={"code": "ns-tech"})
    assert reload(org).code == "NS-TECH"
    assert entries("org.update")[-1].after == {"code": "NS-TECH"}


@pytest.mark.parametrize("field", ["kind", "parent", "status", "path", "child_count", "merged_into"])
def test_it_refuses_to_update_fields_that_have_their_own_action(tree, personas, field):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_update_org(acting_user=personas.own, org=tree.grassroots, data={field: "x", "name": "新名"})
    assert list(exc.value.message_dict) == [field]
    assert table_state() == before


@pytest.mark.parametrize(
    "attr, data, field",
    [
        ("grassroots", {"name": ""}, "name"),
        ("grassroots", {"uscc": "91440305MA5EXAMPL0"}, "uscc"),
        ("grassroots", {"uscc": "914403"}, "uscc"),
        ("grassroots", {"code": "440304"}, "code"),  # 福田区's code
        ("grassroots", {"employee_count": -5}, "employee_count"),
        ("district", {"division_code": "440300"}, "division_code"),  # a city's code on a district
        ("district", {"division_code": "440104"}, "division_code"),  # a Guangzhou district under Shenzhen
        ("sibling_grassroots", {"uscc": make_uscc("440305")}, "uscc"),  # registered by the 南山 union
    ],
)
def test_it_refuses_bad_update_input_and_writes_nothing(tree, personas, attr, data, field):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_update_org(acting_user=personas.ancestor, org=getattr(tree, attr), data=data)
    assert field in exc.value.message_dict
    assert table_state() == before


def test_it_refuses_to_update_a_closed_org(tree, personas):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        do_update_org(acting_user=personas.own, org=tree.grassroots, data={"name": "复活"})
    assert exc.value.current_state == OrgStatus.CLOSED
    assert table_state() == before


@pytest.mark.parametrize("persona", REFUSED)
def test_it_refuses_to_update_outside_the_users_subtree(tree, personas, persona):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_update_org(acting_user=getattr(personas, persona), org=tree.grassroots, data={"name": "越权修改"})
    assert table_state() == before


def test_it_refuses_an_update_of_the_users_parent_org(tree, personas):
    with pytest.raises(ActionPermissionError):
        do_update_org(acting_user=personas.own, org=tree.city, data={"name": "改上级的名字"})


# --- do_move_org --------------------------------------------------------------------------


def test_it_moves_a_subtree_rewriting_every_path_and_depth(tree, personas, branch_and_group):
    branch, group = branch_and_group
    old_street_path = tree.street.path
    moved = do_move_org(
        acting_user=personas.ancestor, org=tree.street, new_parent=tree.sibling_district, reason="区划调整"
    )
    assert moved.parent_id == tree.sibling_district.pk
    assert moved.path == f"{tree.sibling_district.path}{tree.street.pk:08d}."
    for org in (tree.street, tree.grassroots, branch, group):
        assert reload(org).path.startswith(moved.path)
        assert not reload(org).path.startswith(old_street_path)
    assert reload(group).depth == 6
    assert_tree_consistent()
    assert reload(tree.district).child_count == 0
    assert reload(tree.sibling_district).child_count == 2


def test_it_moves_to_another_depth_and_province(db):
    admin = superuser()
    china = create(None, "national", admin, name="中华全国总工会", code="ACFTU")
    guangdong = create(china, "province", admin, name="广东省总工会", division_code="440000")
    hunan = create(china, "province", admin, name="湖南省总工会", division_code="430000")
    shenzhen = create(guangdong, "city", admin, name="深圳市总工会", division_code="440300")
    nanshan = create(shenzhen, "district", admin, name="南山区总工会", division_code="440305")
    company = create(nanshan, "grassroots", admin, name="跨省迁移公司工会", code="MOVER")
    branch = create(company, "branch", admin, name="分会", code="MOVER-1")
    changsha = create(hunan, "city", admin, name="长沙市总工会", division_code="430100")

    do_move_org(acting_user=admin, org=company, new_parent=changsha, reason="企业迁址")

    assert reload(company).depth == 3
    assert reload(branch).depth == 4
    assert reload(company).province_id == reload(branch).province_id == hunan.pk
    assert reload(nanshan).child_count == 0
    assert reload(changsha).child_count == 1
    assert_tree_consistent()


def test_it_records_the_move_in_the_audit_log_and_signals_it(tree, personas, branch_and_group):
    received = []

    def receiver(sender, org, old_path, new_path, acting_user, **kwargs):
        received.append((org.pk, old_path, new_path, acting_user))

    org_moved.connect(receiver)
    try:
        old_path = tree.street.path
        moved = do_move_org(
            acting_user=personas.ancestor, org=tree.street, new_parent=tree.sibling_district, reason="调整"
        )
    finally:
        org_moved.disconnect(receiver)
    assert received == [(tree.street.pk, old_path, moved.path, personas.ancestor)]
    [entry] = entries("org.move")
    assert entry.actor_id == personas.ancestor.pk
    assert entry.object_id == str(tree.street.pk)
    assert entry.org_path == moved.path
    assert entry.before == {"parent": tree.district.pk, "path": old_path}
    assert entry.after == {"parent": tree.sibling_district.pk, "path": moved.path, "subtree_size": 4}
    assert entry.reason == "调整"


def test_it_refuses_to_move_an_org_under_its_own_descendant(tree, personas, branch_and_group):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=personas.ancestor, org=tree.district, new_parent=tree.street, reason="循环")
    assert "下级" in exc.value.message_dict["new_parent"][0]
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=personas.ancestor, org=tree.district, new_parent=tree.district, reason="自己")
    assert "new_parent" in exc.value.message_dict
    assert table_state() == before
    assert_tree_consistent()


@pytest.mark.parametrize(
    "org_attr, parent_attr",
    [
        ("street", "sibling_grassroots"),  # a street federation under a company union
        ("grassroots", "sibling_grassroots"),
        ("district", "other_city_street"),
        ("other_city", "sibling_district"),
    ],
)
def test_it_refuses_a_move_under_a_parent_that_cannot_hold_the_kind(tree, org_attr, parent_attr):
    if parent_attr == "other_city_street":
        new_parent = create(tree.other_city, "street", name="某镇总工会", division_code="440100001")
    else:
        new_parent = getattr(tree, parent_attr)
    admin = superuser()
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=admin, org=getattr(tree, org_attr), new_parent=new_parent, reason="调整")
    assert "不能设立" in exc.value.message_dict["new_parent"][0]
    assert table_state() == before


def test_it_refuses_a_move_to_the_current_parent_or_of_the_root(tree):
    admin = superuser()
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=admin, org=tree.street, new_parent=tree.district, reason="原地")
    assert "已经在" in exc.value.message_dict["new_parent"][0]
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=admin, org=tree.province, new_parent=tree.city, reason="根")
    assert "new_parent" in exc.value.message_dict
    assert table_state() == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_refuses_a_move_without_a_reason(tree, personas, reason):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_move_org(acting_user=personas.ancestor, org=tree.street, new_parent=tree.sibling_district, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    assert table_state() == before


def test_it_refuses_to_move_a_closed_org_or_under_a_closed_one(tree, personas):
    closed_street = create(tree.sibling_district, "street", name="已撤销街道", division_code="440304002")
    do_close_org(acting_user=None, org=closed_street, reason="撤并")
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="注销")
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        do_move_org(acting_user=personas.ancestor, org=tree.grassroots, new_parent=closed_street, reason="调整")
    assert exc.value.current_state == OrgStatus.CLOSED
    with pytest.raises(TransitionError):
        do_move_org(acting_user=personas.ancestor, org=tree.sibling_grassroots, new_parent=tree.street, reason="调整")
    assert table_state() == before


@pytest.mark.parametrize("persona", [*REFUSED, "own"])
def test_it_refuses_a_move_without_rights_on_both_ends(tree, personas, persona):
    """own may change 南头街道 but may not add under 福田区; sibling and outsider may do neither."""
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_move_org(
            acting_user=getattr(personas, persona), org=tree.street, new_parent=tree.sibling_district, reason="越权"
        )
    assert table_state() == before


# --- do_close_org -------------------------------------------------------------------------


def test_it_closes_an_org_and_audits_it(tree, personas):
    org = do_close_org(acting_user=personas.own, org=tree.grassroots, reason="企业注销", closed_on=dt.date(2024, 5, 1))
    org = reload(org)
    assert (org.status, org.closed_on) == (OrgStatus.CLOSED, dt.date(2024, 5, 1))
    [entry] = entries("org.close")
    assert entry.actor_id == personas.own.pk
    assert entry.org_path == tree.grassroots.path
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "closed", "closed_on": "2024-05-01"}
    assert entry.reason == "企业注销"


def test_it_closes_today_by_default(tree, personas):
    org = do_close_org(acting_user=personas.ancestor, org=tree.sibling_grassroots, reason="注销")
    assert reload(org).closed_on == timezone.localdate()


def test_it_refuses_to_close_an_org_with_active_children(tree, personas):
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        do_close_org(acting_user=personas.own, org=tree.street, reason="撤并")
    assert "1 个正常状态的下级组织" in exc.value.messages[0]
    assert table_state() == before
    # Closed children no longer block it.
    do_close_org(acting_user=personas.own, org=tree.grassroots, reason="注销")
    assert reload(do_close_org(acting_user=personas.own, org=tree.street, reason="撤并")).status == OrgStatus.CLOSED


def test_it_refuses_to_close_twice_naming_the_state(tree, personas):
    do_close_org(acting_user=personas.own, org=tree.grassroots, reason="注销")
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        do_close_org(acting_user=personas.own, org=tree.grassroots, reason="再撤销")
    assert exc.value.current_state == OrgStatus.CLOSED
    assert "已撤销" in exc.value.messages[0]
    assert table_state() == before


def test_it_refuses_to_close_the_root(tree):
    with pytest.raises(ValidationError) as exc:
        do_close_org(acting_user=superuser(), org=tree.province, reason="撤销根")
    assert "__all__" in exc.value.message_dict
    assert reload(tree.province).status == OrgStatus.ACTIVE


@pytest.mark.parametrize("reason", ["", " \u3000 "])
def test_it_refuses_to_close_without_a_reason(tree, personas, reason):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_close_org(acting_user=personas.own, org=tree.grassroots, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    assert table_state() == before


@pytest.mark.parametrize("persona", REFUSED)
def test_it_refuses_to_close_outside_the_users_subtree(tree, personas, persona):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_close_org(acting_user=getattr(personas, persona), org=tree.grassroots, reason="越权")
    assert table_state() == before


# --- do_merge_org -------------------------------------------------------------------------


def test_it_merges_children_employees_and_status_into_the_target(tree, personas, branch_and_group):
    branch, group = branch_and_group
    closed_branch = create(tree.grassroots, "branch", name="已撤销分会", code="NS-B2")
    do_close_org(acting_user=None, org=closed_branch, reason="撤并")
    source, target = tree.grassroots, tree.sibling_grassroots

    result = do_merge_org(acting_user=personas.ancestor, source=source, target=target, reason="企业合并")

    assert result.pk == target.pk
    assert reload(branch).parent_id == target.pk
    assert reload(group).path.startswith(target.path)
    assert reload(closed_branch).parent_id == source.pk  # closed children stay with the closed source
    source = reload(source)
    assert source.status == OrgStatus.MERGED
    assert source.merged_into_id == target.pk
    assert source.closed_on == timezone.localdate()
    assert reload(target).employee_count == 80 + 120
    assert reload(target).child_count == 1
    assert source.child_count == 0  # only active children count; the closed branch no longer shows
    assert_tree_consistent()


def test_it_records_the_merge_on_both_sides_and_signals_it(tree, personas, branch_and_group):
    received = []

    def receiver(sender, source, target, acting_user, **kwargs):
        received.append((source.pk, target.pk, acting_user, reload(source).status))

    org_merged.connect(receiver)
    try:
        do_merge_org(
            acting_user=personas.ancestor, source=tree.grassroots, target=tree.sibling_grassroots, reason="企业合并"
        )
    finally:
        org_merged.disconnect(receiver)
    # Receivers run inside the transaction, before the source is marked merged.
    assert received == [(tree.grassroots.pk, tree.sibling_grassroots.pk, personas.ancestor, OrgStatus.ACTIVE)]
    [merge] = entries("org.merge")
    assert merge.actor_id == personas.ancestor.pk
    assert merge.object_id == str(tree.grassroots.pk)
    assert merge.org_path == tree.grassroots.path
    assert merge.before == {"status": "active"}
    assert merge.after == {"status": "merged", "merged_into": tree.sibling_grassroots.pk, "children_moved": 1}
    assert merge.reason == "企业合并"
    [receive] = entries("org.merge_receive")
    assert receive.object_id == str(tree.sibling_grassroots.pk)
    assert receive.org_path == tree.sibling_grassroots.path
    assert receive.before == {"employee_count": 80}
    assert receive.after == {"employee_count": 200, "merged_from": tree.grassroots.pk}
    [move] = entries("org.move")
    assert move.object_id == str(branch_and_group[0].pk)
    assert tree.grassroots.name in move.reason


def test_it_refuses_to_merge_different_kinds(tree, personas):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_merge_org(acting_user=personas.ancestor, source=tree.street, target=tree.sibling_district, reason="合并")
    assert "同类型" in exc.value.message_dict["target"][0]
    assert table_state() == before


def test_it_refuses_to_merge_into_itself_or_a_descendant(tree, personas):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_merge_org(acting_user=personas.own, source=tree.grassroots, target=tree.grassroots, reason="合并")
    assert "target" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_merge_org(acting_user=personas.own, source=tree.street, target=tree.grassroots, reason="合并")
    assert "下级" in exc.value.message_dict["target"][0]
    assert table_state() == before


def test_it_refuses_to_merge_the_root(tree):
    other_root = create(None, "province", name="另一个省总工会", division_code="450000")
    with pytest.raises(ValidationError) as exc:
        do_merge_org(acting_user=superuser(), source=tree.province, target=other_root, reason="合并")
    assert "__all__" in exc.value.message_dict
    assert reload(tree.province).status == OrgStatus.ACTIVE


@pytest.mark.parametrize("closed", ["source", "target"])
def test_it_refuses_to_merge_a_closed_org(tree, personas, closed):
    do_close_org(
        acting_user=None, org=tree.grassroots if closed == "source" else tree.sibling_grassroots, reason="注销"
    )
    before = table_state()
    with pytest.raises(TransitionError) as exc:
        do_merge_org(
            acting_user=personas.ancestor, source=tree.grassroots, target=tree.sibling_grassroots, reason="合并"
        )
    assert exc.value.current_state == OrgStatus.CLOSED
    assert table_state() == before


@pytest.mark.parametrize("reason", ["", "  "])
def test_it_refuses_to_merge_without_a_reason(tree, personas, reason):
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_merge_org(
            acting_user=personas.ancestor, source=tree.grassroots, target=tree.sibling_grassroots, reason=reason
        )
    assert list(exc.value.message_dict) == ["reason"]
    assert table_state() == before


@pytest.mark.parametrize("persona", [*REFUSED, "own"])
def test_it_refuses_to_merge_without_rights_on_both_sides(tree, personas, persona):
    """own may close its grassroots union but has no right on the 福田 target."""
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_merge_org(
            acting_user=getattr(personas, persona),
            source=tree.grassroots,
            target=tree.sibling_grassroots,
            reason="越权",
        )
    assert table_state() == before


# --- do_bulk_create_orgs ------------------------------------------------------------------


def bulk_specs():
    return [
        {
            "key": "g1",
            "parent_key": None,
            "kind": "grassroots",
            "data": {"name": "批量一号公司工会", "code": "BULK-G1", "uscc": make_uscc("440305", "MA5BULK01")},
        },
        {"key": "b1", "parent_key": "g1", "kind": "branch", "data": {"name": "一号分会", "code": "BULK-G1-B1"}},
        {"key": "s1", "parent_key": "b1", "kind": "group", "data": {"name": "一号小组", "code": "BULK-G1-B1-1"}},
        {
            "key": "g2",
            "parent_key": None,
            "kind": "grassroots",
            "data": {"name": "批量二号公司工会", "code": "bulk-g2", "employee_count": 40},
        },
    ]


def test_it_bulk_creates_nested_orgs_with_correct_tree_columns(tree, personas):
    created = do_bulk_create_orgs(acting_user=personas.own, parent=tree.street, specs=bulk_specs(), job="import-7")
    assert [o.code for o in created] == ["BULK-G1", "BULK-G2", "BULK-G1-B1", "BULK-G1-B1-1"]
    by_code = {o.code: reload(o) for o in created}
    assert by_code["BULK-G1-B1-1"].parent_id == by_code["BULK-G1-B1"].pk
    assert by_code["BULK-G1-B1-1"].depth == 6
    assert by_code["BULK-G2"].employee_count == 40
    assert all(o.province_id == tree.province.pk for o in by_code.values())
    assert reload(tree.street).child_count == 3
    assert_tree_consistent()


def test_it_leaves_one_audit_entry_per_bulk_job(tree, personas):
    audit_before = table_state()["audit"]
    created = do_bulk_create_orgs(acting_user=personas.own, parent=tree.street, specs=bulk_specs(), job="import-7")
    assert table_state()["audit"] == audit_before + 1
    [entry] = entries("org.bulk_create")
    assert entry.actor_id == personas.own.pk
    assert entry.org_path == tree.street.path
    assert entry.after["job"] == "import-7"
    assert entry.after["created"] == 4
    assert entry.after["by_kind"] == {"grassroots": 2, "branch": 1, "group": 1}
    assert {entry.after["first_id"], entry.after["last_id"]} <= {o.pk for o in created}


def test_it_reports_every_bad_bulk_row_by_its_number_and_writes_nothing(tree, personas):
    specs = [
        {"key": "c", "parent_key": None, "kind": "city", "data": {"name": "街道下的市", "division_code": "440300"}},
        {"key": "ok", "parent_key": None, "kind": "grassroots", "data": {"name": "好公司工会", "code": "OK-1"}},
        {"key": "taken", "parent_key": None, "kind": "grassroots", "data": {"name": "撞码", "code": "440300"}},
        {"key": "orphan", "parent_key": "nowhere", "kind": "branch", "data": {"name": "孤儿分会", "code": "ORPHAN"}},
        {"key": "nocode", "parent_key": "ok", "kind": "branch", "data": {"name": "没有代码的分会"}},
        {"key": "dup", "parent_key": None, "kind": "grassroots", "data": {"name": "重码", "code": "OK-1"}},
        {
            "key": "bad",
            "parent_key": None,
            "kind": "grassroots",
            "data": {"name": "坏码", "code": "BAD", "uscc": "123"},
        },
    ]
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_bulk_create_orgs(acting_user=personas.own, parent=tree.street, specs=specs, job="import-8")
    errors = exc.value.message_dict
    assert sorted(errors) == ["row 1", "row 3", "row 4", "row 5", "row 6", "row 7"]
    assert "不能设立" in errors["row 1"][0]
    assert "440300" in errors["row 3"][0]
    assert "nowhere" in errors["row 4"][0]
    assert "组织代码" in errors["row 5"][0]
    assert "重复" in errors["row 6"][0]
    assert errors["row 7"][0].startswith("uscc: ")
    assert table_state() == before


def test_it_refuses_bulk_rows_that_repeat_a_registered_uscc(tree, personas):
    uscc = make_uscc("440305", "MA5TWEC01")
    specs = [
        {"key": "a", "parent_key": None, "kind": "grassroots", "data": {"name": "甲", "code": "A-1", "uscc": uscc}},
        {"key": "b", "parent_key": None, "kind": "grassroots", "data": {"name": "乙", "code": "B-1", "uscc": uscc}},
        {
            "key": "c",
            "parent_key": None,
            "kind": "grassroots",
            "data": {"name": "丙", "code": "C-1", "uscc": tree.grassroots.uscc},
        },
    ]
    before = table_state()
    with pytest.raises(ValidationError) as exc:
        do_bulk_create_orgs(acting_user=personas.own, parent=tree.street, specs=specs, job="import-9")
    errors = exc.value.message_dict
    assert sorted(errors) == ["row 2", "row 3"]
    assert "第 1 行" in errors["row 2"][0]
    assert tree.grassroots.name in errors["row 3"][0]
    assert table_state() == before


def test_it_checks_bulk_division_codes_against_their_parents(tree, personas):
    specs = [
        {
            "key": "d",
            "parent_key": None,
            "kind": "district",
            "data": {"name": "越秀区", "division_code": "440104", "code": "440104"},
        },
        {
            "key": "d2",
            "parent_key": None,
            "kind": "district",
            "data": {"name": "宝安区", "division_code": "440306", "code": "440306"},
        },
        {
            "key": "s",
            "parent_key": "d2",
            "kind": "street",
            "data": {"name": "错街道", "division_code": "440305002", "code": "440305002"},
        },
    ]
    with pytest.raises(ValidationError) as exc:
        do_bulk_create_orgs(acting_user=personas.ancestor, parent=tree.city, specs=specs, job="import-10")
    assert sorted(exc.value.message_dict) == ["row 1", "row 3"]
    assert all("division_code" in m[0] for m in exc.value.message_dict.values())


@pytest.mark.parametrize("persona", REFUSED)
def test_it_refuses_bulk_creation_outside_the_users_subtree(tree, personas, persona):
    before = table_state()
    with pytest.raises(ActionPermissionError):
        do_bulk_create_orgs(acting_user=getattr(personas, persona), parent=tree.street, specs=bulk_specs(), job="x")
    assert table_state() == before


def test_it_refuses_bulk_creation_under_a_closed_parent(tree, personas):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    specs = [{"key": "b", "parent_key": None, "kind": "branch", "data": {"name": "分会", "code": "LATE-B"}}]
    before = table_state()
    with pytest.raises(TransitionError):
        do_bulk_create_orgs(acting_user=personas.own, parent=tree.grassroots, specs=specs, job="x")
    assert table_state() == before


# --- the tree fixture itself (formerly test_smoke.py) ---------------------------------------


def test_it_builds_a_consistent_tree(tree):
    assert tree.grassroots.path.startswith(tree.district.path)
    assert tree.grassroots.depth == 4
    assert tree.grassroots.province_id == tree.province.pk
    assert recompute_tree()[tree.grassroots.pk]["path"] == tree.grassroots.path
    assert_tree_consistent()
