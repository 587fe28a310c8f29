"""Importing a fundraising platform's statement (99公益日 and the like): `gonghui import-donations`
and the console's upload page (DESIGN.md §6 Import).

The file (.xlsx/.xls/.csv in UTF-8 or GBK, read by the shared reader `core.tabular`) has one row per
order: order number, time, amount, donor nickname, status and refund amount, under the usual
Chinese or English headers. Each row is checked on its own; a bad row gets a reason and books
nothing, the good rows are booked in bulk (one transaction, a few INSERTs per 2,000 rows).

- A new order books a donation (and its matching money); an order refunded on the platform books
  the refund at once as reversal rows.
- An order already imported is a duplicate and changes nothing, unless the platform now shows a
  larger refund: then only the difference is booked (a refund). Importing the same file twice
  therefore changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.charity.actions import DonationSpec, book_donations, book_refunds, lock_campaign
from gonghui.charity.models import Campaign, Donation
from gonghui.charity.validation import money
from gonghui.core import audit
from gonghui.core.tabular import FileError, read_rows, to_table
from gonghui.members.importing.columns import header_key

COUNT_KEYS = ("rows", "created", "duplicates", "refunds", "rejected", "total")
ONLINE = Donation.Channel.ONLINE

COLUMNS = {
    "order_no": [
        "订单号",
        "订单编号",
        "捐赠单号",
        "交易单号",
        "商户订单号",
        "流水号",
        "order no",
        "order_no",
        "order id",
    ],
    "donated_at": ["捐赠时间", "支付时间", "交易时间", "下单时间", "时间", "time", "donated at", "paid at"],
    "amount": ["金额", "捐赠金额", "支付金额", "订单金额", "捐款金额", "amount"],
    "nickname": ["捐赠人昵称", "昵称", "捐赠人", "用户昵称", "爱心网友", "nickname", "donor"],
    "status": ["状态", "订单状态", "支付状态", "交易状态", "status"],
    "refund": ["退款金额", "已退款金额", "退款", "refund", "refund amount", "refunded"],
}
REQUIRED = ("order_no", "amount", "status")
HEADER_INDEX = {header_key(v): key for key, variants in COLUMNS.items() for v in variants}

PAID, REFUNDED, PARTIAL, UNPAID = "paid", "refunded", "partial", "unpaid"
STATUSES = {
    header_key(s): kind
    for kind, names in {
        PAID: ["支付成功", "已支付", "成功", "捐赠成功", "交易成功", "已完成", "paid", "success", "succeeded"],
        REFUNDED: ["已退款", "全额退款", "退款成功", "已全额退款", "refunded", "refund"],
        PARTIAL: ["部分退款", "已部分退款", "partially refunded", "partial refund"],
        UNPAID: ["未支付", "待支付", "已关闭", "交易关闭", "已取消", "unpaid", "closed", "cancelled"],
    }.items()
    for s in names
}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)


def map_headers(row) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    unknown = []
    for i, cell in enumerate(row):
        key = HEADER_INDEX.get(header_key(cell))
        if key is None:
            if str(cell or "").strip():
                unknown.append(str(cell))
        elif key not in found:
            found[key] = i
    return found, unknown


@dataclass
class Rejected:
    row: int
    order_no: str
    reason: str


@dataclass
class StatementResult:
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS[:-1], 0))
    total: Decimal = Decimal("0.00")
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> dict:
        return {**self.counts, "total": f"{self.total:.2f}"}

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


def _cell(row, columns, key):
    i = columns.get(key)
    value = row[i] if i is not None and i < len(row) else None
    if isinstance(value, float) and value.is_integer() and key == "order_no":
        value = int(value)  # an order number Excel stored as a number
    return value


def _amount(value, *, refund: bool = False) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    if value in (None, "") and refund:
        return Decimal("0.00")
    try:
        return money(value, "amount", positive=not refund)
    except ValidationError as error:
        what = _("退款金额") if refund else _("金额")  # translated only for a bad row: the good path stays cheap
        raise ValueError(f"{what}：{error.message_dict['amount'][0]}") from None


# "2026-09-07 10:00:01", "2026/9/7 10:05", "2026-09-07": the platforms' usual forms, parsed without strptime.
FAST_TIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@functools.lru_cache(maxsize=64)
def _status(value) -> str | None:
    return STATUSES.get(header_key(value))


def _time(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time())
    else:
        text = " ".join(str(value or "").split())
        if not text:
            raise ValueError(_("缺少捐赠时间"))
        fast = FAST_TIME.match(text)
        try:
            parts = [int(part or 0) for part in fast.groups()] if fast else None
            when = dt.datetime(*parts, tzinfo=timezone.get_current_timezone()) if parts else None
        except ValueError:
            when = None
        for fmt in () if when else TIME_FORMATS:
            try:
                when = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware below, in local time)
                break
            except ValueError:
                continue
        else:
            if when is None:
                raise ValueError(_("捐赠时间格式无法识别：%(v)s") % {"v": text[:30]})
    if timezone.is_naive(when):
        when = timezone.make_aware(when)  # the platform's local time (Asia/Shanghai)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValueError(_("捐赠时间晚于现在"))
    return when


def _parse(row, columns) -> tuple[str, DonationSpec]:
    """(order number, spec) or ValueError with the reason."""
    order_no = " ".join(str(_cell(row, columns, "order_no") or "").split())
    if not order_no:
        raise ValueError(_("缺少订单号"))
    if len(order_no) > 64:
        raise ValueError(_("订单号过长"))
    amount = _amount(_cell(row, columns, "amount"))
    status = _status(_cell(row, columns, "status"))
    if status is None:
        raise ValueError(_("未知的订单状态：%(s)s") % {"s": str(_cell(row, columns, "status") or "（空）")[:20]})
    if status == UNPAID:
        raise ValueError(_("订单未支付或已关闭，不入账"))
    refund = _amount(_cell(row, columns, "refund"), refund=True)
    if status == REFUNDED and refund == 0:
        refund = amount
    if status == PARTIAL and refund == 0:
        raise ValueError(_("部分退款的订单须填写退款金额"))
    if refund > amount:
        raise ValueError(_("退款金额%(r)s大于订单金额%(a)s") % {"r": refund, "a": amount})
    nickname = " ".join(str(_cell(row, columns, "nickname") or "").split())[:60] or _("爱心网友")
    when = _time(_cell(row, columns, "donated_at"))
    spec = DonationSpec(
        amount=amount,
        donor_kind=Donation.DonorKind.ANONYMOUS,
        donor_name=nickname,
        channel=ONLINE,
        donated_at=when,
        external_ref=order_no,
        refund=refund,
    )
    return order_no, spec


def read_statement(path: str | Path, name: str | None = None):
    """(rows, columns) of the file; FileError when it cannot be read or a required column is missing."""
    hint = "“订单号”“捐赠时间”“金额”“捐赠人昵称”“状态”“退款金额”"
    raw_rows, sheet = read_rows(path, name)
    table = to_table(
        raw_rows,
        sheet,
        lambda row: len(map_headers(row)[0]) >= 2,
        _("在前10行中找不到表头：第一行应为列名，例如%(h)s") % {"h": hint},
    )
    columns, _unknown = map_headers(table.headers)
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise FileError(_("缺少必需的列：%(c)s") % {"c": "、".join(missing)})
    return table.rows, columns


def _existing(campaign: Campaign, order_nos: list[str]) -> dict[str, tuple[int, Decimal, Decimal]]:
    """{order number: (donation id, amount, refunded)} of the orders already booked (plain tuples: a
    re-import of 100,000 orders builds no model instances)."""
    found = {}
    for i in range(0, len(order_nos), 5000):
        chunk = order_nos[i : i + 5000]
        rows = Donation.objects.filter(campaign=campaign, channel=ONLINE, external_ref__in=chunk)
        for ref, pk, amount, refunded in rows.values_list("external_ref", "pk", "amount", "refunded"):
            found[ref] = (pk, amount, refunded)
    return found


def import_statement(path, *, campaign: Campaign, acting_user, dry_run: bool = False, name=None) -> StatementResult:
    """Read, check and (unless `dry_run`) book a platform statement. See the module docstring."""
    rows, columns = read_statement(path, name)
    result = StatementResult(dry_run=dry_run)
    result.counts["rows"] = len(rows)
    parsed: dict[str, tuple[int, DonationSpec]] = {}
    for number, row in rows:
        try:
            order_no, spec = _parse(row, columns)
        except ValueError as error:
            order_no = str(_cell(row, columns, "order_no") or "")[:64]
            result.rejected.append(Rejected(number, order_no, str(error)))
            continue
        if order_no in parsed:
            first = parsed[order_no][1]
            if first.amount != spec.amount:
                result.rejected.append(
                    Rejected(number, order_no, _("与第%(r)d行订单号相同但金额不同") % {"r": parsed[order_no][0]})
                )
                continue
            first.refund = max(first.refund, spec.refund)
            result.counts["duplicates"] += 1
            continue
        parsed[order_no] = (number, spec)
    with transaction.atomic():
        campaign = lock_campaign(campaign, acting_user)
        existing = _existing(campaign, list(parsed))
        new, refunds = [], []
        for order_no, (number, spec) in parsed.items():
            done = existing.get(order_no)
            if done is None:
                new.append(spec)
                continue
            pk, amount, refunded = done
            if amount != spec.amount:
                reason = _("金额与已导入的同一订单不一致（%(a)s元）") % {"a": amount}
                result.rejected.append(Rejected(number, order_no, reason))
            elif spec.refund > refunded:
                refunds.append((pk, spec.refund - refunded))
            else:
                result.counts["duplicates"] += 1
        result.counts["created"] = len(new)
        result.counts["refunds"] = len(refunds) + sum(1 for s in new if s.refund > 0)
        result.total = sum((s.amount - s.refund for s in new), Decimal("0")) - sum(
            (r for _d, r in refunds), Decimal("0")
        )
        result.counts["rejected"] = len(result.rejected)
        result.rejected.sort(key=lambda r: r.row)
        if dry_run:
            return result
        if new:
            book_donations(campaign, new, acting_user=acting_user)
        if refunds:
            rows = Donation.objects.select_for_update().in_bulk([pk for pk, _r in refunds])
            book_refunds(campaign, [(rows[pk], r) for pk, r in refunds], acting_user=acting_user)
        audit.record(
            actor=acting_user,
            action="charity.statement_import",
            obj=campaign,
            org=campaign.org,
            after={**result.summary(), "file": Path(name or str(path)).name[:100]},
        )
    result.total = result.total.quantize(Decimal("0.01"))
    return result
