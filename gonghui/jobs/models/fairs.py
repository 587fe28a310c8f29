"""Job fairs (招聘会, 直播带岗) and the talent pool (人才库)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.jobs.states import FairStatus


class JobFair(TimeStampedModel):
    """A fair an org holds: participating employers and their posts, a live-stream URL (直播带岗),
    visitors checked in by scanning their member card, applications taken at the fair."""

    title = models.CharField(_("名称"), max_length=100)
    org = models.ForeignKey("orgs.Org", verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    venue = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    live_url = models.URLField(_("直播带岗地址"), blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FairStatus.choices, default=FairStatus.PLANNED)
    employers = models.ManyToManyField("jobs.Employer", blank=True, related_name="fairs", verbose_name=_("参会单位"))
    posts = models.ManyToManyField("jobs.JobPost", blank=True, related_name="fairs", verbose_name=_("参会岗位"))
    visitor_count = models.PositiveIntegerField(_("入场人数"), default=0, editable=False)

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("招聘会")
        verbose_name_plural = _("招聘会")
        indexes = [models.Index(fields=["org_path", "starts_at"], name="jfair_path_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:fair", args=[self.pk])


class FairVisit(models.Model):
    """A visitor checked in at a fair by their member card (once per fair)."""

    fair = models.ForeignKey(JobFair, on_delete=models.CASCADE, related_name="visits")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField()
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    checked_in_at = models.DateTimeField(_("入场时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fair", "person_id"], name="jfairvisit_once")]
        indexes = [models.Index(fields=["province_id"], name="jfairvisit_province_idx")]

    def __str__(self):
        return f"{self.fair_id}:{self.person_id}"


class Availability(models.TextChoices):
    NOW = "now", _("随时到岗")
    MONTH = "month", _("一个月内")
    WEEKENDS = "weekends", _("仅周末/业余")
    LATER = "later", _("暂不求职")


class TalentPoolEntry(models.Model):
    """A member's opt-in to the talent pool: consent recorded (when, by whom), revocable. Staff of the
    member's union subtree search it (`org_path` is the member's org); employers never do."""

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField()
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    worker_type = models.CharField(_("职工类型"), max_length=12)
    division_code = models.CharField(_("意向工作地"), max_length=12, blank=True)
    availability = models.CharField(_("到岗时间"), max_length=8, choices=Availability.choices)
    job_types = models.CharField(_("意向用工类型"), max_length=80, blank=True, default="")  # ",gig_daily,trainee,"
    note = models.CharField(_("求职意向"), max_length=200, blank=True)
    consent_at = models.DateTimeField(_("同意时间"))
    consent_text = models.CharField(_("同意内容"), max_length=300)
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    active = models.BooleanField(_("在库"), default=True)

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("人才库")
        verbose_name_plural = _("人才库")
        constraints = [
            models.UniqueConstraint(fields=["person_id"], condition=Q(active=True), name="jtalent_one_active"),
        ]
        indexes = [
            models.Index(fields=["org_path", "active"], name="jtalent_path_idx"),
            models.Index(fields=["province_id"], name="jtalent_province_idx"),
        ]

    def __str__(self):
        return f"talent {self.person_id}"
