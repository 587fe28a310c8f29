"""Member benefits (普惠, DOMAIN.md §8): services, partners and their offers, card uses, medical
reductions, voucher campaigns and vouchers, redemptions and feedback.

Scoping: every table carries the org path it is scoped by (`org_path`: the offering, signing or
owning org) and `province_id` (DESIGN.md §4). Union staff read through
`Model.objects.restrict(user, "benefit.view")`; partner staff (合作商户) hold no grant and see only
their own partner through `PartnerStaff` (see `benefits.queries`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.states import PartnerStatus, PublishStatus, VoucherStatus
from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField

MONEY = {"max_digits": 14, "decimal_places": 2}


class Category(models.TextChoices):
    MUTUAL_AID = "mutual_aid", _("互助保障")
    LEGAL_AID = "legal_aid", _("法律援助")
    HARDSHIP = "hardship", _("困难帮扶")
    EDUCATION = "education", _("教育助推")
    CULTURE = "culture", _("文化滋养")
    FITNESS = "fitness", _("修心健体")
    DISCOUNTS = "discounts", _("便民优惠")
    MEDICAL = "medical", _("医疗普惠")
    PSYCHOLOGY = "psychology", _("心理咨询")
    EMPLOYMENT = "employment", _("就业服务")
    READING = "reading", _("职工书屋")
    RECUPERATION = "recuperation", _("疗休养")
    DATING = "dating", _("婚恋交友")
    MEMBERSHIP = "membership", _("入会转会")
    STUDY = "study", _("求学圆梦")


class Partner(TimeStampedModel):
    """A partner (合作商户): merchant, pharmacy, hospital, gym or venue, scenic area … signed by an org."""

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("商户")
        PHARMACY = "pharmacy", _("药店")
        HOSPITAL = "hospital", _("医院")
        GYM = "gym", _("健身场馆")
        SCENIC = "scenic", _("景区")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("签约工会"), on_delete=models.PROTECT, related_name="benefit_partners"
    )
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    # [{"name": "南山店", "address": "…", "latitude": "22.5", "longitude": "113.9"}]
    locations = models.JSONField(_("门店/地点"), default=list, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("介绍"), blank=True)
    agreement_start = models.DateField(_("协议开始"))
    agreement_end = models.DateField(_("协议结束"))
    status = models.CharField(_("状态"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("合作商户")
        verbose_name_plural = _("合作商户")
        indexes = [models.Index(fields=["org_path", "status"], name="bpartner_path_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("benefits:partner", args=[self.pk])


class PartnerStaff(models.Model):
    """A user account that works at a partner's counter. One active partner per account."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_links")
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("商户工作人员")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(active=True), name="bstaff_one_active_partner")
        ]

    def __str__(self):
        return f"{self.user_id} @ {self.partner_id}"


class Offer(TimeStampedModel):
    """What a partner gives members (企业让利): percentage off, a fixed reduction, free entry, or a
    medical reduction of the out-of-pocket part after insurance, with caps."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("折扣（按比例减免）")
        FIXED = "fixed", _("立减金额")
        FREE = "free", _("免费入场")
        MEDICAL = "medical", _("医疗减免（医保报销后自付部分）")

    partner = models.ForeignKey(Partner, verbose_name=_("合作商户"), on_delete=models.PROTECT, related_name="offers")
    org_path = PathField(_("组织路径"), editable=False)
    title = models.CharField(_("优惠名称"), max_length=80)
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    percent = models.DecimalField(
        _("减免比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    amount = models.DecimalField(_("立减金额"), null=True, blank=True, **MONEY)
    min_spend = models.DecimalField(_("最低消费"), default=Decimal("0"), **MONEY)
    cap_per_use = models.DecimalField(_("单次减免上限"), null=True, blank=True, **MONEY)
    yearly_cap = models.DecimalField(_("每人每年减免上限"), null=True, blank=True, **MONEY)
    rule = models.JSONField(_("适用条件"), default=dict, blank=True)
    terms = models.TextField(_("使用说明"), blank=True)
    valid_from = models.DateField(_("开始日期"), null=True, blank=True)
    valid_until = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("优惠")
        verbose_name_plural = _("优惠")

    def __str__(self):
        return self.title


class Service(TimeStampedModel):
    """A service in the catalogue, offered by an org (visible in its subtree) or by a partner."""

    name = models.CharField(_("服务名称"), max_length=80)
    category = models.CharField(_("类别"), max_length=14, choices=Category.choices)
    org = models.ForeignKey("orgs.Org", verbose_name=_("提供工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    partner = models.ForeignKey(
        Partner, verbose_name=_("合作商户"), null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    description = models.TextField(_("服务内容"))
    how_to_use = models.TextField(_("使用方式"), blank=True)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True)
    rule = models.JSONField(_("适用条件"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("普惠服务")
        verbose_name_plural = _("普惠服务")
        indexes = [models.Index(fields=["org_path", "status"], name="bservice_path_idx")]

    def __str__(self):
        return self.name


class CardUse(models.Model):
    """A use of the member card at a partner's counter (amount, reduction), after card verification."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="card_uses")
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="uses")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)  # the partner's signing org
    member_org_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(_("消费金额"), **MONEY)
    reduction = models.DecimalField(_("减免金额"), **MONEY)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    used_at = models.DateTimeField(_("时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("会员卡使用")
        indexes = [models.Index(fields=["partner", "used_at"], name="bcarduse_partner_idx")]

    def __str__(self):
        return f"#{self.pk} {self.amount}/{self.reduction}"


class MedicalReduction(models.Model):
    """One hospital visit's reduction of the out-of-pocket part after medical insurance."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("医院"), on_delete=models.PROTECT, related_name="medical_reductions"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="medical_reductions")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    member_org_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True)
    visit_date = models.DateField(_("就诊日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    total = models.DecimalField(_("医疗费用总额"), **MONEY)
    insured = models.DecimalField(_("医保报销"), **MONEY)
    out_of_pocket = models.DecimalField(_("自付部分"), **MONEY)
    reduction = models.DecimalField(_("减免金额"), **MONEY)
    capped = models.BooleanField(_("受年度上限限制"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("医疗减免")
        verbose_name_plural = _("医疗减免")
        indexes = [models.Index(fields=["membership", "year"], name="bmedical_member_year_idx")]

    def __str__(self):
        return f"#{self.pk} {self.reduction}"


class Campaign(TimeStampedModel):
    """A voucher campaign (消费券活动): face value or free entry, quota, limits, validity, segment, budget.

    The quota is split over a few `CampaignShard` rows when the campaign is published: a claim takes one
    from a shard with a conditional UPDATE (`issued < quota`, and a CHECK keeps `issued ≤ quota`), so
    claimants do not all queue on one row; `issued` is the sum over the shards.
    """

    class Kind(models.TextChoices):
        FITNESS = "fitness", _("健身")
        CINEMA = "cinema", _("观影")
        CONSUMPTION = "consumption", _("消费")
        SCENIC = "scenic", _("景区门票")
        OTHER = "other", _("其他")

    class Period(models.TextChoices):
        DAY = "day", _("每天")
        WEEK = "week", _("每周")
        MONTH = "month", _("每月")

    name = models.CharField(_("活动名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    partners = models.ManyToManyField(Partner, verbose_name=_("可使用商户"), blank=True, related_name="campaigns")
    description = models.TextField(_("说明"), blank=True)
    face_value = models.DecimalField(_("面值"), null=True, blank=True, **MONEY)
    free_entry = models.BooleanField(_("免费入场券"), default=False)
    quota = models.PositiveIntegerField(_("总数量"))
    per_member_limit = models.PositiveSmallIntegerField(_("每人限领"), default=1)
    per_period_limit = models.PositiveSmallIntegerField(_("每周期限领"), null=True, blank=True)
    period = models.CharField(_("周期"), max_length=6, choices=Period.choices, blank=True)
    claim_starts = models.DateTimeField(_("领取开始"))
    claim_ends = models.DateTimeField(_("领取截止"))
    valid_until = models.DateTimeField(_("使用截止"))
    rule = models.JSONField(_("领取条件"), default=dict, blank=True)
    budget = models.DecimalField(_("预算"), **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("消费券活动")
        verbose_name_plural = _("消费券活动")
        indexes = [models.Index(fields=["org_path", "status"], name="bcampaign_path_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("benefits:campaign", args=[self.pk])

    @property
    def issued(self) -> int:
        """Vouchers taken from the quota. Lists annotate `issued_total` (`queries.with_issued`): no query per row."""
        if "issued_total" in self.__dict__:
            return self.__dict__["issued_total"] or 0
        if self.pk is None:
            return 0
        return self.shards.aggregate(n=models.Sum("issued"))["n"] or 0

    @property
    def remaining(self) -> int:
        return max(self.quota - self.issued, 0)


class CampaignShard(models.Model):
    """One slice of a campaign's quota. Claims spread over the shards (and skip a locked one), so the
    quota is exact — the shards' quotas sum to the campaign's — without a single hot row."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="shards")
    number = models.PositiveSmallIntegerField()
    quota = models.PositiveIntegerField()
    issued = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("活动配额分片")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="bshard_unique"),
            models.CheckConstraint(condition=Q(issued__lte=models.F("quota")), name="bshard_quota"),
        ]

    def __str__(self):
        return f"{self.campaign_id}#{self.number} {self.issued}/{self.quota}"


class Voucher(models.Model):
    """One voucher: a random code, signed into a QR payload, redeemed at most once.

    `member_seq` is the n-th voucher of this member in this campaign: with the unique constraint it
    makes two simultaneous claims of one member collide in the database, so the per-member limit
    holds under concurrency without locking the member.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="vouchers")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("券码"), max_length=16, unique=True)
    member_seq = models.PositiveSmallIntegerField()
    org_path = PathField(editable=False)  # the campaign's org
    member_org_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED)
    channel = models.CharField(_("来源"), max_length=8, default="claim")  # claim | bulk
    issued_at = models.DateTimeField(_("领取时间"))
    expires_at = models.DateTimeField(_("使用截止"))
    redeemed_at = models.DateTimeField(_("核销时间"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        Partner, verbose_name=_("核销商户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_place = models.CharField(_("核销地点"), max_length=120, blank=True)
    redeemed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("消费券")
        verbose_name_plural = _("消费券")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "membership", "member_seq"], name="bvoucher_member_seq"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="bvoucher_campaign_idx"),
            models.Index(fields=["membership", "campaign"], name="bvoucher_member_idx"),
            models.Index(fields=["status", "expires_at"], name="bvoucher_expiry_idx"),
        ]

    def __str__(self):
        return self.code


class Redemption(models.Model):
    """The redemption log: each successful redemption and each refused or conflicting attempt that
    matters to someone (another partner's scan, an offline redemption found already used at sync).
    Conflicts are visible to both partners (`partner` and `voucher.redeemed_by`)."""

    class Outcome(models.TextChoices):
        REDEEMED = "redeemed", _("核销成功")
        REFUSED = "refused", _("已被其他商户核销，拒绝")
        CONFLICT = "conflict", _("离线核销冲突")

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="redemptions")
    first_partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    offline = models.BooleanField(_("离线核销"), default=False)
    scanned_at = models.DateTimeField(_("扫码时间"))
    synced_at = models.DateTimeField(_("记录时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    org_path = PathField(editable=False)  # the campaign's org

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("核销记录")
        indexes = [
            models.Index(fields=["partner", "synced_at"], name="bredeem_partner_idx"),
            models.Index(fields=["first_partner", "outcome"], name="bredeem_first_idx"),
        ]

    def __str__(self):
        return f"{self.voucher_id} {self.outcome}"


class Feedback(models.Model):
    """A member's rating (1–5) and comment on a service, partner or campaign; staff can act on it."""

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    org_path = PathField(editable=False)  # the rated thing's org
    rating = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response = models.CharField(_("处理意见"), max_length=500, blank=True)

    objects = ScopedManager()

    permission_prefix = "benefit"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="bfeedback_rating"),
            models.CheckConstraint(
                condition=(
                    Q(service__isnull=False, partner__isnull=True, campaign__isnull=True)
                    | Q(service__isnull=True, partner__isnull=False, campaign__isnull=True)
                    | Q(service__isnull=True, partner__isnull=True, campaign__isnull=False)
                ),
                name="bfeedback_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.rating}★"
