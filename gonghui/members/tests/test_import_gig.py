"""Issue 18 point 7: a roster in the documented column layout (DOMAIN.md §4, no 新就业形态类别 column)
imports every gig worker with the sub-type 未填写, lists them for completion and reports a warning,
not a rejection; the downloadable roster template."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from gonghui.members.exports import HEADERS
from gonghui.members.importing import read_table, validate_table
from gonghui.members.importing.template import FIELDS
from gonghui.members.models import ImportJob, Membership
from gonghui.members.tests.helpers import next_id
from gonghui.members.tests.test_import import media, row, run_cmd, upload, xlsx  # noqa: F401 (fixture)

# DOMAIN.md §4, in its order (the export's columns without its two reader columns): no sub-type column.
DOCUMENTED = HEADERS[:18]


def documented_roster(gig: int, regular: int) -> list[dict]:
    rows = []
    for i in range(gig + regular):
        r = row(number=next_id())
        r.update({"户籍类型": "农业", "户籍地": "湖南省", "就业状况": "在岗", "是否农民工": "是", "劳模": "无"})
        if i % 2 == 0 and gig:
            r["职工类型"], r["工作单位"] = "新就业形态劳动者", "某某同城配送站"
            gig -= 1
        rows.append(r)
    return rows


def test_it_imports_every_gig_worker_of_a_documented_layout_roster_with_a_warning(tree, tmp_path):
    rows = documented_roster(gig=7, regular=8)
    path = xlsx(tmp_path, rows, DOCUMENTED)
    report = tmp_path / "report.xlsx"
    code, counts = run_cmd(path, tree.grassroots, "--report", str(report))
    assert code == 0, counts
    assert counts == {
        "rows": 15,
        "created": 15,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
        "warnings": 7,
    }
    gig = Membership.objects.filter(org=tree.grassroots, worker_type="gig")
    assert gig.count() == 7 and set(gig.values_list("gig_subtype", flat=True)) == {"unspecified"}
    assert str(gig.first().get_gig_subtype_display()) == "未填写"
    sheet = load_workbook(report).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][-1].startswith("提醒")
    warned = [line for line in lines[1:] if line[-1]]
    assert len(warned) == 7 and all("新就业形态类别未填写" in line[-1] for line in warned)
    assert all(line[-2] is None for line in lines[1:])  # no error on any row


def test_it_lists_the_members_to_complete_and_does_not_erase_a_known_sub_type(tree, tmp_path, client_for, personas):
    rows = documented_roster(gig=3, regular=2)
    run_cmd(xlsx(tmp_path, rows, DOCUMENTED), tree.grassroots)
    client = client_for(personas.own)
    listed = client.get("/members/", {"gig_subtype": "unspecified"}).context["object_list"]
    assert len(listed) == 3 and {m.gig_subtype for m in listed} == {"unspecified"}
    sibling = client_for(personas.sibling).get("/members/", {"gig_subtype": "unspecified"})
    assert list(sibling.context["object_list"]) == []
    # Completed by the same roster with the column: updated, no warning left.
    for r in rows:
        if r["职工类型"] == "新就业形态劳动者":
            r["新就业形态类别"] = "外卖配送员"
    code, counts = run_cmd(xlsx(tmp_path, rows, [*DOCUMENTED, "新就业形态类别"], name="b.xlsx"), tree.grassroots)
    assert (code, counts["updated"], counts["warnings"]) == (0, 3, 0)
    assert not Membership.objects.filter(gig_subtype="unspecified").exists()
    # The documented layout again: the known sub-type is kept, nothing to warn about.
    code, counts = run_cmd(xlsx(tmp_path, rows, DOCUMENTED, name="c.xlsx"), tree.grassroots)
    assert (code, counts["unchanged"], counts["warnings"]) == (0, 5, 0)
    assert set(Membership.objects.filter(worker_type="gig").values_list("gig_subtype", flat=True)) == {"delivery"}


def test_it_shows_the_warnings_on_the_import_page(tree, personas, client_for, media, tmp_path):  # noqa: F811
    from gonghui.members.importing.jobs import validate_job

    client = client_for(personas.own)
    upload(client, tree.grassroots, xlsx(tmp_path, documented_roster(gig=2, regular=1), DOCUMENTED))
    job = validate_job(ImportJob.objects.get().pk)
    assert job.counts["rejected"] == 0 and job.counts["warnings"] == 2 and len(job.warnings) == 2
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    assert "新就业形态类别未填写" in page and "gig_subtype=unspecified" in page and "确认导入" in page


def test_it_offers_a_roster_template_whose_sample_row_imports_cleanly(tree, personas, client_for, tmp_path):
    page = client_for(personas.own).get(f"/members/import/new/{tree.grassroots.code}/").content.decode()
    assert "/members/import/template.xlsx" in page
    response = client_for(personas.own).get("/members/import/template.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert [h.rstrip("*") for h in headers[: len(DOCUMENTED)]] == DOCUMENTED
    assert len(headers) == len(FIELDS)
    validated_columns = {str(v.sqref).split(":")[0][:-1] for v in sheet.data_validations.dataValidation}
    letters = {h: sheet.cell(row=1, column=i + 1).column_letter for i, h in enumerate(headers)}
    for header in ("性别", "民族", "学历", "政治面貌", "职工类型", "是否农民工", "劳模", "新就业形态类别（选填）"):
        assert letters[header] in validated_columns, header
    assert workbook.worksheets[1].sheet_state == "hidden"
    path = tmp_path / "template.xlsx"
    path.write_bytes(content)
    validated = validate_table(read_table(path))
    assert validated.errors == [] and len(validated.rows) == 1 and validated.warnings == []
    assert client_for(personas.outsider).get("/members/import/template.xlsx").status_code == 200  # no data in it
