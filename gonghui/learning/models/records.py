"""Member-side rows: enrolments, attendance, certificates and the member's skills record."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.learning.states import LIVE_ENROLMENT, CertificateStatus, EnrolmentStatus, SkillStatus
from gonghui.people.choices import SKILL_LEVELS

HOURS = {"max_digits": 6, "decimal_places": 1}


class Enrolment(models.Model):
    """A member's place in an offering (报名): enrolled, waiting (FIFO by `arrival`), offered a freed
    seat until `offer_expires_at`, cancelled, or barred (e.g. a second no-show) with the reason."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("会员自助")
        STAFF = "staff", _("工作人员代报")
        API = "api", _("接口")

    offering = models.ForeignKey("learning.Offering", on_delete=models.PROTECT, related_name="enrolments")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField(db_index=True)
    org_path = PathField(_("组织路径"), editable=False)  # the offering's org: its staff manage the list
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=EnrolmentStatus.choices)
    arrival = models.PositiveIntegerField(_("报名顺序"))
    channel = models.CharField(_("报名渠道"), max_length=8, choices=Channel.choices, default=Channel.PORTAL)
    enrolled_at = models.DateTimeField(_("报名时间"))
    offer_expires_at = models.DateTimeField(_("递补确认截止"), null=True, blank=True)
    no_shows = models.PositiveSmallIntegerField(_("缺勤次数"), default=0)
    hours = models.DecimalField(_("累计课时"), default=Decimal("0.0"), **HOURS)
    exam_score = models.PositiveSmallIntegerField(_("考核成绩"), null=True, blank=True)
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)  # why cancelled or barred
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("报名")
        constraints = [
            # Nobody twice: one live enrolment per member and offering (checked again under the row lock).
            models.UniqueConstraint(
                fields=["offering", "person_id"],
                condition=Q(status__in=[s.value for s in LIVE_ENROLMENT]),
                name="lenrol_one_live_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["offering", "status", "arrival"], name="lenrol_queue_idx"),
            models.Index(fields=["person_id", "status"], name="lenrol_person_idx"),
            models.Index(fields=["province_id"], name="lenrol_province_idx"),
            models.Index(fields=["status", "offer_expires_at"], name="lenrol_offer_idx"),
        ]

    def __str__(self):
        return f"{self.offering_id}#{self.arrival}"


class Attendance(models.Model):
    """A member's presence at one session: by card scan, the member scanning the session QR, staff,
    or watching online; `hours` are the class hours credited (less when late or leaving early)."""

    class Method(models.TextChoices):
        CARD = "card", _("扫会员卡")
        QR = "qr", _("会员扫课程码")
        STAFF = "staff", _("工作人员登记")
        ONLINE = "online", _("线上观看")

    session = models.ForeignKey("learning.Session", on_delete=models.PROTECT, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendances")
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    method = models.CharField(_("签到方式"), max_length=8, choices=Method.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    late = models.BooleanField(_("迟到"), default=False)
    left_early = models.BooleanField(_("早退"), default=False)
    watch_seconds = models.PositiveIntegerField(_("观看时长（秒）"), default=0)
    hours = models.DecimalField(_("计入课时"), default=Decimal("0.0"), **HOURS)

    class Meta:
        verbose_name = _("签到")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="lattend_once_per_session")]
        indexes = [models.Index(fields=["province_id"], name="lattend_province_idx")]

    def __str__(self):
        return f"{self.session_id}:{self.enrolment_id}"


class Certificate(models.Model):
    """A certificate (结业证书 or 获奖证书) with a random, unguessable serial that anyone can verify
    publicly; revocable with a reason (which also revokes the skill it recorded)."""

    class Kind(models.TextChoices):
        COMPLETION = "completion", _("结业证书")
        AWARD = "award", _("获奖证书")

    serial = models.CharField(_("证书编号"), max_length=20, unique=True)
    kind = models.CharField(_("证书类型"), max_length=10, choices=Kind.choices)
    offering = models.ForeignKey("learning.Offering", on_delete=models.PROTECT, related_name="certificates")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contest_entry = models.ForeignKey(
        "learning.ContestEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField(db_index=True)
    holder_masked = models.CharField(_("持证人"), max_length=40)  # masked at issue: the public page needs no join
    org = models.ForeignKey("orgs.Org", verbose_name=_("发证工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    title = models.CharField(_("证书名称"), max_length=160)
    hours = models.DecimalField(_("课时"), default=Decimal("0.0"), **HOURS)
    award = models.CharField(_("奖项"), max_length=60, blank=True)
    issued_on = models.DateField(_("发证日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("证书")
        indexes = [
            models.Index(fields=["org_path", "issued_on"], name="lcert_path_idx"),
            models.Index(fields=["province_id"], name="lcert_province_idx"),
        ]

    def __str__(self):
        return self.serial


class Skill(models.Model):
    """One entry of a member's skills record (what jobs and push match on).

    Sources: a certificate or a contest (verified at once), or the member's own declaration, which
    counts only after staff verify it. The roster's 技能等级 column is shown alongside (see
    `learning.queries.skills_of`) without a copy here, so that a roster re-import stays the truth.
    `org_path` is the member's org at the time, where staff verify it.
    """

    class Source(models.TextChoices):
        CERTIFICATE = "certificate", _("培训结业证书")
        CONTEST = "contest", _("技能竞赛")
        DECLARED = "declared", _("本人申报（经核实）")
        ROSTER = "roster", _("名册技能等级")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    name = models.CharField(_("技能名称"), max_length=60)
    level = models.CharField(_("等级"), max_length=10, blank=True, choices=[(v, v) for v in SKILL_LEVELS])
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    acquired_on = models.DateField(_("取得日期"))
    evidence_url = models.CharField(_("证明材料链接"), max_length=300, blank=True)
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=SkillStatus.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("技能")
        indexes = [
            models.Index(fields=["person", "status"], name="lskill_person_idx"),
            models.Index(fields=["org_path", "status"], name="lskill_path_idx"),
            models.Index(fields=["name", "status"], name="lskill_name_idx"),
            models.Index(fields=["province_id"], name="lskill_province_idx"),
        ]

    def __str__(self):
        return f"{self.name}{'（' + self.level + '）' if self.level else ''}"
