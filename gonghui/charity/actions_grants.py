"""Grants (资助): proposal → committee approval (maker-checker; the fund is drawn here) → payment
(the charity's own bank file, as hardship's `bankfile`) → confirmation of receipt.

A grant to a hardship household shows on the household's timeline through
`hardship.timeline_sources` (registered in `charity.receivers`); hardship never imports charity.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gonghui.charity.actions import APPROVE, MANAGE, _audit, _move_fund
from gonghui.charity.models import BeneficiaryKind, Fund, FundLedger, Grant, GrantPurpose
from gonghui.charity.states import GRANT, GrantStatus
from gonghui.charity.validation import as_date, choice, money, text
from gonghui.core import crypto
from gonghui.core.actionkit import require, staff_user

ACCOUNT_PURPOSE = "charity.bank_account"
G = GrantStatus
BANK_HEADERS = ["序号", "收款人", "开户银行", "银行账号", "金额（元）", "用途", "资助编号"]


def _account(number) -> str:
    number = re.sub(r"[\s-]", "", str(number or ""))
    if not re.fullmatch(r"\d{8,30}", number):
        raise ValidationError({"account": _("银行账号应为8至30位数字")})
    return number


def check_restrictions(fund: Fund, beneficiary_kind: str, purpose: str, amount: Decimal) -> None:
    """Refuse a grant the fund's restrictions do not allow (every reason under its field)."""
    errors = {}
    if not fund.allows("beneficiary_kinds", beneficiary_kind):
        errors["beneficiary_kind"] = _("“%(f)s”不能资助%(k)s") % {
            "f": fund.name,
            "k": BeneficiaryKind(beneficiary_kind).label,
        }
    if not fund.allows("purposes", purpose):
        errors["purpose"] = _("“%(f)s”不能用于%(p)s") % {"f": fund.name, "p": GrantPurpose(purpose).label}
    cap = (fund.restrictions or {}).get("max_grant")
    if cap and amount > Decimal(cap):
        errors["amount"] = _("单笔资助不能超过%(c)s元") % {"c": cap}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_propose_grant(
    *,
    acting_user,
    fund: Fund,
    beneficiary_kind: str,
    purpose: str,
    amount,
    reason: str,
    payee_name: str,
    bank_name: str,
    account: str,
    archive=None,
    membership=None,
    project_name: str = "",
    documents: str = "",
) -> Grant:
    """Propose a grant (the maker). The beneficiary is a hardship household (`archive`), a member in
    an emergency (`membership`) or a project (`project_name`); it must lie in the fund's subtree."""
    fund = Fund.objects.select_related("org").get(pk=fund.pk)
    require(acting_user, MANAGE, fund.org_path, fund.org.name)
    kind = choice(beneficiary_kind, BeneficiaryKind, "beneficiary_kind")
    purpose = choice(purpose, GrantPurpose, "purpose")
    value = money(amount, "amount")
    check_restrictions(fund, kind, purpose, value)
    if value > fund.balance:
        raise ValidationError({"amount": _("基金余额%(b)s元，不足以资助%(a)s元") % {"b": fund.balance, "a": value}})
    place, province_id = fund.org_path, fund.org.province_id
    if kind == BeneficiaryKind.HARDSHIP:
        if archive is None:
            raise ValidationError({"archive": _("请选择困难职工档案")})
        if not archive.org_path.startswith(fund.org_path):
            raise ValidationError({"archive": _("该困难职工档案不在本基金的服务范围内")})
        label, place, province_id = _("在档困难职工家庭"), archive.org_path, archive.province_id
        membership, project_name = None, ""
    elif kind == BeneficiaryKind.EMERGENCY:
        if membership is None:
            raise ValidationError({"membership": _("请选择会员")})
        if not membership.org_path.startswith(fund.org_path):
            raise ValidationError({"membership": _("该会员不在本基金的服务范围内")})
        label, place, province_id = _("遭遇急难的职工"), membership.org_path, membership.province_id
        archive, project_name = None, ""
    else:
        project_name = text(project_name, "project_name", 100)
        label, archive, membership = project_name[:60], None, None
    number = _account(account)
    grant = Grant.objects.create(
        fund=fund,
        org=fund.org,
        org_path=place,
        province_id=province_id,
        beneficiary_kind=kind,
        archive=archive,
        membership=membership,
        project_name=project_name,
        public_label=label,
        purpose=purpose,
        amount=value,
        reason=text(reason, "reason", 500),
        documents=text(documents, "documents", 500, required=False),
        payee_name=text(payee_name, "payee_name", 60),
        bank_name=text(bank_name, "bank_name", 60),
        account_cipher=crypto.encrypt(number, ACCOUNT_PURPOSE),
        account_masked=number[:4] + "*" * max(len(number) - 8, 4) + number[-4:],
        made_by=staff_user(acting_user),
    )
    _audit(
        acting_user,
        "charity.grant_propose",
        grant,
        fund.org,
        after={"fund": fund.code, "kind": kind, "purpose": purpose, "amount": value, "account": grant.account_masked},
    )
    return grant


def _lock(grant) -> Grant:
    return Grant.objects.select_for_update().select_related("fund__org").get(pk=grant.pk)


@transaction.atomic
def do_approve_grant(*, acting_user, grant: Grant, note: str = "") -> Grant:
    """The committee (checker, never the maker) approves; the fund is drawn in this transaction with a
    conditional UPDATE, so concurrent approvals never take the balance below zero."""
    grant = _lock(grant)
    fund = grant.fund
    require(acting_user, APPROVE, fund.org_path, fund.org.name)
    checker = staff_user(acting_user)
    if checker is None:
        raise ValidationError({"checker": _("资助须由审批人本人批准")})
    if checker.pk == grant.made_by_id:
        raise ValidationError({"checker": _("审批人不能是经办人本人（双人复核）")})
    GRANT.check(grant.status, G.APPROVED, _("批准资助"))
    note = text(note, "note", 300, required=False)
    check_restrictions(fund, grant.beneficiary_kind, grant.purpose, grant.amount)
    if not _move_fund(fund.pk, -grant.amount, granted=grant.amount, grants_count=1):
        fund.refresh_from_db()
        raise ValidationError(
            {"amount": _("基金余额%(b)s元，不足以资助%(a)s元") % {"b": fund.balance, "a": grant.amount}}
        )
    FundLedger.objects.create(
        fund=fund,
        org_path=fund.org_path,
        kind=FundLedger.Kind.GRANT,
        amount=-grant.amount,
        on=timezone.localdate(),
        grant=grant,
        memo=_("资助：%(l)s（%(p)s）") % {"l": grant.public_label, "p": grant.get_purpose_display()},
        created_by=checker,
    )
    grant.status = G.APPROVED
    grant.checked_by = checker
    grant.checked_at = timezone.now()
    grant.decision_note = note
    grant.save(update_fields=["status", "checked_by", "checked_at", "decision_note"])
    _audit(
        acting_user,
        "charity.grant_approve",
        grant,
        fund.org,
        before={"status": G.PROPOSED},
        after={"status": G.APPROVED, "amount": grant.amount},
        reason=note,
    )
    return grant


@transaction.atomic
def do_reject_grant(*, acting_user, grant: Grant, note: str) -> Grant:
    grant = _lock(grant)
    require(acting_user, APPROVE, grant.fund.org_path, grant.fund.org.name)
    note = text(note, "note", 300)
    GRANT.transition(grant, G.REJECTED, _("驳回资助"))
    grant.checked_by = staff_user(acting_user)
    grant.checked_at = timezone.now()
    grant.decision_note = note
    grant.save(update_fields=["status", "checked_by", "checked_at", "decision_note"])
    _audit(acting_user, "charity.grant_reject", grant, grant.fund.org, after={"status": G.REJECTED}, reason=note)
    return grant


@transaction.atomic
def do_cancel_grant(*, acting_user, grant: Grant, reason: str) -> Grant:
    """Cancel an approved, unpaid grant: a GRANT_RETURN row reverses the draw."""
    grant = _lock(grant)
    fund = grant.fund
    require(acting_user, APPROVE, fund.org_path, fund.org.name)
    reason = text(reason, "reason", 300)
    GRANT.transition(grant, G.CANCELLED, _("撤销资助"))
    draw = FundLedger.objects.get(grant=grant, kind=FundLedger.Kind.GRANT)
    FundLedger.objects.create(
        fund=fund,
        org_path=fund.org_path,
        kind=FundLedger.Kind.GRANT_RETURN,
        amount=grant.amount,
        on=timezone.localdate(),
        grant=grant,
        reverses=draw,
        memo=_("资助撤销：%(l)s") % {"l": grant.public_label},
        created_by=staff_user(acting_user),
    )
    Fund.objects.filter(pk=fund.pk).update(
        balance=F("balance") + grant.amount, granted=F("granted") - grant.amount, grants_count=F("grants_count") - 1
    )
    grant.save(update_fields=["status"])
    _audit(acting_user, "charity.grant_cancel", grant, fund.org, after={"status": G.CANCELLED}, reason=reason)
    return grant


@transaction.atomic
def do_export_grant_bank_file(*, acting_user, fund: Fund) -> tuple[str, bytes]:
    """The bank file (批量代发) of the fund's approved, unpaid grants: the only place an account number
    appears whole, so it is an action (`charity.approve`, audited)."""
    fund = Fund.objects.select_related("org").get(pk=fund.pk)
    require(acting_user, APPROVE, fund.org_path, fund.org.name)
    rows = list(Grant.objects.filter(fund=fund, status=G.APPROVED).order_by("pk"))
    if not rows:
        raise ValidationError({"fund": _("没有待拨付的资助")})
    wb = Workbook()
    ws = wb.active
    ws.title = fund.code[:30]
    ws.append(BANK_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, g in enumerate(rows, 1):
        ws.append(
            [
                i,
                g.payee_name,
                g.bank_name,
                crypto.decrypt(g.account_cipher, ACCOUNT_PURPOSE),
                g.amount,
                f"{fund.name}·{g.get_purpose_display()}",
                g.pk,
            ]
        )
        ws.cell(row=i + 1, column=4).number_format = "@"
        ws.cell(row=i + 1, column=5).number_format = "0.00"
    total = sum((g.amount for g in rows), Decimal("0"))
    ws.append(["合计", "", "", "", total, f"{len(rows)}笔", ""])
    out = io.BytesIO()
    wb.save(out)
    _audit(
        acting_user,
        "charity.grant_bank_file",
        fund,
        fund.org,
        after={"grants": [g.pk for g in rows], "total": total},
        reason=_("导出资助拨付文件（含完整银行账号）"),
    )
    return f"{fund.code}-{timezone.localdate():%Y%m%d}.xlsx", out.getvalue()


@transaction.atomic
def do_mark_grant_paid(*, acting_user, grant: Grant, paid_on=None, payment_ref: str = "") -> Grant:
    grant = _lock(grant)
    require(acting_user, APPROVE, grant.fund.org_path, grant.fund.org.name)
    GRANT.transition(grant, G.PAID, _("登记拨付"))
    grant.paid_on = as_date(paid_on or timezone.localdate(), "paid_on")
    if grant.paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("拨付日期不能晚于今天")})
    grant.payment_ref = text(payment_ref, "payment_ref", 60, required=False)
    grant.save(update_fields=["status", "paid_on", "payment_ref"])
    _audit(acting_user, "charity.grant_paid", grant, grant.fund.org, after={"status": G.PAID, "paid_on": grant.paid_on})
    return grant


@transaction.atomic
def do_confirm_grant_receipt(*, acting_user, grant: Grant, note: str, confirmed_on=None) -> Grant:
    """Record that the beneficiary confirmed receiving the money (回执)."""
    grant = _lock(grant)
    require(acting_user, MANAGE, grant.org_path, grant.fund.org.name)
    GRANT.transition(grant, G.CONFIRMED, _("确认收款"))
    grant.confirmation = text(note, "note", 300)
    grant.confirmed_on = as_date(confirmed_on or timezone.localdate(), "confirmed_on")
    grant.save(update_fields=["status", "confirmation", "confirmed_on"])
    _audit(acting_user, "charity.grant_confirm", grant, grant.fund.org, after={"status": G.CONFIRMED})
    return grant
