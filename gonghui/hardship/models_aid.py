"""Aid programmes and money (issue 4, "Plans and money"; DOMAIN.md §6, DESIGN.md §3.6).

- `AidProgramme`: 金秋助学, 送温暖, 医疗救助, 生活救助 … run by a union for its subtree. Its amounts
  and exclusions are data (`amount_rules`, `exclusion_rules`), evaluated by `hardship.aid.evaluate`.
- `AidApplication`: application → check → public notice → approval; one per beneficiary, programme
  and year (no double aid), held in the database by a partial unique index on the beneficiary's
  blind index.
- `Budget`: per org, programme and year. `amount` and `spent` are caches of the ledger, moved only
  by `hardship.aid` inside the transaction that writes the ledger rows (conditional UPDATE, so two
  concurrent approvals can never overspend).
- `Disbursement`: one payment of an approved application; maker-checker (the approver differs from
  the maker); bank account stored encrypted, masked in lists, whole only in the bank file.
- `PaymentBatch`: approved disbursements grouped for one bank file; each then marked paid or failed.
- `LedgerEntry`: the append-only ledger. Never updated or deleted; a reversal is a new row with the
  negative amount referencing the original.
- 便民服务项目基金: `ConvenienceAllowance` (per archived worker per year), `ServiceProvider`,
  `ServiceOrder` (18 categories); the fund's share is drawn on the allowance through the same ledger.

Only `gonghui.hardship.aid` writes these rows (DESIGN.md §3.1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedManager, ScopedQuerySet
from gonghui.core.tree import PathField

MONEY = {"max_digits": 14, "decimal_places": 2}

__all__ = [
    "AidApplication",
    "AidObjection",
    "AidProgramme",
    "Budget",
    "ConvenienceAllowance",
    "Disbursement",
    "LedgerEntry",
    "PaymentBatch",
    "ServiceCategory",
    "ServiceOrder",
    "ServiceProvider",
]


class AidProgramme(models.Model):
    """A programme (帮扶项目) a union runs for its subtree.

    `amount_rules`: ordered list, the first match decides the amount:
        [{"label": "在档困难职工家庭·本科", "when": {"archived": true, "schooling": ["university"]},
          "amount": "5000.00"}, …]
    `exclusion_rules`: any match refuses the application, naming the rule:
        [{"code": "military_academy", "label": "就读军事院校", "when": {"military_academy": true}}, …]
    A condition `{key: value}` holds when the application's fact `key` equals `value`; a list value
    holds when the fact is one of its items. Facts are `archived`, `category`, `schooling`,
    `relation` and the applicant's declared flags (`flags`, e.g. `aided_elsewhere`).
    """

    class Kind(models.TextChoices):
        AUTUMN_EDUCATION = "autumn_education", _("金秋助学")
        WINTER_RELIEF = "winter_relief", _("送温暖")
        MEDICAL_AID = "medical_aid", _("医疗救助")
        LIVING_AID = "living_aid", _("生活救助")
        OTHER = "other", _("其他帮扶")

    class Beneficiary(models.TextChoices):
        WORKER = "worker", _("职工本人")
        HOUSEHOLD_MEMBER = "household_member", _("家庭成员（如在读子女）")

    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    code = models.SlugField(_("项目代码"), max_length=40)
    name = models.CharField(_("项目名称"), max_length=60)
    kind = models.CharField(_("项目类型"), max_length=20, choices=Kind.choices)
    beneficiary = models.CharField(_("资助对象"), max_length=20, choices=Beneficiary.choices)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    amount_rules = models.JSONField(_("资助标准"), default=list)
    exclusion_rules = models.JSONField(_("排除情形"), default=list, blank=True)
    flags = models.JSONField(_("申请人须申报的情形"), default=list, blank=True)
    archived_only = models.BooleanField(_("仅限在档困难职工"), default=False)
    requires_notice = models.BooleanField(_("发放前须公示"), default=True)
    notice_working_days = models.PositiveSmallIntegerField(_("公示工作日"), default=5)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")
        ordering = ["org_path", "code"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="hs_programme_code_unique")]

    def __str__(self):
        return self.name


class AidApplication(models.Model):
    """An application to a programme for one beneficiary and year."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申请")
        CHECKED = "checked", _("已审核")
        NOTICE = "notice", _("公示中")
        APPROVED = "approved", _("已批准")
        PAID = "paid", _("已发放")
        REJECTED = "rejected", _("未通过")

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="applications")
    year = models.PositiveSmallIntegerField(_("年度"))
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    archive = models.ForeignKey(
        "hardship.HardshipArchive", null=True, blank=True, on_delete=models.PROTECT, related_name="aid_applications"
    )
    household_member = models.ForeignKey(
        "hardship.HouseholdMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey("orgs.Org", verbose_name=_("受理工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)

    beneficiary_name = models.CharField(_("受助人"), max_length=30)
    beneficiary_index = models.CharField(max_length=64, editable=False)
    beneficiary_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    schooling = models.CharField(_("在读阶段"), max_length=14, blank=True)
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    flags = models.JSONField(_("申报情形"), default=dict, blank=True)
    archived = models.BooleanField(_("在档困难职工家庭"), default=False)
    category = models.CharField(_("困难类别"), max_length=10, blank=True)
    amount = models.DecimalField(_("资助金额"), **MONEY)
    rule_label = models.CharField(_("适用标准"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    reason = models.CharField(_("申请理由"), max_length=300)

    notice_place = models.CharField(_("公示地点/方式"), max_length=200, blank=True)
    notice_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField(_("申请日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("帮扶申请")
        verbose_name_plural = _("帮扶申请")
        ordering = ["-applied_on", "-id"]
        constraints = [
            # No double aid: one live application per beneficiary, programme and year.
            models.UniqueConstraint(
                fields=["programme", "year", "beneficiary_index"],
                condition=~Q(status="rejected"),
                name="hs_aid_once_per_year",
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="hs_aid_path_status_idx"),
            models.Index(fields=["programme", "year", "status"], name="hs_aid_programme_idx"),
            models.Index(fields=["archive"], name="hs_aid_archive_idx"),
        ]

    def __str__(self):
        return f"{self.programme.name} {self.year} {self.beneficiary_name}"


class AidObjection(models.Model):
    """An objection to an application raised during its public notice, and its resolution."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    application = models.ForeignKey(AidApplication, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人（可匿名）"), max_length=60, blank=True)
    text = models.TextField(_("异议内容"))
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("处理情况"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("帮扶公示异议")
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"异议 {self.received_on}"


class Budget(models.Model):
    """The money an org has for a programme in a year. `amount` (allocated) and `spent` are kept
    equal to the ledger's sums by `hardship.aid`; `amount - spent` is never negative."""

    org = models.ForeignKey("orgs.Org", verbose_name=_("预算单位"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("预算金额"), default=0, **MONEY)
    spent = models.DecimalField(_("已支出"), default=0, **MONEY)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("帮扶预算")
        verbose_name_plural = _("帮扶预算")
        constraints = [
            models.UniqueConstraint(fields=["org", "programme", "year"], name="hs_budget_unique"),
            models.CheckConstraint(condition=Q(spent__lte=models.F("amount")), name="hs_budget_not_overspent"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="hs_budget_spent_not_negative"),
        ]

    def __str__(self):
        return f"{self.programme.name} {self.year}"

    @property
    def available(self):
        return self.amount - self.spent


class PaymentBatch(models.Model):
    """Approved disbursements grouped for one bank file (批量代发)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待导出")
        EXPORTED = "exported", _("已导出银行文件")
        RECONCILED = "reconciled", _("已对账")

    org = models.ForeignKey("orgs.Org", verbose_name=_("发放单位"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    number = models.CharField(_("批次号"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    total = models.DecimalField(_("合计金额"), **MONEY)
    count = models.PositiveIntegerField(_("笔数"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    exports = models.PositiveSmallIntegerField(_("导出次数"), default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class Disbursement(models.Model):
    """One payment (发放) of an approved application, drawn on a budget when approved."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        APPROVED = "approved", _("已审核，待发放")
        BATCHED = "batched", _("已编入批次")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败（已退回预算）")
        REJECTED = "rejected", _("审核未通过")
        CANCELLED = "cancelled", _("已撤销（已退回预算）")

    application = models.ForeignKey(AidApplication, on_delete=models.PROTECT, related_name="disbursements")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="disbursements")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    amount = models.DecimalField(_("金额"), **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    payee_name = models.CharField(_("收款人"), max_length=30)
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_cipher = models.BinaryField(editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, editable=False)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    batch = models.ForeignKey(
        PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="disbursements"
    )
    settled_on = models.DateField(_("到账/退回日期"), null=True, blank=True)
    settle_note = models.CharField(_("对账说明"), max_length=300, blank=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("帮扶发放")
        verbose_name_plural = _("帮扶发放")
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["proposed", "approved", "batched", "paid"]),
                name="hs_disbursement_one_live",
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="hs_disb_path_status_idx"),
            models.Index(fields=["batch"], name="hs_disb_batch_idx"),
        ]

    def __str__(self):
        return f"发放 #{self.pk} {self.amount}"


class ServiceCategory(models.TextChoices):
    """便民服务 categories. DOMAIN.md §6 names four of the 18 (水电维修, 家电维修, 医疗保健, 法律服务);
    the other fourteen are the usual services of union 便民服务 hotlines."""

    UTILITIES_REPAIR = "utilities_repair", _("水电维修")
    APPLIANCE_REPAIR = "appliance_repair", _("家电维修")
    HEALTHCARE = "healthcare", _("医疗保健")
    LEGAL = "legal", _("法律服务")
    GAS_REPAIR = "gas_repair", _("燃气维修")
    DRAIN_CLEARING = "drain_clearing", _("管道疏通")
    LOCKSMITH = "locksmith", _("开锁换锁")
    HOME_REPAIR = "home_repair", _("房屋修缮")
    HOUSEKEEPING = "housekeeping", _("家政保洁")
    MOVING = "moving", _("搬家服务")
    ELECTRONICS_REPAIR = "electronics_repair", _("数码维修")
    MEALS = "meals", _("助餐送餐")
    MEDICAL_ESCORT = "medical_escort", _("陪诊就医")
    PERSONAL_CARE = "personal_care", _("助浴护理")
    HAIRDRESSING = "hairdressing", _("理发")
    LAUNDRY_TAILORING = "laundry_tailoring", _("衣物洗补")
    COUNSELLING = "counselling", _("心理咨询")
    ERRANDS = "errands", _("代办服务")


class ConvenienceAllowance(models.Model):
    """便民服务项目基金: one archived worker's allowance for a year (default ¥1,000). `spent` is
    the ledger's cache and never exceeds `amount`."""

    archive = models.ForeignKey(
        "hardship.HardshipArchive", on_delete=models.PROTECT, related_name="convenience_allowances"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("年度额度"), **MONEY)
    spent = models.DecimalField(_("已使用"), default=0, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("便民服务基金额度")
        verbose_name_plural = _("便民服务基金额度")
        constraints = [
            models.UniqueConstraint(fields=["archive", "year"], name="hs_allowance_unique"),
            models.CheckConstraint(condition=Q(spent__lte=models.F("amount")), name="hs_allowance_not_negative"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="hs_allowance_spent_not_negative"),
        ]

    def __str__(self):
        return f"便民服务 {self.year}"

    @property
    def balance(self):
        return self.amount - self.spent


class ServiceProvider(models.Model):
    """A provider the union dispatches 便民服务 orders to."""

    org = models.ForeignKey("orgs.Org", verbose_name=_("签约工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    name = models.CharField(_("服务商"), max_length=100)
    categories = models.JSONField(_("服务类别"), default=list)
    contact = models.CharField(_("联系电话"), max_length=30, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("便民服务商")
        verbose_name_plural = _("便民服务商")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class ServiceOrder(models.Model):
    """A 便民服务 order: dispatched to a provider; on completion the worker pays the cost price
    (materials) and the fund pays the rest (the service fee), drawn on the allowance."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("已派单")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    archive = models.ForeignKey("hardship.HardshipArchive", on_delete=models.PROTECT, related_name="service_orders")
    allowance = models.ForeignKey(ConvenienceAllowance, on_delete=models.PROTECT, related_name="orders")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="orders")
    description = models.CharField(_("服务内容"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DISPATCHED)
    cost_price = models.DecimalField(_("成本价（职工自付）"), null=True, blank=True, **MONEY)
    fund_amount = models.DecimalField(_("基金支付"), null=True, blank=True, **MONEY)
    dispatched_on = models.DateField(_("派单日期"))
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("便民服务工单")
        verbose_name_plural = _("便民服务工单")
        ordering = ["-dispatched_on", "-id"]
        indexes = [models.Index(fields=["org_path", "status"], name="hs_service_path_status_idx")]

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"


class LedgerQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("资金台账只能追加，不能修改"))

    def delete(self):
        raise ValidationError(_("资金台账只能追加，不能删除"))


class LedgerEntry(models.Model):
    """The append-only ledger. Amounts are signed, from the account's point of view:
    ALLOCATION rows add to (or, negative, take from) the allocated amount; DRAW rows spend (+);
    REVERSAL rows are the negative of the DRAW they reference. For every account
    `amount == Σ allocations` and `spent == Σ draws + Σ reversals`.

    The account is a budget or a 便民服务 allowance (exactly one of the two)."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("预算下达/调整")
        DRAW = "draw", _("支出")
        REVERSAL = "reversal", _("冲回")

    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    allowance = models.ForeignKey(
        ConvenienceAllowance, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    disbursement = models.ForeignKey(
        Disbursement, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    service_order = models.ForeignKey(
        ServiceOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    memo = models.CharField(_("摘要"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager.from_queryset(LedgerQuerySet)()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("资金台账")
        verbose_name_plural = _("资金台账")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=False, allowance__isnull=True)
                | Q(budget__isnull=True, allowance__isnull=False),
                name="hs_ledger_one_account",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False, amount__lt=0), name="hs_ledger_reversal"
            ),
            models.CheckConstraint(condition=~Q(kind="draw") | Q(amount__gt=0), name="hs_ledger_draw_positive"),
        ]
        indexes = [
            models.Index(fields=["budget", "kind"], name="hs_ledger_budget_idx"),
            models.Index(fields=["allowance", "kind"], name="hs_ledger_allowance_idx"),
            models.Index(fields=["org_path", "at"], name="hs_ledger_path_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ValidationError(_("资金台账只能追加，不能修改"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("资金台账只能追加，不能删除"))
