"""微心愿 (small wishes) and volunteers.

A wish is posted by a member (or staff on their behalf) within a round run by a union; the union
reviews it; it is then shown publicly with only an age band and a job (no name, no employer). One
donor claims it (a conditional UPDATE: exactly one claimant however many try at once), fulfils it
with a photo as proof, and the recipient confirms (or it confirms itself after 7 days).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.charity.states import SignupStatus, WishStatus
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField

MONEY = {"max_digits": 14, "decimal_places": 2}


class WishRound(models.Model):
    """A round of wishes (e.g. 2026年南山区微心愿第一期) run by a union for its subtree."""

    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    name = models.CharField(_("名称"), max_length=60)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    price_cap = models.DecimalField(_("单个心愿金额上限"), **MONEY)
    claim_days = models.PositiveSmallIntegerField(_("认领后完成期限（天）"), default=14)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("心愿征集")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.name


class Wish(models.Model):
    """One wish (微心愿). `age_band` and `job` are all the public ever sees of the member."""

    class Category(models.TextChoices):
        DAILY = "daily", _("生活用品")
        STUDY = "study", _("学习用品")
        WORK = "work", _("劳动用品")
        HEALTH = "health", _("健康护理")
        APPLIANCE = "appliance", _("小家电")
        OTHER = "other", _("其他")

    class ClaimantKind(models.TextChoices):
        MEMBER = "member", _("会员")
        STAFF = "staff", _("工会干部")
        COMPANY = "company", _("爱心企业")
        VOLUNTEER = "volunteer", _("志愿者")

    round = models.ForeignKey(WishRound, on_delete=models.PROTECT, related_name="wishes")
    org = models.ForeignKey("orgs.Org", verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    title = models.CharField(_("心愿"), max_length=40)
    story = models.CharField(_("心愿故事"), max_length=300)
    price = models.DecimalField(_("预估金额"), **MONEY)
    age_band = models.CharField(_("年龄段"), max_length=10)
    job = models.CharField(_("职业"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=WishStatus.choices, default=WishStatus.SUBMITTED)
    posted_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    claimant_kind = models.CharField(_("认领人类型"), max_length=10, choices=ClaimantKind.choices, blank=True)
    claimant_name = models.CharField(_("认领人"), max_length=60, blank=True)
    claimant_person_id = models.BigIntegerField(null=True, blank=True)
    claimant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_deadline = models.DateField(_("完成期限"), null=True, blank=True)
    claims = models.PositiveSmallIntegerField(_("认领次数"), default=0)
    proof = models.FileField(_("送达照片"), upload_to="charity/wishes/%Y/%m/", blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_value = models.DecimalField(_("实际价值"), null=True, blank=True, **MONEY)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    auto_confirmed = models.BooleanField(_("自动确认"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="ch_wish_price_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "fulfilled", "confirmed"]) | ~Q(claimant_name=""),
                name="ch_wish_claimed_has_claimant",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "org_path"], name="ch_wish_status_path_idx"),
            models.Index(fields=["round", "status"], name="ch_wish_round_idx"),
            models.Index(fields=["province_id"], name="ch_wish_province_idx"),
        ]

    def __str__(self):
        return self.title


class Volunteer(models.Model):
    """A volunteer registered with a union: a member (linked) or not (name and mobile only)."""

    org = models.ForeignKey("orgs.Org", verbose_name=_("登记工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    membership = models.ForeignKey(
        "members.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_id_ref = models.BigIntegerField(null=True, blank=True, editable=False)
    name = models.CharField(_("姓名"), max_length=30)
    mobile_masked = models.CharField(_("手机号"), max_length=20)
    skills = models.JSONField(_("技能"), default=list, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=100, blank=True)
    active = models.BooleanField(_("在册"), default=True)
    hours = models.DecimalField(_("累计服务时长（小时）"), max_digits=8, decimal_places=1, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["province_id"], name="ch_volunteer_province_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "membership"], condition=Q(membership__isnull=False), name="ch_volunteer_member_once"
            )
        ]

    def __str__(self):
        return self.name


class VolunteerActivity(models.Model):
    """A volunteer activity (an event or a wish delivery) volunteers sign up for."""

    class Kind(models.TextChoices):
        EVENT = "event", _("志愿服务活动")
        WISH_DELIVERY = "wish_delivery", _("心愿送达")

    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices, default=Kind.EVENT)
    title = models.CharField(_("活动名称"), max_length=80)
    on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("人数上限"), default=20)
    signed_up = models.PositiveSmallIntegerField(_("已报名"), default=0)
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("志愿活动")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(signed_up__lte=models.F("capacity")), name="ch_activity_capacity")
        ]

    def __str__(self):
        return self.title


class VolunteerSignup(models.Model):
    """A volunteer's sign-up for an activity and, once attended, the hours served."""

    activity = models.ForeignKey(VolunteerActivity, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    org_path = PathField(_("组织路径"), editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=SignupStatus.choices, default=SignupStatus.SIGNED_UP)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "charity"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("志愿报名")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="ch_signup_once"),
            models.CheckConstraint(condition=Q(hours__gte=0, hours__lte=24), name="ch_signup_hours"),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.activity}"
