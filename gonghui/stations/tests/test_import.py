"""`gonghui import-stations`: good and bad rows, re-import unchanged, update by code, exit codes, xlsx."""

import json

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from gonghui.core.models import AuditEntry
from gonghui.stations import geo
from gonghui.stations.models import Station

pytestmark = pytest.mark.django_db
HEADER = "名称,类型,地址,行政区划代码,经度,纬度,坐标系,设施,开放时间,联系电话,承建单位\n"
GOOD = [
    "科技园驿站,户外劳动者服务站,南山区科技园,440305,113.9305,22.5333,WGS84,热水、充电,24小时,0755-1234567,招商银行",
    "蛇口零工驿站,零工驿站,南山区蛇口,440305,113.9200,22.4900,高德,WiFi,周一至周五 09:00-18:00,,",
]


def run(path, org, *extra):
    import io

    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_stations", str(path), "--org", org.code, *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue()), err.getvalue()


def test_it_imports_good_rows_and_reimports_them_unchanged(tree, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    code, summary, _err = run(path, tree.district)
    assert code == 0 and summary == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    gig = Station.objects.get(name="蛇口零工驿站")
    assert gig.code.startswith("440305LG") and gig.status == "running"
    assert geo.haversine_m(*geo.wgs_to_gcj(gig.lat, gig.lon), 22.49, 113.92) < 0.05  # GCJ-02 input stored as WGS-84
    entry = AuditEntry.objects.get(action="station.import_create")
    assert entry.after["count"] == 2 and entry.object_id.startswith("import-stations:")
    # re-import with the codes: unchanged; one change: updated
    rows = [f"{s.code}," + line for s, line in zip(Station.objects.order_by("name"), sorted(GOOD), strict=True)]
    path.write_text("编码," + HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    code, summary, _err = run(path, tree.district)
    assert summary == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    path.write_text("编码," + HEADER + "\n".join([rows[0].replace("驿站,", "驿站（新）,", 1), rows[1]]) + "\n")
    code, summary, _err = run(path, tree.district)
    assert summary["updated"] == 1 and summary["unchanged"] == 1
    assert Station.objects.count() == 2


def test_it_rejects_bad_rows_writes_nothing_and_says_where(tree, tmp_path):
    path = tmp_path / "bad.csv"
    bad = [
        "无类型站,太空站,某路,440305,113.9,22.5,,,,,",
        "坏坐标,零工驿站,某路,440305,200,22.5,,,,,",
        "坏区划,零工驿站,某路,4403,113.9,22.5,,,,,",
    ]
    path.write_text(HEADER + "\n".join(GOOD + bad) + "\n", encoding="utf-8")
    code, summary, err = run(path, tree.district)
    assert code == 1 and summary["rejected"] == 3 and summary["created"] == 2
    assert not Station.objects.exists()
    assert "第4行 类型" in err and "第5行" in err and "第6行 行政区划代码" in err
    code, summary, _err = run(path, tree.district, "--partial")
    assert code == 1 and Station.objects.count() == 2


def test_it_refuses_codes_of_other_subtrees_and_dry_runs(tree, tmp_path):
    from gonghui.stations.tests.conftest import make_station

    foreign = make_station(tree.sibling_district, division_code="440304")
    path = tmp_path / "s.csv"
    path.write_text("编码," + HEADER + f"{foreign.code}," + GOOD[0] + "\n" + "," + GOOD[1] + "\n", encoding="gbk")
    code, summary, err = run(path, tree.district)
    assert code == 1 and summary["rejected"] == 1 and "不是本组织及下级的站点" in err
    path.write_text(HEADER + GOOD[0] + "\n", encoding="gbk")
    code, summary, _err = run(path, tree.district, "--dry-run")
    assert code == 0 and summary["created"] == 1 and Station.objects.count() == 1


def test_it_reads_xlsx_and_stops_on_file_errors(tree, tmp_path):
    from django.core.management.base import CommandError

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["科技园驿站", "职工之家", "南山区", 440305, 113.93, 22.53, "", "", "", "", ""])
    book.save(tmp_path / "s.xlsx")
    code, summary, _err = run(tmp_path / "s.xlsx", tree.district)
    assert code == 0 and summary["created"] == 1
    (tmp_path / "x.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_stations", str(tmp_path / "x.csv"), "--org", tree.district.code)
    assert error.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("import_stations", str(tmp_path / "s.xlsx"), "--org", "NOPE")
