"""诉求与12351热线: tickets, their timeline, the SLA settings and the side records (DOMAIN.md §7).

`Appeal.org` is the union that holds the ticket now (the responsible org at its level);
`org_path` copies its path so that "each org sees the tickets in its subtree, the province sees
all" is one index range. The caller's phone is stored encrypted with a blind index (lookup and
duplicate detection) and a masked copy for lists.

Only `gonghui.appeals.actions` and the SLA sweep (`gonghui.appeals.sweep`) write these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.appeals.states import (
    AppealStatus,
    Channel,
    Complexity,
    DissatisfactionReason,
    MediationOutcome,
    MediationStage,
    Priority,
    RequestType,
    Satisfaction,
    SlaState,
    Topic,
    Urgency,
)
from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField

MONEY = {"max_digits": 14, "decimal_places": 2}
# Open tickets whose clock runs: the rows the SLA sweep looks at (keep in step with appeals.sweep).
SWEEP_LIVE = Q(status__in=["registered", "assigned", "signed", "in_progress", "returned", "reopened"], paused=False)


class Appeal(TimeStampedModel):
    number = models.CharField(_("工单号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)

    # Foreign keys whose lookups a composite index below already serves, or that nothing filters
    # by, carry no index of their own: every index is rewritten by each sweep UPDATE.
    intake_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("受理工会"), on_delete=models.PROTECT, related_name="appeals_taken", db_index=False
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("当前承办工会"), on_delete=models.PROTECT, related_name="appeals"
    )
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    suggested_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("建议承办工会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    # Requester (诉求人): a known person / member, or a caller who gives a name and phone, or anonymous.
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("诉求人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    membership = models.ForeignKey(
        "members.Membership",
        verbose_name=_("会员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    caller_name = models.CharField(_("来电人"), max_length=30, blank=True)
    caller_phone_cipher = models.BinaryField(_("来电号码（密文）"), null=True, blank=True, editable=False)
    caller_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    caller_phone_masked = models.CharField(_("来电号码"), max_length=16, blank=True, editable=False)
    employer_name = models.CharField(_("用人单位"), max_length=120, blank=True)
    division_code = models.CharField(_("所在地行政区划"), max_length=12, blank=True)

    request_type = models.CharField(_("诉求类型"), max_length=14, choices=RequestType.choices)
    topic = models.CharField(_("诉求事项"), max_length=18, choices=Topic.choices)
    complexity = models.CharField(_("复杂程度"), max_length=14, choices=Complexity.choices, default="ordinary")
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default="normal")
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(_("标题"), max_length=80)
    text = models.TextField(_("诉求内容"))
    # What the triage model suggested (kept so that operators' overrides can be used for retraining).
    suggested_topic = models.CharField(_("建议事项"), max_length=18, choices=Topic.choices, blank=True)
    suggested_request_type = models.CharField(_("建议类型"), max_length=14, choices=RequestType.choices, blank=True)
    triage_confidence = models.FloatField(_("建议置信度"), null=True, blank=True)

    status = models.CharField(_("状态"), max_length=14, choices=AppealStatus.choices, default="registered")
    registered_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    registered_on = models.DateField(_("受理日期"))

    # SLA clock, in working days (core.calendar). `due_on` is the last day to resolve.
    limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    due_on = models.DateField(_("办结期限"))
    sign_due_on = models.DateField(_("签收期限"), null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    sla_state = models.CharField(_("时限状态"), max_length=10, choices=SlaState.choices, default="ok")
    urged_on = models.DateField(_("催办日期"), null=True, blank=True)
    sign_urged_on = models.DateField(_("签收催办日期"), null=True, blank=True)
    overdue_since = models.DateField(_("超期起始日"), null=True, blank=True)
    paused = models.BooleanField(_("暂停计时"), default=False)
    paused_on = models.DateField(_("暂停日期"), null=True, blank=True)
    paused_days_total = models.PositiveSmallIntegerField(_("累计暂停（工作日）"), default=0)
    supervised = models.BooleanField(_("督办中"), default=False)
    supervised_on = models.DateField(_("督办日期"), null=True, blank=True)
    reported_on = models.DateField(_("上报日期"), null=True, blank=True)

    result = models.TextField(_("办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_on = models.DateField(_("办结日期"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    resolved_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("办结工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    amount_recovered = models.DecimalField(_("追回金额"), default=0, **MONEY)
    not_accepted_reason = models.CharField(_("不予受理理由"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    satisfaction = models.CharField(_("满意度"), max_length=18, choices=Satisfaction.choices, blank=True)
    dissatisfaction_reason = models.CharField(
        _("不满意原因"), max_length=14, choices=DissatisfactionReason.choices, blank=True
    )
    satisfaction_note = models.CharField(_("评价说明"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rated_by_requester = models.BooleanField(_("诉求人自评"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    crisis = models.BooleanField(_("心理危机"), default=False)
    crisis_reason = models.CharField(_("危机判断依据"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复来电关联"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
        db_index=False,
    )
    repeat_calls = models.PositiveSmallIntegerField(_("重复来电次数"), default=0)

    objects = ScopedManager()

    permission_prefix = "appeal"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        indexes = [
            # Partial indexes holding exactly the rows each SLA-sweep pass may still act on, so that a
            # pass touches only those rows (and a re-run touches none) — see appeals.sweep.
            models.Index(fields=["sla_state", "due_on"], name="appeal_sla_open_idx", condition=SWEEP_LIVE),
            models.Index(
                fields=["due_on"], name="appeal_unsupervised_idx", condition=SWEEP_LIVE & Q(supervised_on__isnull=True)
            ),
            models.Index(
                fields=["supervised_on"],
                name="appeal_to_report_idx",
                condition=SWEEP_LIVE & Q(supervised=True, reported_on__isnull=True),
            ),
            models.Index(
                fields=["sign_due_on"],
                name="appeal_unsigned_idx",
                condition=Q(status="assigned", paused=False, sign_urged_on__isnull=True),
            ),
            models.Index(fields=["org_path", "status"], name="appeal_path_status_idx"),
            models.Index(fields=["org_path", "registered_on"], name="appeal_path_date_idx"),
            models.Index(fields=["caller_phone_hash", "topic", "registered_at"], name="appeal_caller_idx"),
            models.Index(fields=["person", "topic", "registered_at"], name="appeal_person_idx"),
            models.Index(fields=["registered_on"], name="appeal_date_idx"),
            models.Index(fields=["intake_org", "status"], name="appeal_intake_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("appeals:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        from gonghui.appeals.states import OPEN

        return self.status in OPEN


class AppealEvent(models.Model):
    """One line of a ticket's timeline: every transition, side record and sweep mark."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("受理")
        TRANSITION = "transition", _("状态变更")
        ASSIGNED = "assigned", _("转办")
        RETURNED = "returned", _("退回")
        EXTENSION_REQUESTED = "extension_requested", _("申请延期")
        EXTENSION_DECIDED = "extension_decided", _("延期审批")
        PAUSED = "paused", _("暂停计时")
        RESUMED = "resumed", _("恢复计时")
        CALL_BACK = "call_back", _("回访")
        RATED = "rated", _("满意度评价")
        SUPERVISION_OPENED = "supervision_opened", _("督办")
        SUPERVISION_CLOSED = "supervision_closed", _("督办办结")
        REPORTED = "reported", _("超期上报")
        URGED = "urged", _("催办")
        CRISIS = "crisis", _("心理危机")
        CRISIS_ESCALATED = "crisis_escalated", _("危机回访超时升级")
        REPEAT_CALL = "repeat_call", _("重复来电")
        NOTE = "note", _("办理记录")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("原状态"), max_length=14, blank=True)
    to_status = models.CharField(_("新状态"), max_length=14, blank=True)
    from_org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工单流转记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"], name="appeal_event_idx")]

    def __str__(self):
        return f"{self.appeal_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_status_label(self) -> str:
        """The new status in words (受理 → 已受理), never the stored code (issue 18)."""
        return str(AppealStatus(self.to_status).label) if self.to_status in AppealStatus.values else ""


class SlaRule(models.Model):
    """办理时限 in working days for a request type × complexity × urgency (blank = any).

    The most specific matching rule wins (see `appeals.clock.limit_for`); urgency beats
    complexity, which beats the request type. Seeded with DOMAIN.md §7's defaults.
    """

    request_type = models.CharField(_("诉求类型"), max_length=14, choices=RequestType.choices, blank=True)
    complexity = models.CharField(_("复杂程度"), max_length=14, choices=Complexity.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, blank=True)
    working_days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        constraints = [
            models.UniqueConstraint(fields=["request_type", "complexity", "urgency"], name="appeal_sla_rule_unique")
        ]

    def __str__(self):
        return f"{self.request_type or '*'}/{self.complexity or '*'}/{self.urgency or '*'}: {self.working_days}"


class AppealSequence(models.Model):
    """Next ticket sequence number of one day (工单号 = date + sequence)."""

    day = models.DateField(unique=True)
    next_value = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"{self.day}: {self.next_value}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="extensions")
    org = models.ForeignKey("orgs.Org", verbose_name=_("申请工会"), on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("延期（工作日）"))
    reason = models.CharField(_("延期理由"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    old_due_on = models.DateField(_("原期限"))
    new_due_on = models.DateField(_("新期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(status="pending"), name="appeal_one_pending_extension"
            )
        ]

    def __str__(self):
        return f"{self.appeal_id} +{self.days} {self.status}"


class Supervision(models.Model):
    """督办: opened by the SLA sweep the day after a missed deadline, or by an upper org by hand."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="supervisions")
    org = models.ForeignKey("orgs.Org", verbose_name=_("督办工会"), on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(_("督办日期"))
    automatic = models.BooleanField(_("超期自动督办"), default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("督办事由"), max_length=300)
    reported_on = models.DateField(_("上报日期"), null=True, blank=True)
    closed_on = models.DateField(_("解除日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(_("督办结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("督办")
        constraints = [
            models.UniqueConstraint(fields=["appeal"], condition=Q(closed_on__isnull=True), name="appeal_one_open_sv")
        ]

    def __str__(self):
        return f"督办 {self.appeal_id} {self.opened_on}"


class AppealNotice(models.Model):
    """The notification outbox: urging and escalation notices to an org's staff (read in their queue)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期催办")
        SIGN_OVERDUE = "sign_overdue", _("超时未签收催办")
        SUPERVISION = "supervision", _("超期督办")
        ESCALATION = "escalation", _("超期督办（报上级）")
        REPORT = "report", _("督办后仍超期5个工作日以上")
        CRISIS_ESCALATION = "crisis_escalation", _("危机回访超时")
        CRISIS_FOLLOWUP = "crisis_followup", _("危机跟进超时")
        EXTENSION = "extension", _("延期待审批")
        ASSIGNED = "assigned", _("新转办工单")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="notices")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=18, choices=Kind.choices)
    on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("工单通知")
        indexes = [
            models.Index(fields=["org", "read_at"], name="appeal_notice_org_idx"),
            models.Index(fields=["appeal", "kind"], name="appeal_notice_appeal_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.appeal_id} → {self.org_id}"


class CallBack(models.Model):
    """A call the hotline owes: to the requester after resolution (due within one working day),
    or to the emergency contact of a crisis call (due within 24 clock hours)."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", _("办结回访")
        EMERGENCY_CONTACT = "emergency", _("紧急联系人回访")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="callbacks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    org = models.ForeignKey("orgs.Org", verbose_name=_("回访工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    due_at = models.DateTimeField(_("回访期限"))
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone_cipher = models.BinaryField(null=True, blank=True, editable=False)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(_("已联系上"), null=True, blank=True)
    note = models.CharField(_("回访记录"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("超时升级时间"), null=True, blank=True)

    objects = ScopedManager()
    permission_prefix = "appeal"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("回访任务")
        indexes = [
            models.Index(fields=["org_path", "done_at", "due_at"], name="appeal_callback_queue_idx"),
            models.Index(fields=["kind", "done_at", "due_at"], name="appeal_callback_due_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.appeal_id} {self.due_at:%Y-%m-%d %H:%M}"


class CrisisFollowUp(models.Model):
    """心理危机: a counsellor's follow-up task, due within 24 clock hours, escalated if missed."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="crisis_followups")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("跟进期限"))
    done_at = models.DateTimeField(_("跟进时间"), null=True, blank=True)
    note = models.CharField(_("跟进记录"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("超时升级时间"), null=True, blank=True)

    objects = ScopedManager()
    permission_prefix = "appeal"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("心理危机跟进")
        indexes = [models.Index(fields=["done_at", "due_at"], name="appeal_crisis_due_idx")]

    def __str__(self):
        return f"危机跟进 {self.appeal_id}"


class MediationCase(TimeStampedModel):
    """A labour-dispute mediation case (劳动争议调解) opened from an appeal."""

    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="mediation_cases")
    org = models.ForeignKey("orgs.Org", verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    stage = models.CharField(_("阶段"), max_length=14, choices=MediationStage.choices, default="enquiry")
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), blank=True, related_name="+")
    mediator_names = models.CharField(_("调解员"), max_length=120, blank=True)
    employer_name = models.CharField(_("被申请单位"), max_length=120, blank=True)
    workers = models.PositiveIntegerField(_("涉及职工人数"), default=1)
    amount_claimed = models.DecimalField(_("请求金额"), default=0, **MONEY)
    amount_recovered = models.DecimalField(_("追回金额"), default=0, **MONEY)
    outcome = models.CharField(_("结果"), max_length=12, choices=MediationOutcome.choices, default="pending")
    opened_on = models.DateField(_("立案日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)

    objects = ScopedManager()
    permission_prefix = "appeal"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("劳动争议调解案件")
        indexes = [models.Index(fields=["org_path", "outcome"], name="mediation_path_idx")]

    def __str__(self):
        return self.number


class MediationSession(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.PROTECT, related_name="sessions")
    stage = models.CharField(_("阶段"), max_length=14, choices=MediationStage.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    participants = models.CharField(_("参加人员"), max_length=200, blank=True)
    note = models.TextField(_("记录"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("调解记录")
        ordering = ["held_on", "id"]

    def __str__(self):
        return f"{self.case_id} {self.stage} {self.held_on}"


class AppealAttachment(models.Model):
    """A file with a ticket (a photo of a pay slip, a contract, a letter). Stored under MEDIA_ROOT with
    a random name; the original name is kept for display only."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="appeals/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(max_length=80)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("工单附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
