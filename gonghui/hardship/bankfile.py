"""The bank file of a payment batch (批量代发文件): an xlsx with payee, bank, the whole account number
and the amount. It is the only place an account number appears whole, so building it is an action:
`finance.approve` on the batch's union, and every export is audited (PIPL access trail)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gonghui.core import audit, crypto
from gonghui.hardship import actions as core
from gonghui.hardship.aid import ACCOUNT_PURPOSE
from gonghui.hardship.models_aid import Disbursement, PaymentBatch

HEADERS = ["序号", "收款人", "开户银行", "银行账号", "金额（元）", "用途", "发放编号"]


def _workbook(batch: PaymentBatch, rows: list[Disbursement]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = batch.number
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    total = Decimal("0")
    for i, d in enumerate(rows, 1):
        application = d.application
        ws.append(
            [
                i,
                d.payee_name,
                d.bank_name,
                crypto.decrypt(d.account_cipher, ACCOUNT_PURPOSE),
                d.amount,
                f"{application.programme.name}{application.year}",
                d.pk,
            ]
        )
        ws.cell(row=i + 1, column=4).number_format = "@"  # an account number is text, never a float
        ws.cell(row=i + 1, column=5).number_format = "0.00"
        total += d.amount
    ws.append(["合计", "", "", "", total, f"{len(rows)}笔", ""])
    ws.cell(row=len(rows) + 2, column=5).number_format = "0.00"
    for letter, width in zip("ABCDEFG", (6, 12, 24, 28, 12, 18, 10), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@transaction.atomic
def do_export_bank_file(*, acting_user, batch: PaymentBatch) -> tuple[str, bytes]:
    """(file name, xlsx bytes) for the batch; marks it exported. A batch may be exported again
    until it is reconciled (each export audited)."""
    batch = PaymentBatch.objects.select_for_update().select_related("org").get(pk=batch.pk)
    core._require(acting_user, "finance.approve", batch.org)
    if batch.status == PaymentBatch.Status.RECONCILED:
        raise ValidationError({"batch": _("批次已对账，不能再导出银行文件")})
    rows = list(
        Disbursement.objects.filter(batch=batch, status=Disbursement.Status.BATCHED)
        .select_related("application__programme")
        .order_by("pk")
    )
    content = _workbook(batch, rows)
    batch.status = PaymentBatch.Status.EXPORTED
    batch.exported_at = timezone.now()
    batch.exports += 1
    batch.save(update_fields=["status", "exported_at", "exports"])
    audit.record(
        actor=acting_user,
        action="hardship.bank_file_export",
        obj=batch,
        org=batch.org,
        after={"disbursements": [d.pk for d in rows], "total": sum((d.amount for d in rows), Decimal("0"))},
        reason=_("导出银行代发文件（含完整银行账号）"),
    )
    return f"{batch.number}.xlsx", content
