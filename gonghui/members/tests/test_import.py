"""Roster import (DESIGN.md §6 Import): the command, the action, the report and the upload pages.

Files are built in each test (openpyxl for .xlsx, bytes for CSV); the target org is the test
tree's grassroots union under 南山区, so the personas are own = 南山区, ancestor = 深圳市,
sibling = 福田区, outsider = no grant.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from gonghui.core.models import AuditEntry
from gonghui.members.actions import do_import_roster
from gonghui.members.importing import read_table, validate_table
from gonghui.members.importing.columns import parse_date
from gonghui.members.models import Card, ImportJob, Membership, MembershipEvent
from gonghui.members.tests.helpers import assert_counters_consistent, counts_of, make_member, next_id, next_name
from gonghui.people.identity import synthetic_id
from gonghui.people.models import Person

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "手机号",
    "学历",
    "政治面貌",
    "职工类型",
    "工作单位",
    "入会日期",
]


def row(name=None, number=None, **kw):
    number = number or next_id()
    values = {
        "姓名": name or next_name(),
        "性别": "男" if int(number[16]) % 2 else "女",
        "民族": "汉族",
        "身份证号": number,
        "出生日期": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        "手机号": f"139{int(number[-8:-1]):08d}",
        "学历": "大学本科",
        "政治面貌": "群众",
        "职工类型": "普通职工",
        "工作单位": "南山测试科技有限公司",
        "入会日期": "2024-01-05",
    }
    values.update(kw)
    return values


def xlsx(tmp_path, rows, headers=HEADERS, name="roster.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    path = tmp_path / name
    wb.save(path)
    return path


def csv_file(tmp_path, rows, headers=HEADERS, encoding="utf-8", name="roster.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run_cmd(path, org, *extra):
    """(exit code, JSON printed) of `gonghui import-members`."""
    out = io.StringIO()
    code = 0
    try:
        call_command("import_members", str(path), "--org", org.code, *extra, stdout=out)
    except SystemExit as e:
        code = e.code
    return code, json.loads(out.getvalue())


def validate(path):
    return validate_table(read_table(path))


def errors_of(validated):
    return [(e.row, e.column, e.value, e.reason) for e in validated.errors]


def members_at(org):
    return Membership.objects.filter(org=org)


# --- the command ---------------------------------------------------------------------------------


def test_it_imports_a_good_file(tree, tmp_path):
    rows = [row() for _ in range(5)]
    rows[1]["职工类型"] = "新就业形态劳动者"
    rows[1]["新就业形态类别"] = "外卖配送员"
    path = xlsx(tmp_path, rows, HEADERS + ["新就业形态类别"])
    code, counts = run_cmd(path, tree.grassroots)
    assert code == 0
    assert counts == {
        "rows": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
        "warnings": 0,
    }
    members = list(members_at(tree.grassroots).select_related("person").order_by("member_no"))
    assert len(members) == 5
    assert len({m.member_no for m in members}) == 5 and all(m.member_no.startswith("440000") for m in members)
    m = next(m for m in members if m.person.name == rows[0]["姓名"])
    assert m.joined_on == dt.date(2024, 1, 5) and m.status == "active" and m.employer_name == "南山测试科技有限公司"
    assert m.person.mobile.startswith("+86139") and m.person.education == "大学本科"
    assert m.person.doc_masked == rows[0]["身份证号"][:6] + "********" + rows[0]["身份证号"][-4:]
    assert rows[0]["身份证号"].encode() not in bytes(m.person.doc_cipher)
    assert m.person.name_pinyin and m.person.is_verified
    gig = next(m for m in members if m.person.name == rows[1]["姓名"])
    assert (gig.worker_type, gig.gig_subtype) == ("gig", "delivery")
    assert counts_of(tree.grassroots) == (5, 5, 1)
    assert_counters_consistent()
    assert MembershipEvent.objects.filter(type="join", membership__org=tree.grassroots).count() == 5
    assert Card.objects.filter(membership__org=tree.grassroots, status="active").count() == 5
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.after["created"] == 5 and entry.org_id == tree.grassroots.pk
    assert rows[0]["身份证号"] not in json.dumps(entry.after, ensure_ascii=False)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("身份证号", "BADCHECK", "校验位错误"),
        ("出生日期", "1990-02-03", "出生日期与证件号码不一致"),
        ("手机号", "12345", "手机号“12345”格式不正确"),
        ("入会日期", "2024-13-45", "无法识别的日期"),
        ("学历", "幼儿园", "“幼儿园”不是可选值"),
        ("政治面貌", "党外", "“党外”不是可选值"),
        ("职工类型", "老板", "“老板”不是可选值"),
        ("性别", "男女", "性别应填"),
    ],
)
def test_it_reports_each_bad_cell_with_row_column_value_and_reason(tree, tmp_path, column, value, reason):
    good = row()
    bad = row(number=synthetic_id("440305", dt.date(1990, 1, 1), 123))
    if value == "BADCHECK":
        number = bad["身份证号"]
        value = number[:17] + ("0" if number[17] != "0" else "1")
    bad[column] = value
    path = xlsx(tmp_path, [good, bad])
    validated = validate(path)
    errors = errors_of(validated)
    assert len(errors) == 1, errors
    number, col, got_value, got_reason = errors[0]
    assert (number, col, got_value) == (3, column, value)
    assert reason in got_reason
    code, counts = run_cmd(path, tree.grassroots)
    assert code == 1
    assert counts["rejected"] == 1 and counts["created"] == 1
    assert not members_at(tree.grassroots).exists()  # nothing written without --partial
    assert not AuditEntry.objects.filter(action="member.import").exists()


def test_it_refuses_a_file_without_a_required_column(tree, tmp_path):
    headers = [h for h in HEADERS if h != "身份证号"]
    path = xlsx(tmp_path, [row()], headers)
    validated = validate(path)
    assert errors_of(validated) == [(1, "身份证号", "", "缺少必填列“身份证号”，请在表头中加上这一列")]
    with pytest.raises(CommandError) as error:
        call_command("import_members", str(path), "--org", tree.grassroots.code)
    assert error.value.returncode == 2 and "身份证号" in str(error.value)
    assert not Person.objects.exists()


def test_it_exits_2_on_usage_and_file_errors(tree, tmp_path):
    path = xlsx(tmp_path, [row()])
    for args in (
        [str(tmp_path / "missing.xlsx"), "--org", tree.grassroots.code],
        [str(path), "--org", "NOSUCHORG"],
        [str(path), "--org", tree.grassroots.code, "--report", str(tmp_path / "out.txt")],
    ):
        with pytest.raises(CommandError) as error:
            call_command("import_members", *args)
        assert error.value.returncode == 2
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet")
    with pytest.raises(CommandError) as error:
        call_command("import_members", str(junk), "--org", tree.grassroots.code)
    assert error.value.returncode == 2 and "无法读取" in str(error.value)


def test_it_writes_the_valid_rows_with_partial(tree, tmp_path):
    rows = [row(), row(手机号="12345"), row()]
    path = xlsx(tmp_path, rows)
    code, counts = run_cmd(path, tree.grassroots, "--partial")
    assert code == 1
    assert counts == {
        "rows": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "duplicates": 0,
        "warnings": 0,
    }
    assert members_at(tree.grassroots).count() == 2
    assert counts_of(tree.grassroots)[0] == 2
    assert_counters_consistent()


def test_it_writes_nothing_on_dry_run(tree, tmp_path):
    path = xlsx(tmp_path, [row(), row()])
    code, counts = run_cmd(path, tree.grassroots, "--dry-run")
    assert code == 0 and counts["created"] == 2
    assert not Person.objects.exists() and not AuditEntry.objects.filter(action__startswith="member.import").exists()


def test_it_reports_duplicate_rows_inside_the_file(tree, tmp_path):
    a, b = row(), row()
    conflicting = dict(b, 手机号="13900000000")
    path = xlsx(tmp_path, [a, b, dict(a), conflicting])
    validated = validate(path)
    assert validated.duplicate_rows == {4: 2}
    assert errors_of(validated) == [
        (
            5,
            "身份证号",
            b["身份证号"][:6] + "********" + b["身份证号"][-4:],
            "与第3行证件号码相同但其他内容不同，请核对后只保留一行",
        )
    ]
    code, counts = run_cmd(path, tree.grassroots, "--partial")
    assert counts == {
        "rows": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "duplicates": 1,
        "warnings": 0,
    }
    assert Person.objects.count() == 2


def test_it_reports_members_elsewhere_as_transfer_candidates(tree, tmp_path):
    elsewhere = make_member(tree.sibling_grassroots)
    from gonghui.members.tests.helpers import data_of

    number = data_of(elsewhere.person)["doc_number"]
    path = xlsx(tmp_path, [row(name=elsewhere.person.name, number=number), row()])
    code, counts = run_cmd(path, tree.grassroots, "--partial")
    assert code == 1 and counts["rejected"] == 1 and counts["created"] == 1
    assert Membership.objects.filter(person=elsewhere.person).count() == 1  # not duplicated
    assert Membership.objects.get(pk=elsewhere.pk).org_id == tree.sibling_grassroots.pk
    org = tree.grassroots
    result = do_import_roster(acting_user=None, org=org, validated=validate(path), dry_run=True)
    assert result.summary()["transfer_candidates"] == 1
    [error] = result.errors
    assert (error.row, error.column) == (2, "身份证号") and "转会" in error.reason
    assert tree.sibling_grassroots.name not in error.reason  # nothing about the other org leaks


def test_it_updates_members_matched_by_document_number_and_reimport_changes_nothing(tree, tmp_path):
    rows = [row() for _ in range(3)]
    path = xlsx(tmp_path, rows)
    assert run_cmd(path, tree.grassroots)[0] == 0
    before = counts_of(tree.grassroots)
    code, counts = run_cmd(path, tree.grassroots)
    assert code == 0
    assert counts == {
        "rows": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": 0,
        "duplicates": 0,
        "warnings": 0,
    }
    assert counts_of(tree.grassroots) == before
    rows[0]["学历"] = "硕士"
    rows[0]["手机号"] = "13711112222"
    rows[1]["职工类型"] = "快递员"
    path = xlsx(tmp_path, rows, name="changed.xlsx")
    code, counts = run_cmd(path, tree.grassroots)
    assert counts == {
        "rows": 3,
        "created": 0,
        "updated": 2,
        "unchanged": 1,
        "rejected": 0,
        "duplicates": 0,
        "warnings": 0,
    }
    person = Person.objects.get(name=rows[0]["姓名"])
    assert (person.education, person.mobile) == ("研究生(硕士)", "+8613711112222")
    courier = Membership.objects.get(person__name=rows[1]["姓名"])
    assert (courier.worker_type, courier.gig_subtype) == ("gig", "courier")
    assert members_at(tree.grassroots).count() == 3
    assert counts_of(tree.grassroots) == (3, 3, 1)
    assert_counters_consistent()
    updates = AuditEntry.objects.filter(action="member.import_update").order_by("id")
    assert updates.count() == 2
    assert updates[0].before["education"] == "大学本科" and updates[0].before["mobile"].startswith("139****")
    assert updates[0].after == {"education": "研究生(硕士)", "mobile": "137****2222"}  # masked in the log
    assert MembershipEvent.objects.filter(type="update").count() == 2


def test_it_reads_gbk_csv(tree, tmp_path):
    rows = [row(民族="壮", 学历="本科", 政治面貌="党员"), row()]
    path = csv_file(tmp_path, rows, encoding="gbk")
    code, counts = run_cmd(path, tree.grassroots)
    assert code == 0 and counts["created"] == 2
    person = Person.objects.get(name=rows[0]["姓名"])
    assert (person.ethnicity, person.education, person.political_status) == ("壮族", "大学本科", "中共党员")
    utf8 = csv_file(tmp_path, [row()], encoding="utf-8-sig", name="bom.csv")
    assert run_cmd(utf8, tree.grassroots)[1]["created"] == 1


def test_it_accepts_english_headers(tree, tmp_path):
    headers = ["Name", "ID Number", "Mobile", "date_of_birth", "Employer", "Join Date", "Worker Type"]
    number = next_id()
    r = {
        "Name": next_name(),
        "ID Number": number,
        "Mobile": "+86 138 0000 1234",
        "date_of_birth": f"{number[6:10]}/{int(number[10:12])}/{int(number[12:14])}",
        "Employer": "Shenzhen Example Ltd",
        "Join Date": "2023年3月5日",
        "Worker Type": "regular",
    }
    path = xlsx(tmp_path, [r], headers)
    code, counts = run_cmd(path, tree.grassroots)
    assert code == 0 and counts["created"] == 1
    m = Membership.objects.select_related("person").get(org=tree.grassroots)
    assert (m.joined_on, m.person.mobile, m.employer_name) == (
        dt.date(2023, 3, 5),
        "+8613800001234",
        "Shenzhen Example Ltd",
    )


def test_it_reads_excel_serial_and_text_dates(tree, tmp_path):
    assert parse_date(45296) == dt.date(2024, 1, 5)
    assert parse_date(45296.0) == dt.date(2024, 1, 5)
    for text in ("2024-01-05", "2024/1/5", "2024年1月5日", "20240105", "2024.1.5", "45296"):
        assert parse_date(text) == dt.date(2024, 1, 5), text
    rows = [row(入会日期=45296), row(入会日期=dt.datetime(2024, 1, 5)), row(入会日期="20240105")]
    path = xlsx(tmp_path, rows)
    assert run_cmd(path, tree.grassroots)[0] == 0
    assert set(members_at(tree.grassroots).values_list("joined_on", flat=True)) == {dt.date(2024, 1, 5)}


def test_it_rejects_id_numbers_that_excel_turned_into_numbers(tree, tmp_path):
    r = row()
    number = r["身份证号"]
    r["身份证号"] = float(number[:17] + "0") if number[17] != "X" else float(number[:17] + "1")
    path = xlsx(tmp_path, [r])
    [(number_, column, _value, reason)] = errors_of(validate(path))
    assert (number_, column) == (2, "身份证号") and "文本" in reason


def test_it_writes_a_report_with_an_error_column_and_highlighted_cells(tree, tmp_path):
    rows = [row(), row(手机号="12345"), row()]
    rows.append(dict(rows[0]))
    path = xlsx(tmp_path, rows)
    out = tmp_path / "report.xlsx"
    code, _counts = run_cmd(path, tree.grassroots, "--report", str(out))
    assert code == 1
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header == HEADERS + ["导入结果", "错误说明", "提醒（已导入，请补全）"]
    mobile_col = HEADERS.index("手机号") + 1
    bad = sheet.cell(row=3, column=mobile_col)
    assert bad.value == "12345" and bad.fill.start_color.rgb.endswith("FFC7CE")
    assert "手机号" in sheet.cell(row=3, column=len(HEADERS) + 2).value
    assert sheet.cell(row=2, column=mobile_col).fill.fill_type is None
    assert sheet.cell(row=2, column=len(HEADERS) + 2).value is None
    assert "第2行" in sheet.cell(row=5, column=len(HEADERS) + 1).value
    assert sheet.max_row == 5


def test_it_needs_member_import_on_the_target_org(tree, personas, tmp_path):
    from gonghui.core.errors import ActionPermissionError

    validated = validate(xlsx(tmp_path, [row()]))
    for _name, user in personas.refused():
        with pytest.raises(ActionPermissionError):
            do_import_roster(acting_user=user, org=tree.grassroots, validated=validated)
    assert not Person.objects.exists()
    for _name, user in personas.allowed():
        result = do_import_roster(acting_user=user, org=tree.grassroots, validated=validated, dry_run=True)
        assert result.counts()["created"] == 1
    result = do_import_roster(acting_user=personas.own, org=tree.grassroots, validated=validated)
    assert AuditEntry.objects.get(action="member.import").actor_id == personas.own.pk
    assert result.committed


def test_it_keeps_the_commit_query_count_independent_of_row_count(tree, tmp_path):
    def queries_for(n, name):
        validated = validate(xlsx(tmp_path, [row() for _ in range(n)], name=name))
        with CaptureQueriesContext(connection) as ctx:
            do_import_roster(acting_user=None, org=tree.grassroots, validated=validated)
        return len(ctx.captured_queries)

    small = queries_for(10, "small.xlsx")
    large = queries_for(1000, "large.xlsx")
    # Batched: a few statements per thousand rows (SQLite caps one INSERT at 999 parameters, so its
    # batches are smaller), never a query per row.
    assert large < 120, (small, large)
    if connection.vendor == "postgresql":
        assert large <= small + 12, (small, large)
    assert members_at(tree.grassroots).count() == 1010
    assert_counters_consistent()


# --- the upload pages ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, org, path, partial=False, captured=None):
    with path.open("rb") as handle:
        data = {"file": handle}
        if partial:
            data["partial"] = "on"
        return client.post(f"/members/import/new/{org.code}/", data)


def test_it_shows_the_upload_page_to_own_and_ancestor_only(tree, personas, client_for):
    url = f"/members/import/new/{tree.grassroots.code}/"
    for _name, user in personas.allowed():
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert "身份证号" in response.content.decode()
    for _name, user in personas.refused():
        assert client_for(user).get(url).status_code == 404
    assert client_for(personas.own).get(f"/members/import/new/{tree.sibling_grassroots.code}/").status_code == 404


def test_it_runs_the_upload_preview_confirm_flow(
    tree, personas, client_for, media, tmp_path, django_capture_on_commit_callbacks
):
    from gonghui.members.importing.jobs import commit_job, validate_job

    client = client_for(personas.own)
    rows = [row(), row(), row()]
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, tree.grassroots, xlsx(tmp_path, rows))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/members/import/{job.pk}/"
    assert len(callbacks) == 1  # the validation task is queued after commit
    assert (job.status, job.org_id, job.created_by_id) == ("queued", tree.grassroots.pk, personas.own.pk)
    assert rows[0]["姓名"] not in job.file.name
    page = client.get(f"/members/import/{job.pk}/")
    assert 'hx-trigger="every 1s"' in page.content.decode()

    validate_job(job.pk)
    job.refresh_from_db()
    assert job.status == "validated" and job.counts["created"] == 3 and job.total_rows == 3
    assert not Person.objects.exists()  # the preview writes nothing
    partial = client.get(f"/members/import/{job.pk}/", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.templates[0].name == "members/import_status.html"
    assert "确认导入" in body and "every 1s" not in body

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/members/import/{job.pk}/confirm/")
    assert response.status_code == 302 and len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "committing"
    commit_job(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.counts["created"] == 3 and job.finished_at
    assert members_at(tree.grassroots).count() == 3
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.object_id == str(job.pk) and entry.actor_id == personas.own.pk
    report = client.get(f"/members/import/{job.pk}/report/")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    assert client.get("/members/import/").context["object_list"][0] == job


def test_it_refuses_to_confirm_a_file_with_errors_unless_partial(tree, personas, client_for, media, tmp_path):
    from gonghui.members.importing.jobs import validate_job

    client = client_for(personas.own)
    upload(client, tree.grassroots, xlsx(tmp_path, [row(), row(手机号="12345")]))
    job = ImportJob.objects.get()
    validate_job(job.pk)
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    assert "手机号“12345”格式不正确" in page and "下载校验报告" in page
    client.post(f"/members/import/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "validated"
    assert not Person.objects.exists()


def test_it_scopes_import_jobs_to_the_four_personas(tree, personas, client_for, media, tmp_path):
    from gonghui.members.importing.jobs import validate_job

    upload(client_for(personas.own), tree.grassroots, xlsx(tmp_path, [row(), row(手机号="1")]))
    job = ImportJob.objects.get()
    validate_job(job.pk)
    urls = [f"/members/import/{job.pk}/", f"/members/import/{job.pk}/report/"]
    for _name, user in personas.allowed():
        client = client_for(user)
        assert [client.get(u).status_code for u in urls] == [200, 200]
        assert list(client.get("/members/import/").context["object_list"]) == [job]
    for _name, user in personas.refused():
        client = client_for(user)
        assert [client.get(u).status_code for u in urls] == [404, 404]
        assert client.post(f"/members/import/{job.pk}/cancel/").status_code == 404
        assert list(client.get("/members/import/").context["object_list"]) == []
    job.refresh_from_db()
    assert job.status == "validated"


def test_it_rejects_an_unsupported_upload_with_a_clear_message(tree, personas, client_for, media, tmp_path):
    bad = tmp_path / "roster.pdf"
    bad.write_bytes(b"%PDF-1.4")
    response = upload(client_for(personas.own), tree.grassroots, bad)
    assert response.status_code == 200
    assert "请上传 .xlsx、.xls 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_whose_content_is_not_a_spreadsheet(tree, personas, client_for, media, tmp_path):
    # Uploads are checked by content (core.uploads): a "roster.xlsx" that is not a ZIP is refused on the form.
    junk = tmp_path / "roster.xlsx"
    junk.write_bytes(b"garbage")
    response = upload(client_for(personas.own), tree.grassroots, junk)
    assert response.status_code == 200
    assert "文件内容不是有效的 .xlsx、.xls 或 .csv 表格" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_marks_a_broken_file_as_failed(tree, personas, client_for, media, tmp_path):
    from gonghui.members.importing.jobs import validate_job

    # Starts like a ZIP, so it passes the content check, but no workbook can be read from it.
    junk = tmp_path / "roster.xlsx"
    junk.write_bytes(b"PK\x03\x04garbage")
    upload(client_for(personas.own), tree.grassroots, junk)
    job = validate_job(ImportJob.objects.get().pk)
    assert job.status == "failed" and "无法读取" in job.message
