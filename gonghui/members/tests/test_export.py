"""Roster export of the filtered member list (.xlsx and .csv, DOMAIN.md §4 columns, Chinese headers):
needs member.export, respects restrict(), masks document numbers and mobiles unless the user holds
member.view_pii, and leaves one audit entry per export with its row count.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gonghui.core import crypto
from gonghui.core.testing import make_personas, make_staff
from gonghui.members.exports import HEADERS
from gonghui.members.states import MembershipStatus
from gonghui.members.tests.helpers import entries, make_member
from gonghui.people.actions import DOC_PURPOSE
from gonghui.people.identity import mask_mobile

ROSTER = [
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "手机号",
    "学历",
    "政治面貌",
    "户籍类型",
    "户籍地",
    "就业状况",
    "职工类型",
    "工作单位",
    "技能等级",
    "是否农民工",
    "劳模",
    "入会日期",
    "会员证号",
]


@pytest.fixture
def client_of(personas, client_for):
    return lambda name: client_for(getattr(personas, name))


@pytest.fixture
def admins(tree):
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("admin",), prefix="a")


@pytest.fixture
def members(tree):
    return [
        make_member(tree.grassroots, employer_name='=HYPERLINK("http://x")'),
        make_member(tree.street, worker_type="gig", platform="美团"),
        make_member(tree.grassroots, status=MembershipStatus.RETAINED),
    ]


def number_of(m) -> str:
    return crypto.decrypt(m.person.doc_cipher, DOC_PURPOSE)


def read_csv(response) -> list[dict]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def read_xlsx(response) -> list[dict]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_it_uses_the_roster_columns_of_domain_4_first():
    assert HEADERS[: len(ROSTER)] == ROSTER


def test_it_exports_a_masked_csv_and_audits_the_export(members, client_of, personas):
    response = client_of("own").get("/members/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = read_csv(response)
    by_no = {r["会员证号"]: r for r in rows}
    assert set(by_no) == {m.member_no for m in members}
    for m in members:
        row = by_no[m.member_no]
        assert row["姓名"] == m.person.name
        assert row["身份证号"] == m.person.doc_masked and number_of(m) not in row["身份证号"]
        assert row["手机号"] == mask_mobile(m.person.mobile)
        assert row["出生日期"] == ""  # the birth date is part of the hidden digits
        assert row["入会日期"] == m.joined_on.isoformat()
    assert by_no[members[1].member_no]["职工类型"] == "新就业形态劳动者"
    assert by_no[members[2].member_no]["会籍状态"] == "保留会籍"
    assert by_no[members[0].member_no]["工作单位"].startswith("'=")  # no formula injection
    (entry,) = entries("member.export")
    assert entry.actor_id == personas.own.pk
    assert entry.after["rows"] == 3 and entry.after["unmasked_rows"] == 0 and entry.after["format"] == "csv"
    assert entries("member.export_unmasked") == []


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_exports_unmasked_for_view_pii_and_audits_the_row_count(members, admins, client_for, persona):
    response = client_for(getattr(admins, persona)).get("/members/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    by_no = {r["会员证号"]: r for r in rows}
    assert set(by_no) == {m.member_no for m in members}
    for m in members:
        row = by_no[m.member_no]
        assert row["身份证号"] == number_of(m)
        assert row["手机号"] == m.person.mobile[3:]
        assert row["出生日期"].date() == m.person.birth_date
    (entry,) = entries("member.export_unmasked")
    assert entry.actor_id == getattr(admins, persona).pk
    assert entry.after["rows"] == 3 and entry.after["unmasked_rows"] == 3 and entry.after["format"] == "xlsx"
    assert entries("member.export") == []


def test_it_masks_rows_outside_the_view_pii_subtree(tree, members, client_for):
    # view_pii only on the street (the grassroots union lies under it), plain export on the district.
    user = make_staff("mixed", tree.district, roles=("organiser",))
    from gonghui.accounts.actions import do_grant_role
    from gonghui.accounts.models import Role

    role = Role.objects.create(code="pii", name="证件查看", permissions=["member.view", "member.view_pii"])
    do_grant_role(acting_user=None, user=user, role=role, org=tree.grassroots)
    rows = {r["会员证号"]: r for r in read_csv(client_for(user).get("/members/export.csv"))}
    assert rows[members[0].member_no]["身份证号"] == number_of(members[0])
    assert rows[members[1].member_no]["身份证号"] == members[1].person.doc_masked  # street member: masked
    (entry,) = entries("member.export_unmasked")
    assert entry.after["rows"] == 3 and entry.after["unmasked_rows"] == 2


def test_it_exports_only_the_filtered_rows(tree, members, client_of):
    rows = read_csv(client_of("ancestor").get("/members/export.csv", {"status": "retained"}))
    assert [r["会员证号"] for r in rows] == [members[2].member_no]
    rows = read_csv(client_of("ancestor").get("/members/export.csv", {"worker_type": "gig"}))
    assert [r["会员证号"] for r in rows] == [members[1].member_no]
    rows = read_csv(client_of("ancestor").get("/members/export.csv", {"q": members[0].person.mobile[3:]}))
    assert [r["会员证号"] for r in rows] == [members[0].member_no]
    rows = read_csv(client_of("ancestor").get("/members/export.csv", {"org": tree.grassroots.code}))
    assert {r["会员证号"] for r in rows} == {members[0].member_no, members[2].member_no}
    # The search text itself (a mobile here) never goes into the audit log.
    searched = entries("member.export")[2]
    assert searched.after["filters"] == {"search": True}
    assert members[0].person.mobile[3:] not in str(searched.after)


def test_it_respects_the_scope(members, client_of):
    assert read_csv(client_of("sibling").get("/members/export.csv")) == []
    assert entries("member.export")[0].after["rows"] == 0


def test_it_refuses_users_without_member_export(tree, members, client_of):
    for client in (client_of("outsider"), Client()):
        response = client.get("/members/export.csv")
        assert response.status_code in (302, 403)
    viewer = make_staff("viewer-x", tree.district, roles=("viewer",))
    client = Client()
    client.force_login(viewer)
    assert client.get("/members/export.xlsx").status_code == 403
    assert "导出" not in client.get("/members/").content.decode().split("<table")[0].split("member-count")[1]
    assert entries("member.export") == []


def test_it_answers_404_for_an_unknown_format(members, client_of):
    assert client_of("own").get("/members/export.pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_with_a_constant_number_of_queries(tree, client_of, fmt):
    client = client_of("own")
    make_member(tree.grassroots)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/members/export.{fmt}")
            b"".join(response.streaming_content)
        return len(ctx)

    few = queries()
    for _ in range(5):
        make_member(tree.grassroots)
    assert queries() == few
