"""Membership lifecycle: memberships, their event history, join applications, transfers,
gig-worker routing rules and e-member cards (DOMAIN.md §2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.members.states import CURRENT, JoinStatus, MembershipStatus, TransferStatus
from gonghui.people.choices import EMPLOYMENT_STATUS, MODEL_WORKER, SKILL_LEVELS, GigSubtype, WorkerType, choices


class Membership(TimeStampedModel):
    """A person's membership (会籍). At most one current membership per person.

    `org_path` and `province_id` copy the org's so that subtree lists are one index range
    and the table can be distributed by province later; the org actions keep them right
    when orgs move or merge (receivers in `members.receivers`).
    """

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="memberships"
    )
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    member_no = models.CharField(_("会员证号"), max_length=20, unique=True)
    status = models.CharField(
        _("会籍状态"), max_length=14, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    worker_type = models.CharField(_("职工类型"), max_length=12, choices=WorkerType.choices, default=WorkerType.REGULAR)
    gig_subtype = models.CharField(_("新就业形态类别"), max_length=14, choices=GigSubtype.choices, blank=True)
    platform = models.CharField(_("平台"), max_length=40, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=120, blank=True)
    employment_status = models.CharField(_("就业状况"), max_length=8, choices=choices(EMPLOYMENT_STATUS), blank=True)
    skill_level = models.CharField(_("技能等级"), max_length=10, choices=choices(SKILL_LEVELS), blank=True)
    is_migrant_worker = models.BooleanField(_("是否农民工"), default=False)
    model_worker = models.CharField(_("劳模"), max_length=10, choices=choices(MODEL_WORKER), blank=True)
    residence_division = models.CharField(_("居住地行政区划"), max_length=12, blank=True)
    joined_on = models.DateField(_("入会日期"))
    ended_on = models.DateField(_("会籍终止日期"), null=True, blank=True)
    dues_exempt = models.BooleanField(_("免缴会费"), default=False)
    last_dues_paid_on = models.DateField(_("最近缴费"), null=True, blank=True)
    last_activity_on = models.DateField(_("最近活动"), null=True, blank=True)
    lapse_warned_on = models.DateField(_("退会提醒日期"), null=True, blank=True)
    keep_until = models.DateField(_("暂缓自动退会至"), null=True, blank=True)

    objects = ScopedManager()

    permission_prefix = "member"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status__in=list(CURRENT)), name="membership_one_current_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="membership_path_status_idx"),
            models.Index(fields=["org", "status"], name="membership_org_status_idx"),
            models.Index(fields=["province_id", "status"], name="membership_province_idx"),
            models.Index(fields=["status", "last_dues_paid_on"], name="membership_lapse_idx"),
            # Member search by name: a person's memberships within a scope, and their ids for the page,
            # from the index alone (`id` is implicit in SQLite indexes, not in PostgreSQL's).
            models.Index(fields=["person", "org_path", "id"], name="membership_person_path_id_idx"),
        ]

    def __str__(self):
        return f"{self.member_no} {self.person.name if 'person' in self._state.fields_cache else ''}".strip()

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("members:detail", args=[self.member_no])

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT

    @property
    def is_gig_worker(self) -> bool:
        return self.worker_type == WorkerType.GIG


class MembershipEvent(models.Model):
    """One change in a membership's history (会籍变化): visible to both orgs of a transfer."""

    class Type(models.TextChoices):
        JOIN = "join", _("入会")
        REJOIN = "rejoin", _("重新入会")
        TRANSFER_OUT = "transfer_out", _("转出")
        TRANSFER_IN = "transfer_in", _("转入")
        TRANSFER_PARKED = "transfer_parked", _("转入居住地工会（新单位未建会）")
        TRANSFER_REJECTED = "transfer_rejected", _("转会被拒")
        RETAIN = "retain", _("保留会籍")
        REACTIVATE = "reactivate", _("恢复正常会籍")
        LAPSE_WARNING = "lapse_warning", _("退会提醒")
        LAPSE = "lapse", _("自动退会")
        LEAVE = "leave", _("退会")
        EXPEL = "expel", _("除名")
        DECEASED = "deceased", _("已故")
        UPDATE = "update", _("信息变更")
        MOVED_WITH_ORG = "moved_with_org", _("随组织合并转移")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(_("类型"), max_length=20, choices=Type.choices)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    from_org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("会籍变化")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["membership", "at"], name="mevent_membership_idx")]

    def __str__(self):
        return f"{self.get_type_display()} {self.on}"


class JoinApplication(TimeStampedModel):
    """An application to join (入会申请), reviewed by the receiving union within the deadline."""

    class Channel(models.TextChoices):
        WEB = "web", _("网上申请")
        QR = "qr", _("扫码入会")
        STAFF = "staff", _("工作人员录入")
        IMPORT = "import", _("名册导入")
        HOTLINE = "hotline", _("热线")

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("受理工会"), on_delete=models.PROTECT, related_name="join_applications"
    )
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="join_applications"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    worker_type = models.CharField(_("职工类型"), max_length=12, choices=WorkerType.choices, default=WorkerType.REGULAR)
    gig_subtype = models.CharField(_("新就业形态类别"), max_length=14, choices=GigSubtype.choices, blank=True)
    platform = models.CharField(_("平台"), max_length=40, blank=True)
    division_code = models.CharField(_("工作地行政区划"), max_length=12, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=120, blank=True)
    routed_by = models.CharField(_("分派依据"), max_length=120, blank=True)
    due_on = models.DateField(_("审核期限"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=300, blank=True)
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey("TransferRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    permission_prefix = "member"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        indexes = [models.Index(fields=["org_path", "status", "due_on"], name="join_path_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="pending"), name="join_one_pending_per_person"
            )
        ]

    def __str__(self):
        return f"入会申请 #{self.pk}"


class TransferRequest(TimeStampedModel):
    """A transfer (会籍接转): the old union releases, the new union accepts or rejects with a reason."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="transfers")
    from_org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="transfers_out")
    to_org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="transfers_in")
    from_path = PathField(editable=False)
    to_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    reason = models.CharField(_("转会原因"), max_length=300, blank=True)
    new_employer = models.CharField(_("新工作单位"), max_length=120, blank=True)
    parked = models.BooleanField(_("暂存居住地工会"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_member = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)
    due_on = models.DateField(_("接收期限"))

    class Meta:
        verbose_name = _("转会申请")
        verbose_name_plural = _("转会申请")
        indexes = [
            models.Index(fields=["to_path", "status"], name="transfer_to_idx"),
            models.Index(fields=["from_path", "status"], name="transfer_from_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(status="pending"), name="transfer_one_pending_per_membership"
            )
        ]

    def __str__(self):
        return f"转会 #{self.pk}"


class RoutingRule(models.Model):
    """Gig-worker join routing (平台 × 行政区划 → 联合会), edited by admins.

    The most specific rule wins: an exact platform beats the catch-all platform ("");
    a district code beats its city's code.
    """

    platform = models.CharField(_("平台"), max_length=40, blank=True, help_text=_("留空表示所有平台"))
    division_code = models.CharField(_("行政区划代码"), max_length=12)
    gig_subtype = models.CharField(_("新就业形态类别"), max_length=14, choices=GigSubtype.choices, blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name=_("受理工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    note = models.CharField(_("说明"), max_length=120, blank=True)

    objects = ScopedManager()

    permission_prefix = "member"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("入会分派规则")
        verbose_name_plural = _("入会分派规则")
        constraints = [
            models.UniqueConstraint(fields=["platform", "division_code", "gig_subtype"], name="routing_unique"),
        ]
        indexes = [models.Index(fields=["division_code", "platform"], name="routing_lookup_idx")]

    def __str__(self):
        return f"{self.platform or '*'} @ {self.division_code} → {self.org_id}"


class Card(models.Model):
    """An e-member card (电子会员卡): issued for an active, verified membership; revoked when it ends."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        SUSPENDED = "suspended", _("暂停")
        REVOKED = "revoked", _("已注销")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="cards")
    serial = models.CharField(_("卡号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    org_code = models.CharField(max_length=40)
    province_id = models.BigIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(_("发卡时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True, db_index=True)
    revoke_reason = models.CharField(_("注销原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("电子会员卡")
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=Q(status="active"), name="card_one_active"),
        ]

    def __str__(self):
        return self.serial


class MemberNumberSequence(models.Model):
    """Next member-number sequence value per province: numbers are allocated in blocks."""

    province_code = models.CharField(max_length=6, unique=True)
    next_value = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"{self.province_code}: {self.next_value}"


class ImportJob(TimeStampedModel):
    """One roster upload (名册导入): the stored file, its validation preview, progress and outcome.

    The uploaded file and the error report are kept under MEDIA_ROOT (never served directly:
    the import pages stream them after a scoped access check). `counts` holds the figures of
    the last validation or commit (rows, created, updated, unchanged, rejected, duplicates,
    transfer_candidates, warnings); `errors` the first problems found (row, column, value, reason) for the
    preview page; the full list is in the report file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("待确认")
        COMMITTING = "committing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    org = models.ForeignKey("orgs.Org", verbose_name=_("导入到"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("名册文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    partial = models.BooleanField(_("部分导入（跳过有错误的行）"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误示例"), default=list, blank=True)
    # Rows imported with something to complete (新就业形态类别 未填写 …): shown apart from the errors.
    warnings = models.JSONField(_("提醒示例"), default=list, blank=True)
    report = models.FileField(_("错误报告"), upload_to="imports/reports/%Y/%m/", blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedManager()

    permission_prefix = "member"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org_path", "created_at"], name="importjob_path_idx")]

    def __str__(self):
        return f"导入 #{self.pk} {self.original_name}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.VALIDATING, self.Status.COMMITTING)
