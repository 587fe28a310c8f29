"""Job posts (招聘岗位) and what a post needs: its type, wage unit and the skills it asks for."""

import math

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.jobs.states import PostStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


def band(lat: float | None) -> int | None:
    """The 0.1° latitude band of a WGS-84 latitude (22.5333 → 225)."""
    return math.floor(lat * 10) if lat is not None else None


def plain(amount) -> str:
    """2520.00 → "2520", 23.70 → "23.7" (wages on a screen)."""
    return f"{amount.normalize():f}" if amount is not None else ""


class JobType(models.TextChoices):
    FULL_TIME = "full_time", _("全职")
    PART_TIME = "part_time", _("兼职")
    GIG_DAILY = "gig_daily", _("零工·日结")
    TRAINEE = "trainee", _("见习")
    SEASONAL = "seasonal", _("季节性")


class WageUnit(models.TextChoices):
    HOUR = "hour", _("元/小时")
    DAY = "day", _("元/天")
    MONTH = "month", _("元/月")
    PIECE = "piece", _("元/件")


class JobPost(TimeStampedModel):
    """A post an approved employer offers through a union or a 零工驿站 (`station`).

    `skills` lists what the post needs: [{"name": "急救（CPR+AED）", "level": ""}] with the learning
    skill names and levels (an empty level: any); `skill_names` repeats the names as ",a,b," so a
    search by skill is one LIKE. `wage_monthly` is the wage floor as a monthly figure (hour × 8 ×
    21.75, day × 21.75; none for piece rates) so that a wage floor filter and the average wage work
    across units. Coordinates are WGS-84; a remote post has none. Owned by `org` (its staff manage
    it, a reviewer of that org publishes it)."""

    title = models.CharField(_("岗位名称"), max_length=80)
    description = models.TextField(_("岗位描述"))
    job_type = models.CharField(_("用工类型"), max_length=10, choices=JobType.choices)
    employer = models.ForeignKey(
        "jobs.Employer", verbose_name=_("用人单位"), on_delete=models.PROTECT, related_name="posts"
    )
    skills = models.JSONField(_("技能要求"), default=list, blank=True)
    skill_names = models.CharField(max_length=400, blank=True, default="", editable=False)
    openings = models.PositiveIntegerField(_("招聘人数"))
    hired_count = models.PositiveIntegerField(_("已录用"), default=0, editable=False)
    wage_min = models.DecimalField(_("最低工资"), **MONEY)
    wage_max = models.DecimalField(_("最高工资"), **MONEY)
    wage_unit = models.CharField(_("计薪单位"), max_length=6, choices=WageUnit.choices)
    wage_monthly = models.DecimalField(null=True, blank=True, editable=False, **MONEY)
    remote = models.BooleanField(_("远程/不限地点"), default=False)
    lat = models.FloatField(_("纬度（WGS-84）"), null=True, blank=True)
    lon = models.FloatField(_("经度（WGS-84）"), null=True, blank=True)
    # The 0.1° latitude band (≈ 11 km) of `lat`, kept by the actions (`band()`): the nearby search seeks
    # each band of its box in the index and scans only the box's longitude range there (`search.py`).
    # A plain column, not a generated one: SQLite does not answer from an index on a generated column.
    lat_band = models.IntegerField(null=True, blank=True, editable=False)
    division_code = models.CharField(_("工作地行政区划"), max_length=12)
    address = models.CharField(_("工作地点"), max_length=200, blank=True)
    hours = models.CharField(_("工作时间"), max_length=100, blank=True)
    benefits = models.CharField(_("福利待遇"), max_length=200, blank=True)
    deadline = models.DateField(_("截止日期"))
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("发布驿站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey("orgs.Org", verbose_name=_("发布工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=PostStatus.choices, default=PostStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    status_reason = models.CharField(_("说明"), max_length=200, blank=True)
    application_count = models.PositiveIntegerField(_("投递数"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "jobs"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("招聘岗位")
        verbose_name_plural = _("招聘岗位")
        indexes = [
            # The nearby search: published posts in a latitude band and longitude range, and every column the search
            # filters on after it, so that SQLite and PostgreSQL answer from the index alone (no row
            # lookups for the thousands of posts in a city-sized box).
            models.Index(
                fields=[
                    "status",
                    "lat_band",
                    "lon",
                    "lat",
                    "deadline",
                    "job_type",
                    "wage_monthly",
                    "skill_names",
                    "title",
                    "id",
                ],
                name="jpost_near_idx",
            ),
            models.Index(fields=["status", "deadline"], name="jpost_status_deadline_idx"),
            models.Index(fields=["org_path", "status"], name="jpost_path_idx"),
            models.Index(fields=["employer", "status"], name="jpost_employer_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(wage_min__gte=0), name="jpost_wage_not_negative"),
            models.CheckConstraint(condition=models.Q(wage_max__gte=models.F("wage_min")), name="jpost_wage_range"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:post", args=[self.pk])

    @property
    def wage_text(self) -> str:
        unit = WageUnit(self.wage_unit).label
        if self.wage_min == self.wage_max:
            return f"{plain(self.wage_min)} {unit}"
        return f"{plain(self.wage_min)}–{plain(self.wage_max)} {unit}"

    @property
    def open_places(self) -> int:
        return max(0, self.openings - self.hired_count)
