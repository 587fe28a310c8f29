"""Excel export of archives in the 档案表 layout: scoped, filtered, document numbers masked unless
member.view_pii (then audited as an unmasked read), one audit entry per export, constant queries."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gonghui.core import crypto
from gonghui.core.testing import make_personas, make_staff
from gonghui.hardship import exports
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import create, entries, to_state
from gonghui.members.tests.helpers import make_member
from gonghui.people.actions import DOC_PURPOSE

EXPORT = "/hardship/archives/export.xlsx"


@pytest.fixture
def archives(tree, lines, clock):
    a = to_state(create(make_member(tree.grassroots)), S.ARCHIVED, clock)
    b = create(make_member(tree.grassroots), primary_cause="unemployment")
    c = create(make_member(tree.sibling_grassroots))
    return a, b, c


@pytest.fixture
def admins(tree):
    """系统管理员 personas (all permissions, member.view_pii included)."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("admin",), prefix="a")


def sheets(response) -> tuple[list[dict], list[dict]]:
    assert response.status_code == 200, response.status_code
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    def rows(ws):
        values = list(ws.iter_rows(values_only=True))
        return [dict(zip(values[0], r, strict=True)) for r in values[1:]]

    return rows(wb["困难职工档案"]), rows(wb["家庭成员"])


def number_of(person) -> str:
    return crypto.decrypt(bytes(person.doc_cipher), DOC_PURPOSE)


def test_it_uses_the_order_of_the_national_table():
    h = exports.ARCHIVE_HEADERS
    order = ["档案编号", "姓名", "证件号码", "家庭人口", "家庭人均月收入（元）", "困难类别", "主要致困原因", "建档日期"]
    assert [h.index(x) for x in order] == sorted(h.index(x) for x in order)


def test_it_exports_masked_archives_and_household_members_and_audits(archives, hp, client_for):
    a, b, _c = archives
    rows, members = sheets(client_for(hp.own).get(EXPORT))
    assert sorted(r["档案编号"] for r in rows) == sorted([a.number, b.number])
    row = next(r for r in rows if r["档案编号"] == a.number)
    assert row["姓名"] == a.person.name
    assert row["证件号码"] == a.person.doc_masked and "*" in row["证件号码"]
    assert row["档案状态"] == "在档" and row["困难类别"] == "深度困难"
    assert row["家庭人均月收入（元）"] == 500
    assert row["出生日期"] is None
    household = [m for m in members if m["档案编号"] == a.number]
    assert {m["与本人关系"] for m in household} == {"本人", "子女"}
    assert all("*" in (m["证件号码"] or "*") for m in household)
    [entry] = entries("hardship.export")
    assert entry.actor_id == hp.own.pk
    assert entry.after["rows"] == 2 and entry.after["unmasked_rows"] == 0
    assert entries("hardship.export_unmasked") == []


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_exports_unmasked_for_view_pii_and_audits_the_read(archives, admins, client_for, persona):
    a, _b, _c = archives
    rows, members = sheets(client_for(getattr(admins, persona)).get(EXPORT))
    row = next(r for r in rows if r["档案编号"] == a.number)
    assert row["证件号码"] == number_of(a.person)
    child = next(m for m in members if m["档案编号"] == a.number and m["与本人关系"] == "子女")
    assert "*" not in child["证件号码"]
    [entry] = entries("hardship.export_unmasked")
    assert entry.after["unmasked_rows"] == entry.after["rows"] >= 2


def test_it_masks_rows_outside_the_view_pii_subtree(tree, archives, client_for):
    """Hardship staff on the city, member.view_pii only on 南山区: 福田's row stays masked."""
    a, _b, c = archives
    user = make_staff("h-mixed", tree.city, roles=("hardship",))
    from gonghui.accounts.actions import do_grant_role
    from gonghui.accounts.models import Role

    do_grant_role(acting_user=None, user=user, role=Role.objects.get(code="admin"), org=tree.district)
    rows, _m = sheets(client_for(user).get(EXPORT))
    by_number = {r["档案编号"]: r for r in rows}
    assert by_number[a.number]["证件号码"] == number_of(a.person)
    assert by_number[c.number]["证件号码"] == c.person.doc_masked
    [entry] = entries("hardship.export_unmasked")
    assert entry.after == {**entry.after, "rows": 3, "unmasked_rows": 2}


def test_it_exports_only_the_filtered_rows_and_keeps_search_text_out_of_the_log(archives, hp, client_for):
    a, b, _c = archives
    rows, _m = sheets(client_for(hp.own).get(EXPORT, {"cause": "unemployment"}))
    assert [r["档案编号"] for r in rows] == [b.number]
    rows, _m = sheets(client_for(hp.own).get(EXPORT, {"q": a.person.name}))
    assert [r["档案编号"] for r in rows] == [a.number]
    last = entries("hardship.export")[-1]
    assert last.after["filters"] == {"search": True}
    assert a.person.name not in str(last.after)


@pytest.mark.parametrize("persona, sees", [("own", 2), ("ancestor", 3), ("sibling", 1)])
def test_it_respects_the_scope(archives, hp, client_for, persona, sees):
    rows, _m = sheets(client_for(getattr(hp, persona)).get(EXPORT))
    assert len(rows) == sees


def test_it_refuses_users_without_hardship_view(archives, hp, client_for):
    assert client_for(hp.outsider).get(EXPORT).status_code == 403
    assert entries("hardship.export") == []


def test_it_exports_with_a_constant_number_of_queries(tree, lines, clock, hp, client_for):
    client = client_for(hp.own)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            sheets(client.get(EXPORT))
        return len(ctx.captured_queries)

    create(make_member(tree.grassroots))
    few = count()
    for _ in range(4):
        create(make_member(tree.grassroots))
    assert count() == few
