"""Offerings (a course of several sessions, or a one-off activity) and their sessions."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.learning.states import OfferingStatus

MONEY = {"max_digits": 14, "decimal_places": 2}
HOURS = {"max_digits": 6, "decimal_places": 1}


class Category(models.TextChoices):
    WORK_SKILLS = "work", _("工作技能")
    LIFE_SKILLS = "life", _("生活技艺")
    SAFETY_HEALTH = "safety", _("安全健康")
    FAMILY = "family", _("亲子")
    CULTURE_SPORTS = "culture", _("文体")
    RECUPERATION = "recuperation", _("疗休养")
    OTHER = "other", _("其他")


class Offering(TimeStampedModel):
    """A course (课程: a series of sessions) or a one-off activity (活动) an org offers its members.

    Who may enrol is the member rule language (`members.eligibility`) in `rule`; without an `orgs`
    condition the offering is for members of the owning org's subtree. `seats_taken` counts enrolled
    members and freed seats offered to a waiting member; `arrivals` numbers every enrolment in
    arrival order (the waitlist is FIFO by it). Both change only under the offering's row lock.
    """

    class Kind(models.TextChoices):
        COURSE = "course", _("课程")
        ACTIVITY = "activity", _("活动")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.COURSE)
    title = models.CharField(_("名称"), max_length=120)
    category = models.CharField(_("类别"), max_length=14, choices=Category.choices)
    description = models.TextField(_("介绍"), blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    teacher = models.CharField(_("授课老师"), max_length=60, blank=True)
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    online = models.BooleanField(_("线上课程"), default=False)
    live_url = models.URLField(_("直播地址"), blank=True)
    replay_url = models.URLField(_("回放地址"), blank=True)
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    min_enrolment = models.PositiveIntegerField(_("最低开班人数"), default=10)
    fee = models.DecimalField(_("费用（元）"), default=Decimal("0.00"), **MONEY)
    companion_rule = models.CharField(
        _("随行/优惠规则"), max_length=120, blank=True, help_text=_("如：可带一名子女免费")
    )
    enrol_opens_at = models.DateTimeField(_("报名开始"))
    enrol_closes_at = models.DateTimeField(_("报名截止"))
    rule = models.JSONField(_("报名条件"), default=dict, blank=True)
    # True when the rule names orgs (e.g. a whole region or several unions): then members outside the
    # owning org's subtree may see it; kept by the actions so that the member's list stays one index scan.
    beyond_subtree = models.BooleanField(default=False, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=OfferingStatus.choices, default=OfferingStatus.DRAFT)
    completion_percent = models.PositiveSmallIntegerField(
        _("结业出勤率（%）"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    exam_pass_score = models.PositiveSmallIntegerField(_("考核合格分"), null=True, blank=True)
    skill_name = models.CharField(_("结业记入的技能"), max_length=60, blank=True)
    skill_level = models.CharField(_("技能等级"), max_length=10, blank=True)
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    arrivals = models.PositiveIntegerField(default=0, editable=False)
    live_views = models.PositiveIntegerField(_("直播/回放观看次数"), default=0, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("开班判定时间"), null=True, blank=True)
    origin_proposal = models.ForeignKey(
        "learning.Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin_request = models.ForeignKey(
        "learning.CourseRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("课程/活动")
        verbose_name_plural = _("课程/活动")
        indexes = [
            models.Index(fields=["org_path", "status"], name="loffer_path_idx"),
            models.Index(fields=["status", "enrol_closes_at"], name="loffer_status_close_idx"),
            models.Index(fields=["status", "beyond_subtree"], name="loffer_status_beyond_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="loffer_fee_not_negative"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("learning:offering", args=[self.pk])

    @property
    def free(self) -> bool:
        return not self.fee


class Session(models.Model):
    """One meeting of an offering, with the class hours it counts and a QR token members scan."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="sessions")
    org_path = PathField(_("组织路径"), editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    class_hours = models.DecimalField(_("课时"), default=Decimal("2.0"), **HOURS)
    topic = models.CharField(_("内容"), max_length=120, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    # The session's check-in QR carries this random token (no personal data, cannot be guessed).
    qr_token = models.CharField(max_length=32, unique=True, editable=False)
    closed_at = models.DateTimeField(_("签到结束"), null=True, blank=True)
    views = models.PositiveIntegerField(_("线上观看次数"), default=0, editable=False)

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("课次")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["offering", "starts_at"], name="lsession_offering_idx")]

    def __str__(self):
        return f"{self.offering_id} @ {self.starts_at:%Y-%m-%d %H:%M}"
