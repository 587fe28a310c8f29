"""Member-side rows: applications (with each status change), placements and their follow-ups."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.jobs.models.posts import JobType, WageUnit
from gonghui.jobs.states import LIVE_APPLICATION, ApplicationStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class Application(models.Model):
    """A member's application to a post (投递). The member chooses what the employer may see: the
    mobile number is shown masked unless `share_mobile`; skills only with `share_skills`; the ID
    number never. `org_path` is the post's org (its staff move the application on); the member's
    own union is `member_org_path`."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("会员自助")
        STAFF = "staff", _("驿站/工作人员代投")
        FAIR = "fair", _("招聘会现场")
        API = "api", _("接口")

    post = models.ForeignKey("jobs.JobPost", on_delete=models.PROTECT, related_name="applications")
    employer = models.ForeignKey("jobs.Employer", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField()
    org_path = PathField(_("组织路径"), editable=False)
    member_org_path = PathField(_("会员所在工会路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices)
    channel = models.CharField(_("投递渠道"), max_length=8, choices=Channel.choices, default=Channel.PORTAL)
    fair = models.ForeignKey("jobs.JobFair", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    share_mobile = models.BooleanField(_("同意向用人单位提供完整手机号"), default=False)
    share_skills = models.BooleanField(_("向用人单位展示技能"), default=True)
    note = models.CharField(_("留言"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("投递时间"))
    changed_at = models.DateTimeField(_("状态更新时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("求职申请")
        verbose_name_plural = _("求职申请")
        constraints = [
            # Nobody twice: one application in play per member and post (checked first with a reason).
            models.UniqueConstraint(
                fields=["post", "person_id"],
                condition=Q(status__in=[s.value for s in LIVE_APPLICATION]),
                name="japp_one_live_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "status", "id"], name="japp_board_idx"),
            models.Index(fields=["person_id", "applied_at"], name="japp_person_idx"),
            models.Index(fields=["org_path", "status"], name="japp_path_idx"),
            models.Index(fields=["fair", "employer"], name="japp_fair_idx"),
            models.Index(fields=["province_id"], name="japp_province_idx"),
        ]

    def __str__(self):
        return f"{self.post_id}:{self.pk}"


class ApplicationEvent(models.Model):
    """One status change of an application, shown to the member ("我的申请")."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    from_status = models.CharField(max_length=10, blank=True, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=10, choices=ApplicationStatus.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["province_id"], name="jappevent_province_idx")]

    def __str__(self):
        return f"{self.application_id}: {self.from_status}→{self.to_status}"


class Placement(models.Model):
    """A hire (上岗): start date, wage and type; follow-ups fall due after 1 and 3 months."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="placement")
    post = models.ForeignKey("jobs.JobPost", on_delete=models.PROTECT, related_name="placements")
    employer = models.ForeignKey("jobs.Employer", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField(db_index=True)
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    start_date = models.DateField(_("上岗日期"))
    wage = models.DecimalField(_("工资"), **MONEY)
    wage_unit = models.CharField(_("计薪单位"), max_length=6, choices=WageUnit.choices)
    wage_monthly = models.DecimalField(null=True, blank=True, editable=False, **MONEY)
    job_type = models.CharField(_("用工类型"), max_length=10, choices=JobType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("就业安置")
        verbose_name_plural = _("就业安置")
        indexes = [
            models.Index(fields=["org_path", "start_date"], name="jplace_path_idx"),
            models.Index(fields=["province_id"], name="jplace_province_idx"),
        ]

    def __str__(self):
        return f"{self.post_id}:{self.start_date}"


class FollowUp(models.Model):
    """A follow-up of a placement after `months` (1 or 3): still working? how the income changed."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    months = models.PositiveSmallIntegerField(_("回访节点（月）"))
    due_on = models.DateField(_("应回访日期"))
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    still_working = models.BooleanField(_("仍在岗"), null=True, blank=True)
    income_change = models.DecimalField(_("月收入变化（元）"), null=True, blank=True, **MONEY)
    note = models.CharField(_("回访记录"), max_length=200, blank=True)

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("就业回访")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["placement", "months"], name="jfollow_once")]
        indexes = [
            models.Index(fields=["org_path", "done_at", "due_on"], name="jfollow_due_idx"),
            models.Index(fields=["province_id"], name="jfollow_province_idx"),
        ]

    def __str__(self):
        return f"{self.placement_id}+{self.months}m"
