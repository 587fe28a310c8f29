"""Funds, campaigns, donations, refunds, receipts, transfers and fees: every write goes through here
(DESIGN.md §3.1). Grants are in `actions_grants`, wishes and volunteers in `actions_wishes`.

Permissions (on the owning union's subtree):
- `charity.manage` — funds, campaigns, donations and their import, refunds, receipts;
- `charity.approve` (the fund's committee) — transfers between funds and grants, never approving
  what the same person proposed (maker-checker); fees.

Money: every movement is a new `FundLedger` row (reversals reference the original). A fund's
balance moves only with a conditional UPDATE (`balance = balance + x WHERE balance + x >= 0`) in the
transaction that writes the rows, so concurrent grants can never overdraw it; campaign and fund
counters move with F() updates in the same transaction (`charity-recount` checks them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.charity.models import (
    BeneficiaryKind,
    Campaign,
    Donation,
    Fund,
    FundLedger,
    FundTransfer,
    GrantPurpose,
)
from gonghui.charity.states import CAMPAIGN, TRANSFER, CampaignStatus, TransferStatus
from gonghui.charity.validation import FEN, as_date, choice, money, text
from gonghui.core import audit
from gonghui.core.actionkit import require, staff_user
from gonghui.members.importing.engine import bulk_insert
from gonghui.orgs.models import Org

L = FundLedger.Kind
ZERO = Decimal("0.00")
MANAGE = "charity.manage"
APPROVE = "charity.approve"


def _audit(acting_user, action: str, obj, org, *, before=None, after=None, reason: str = "") -> None:
    audit.record(actor=acting_user, action=action, obj=obj, org=org, before=before, after=after, reason=reason)


def _clean_restrictions(restrictions) -> dict:
    restrictions = restrictions or {}
    if not isinstance(restrictions, dict):
        raise ValidationError({"restrictions": _("使用范围格式不正确")})
    cleaned: dict = {}
    for key, choices in (("beneficiary_kinds", BeneficiaryKind), ("purposes", GrantPurpose)):
        values = list(restrictions.get(key) or [])
        unknown = [v for v in values if v not in choices.values]
        if unknown:
            raise ValidationError(
                {"restrictions": _("使用范围含未知选项：%(v)s") % {"v": "、".join(map(str, unknown))}}
            )
        if values:
            cleaned[key] = values
    if restrictions.get("max_grant") not in (None, ""):
        cleaned["max_grant"] = str(money(restrictions["max_grant"], "restrictions"))
    return cleaned


# --- funds and campaigns ---------------------------------------------------------------------------


@transaction.atomic
def do_create_fund(*, acting_user, org: Org, code: str, name: str, purpose: str, restrictions=None) -> Fund:
    """A special fund (专项基金) owned by `org`; restrictions say which beneficiaries and purposes it may pay."""
    require(acting_user, MANAGE, org.path, org.name)
    code = text(code, "code", 40).lower()
    if not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        raise ValidationError({"code": _("基金代码只能包含字母、数字和连字符")})
    if Fund.objects.filter(code=code).exists():
        raise ValidationError({"code": _("基金代码已被使用")})
    fund = Fund.objects.create(
        org=org,
        org_path=org.path,
        code=code,
        name=text(name, "name", 60),
        purpose=text(purpose, "purpose", 500),
        restrictions=_clean_restrictions(restrictions),
    )
    _audit(acting_user, "charity.fund_create", fund, org, after={"code": code, "restrictions": fund.restrictions})
    return fund


@transaction.atomic
def do_create_campaign(
    *,
    acting_user,
    fund: Fund,
    org: Org | None = None,
    name: str,
    target,
    starts_on,
    ends_on,
    description: str = "",
    match_partner: str = "",
    match_ratio=0,
    match_cap=0,
) -> Campaign:
    """A fundraising campaign feeding `fund`, run by `org` (default: the fund's union, or one under it)."""
    org = org or fund.org
    require(acting_user, MANAGE, org.path, org.name)
    if not org.path.startswith(fund.org_path):
        raise ValidationError({"org": _("募捐活动的主办工会应为基金管理工会或其下级")})
    if not fund.active:
        raise ValidationError({"fund": _("该基金已停用")})
    starts, ends = as_date(starts_on, "starts_on"), as_date(ends_on, "ends_on")
    if ends < starts:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})
    ratio = money(match_ratio, "match_ratio", positive=False)
    cap = money(match_cap, "match_cap", positive=False)
    partner = text(match_partner, "match_partner", 80, required=False)
    if (ratio > 0) != (cap > 0):
        raise ValidationError({"match_cap": _("配捐比例和配捐上限应同时填写")})
    if ratio > 0 and not partner:
        raise ValidationError({"match_partner": _("请填写配捐方")})
    campaign = Campaign.objects.create(
        fund=fund,
        org=org,
        org_path=org.path,
        name=text(name, "name", 80),
        description=text(description, "description", 2000, required=False),
        target=money(target, "target"),
        starts_on=starts,
        ends_on=ends,
        match_partner=partner,
        match_ratio=ratio,
        match_cap=cap,
        created_by=staff_user(acting_user),
    )
    _audit(
        acting_user,
        "charity.campaign_create",
        campaign,
        org,
        after={"fund": fund.code, "target": campaign.target, "match": [ratio, cap, partner]},
    )
    return campaign


@transaction.atomic
def do_set_campaign_status(*, acting_user, campaign: Campaign, status: str) -> Campaign:
    """Open (募捐中) or close (已结束) a campaign."""
    campaign = Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    what = _("开始募捐") if status == CampaignStatus.OPEN else _("结束募捐")
    before = CAMPAIGN.transition(campaign, status, what)
    campaign.save(update_fields=["status"])
    _audit(
        acting_user,
        "charity.campaign_status",
        campaign,
        campaign.org,
        before={"status": before},
        after={"status": status},
    )
    return campaign


# --- booking donations (one, or thousands from a statement) ------------------------------------------


@dataclass
class DonationSpec:
    """A validated donation, not yet booked."""

    amount: Decimal
    donor_kind: str
    donor_name: str
    channel: str
    donated_at: dt.datetime
    external_ref: str = ""
    donor_membership_id: int | None = None
    note: str = ""
    refund: Decimal = Decimal("0")  # a refund to book at once (a statement row already refunded)


def _match_for(campaign: Campaign, amount: Decimal, room: Decimal) -> Decimal:
    if campaign.match_ratio <= 0 or room <= 0:
        return Decimal("0")
    return min((amount * campaign.match_ratio).quantize(FEN, rounding=ROUND_HALF_UP), room)


def _match_refund(donation: Donation, refunded_total: Decimal) -> Decimal:
    """The matching money to reverse so that a donation refunded by `refunded_total` in all keeps
    `matched × (amount − refunded) / amount` (all of it reversed when fully refunded)."""
    keep_share = (donation.matched * refunded_total / donation.amount).quantize(FEN, rounding=ROUND_HALF_UP)
    return max(Decimal("0"), min(keep_share, donation.matched) - donation.match_refunded)


def _move_fund(fund_id: int, delta: Decimal, **counters) -> bool:
    """balance += delta (never below zero) and the counters += their values, in one UPDATE."""
    qs = Fund.objects.filter(pk=fund_id)
    if delta < 0:
        qs = qs.filter(balance__gte=-delta)
    values = {k: F(k) + v for k, v in counters.items() if v}
    return bool(qs.update(balance=F("balance") + delta, **values))


def book_donations(campaign: Campaign, specs: list[DonationSpec], *, acting_user) -> tuple[list[int], Decimal]:
    """Book donations to a campaign whose row the caller holds locked (select_for_update): donations,
    their ledger rows (donation, matching, any immediate refund), the counters. Raw bulk inserts (the
    members importer's inserter: thousands of rows per statement on SQLite, COPY on PostgreSQL).
    Returns the new donations' ids and the net amount booked (donations less refunds, without matching)."""
    by = staff_user(acting_user)
    by_id, now = getattr(by, "pk", None), timezone.now()
    room = campaign.match_cap - campaign.matched
    specs = sorted(specs, key=lambda s: s.donated_at)
    rows = []
    for spec in specs:
        matched = _match_for(campaign, spec.amount, room)
        room -= matched
        rows.append(
            {
                "campaign_id": campaign.pk,
                "fund_id": campaign.fund_id,
                "org_path": campaign.org_path,
                "donor_kind": spec.donor_kind,
                "donor_membership_id": spec.donor_membership_id,
                "donor_name": spec.donor_name,
                "channel": spec.channel,
                "external_ref": spec.external_ref,
                "donated_at": spec.donated_at,
                "amount": spec.amount,
                "refunded": ZERO,
                "matched": matched,
                "match_refunded": ZERO,
                "official_receipt_no": "",
                "note": spec.note,
                "created_by_id": by_id,
                "created_at": now,
            }
        )
    ids = bulk_insert(Donation, rows, returning=True)
    ledger = []
    match_memo = _("配捐：%(p)s") % {"p": campaign.match_partner}
    donation_memo = _("捐赠：%(n)s")
    base = {"fund_id": campaign.fund_id, "org_path": campaign.org_path, "created_by_id": by_id, "at": now}
    for pk, row in zip(ids, rows, strict=True):
        on = timezone.localdate(row["donated_at"])
        memo = (donation_memo % {"n": row["donor_name"]})[:200]
        ledger.append({**base, "kind": L.DONATION, "amount": row["amount"], "on": on, "donation_id": pk, "memo": memo})
        if row["matched"]:
            ledger.append(
                {
                    **base,
                    "kind": L.MATCH,
                    "amount": row["matched"],
                    "on": on,
                    "donation_id": pk,
                    "memo": match_memo[:200],
                }
            )
    bulk_insert(FundLedger, ledger)
    gross = sum((r["amount"] for r in rows), ZERO)
    matched = sum((r["matched"] for r in rows), ZERO)
    Campaign.objects.filter(pk=campaign.pk).update(
        raised=F("raised") + gross, matched=F("matched") + matched, donors=F("donors") + len(rows)
    )
    _move_fund(campaign.fund_id, gross + matched, donated=gross, matched=matched, donations_count=len(rows))
    campaign.raised += gross
    campaign.matched += matched
    campaign.donors += len(rows)
    refunds = [
        (Donation(pk=pk, amount=row["amount"], matched=row["matched"], donor_name=row["donor_name"]), spec.refund)
        for pk, row, spec in zip(ids, rows, specs, strict=True)
        if spec.refund > 0
    ]
    refunded = book_refunds(campaign, refunds, acting_user=acting_user)
    return ids, gross - refunded


def _row(campaign, kind, amount, on, by, *, memo, donation=None, reverses=None) -> FundLedger:
    return FundLedger(
        fund_id=campaign.fund_id,
        org_path=campaign.org_path,
        kind=kind,
        amount=amount,
        on=on,
        donation=donation,
        reverses=reverses,
        memo=memo[:200],
        created_by=by,
    )


def book_refunds(campaign: Campaign, refunds: list[tuple[Donation, Decimal]], *, acting_user) -> Decimal:
    """Book refunds of donations of a locked campaign as reversal rows (the donation's own row and
    its matching row, pro rata). Refused as a whole when the fund's balance cannot cover them.
    Returns the refunded total."""
    if not refunds:
        return Decimal("0")
    by = staff_user(acting_user)
    originals = {}
    for row in FundLedger.objects.filter(donation__in=[d for d, _r in refunds], kind__in=[L.DONATION, L.MATCH]):
        originals[(row.donation_id, row.kind)] = row
    rows, total, match_total = [], Decimal("0"), Decimal("0")
    today = timezone.localdate()
    for donation, amount in refunds:
        if amount > donation.amount - donation.refunded:
            raise ValidationError({"amount": _("退款金额超过可退金额")})
        new_total = donation.refunded + amount
        match_back = _match_refund(donation, new_total)
        memo = _("退款：%(n)s") % {"n": donation.donor_name}
        rows.append(
            _row(
                campaign,
                L.REFUND,
                -amount,
                today,
                by,
                memo=memo,
                donation=donation,
                reverses=originals[(donation.pk, L.DONATION)],
            )
        )
        if match_back:
            rows.append(
                _row(
                    campaign,
                    L.REFUND,
                    -match_back,
                    today,
                    by,
                    memo=_("配捐冲回"),
                    donation=donation,
                    reverses=originals[(donation.pk, L.MATCH)],
                )
            )
        Donation.objects.filter(pk=donation.pk).update(
            refunded=F("refunded") + amount, match_refunded=F("match_refunded") + match_back
        )
        donation.refunded += amount
        donation.match_refunded += match_back
        total += amount
        match_total += match_back
    if not _move_fund(campaign.fund_id, -(total + match_total), donated=-total, matched=-match_total, refunded=total):
        raise ValidationError({"amount": _("基金余额不足以退款（款项已用于资助），请先调剂资金")})
    FundLedger.objects.bulk_create(rows, batch_size=2000)
    Campaign.objects.filter(pk=campaign.pk).update(
        raised=F("raised") - total,
        matched=F("matched") - match_total,
        refunded=F("refunded") + total,
        refunds=F("refunds") + len(refunds),
    )
    return total


def clean_donation(
    *, amount, donor_kind, donor_name="", donor_membership=None, channel, external_ref="", donated_at=None, note=""
) -> DonationSpec:
    """Validate one donation's fields (every problem under its field)."""
    errors: dict[str, list[str]] = {}

    def attempt(fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    value = attempt(money, amount, "amount")
    kind = attempt(choice, donor_kind, Donation.DonorKind, "donor_kind")
    chan = attempt(choice, channel, Donation.Channel, "channel")
    name = attempt(text, donor_name, "donor_name", 60, required=False) or ""
    ref = attempt(text, external_ref, "external_ref", 64, required=False) or ""
    note = attempt(text, note, "note", 200, required=False) or ""
    if kind == Donation.DonorKind.MEMBER and donor_membership is None:
        errors.setdefault("donor_membership", []).append(_("请选择捐赠的会员"))
    if kind == Donation.DonorKind.COMPANY and not name:
        errors.setdefault("donor_name", []).append(_("请填写捐赠企业名称"))
    if kind == Donation.DonorKind.MEMBER and donor_membership is not None and not name:
        name = donor_membership.person.name[:1] + "**"
    if kind == Donation.DonorKind.ANONYMOUS and not name:
        name = _("爱心人士")
    when = donated_at or timezone.now()
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when.strip())
        except ValueError:
            errors.setdefault("donated_at", []).append(_("时间格式应为 YYYY-MM-DD HH:MM"))
            when = None
    if isinstance(when, dt.datetime) and timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when is not None and when > timezone.now() + dt.timedelta(minutes=5):
        errors.setdefault("donated_at", []).append(_("捐赠时间不能晚于现在"))
    if errors:
        raise ValidationError(errors)
    return DonationSpec(
        amount=value,
        donor_kind=kind,
        donor_name=name,
        channel=chan,
        donated_at=when,
        external_ref=ref,
        donor_membership_id=getattr(donor_membership, "pk", None),
        note=note,
    )


def lock_campaign(campaign: Campaign, acting_user) -> Campaign:
    campaign = Campaign.objects.select_for_update().select_related("org", "fund").get(pk=campaign.pk)
    require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    if campaign.status == CampaignStatus.DRAFT:
        raise ValidationError({"campaign": _("募捐活动尚未开始，不能登记捐赠")})
    return campaign


@transaction.atomic
def do_record_donation(*, acting_user, campaign: Campaign, **fields) -> Donation:
    """Record one donation (bank transfer, cash, payroll or a platform order) to an open or closed campaign."""
    campaign = lock_campaign(campaign, acting_user)
    spec = clean_donation(**fields)
    if (
        spec.external_ref
        and Donation.objects.filter(campaign=campaign, channel=spec.channel, external_ref=spec.external_ref).exists()
    ):
        raise ValidationError({"external_ref": _("该渠道的外部单号已登记过")})
    (pk,), _net = book_donations(campaign, [spec], acting_user=acting_user)
    donation = Donation.objects.get(pk=pk)
    _audit(
        acting_user,
        "charity.donation_record",
        donation,
        campaign.org,
        after={"amount": donation.amount, "matched": donation.matched, "channel": donation.channel},
    )
    return donation


@transaction.atomic
def do_refund_donation(*, acting_user, donation: Donation, amount, reason: str) -> Donation:
    """Refund (part of) a donation: reversal rows, never an edit of the original."""
    campaign = lock_campaign(donation.campaign, acting_user)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    value = money(amount, "amount")
    reason = text(reason, "reason", 300)
    if value > donation.amount - donation.refunded:
        raise ValidationError(
            {"amount": _("退款金额超过可退金额（%(a)s元）") % {"a": donation.amount - donation.refunded}}
        )
    book_refunds(campaign, [(donation, value)], acting_user=acting_user)
    _audit(acting_user, "charity.donation_refund", donation, campaign.org, after={"refund": value}, reason=reason)
    return donation


@transaction.atomic
def do_issue_receipt(*, acting_user, donation: Donation) -> Donation:
    """Give the donation its receipt serial (捐赠收据); issuing again returns the same serial."""
    donation = Donation.objects.select_for_update().select_related("campaign__org").get(pk=donation.pk)
    require(acting_user, MANAGE, donation.org_path, donation.campaign.org.name)
    if donation.receipt_serial:
        return donation
    if donation.refunded >= donation.amount:
        raise ValidationError({"donation": _("该捐赠已全额退款，不能开具收据")})
    donation.receipt_serial = f"JZ{timezone.localdate(donation.donated_at):%Y}{donation.pk:010d}"
    donation.receipt_issued_at = timezone.now()
    donation.save(update_fields=["receipt_serial", "receipt_issued_at"])
    _audit(
        acting_user, "charity.receipt_issue", donation, donation.campaign.org, after={"serial": donation.receipt_serial}
    )
    return donation


@transaction.atomic
def do_record_official_receipt(*, acting_user, donation: Donation, number: str) -> Donation:
    """Record the number of the official 公益事业捐赠票据 issued for this donation."""
    donation = Donation.objects.select_for_update().select_related("campaign__org").get(pk=donation.pk)
    require(acting_user, MANAGE, donation.org_path, donation.campaign.org.name)
    number = text(number, "number", 40)
    if donation.official_receipt_no:
        raise ValidationError({"number": _("该捐赠已登记票据号码：%(n)s") % {"n": donation.official_receipt_no}})
    donation.official_receipt_no = number
    donation.save(update_fields=["official_receipt_no"])
    _audit(acting_user, "charity.official_receipt", donation, donation.campaign.org, after={"number": number})
    return donation


# --- transfers between funds and fees ----------------------------------------------------------------


@transaction.atomic
def do_propose_transfer(*, acting_user, from_fund: Fund, to_fund: Fund, amount, reason: str) -> FundTransfer:
    """Propose moving money between two funds (the maker); another person approves it."""
    require(acting_user, MANAGE, from_fund.org_path, from_fund.org.name)
    if from_fund.pk == to_fund.pk:
        raise ValidationError({"to_fund": _("转入基金不能与转出基金相同")})
    transfer = FundTransfer.objects.create(
        from_fund=from_fund,
        to_fund=to_fund,
        org_path=from_fund.org_path,
        amount=money(amount, "amount"),
        reason=text(reason, "reason", 300),
        made_by=staff_user(acting_user),
    )
    _audit(
        acting_user,
        "charity.transfer_propose",
        transfer,
        from_fund.org,
        after={"to": to_fund.code, "amount": transfer.amount},
    )
    return transfer


@transaction.atomic
def do_decide_transfer(*, acting_user, transfer: FundTransfer, approve: bool, note: str = "") -> FundTransfer:
    """The committee approves (money moves, two ledger rows) or rejects a proposed transfer."""
    transfer = FundTransfer.objects.select_for_update().select_related("from_fund__org", "to_fund").get(pk=transfer.pk)
    source = transfer.from_fund
    require(acting_user, APPROVE, source.org_path, source.org.name)
    checker = staff_user(acting_user)
    if checker is None or checker.pk == transfer.made_by_id:
        raise ValidationError({"checker": _("审批人不能是经办人本人（双人复核）")})
    target = TransferStatus.APPROVED if approve else TransferStatus.REJECTED
    TRANSFER.transition(transfer, target, _("审批划转"))
    if approve:
        if not _move_fund(source.pk, -transfer.amount):
            raise ValidationError({"amount": _("转出基金余额不足")})
        _move_fund(transfer.to_fund_id, transfer.amount)
        today = timezone.localdate()
        memo = _("基金划转：%(a)s → %(b)s") % {"a": source.name, "b": transfer.to_fund.name}
        FundLedger.objects.bulk_create(
            [
                FundLedger(
                    fund=source,
                    org_path=source.org_path,
                    kind=L.TRANSFER_OUT,
                    amount=-transfer.amount,
                    on=today,
                    transfer=transfer,
                    memo=memo,
                    created_by=checker,
                ),
                FundLedger(
                    fund=transfer.to_fund,
                    org_path=transfer.to_fund.org_path,
                    kind=L.TRANSFER_IN,
                    amount=transfer.amount,
                    on=today,
                    transfer=transfer,
                    memo=memo,
                    created_by=checker,
                ),
            ]
        )
    transfer.checked_by = checker
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "checked_by", "decided_at"])
    _audit(
        acting_user,
        "charity.transfer_decide",
        transfer,
        source.org,
        after={"status": transfer.status},
        reason=text(note, "note", 300, required=False),
    )
    return transfer


@transaction.atomic
def do_record_fee(*, acting_user, fund: Fund, amount, memo: str, on=None) -> FundLedger:
    """A bank or platform fee paid from the fund (never more than its balance)."""
    fund = Fund.objects.select_related("org").get(pk=fund.pk)
    require(acting_user, APPROVE, fund.org_path, fund.org.name)
    value = money(amount, "amount")
    memo = text(memo, "memo", 200)
    if not _move_fund(fund.pk, -value):
        raise ValidationError({"amount": _("基金余额不足")})
    row = FundLedger.objects.create(
        fund=fund,
        org_path=fund.org_path,
        kind=L.FEE,
        amount=-value,
        on=as_date(on or timezone.localdate(), "on"),
        memo=memo,
        created_by=staff_user(acting_user),
    )
    _audit(acting_user, "charity.fee", fund, fund.org, after={"amount": value, "memo": memo})
    return row
