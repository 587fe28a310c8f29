"""Union charity (issue 14): the workers' foundation's special funds, fundraising campaigns,
donations, grants; wishes (微心愿) and volunteers live in `models_wishes`.

Money (DESIGN.md §3.6, as in hardship): Decimal to the fen; `FundLedger` is append-only (a model
guard here, a PostgreSQL trigger in migration 0002); a refund or a cancelled grant is a new row that
reverses the original. `Fund.balance` and the campaign/fund counters are caches of the ledger kept by
`charity.actions` in the transaction that writes the rows (a conditional UPDATE keeps the balance
from ever going negative) and checked by `gonghui charity-recount`.

Only `gonghui.charity.actions*` write these rows (DESIGN.md §3.1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.charity.states import CampaignStatus, GrantStatus, TransferStatus
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.hardship.models_aid import LedgerQuerySet  # the same append-only guards as hardship's ledger

MONEY = {"max_digits": 14, "decimal_places": 2}


class BeneficiaryKind(models.TextChoices):
    HARDSHIP = "hardship", _("在档困难职工家庭")
    EMERGENCY = "emergency", _("遭遇急难的会员")
    PROJECT = "project", _("公益项目")


class GrantPurpose(models.TextChoices):
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("助学")
    LIVING = "living", _("生活救助")
    ACCIDENT = "accident", _("意外灾害")
    PROJECT = "project", _("公益项目建设")


class Fund(models.Model):
    """A special fund (专项基金) of the workers' foundation, owned by a union.

    `restrictions` says what the fund may pay for, as data: `{"beneficiary_kinds": [...],
    "purposes": [...], "max_grant": "30000.00"}`; an empty or missing list allows every value.
    """

    org = models.ForeignKey("orgs.Org", verbose_name=_("管理工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    code = models.SlugField(_("基金代码"), max_length=40, unique=True)
    name = models.CharField(_("基金名称"), max_length=60)
    purpose = models.CharField(_("宗旨和用途"), max_length=500)
    restrictions = models.JSONField(_("使用范围"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    balance = models.DecimalField(_("余额"), default=0, **MONEY)
    donated = models.DecimalField(_("累计收到捐赠（净额）"), default=0, **MONEY)
    matched = models.DecimalField(_("累计配捐"), default=0, **MONEY)
    refunded = models.DecimalField(_("累计退款"), default=0, **MONEY)
    granted = models.DecimalField(_("累计资助（净额）"), default=0, **MONEY)
    donations_count = models.PositiveIntegerField(_("捐赠人次"), default=0)
    grants_count = models.PositiveIntegerField(_("资助笔数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("专项基金")
        verbose_name_plural = _("专项基金")
        ordering = ["org_path", "code"]
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="ch_fund_balance_not_negative")]

    def __str__(self):
        return self.name

    def allows(self, key: str, value: str) -> bool:
        allowed = (self.restrictions or {}).get(key) or []
        return not allowed or value in allowed


class Campaign(models.Model):
    """A fundraising campaign (募捐活动) feeding one fund, with an optional matching pledge (配捐):
    `match_ratio` yuan of the partner's money per yuan donated, up to `match_cap` in all."""

    fund = models.ForeignKey(Fund, verbose_name=_("专项基金"), on_delete=models.PROTECT, related_name="campaigns")
    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    name = models.CharField(_("活动名称"), max_length=80)
    description = models.TextField(_("活动介绍"), blank=True)
    target = models.DecimalField(_("目标金额"), **MONEY)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    match_partner = models.CharField(_("配捐方"), max_length=80, blank=True)
    match_ratio = models.DecimalField(_("配捐比例（每捐1元配捐）"), max_digits=6, decimal_places=2, default=0)
    match_cap = models.DecimalField(_("配捐上限"), default=0, **MONEY)
    # Rolled-up counters (kept by the actions, checked by charity-recount).
    raised = models.DecimalField(_("已筹（净额）"), default=0, **MONEY)
    matched = models.DecimalField(_("配捐"), default=0, **MONEY)
    refunded = models.DecimalField(_("退款"), default=0, **MONEY)
    donors = models.PositiveIntegerField(_("捐赠人次"), default=0)
    refunds = models.PositiveIntegerField(_("退款笔数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("募捐活动")
        verbose_name_plural = _("募捐活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(matched__lte=models.F("match_cap")), name="ch_campaign_match_cap"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="ch_campaign_period"),
        ]

    def __str__(self):
        return self.name

    @property
    def progress(self) -> int:
        """Percent of the target raised (donations plus matching), 0–100."""
        if not self.target:
            return 0
        return min(100, int((self.raised + self.matched) * 100 / self.target))


class Donation(models.Model):
    """One donation (捐赠). Never edited: a refund books `refunded` here and a reversal row in the
    ledger. `matched` is the matching money this donation drew under its campaign's pledge."""

    class DonorKind(models.TextChoices):
        MEMBER = "member", _("会员")
        COMPANY = "company", _("企业")
        ANONYMOUS = "anonymous", _("个人（匿名）")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网络募捐平台")
        BANK = "bank", _("银行转账")
        CASH = "cash", _("现金")
        PAYROLL = "payroll", _("工资代扣")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="donations")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="donations")
    org_path = PathField(_("组织路径"), editable=False)
    donor_kind = models.CharField(_("捐赠人类型"), max_length=10, choices=DonorKind.choices)
    donor_membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    donor_name = models.CharField(_("捐赠人（显示名）"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    external_ref = models.CharField(_("外部单号"), max_length=64, blank=True)
    donated_at = models.DateTimeField(_("捐赠时间"))
    amount = models.DecimalField(_("金额"), **MONEY)
    refunded = models.DecimalField(_("已退款"), default=0, **MONEY)
    matched = models.DecimalField(_("配捐"), default=0, **MONEY)
    match_refunded = models.DecimalField(_("配捐冲回"), default=0, **MONEY)
    receipt_serial = models.CharField(_("收据编号"), max_length=24, null=True, blank=True, unique=True)
    receipt_issued_at = models.DateTimeField(null=True, blank=True)
    official_receipt_no = models.CharField(_("公益事业捐赠票据号码"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-donated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ch_donation_positive"),
            models.CheckConstraint(
                condition=Q(refunded__gte=0, refunded__lte=models.F("amount")), name="ch_donation_refund_le_amount"
            ),
            models.UniqueConstraint(
                fields=["campaign", "channel", "external_ref"],
                condition=~Q(external_ref=""),
                name="ch_donation_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "donated_at"], name="ch_donation_campaign_idx"),
            models.Index(fields=["org_path", "donated_at"], name="ch_donation_path_idx"),
        ]

    def __str__(self):
        return f"捐赠 {self.donor_name} {self.amount}"

    @property
    def net(self):
        return self.amount - self.refunded


class FundTransfer(models.Model):
    """Money moved from one fund to another: proposed, then approved by another person (maker-checker)."""

    from_fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transfers_out")
    to_fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transfers_in")
    org_path = PathField(_("组织路径"), editable=False)
    amount = models.DecimalField(_("金额"), **MONEY)
    reason = models.CharField(_("划转理由"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PROPOSED)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("基金划转")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ch_transfer_positive")]

    def __str__(self):
        return f"划转 {self.amount}"


class Grant(models.Model):
    """A grant (资助) from a fund: proposed (maker), approved by the fund's committee (checker, never
    the maker; the fund is drawn in that transaction), paid (a bank file), confirmed received."""

    fund = models.ForeignKey(Fund, verbose_name=_("专项基金"), on_delete=models.PROTECT, related_name="grants")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    beneficiary_kind = models.CharField(_("资助对象"), max_length=10, choices=BeneficiaryKind.choices)
    archive = models.ForeignKey(
        "hardship.HardshipArchive", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project_name = models.CharField(_("项目名称"), max_length=100, blank=True)
    public_label = models.CharField(_("公开显示的受助对象"), max_length=60)
    purpose = models.CharField(_("资助用途"), max_length=10, choices=GrantPurpose.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    reason = models.CharField(_("申请理由"), max_length=500)
    documents = models.CharField(_("证明材料"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PROPOSED)
    payee_name = models.CharField(_("收款人"), max_length=60)
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_cipher = models.BinaryField(editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, editable=False)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    payment_ref = models.CharField(_("付款凭证号"), max_length=60, blank=True)
    confirmed_on = models.DateField(_("确认收到日期"), null=True, blank=True)
    confirmation = models.CharField(_("收款确认说明"), max_length=300, blank=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("资助")
        verbose_name_plural = _("资助")
        ordering = ["-made_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ch_grant_positive")]
        indexes = [
            models.Index(fields=["org_path", "status"], name="ch_grant_path_status_idx"),
            models.Index(fields=["archive"], name="ch_grant_archive_idx"),
        ]

    def __str__(self):
        return f"资助 #{self.pk} {self.public_label} {self.amount}"


class FundLedger(models.Model):
    """The append-only fund ledger. Amounts are signed from the fund's point of view (+ in, − out),
    so for every fund `balance == Σ amount`. A REFUND row is the negative of (part of) a DONATION or
    MATCH row it references; a GRANT_RETURN reverses a GRANT row. `on` is the value date (the
    donation's day), used by the public monthly summary; `at` is when the row was booked."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("捐赠收入")
        MATCH = "match", _("配捐收入")
        REFUND = "refund", _("退款冲回")
        GRANT = "grant", _("资助支出")
        GRANT_RETURN = "grant_return", _("资助撤销冲回")
        TRANSFER_IN = "transfer_in", _("基金划入")
        TRANSFER_OUT = "transfer_out", _("基金划出")
        FEE = "fee", _("手续费")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="ledger")
    org_path = PathField(_("组织路径"), editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    on = models.DateField(_("日期"))
    donation = models.ForeignKey(Donation, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    transfer = models.ForeignKey(FundTransfer, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    memo = models.CharField(_("摘要"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager.from_queryset(LedgerQuerySet)()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("基金台账")
        verbose_name_plural = _("基金台账")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["refund", "grant_return"]) | Q(reverses__isnull=False),
                name="ch_ledger_reversal_refs",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["donation", "match", "grant_return", "transfer_in"], amount__gt=0)
                | Q(kind__in=["refund", "grant", "transfer_out", "fee"], amount__lt=0),
                name="ch_ledger_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "on"], name="ch_ledger_fund_on_idx"),
            models.Index(fields=["donation"], name="ch_ledger_donation_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ValidationError(_("基金台账只能追加，不能修改"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("基金台账只能追加，不能删除"))


from gonghui.charity.models_wishes import (  # noqa: E402,F401  (one models module for Django)
    Volunteer,
    VolunteerActivity,
    VolunteerSignup,
    Wish,
    WishRound,
)
