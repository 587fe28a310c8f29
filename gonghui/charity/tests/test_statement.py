"""`gonghui import-donations`: good rows, duplicates, refunds as reversals, bad rows with reasons,
re-import changes nothing, GBK and xlsx files, exit codes, dry run."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from gonghui.charity import queries
from gonghui.charity.models import Campaign, Donation, FundLedger
from gonghui.charity.tests.helpers import make_campaign

pytestmark = pytest.mark.django_db

HEADER = "订单号,捐赠时间,金额,捐赠人昵称,状态,退款金额\n"
GOOD = (
    "A001,2026-09-07 10:00:01,100.00,小明,支付成功,\n"
    "A002,2026/9/7 10:05,0.99,,支付成功,0\n"
    "A003,2026-09-07 11:00:00,50,爱心网友,已退款,50\n"
    "A004,2026-09-08 09:00:00,200.00,阿强,部分退款,80.50\n"
)
BAD = (
    "B001,2026-09-07 10:00:01,-5,甲,支付成功,\n"
    "B002,2026-09-07 10:00:01,12.345,乙,支付成功,\n"
    "B003,2026-09-07 10:00:01,abc,丙,支付成功,\n"
    "B004,2026-09-07 10:00:01,10,丁,处理中,\n"
    "B005,2026-09-07 10:00:01,10,戊,部分退款,10.01\n"
    ",2026-09-07 10:00:01,10,己,支付成功,\n"
)


def write(tmp_path, text, name="statement.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, campaign, *extra):
    """(exit code, summary, stderr) of the command."""
    import io

    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_donations", str(path), "--campaign", str(campaign.pk), *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue()), err.getvalue()


@pytest.fixture
def campaign(fund):
    return make_campaign(fund, ratio="1", cap="100.00")


def state():
    return (
        Donation.objects.count(),
        FundLedger.objects.count(),
        list(Campaign.objects.values_list("raised", "matched")),
    )


def test_it_imports_good_rows_with_refunds_as_reversals(tmp_path, campaign, fund):
    code, summary, _err = run(write(tmp_path, HEADER + GOOD), campaign)
    assert code == 0
    assert summary == {"rows": 4, "created": 4, "duplicates": 0, "refunds": 2, "rejected": 0, "total": "220.49"}
    assert Donation.objects.get(external_ref="A002").donor_name == "爱心网友"
    refunded = Donation.objects.get(external_ref="A004")
    assert refunded.refunded == Decimal("80.50")
    assert FundLedger.objects.filter(kind="refund", reverses__donation=refunded, reverses__kind="donation").exists()
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.raised == Decimal("220.49") and campaign.donors == 4
    assert campaign.matched <= Decimal("100.00")
    assert queries.recount(fix=False) == []


def test_reimporting_the_same_file_changes_nothing(tmp_path, campaign):
    path = write(tmp_path, HEADER + GOOD)
    run(path, campaign)
    before = state()
    code, summary, _err = run(path, campaign)
    assert code == 0 and summary["created"] == 0 and summary["duplicates"] == 4 and summary["total"] == "0.00"
    assert state() == before


def test_a_later_refund_of_an_imported_order_is_booked_once(tmp_path, campaign):
    run(write(tmp_path, HEADER + "C001,2026-09-07 10:00:00,100,甲,支付成功,\n"), campaign)
    later = write(tmp_path, HEADER + "C001,2026-09-07 10:00:00,100,甲,已退款,100\n", "later.csv")
    code, summary, _err = run(later, campaign)
    assert (code, summary["refunds"], summary["duplicates"], summary["total"]) == (0, 1, 0, "-100.00")
    code, summary, _err = run(later, campaign)
    assert (summary["refunds"], summary["duplicates"]) == (0, 1)
    assert Campaign.objects.get(pk=campaign.pk).raised == 0
    assert queries.recount(fix=False) == []


def test_bad_rows_get_reasons_and_book_nothing(tmp_path, campaign):
    code, summary, err = run(
        write(tmp_path, HEADER + BAD + "A001,2026-09-07 10:00:01,100.00,小明,支付成功,\n"), campaign
    )
    assert code == 1
    assert summary == {"rows": 7, "created": 1, "duplicates": 0, "refunds": 0, "rejected": 6, "total": "100.00"}
    assert "金额不能为负数" in err or "金额应大于0" in err
    assert "两位小数" in err and "金额格式不正确" in err and "未知的订单状态" in err
    assert "大于订单金额" in err and "缺少订单号" in err
    assert list(Donation.objects.values_list("external_ref", flat=True)) == ["A001"]


def test_a_dry_run_counts_but_books_nothing(tmp_path, campaign):
    code, summary, _err = run(write(tmp_path, HEADER + GOOD), campaign, "--dry-run")
    assert code == 0 and summary["created"] == 4 and summary["total"] == "220.49"
    assert state()[:2] == (0, 0)


def test_it_reads_gbk_csv_and_xlsx_with_header_variants(tmp_path, campaign):
    text = "订单编号,支付时间,捐赠金额,昵称,订单状态,已退款金额\nG001,2026-09-07 10:00:00,10.00,张三,成功,\n"
    code, summary, _err = run(write(tmp_path, text, "gbk.csv", "gbk"), campaign)
    assert (code, summary["created"]) == (0, 1)
    wb = Workbook()
    ws = wb.active
    ws.append(["交易单号", "交易时间", "金额（元）", "捐赠人", "交易状态", "退款金额"])
    ws.append([20260907001, "2026-09-07 12:00:00", 25.5, "李四", "支付成功", None])
    path = tmp_path / "statement.xlsx"
    wb.save(path)
    code, summary, _err = run(path, campaign)
    assert (code, summary["created"]) == (0, 1)
    assert Donation.objects.filter(external_ref="20260907001", amount=Decimal("25.50")).exists()


def test_file_errors_exit_2_and_book_nothing(tmp_path, campaign):
    with pytest.raises(CommandError) as error:
        call_command("import_donations", str(write(tmp_path, "a,b\n1,2\n")), "--campaign", str(campaign.pk))
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command(
            "import_donations", str(write(tmp_path, "订单号,捐赠时间\nX,2026-01-01\n")), "--campaign", str(campaign.pk)
        )
    assert error.value.returncode == 2 and "金额" in str(error.value)
    with pytest.raises(CommandError) as error:
        call_command("import_donations", str(tmp_path / "missing.csv"), "--campaign", str(campaign.pk))
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("import_donations", str(write(tmp_path, HEADER + GOOD)), "--campaign", "999999")
    assert error.value.returncode == 2
    assert not Donation.objects.exists()


def test_the_recount_and_sweep_commands(tmp_path, campaign):
    import io

    from django.db.models import QuerySet

    run(write(tmp_path, HEADER + GOOD), campaign)
    out = io.StringIO()
    call_command("charity_recount", "--check", stdout=out)
    assert json.loads(out.getvalue()) == {"problems": [], "fixed": False}
    QuerySet.update(Campaign.objects.filter(pk=campaign.pk), donors=0)
    with pytest.raises(SystemExit):
        call_command("charity_recount", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("charity_recount", stdout=out)
    assert json.loads(out.getvalue())["fixed"] is True and Campaign.objects.get(pk=campaign.pk).donors == 4
    out = io.StringIO()
    call_command("charity_sweep", stdout=out)
    assert json.loads(out.getvalue()) == {"released": 0, "confirmed": 0}
