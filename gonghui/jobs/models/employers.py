"""Employers the union vouches for, and the local minimum wage posts are checked against."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.jobs.states import EmployerStatus
from gonghui.people.identity import mask_mobile

MONEY = {"max_digits": 14, "decimal_places": 2}


class Employer(TimeStampedModel):
    """An employer that may post jobs: the enterprise of a grassroots union (`enterprise_org`, its
    USCC copied) or an outside employer a union registers with a validated USCC.

    `org` is the union that registered it and reviews it (registered → approved → suspended);
    suspending withdraws its published posts. The contact's mobile is stored E.164 and shown
    masked in lists (`contact_masked`)."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("建会企业")
        OUTSIDE = "outside", _("外部用人单位")

    name = models.CharField(_("单位名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    org = models.ForeignKey("orgs.Org", verbose_name=_("登记工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    enterprise_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("企业工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_mobile = models.CharField(_("联系电话"), max_length=16)
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位联系人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200)
    division_code = models.CharField(_("行政区划代码"), max_length=12)
    lat = models.FloatField(_("纬度（WGS-84）"), null=True, blank=True)
    lon = models.FloatField(_("经度（WGS-84）"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=EmployerStatus.choices, default=EmployerStatus.REGISTERED
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        indexes = [models.Index(fields=["org_path", "status"], name="jemployer_path_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:employer", args=[self.pk])

    @property
    def contact_masked(self) -> str:
        return mask_mobile(self.contact_mobile)


class MinimumWage(models.Model):
    """The local minimum wage (最低工资标准) from `effective_on`: monthly for full-time work, hourly
    for part-time. A division without its own row uses its city's, then its province's (like the
    hardship 低保 lines). `demo` marks figures loaded by the demo, not taken from a government notice."""

    division_code = models.CharField(_("行政区划代码"), max_length=12)
    effective_on = models.DateField(_("执行日期"))
    monthly = models.DecimalField(_("月最低工资（元）"), **MONEY)
    hourly = models.DecimalField(_("小时最低工资（元）"), **MONEY)
    note = models.CharField(_("文件依据"), max_length=200, blank=True)
    demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("最低工资标准")
        verbose_name_plural = _("最低工资标准")
        ordering = ["division_code", "-effective_on"]
        constraints = [models.UniqueConstraint(fields=["division_code", "effective_on"], name="jminwage_unique")]

    def __str__(self):
        return f"{self.division_code} {self.effective_on}: {self.monthly}/{self.hourly}"
