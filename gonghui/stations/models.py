"""Service stations (服务站点) of every kind: the registry, codes, investments, check-ins, ratings and
inspections (issue 13).

Kinds and facilities are data (seeded by migration 0002), so a province adds 司机之家 without a
release. Stations are org-owned (`org_path` for scoping, `province_id` for the Citus split);
check-ins and ratings are member-side rows and carry `province_id` too. Coordinates are WGS-84
floats (see `geo`): the nearest search ranks by great-circle distance in Python after an indexed
latitude range pre-filter (`search`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.stations.states import FollowUpStatus, StationStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class StationKind(models.Model):
    """A kind of station (户外劳动者服务站, 零工驿站, 职工之家 …). `prefix` goes into the station code."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    prefix = models.CharField(_("编码字母"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    icon = models.CharField(_("图标"), max_length=8, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("站点类型")
        verbose_name_plural = _("站点类型")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class Facility(models.Model):
    """A facility a station may offer (热水, 充电, 卫生间 …), with the emoji the portal shows."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    icon = models.CharField(_("图标"), max_length=8, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class StationCodeCounter(models.Model):
    """The last sequence number handed out per county-level division × kind. Codes are never reused:
    the counter only grows, and a revoked station keeps its code."""

    division = models.CharField(max_length=6)
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["division", "prefix"], name="station_counter_uniq")]

    def __str__(self):
        return f"{self.division}{self.prefix}: {self.last}"


class Station(TimeStampedModel):
    """A service station. `code` = 6-digit county division + kind letters + 5-digit sequence
    (440305HW00012); `hours` = {"1".."7": ["08:00-20:00", …], "holiday": [...]} (see `hours`)."""

    code = models.CharField(_("站点编码"), max_length=16, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.ForeignKey(StationKind, verbose_name=_("类型"), on_delete=models.PROTECT, related_name="stations")
    org = models.ForeignKey("orgs.Org", verbose_name=_("主管工会"), on_delete=models.PROTECT, related_name="stations")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    host = models.CharField(_("承建单位"), max_length=120, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    division_code = models.CharField(_("行政区划代码"), max_length=12)
    lat = models.FloatField(_("纬度（WGS-84）"))
    lon = models.FloatField(_("经度（WGS-84）"))
    facilities = models.CharField(_("服务设施"), max_length=400, blank=True, default="")  # ",hot_water,wifi,"
    hours = models.JSONField(_("开放时间"), default=dict, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("介绍"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=StationStatus.choices, default=StationStatus.PLANNED)
    opened_on = models.DateField(_("投入运行日期"), null=True, blank=True)
    # Counters kept by the check-in and rating actions (服务人次, satisfaction) for lists and stats.
    visit_count = models.PositiveIntegerField(_("服务人次"), default=0, editable=False)
    rating_count = models.PositiveIntegerField(_("评价数"), default=0, editable=False)
    rating_sum = models.PositiveIntegerField(default=0, editable=False)

    objects = ScopedManager()

    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("服务站点")
        verbose_name_plural = _("服务站点")
        indexes = [
            # The nearest search: status + latitude range, longitude checked in the same index.
            models.Index(fields=["status", "lat", "lon"], name="station_near_idx"),
            models.Index(fields=["org_path", "status"], name="station_path_idx"),
            models.Index(fields=["division_code"], name="station_division_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("stations:detail", args=[self.code])

    @property
    def facility_codes(self) -> list[str]:
        return [c for c in self.facilities.split(",") if c]

    @property
    def satisfaction(self):
        """Average rating 1–5 (one decimal), or None before the first rating."""
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class Investment(models.Model):
    """Money put into a station (construction, equipment, running costs) and where it came from."""

    class Source(models.TextChoices):
        UNION = "union", _("工会经费")
        GOVERNMENT = "government", _("财政资金")
        HOST = "host", _("承建单位自筹")
        DONATION = "donation", _("社会捐赠")
        OTHER = "other", _("其他")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="investments")
    org_path = PathField(_("组织路径"), editable=False)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    source = models.CharField(_("资金来源"), max_length=12, choices=Source.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()
    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("投入")
        indexes = [models.Index(fields=["org_path", "year"], name="station_invest_idx")]

    def __str__(self):
        return f"{self.station_id}: {self.amount}"


class CheckIn(models.Model):
    """One visit (服务人次): a member scanned the station's QR, or staff scanned the member's card."""

    class Channel(models.TextChoices):
        QR = "qr", _("会员扫码")
        STAFF = "staff", _("工作人员登记")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="checkins")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    channel = models.CharField(_("方式"), max_length=6, choices=Channel.choices, default=Channel.QR)
    at = models.DateTimeField(_("时间"))

    objects = ScopedManager()
    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("到站记录")
        indexes = [
            models.Index(fields=["person", "station", "at"], name="station_checkin_idx"),
            models.Index(fields=["org_path", "at"], name="station_checkin_path_idx"),
        ]

    def __str__(self):
        return f"{self.station_id} @ {self.at:%Y-%m-%d %H:%M}"


class Rating(models.Model):
    """A member's rating of a visit: 1–5 stars and a comment; one per check-in."""

    checkin = models.OneToOneField(CheckIn, on_delete=models.PROTECT, related_name="rating")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="ratings")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("评价"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"))

    objects = ScopedManager()
    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("评价")
        indexes = [models.Index(fields=["station", "at"], name="station_rating_idx")]

    def __str__(self):
        return f"{self.station_id}: {self.score}"


class ChecklistTemplate(models.Model):
    """A 巡查 checklist: items [{"code", "text", "points"}]; applies to one kind or to all (kind empty)."""

    name = models.CharField(_("名称"), max_length=80)
    kind = models.ForeignKey(StationKind, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("站点类型"))
    items = models.JSONField(_("检查项"), default=list)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("巡查模板")
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def total_points(self) -> int:
        return sum(int(item.get("points", 0)) for item in self.items)


class Inspection(models.Model):
    """An inspector's visit: the answer per checklist item, a 0–100 score and the stars it earns."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="inspections")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+")
    org_path = PathField(editable=False)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("巡查日期"))
    answers = models.JSONField(_("检查结果"), default=dict)  # {item code: true/false}
    score = models.PositiveSmallIntegerField(_("得分"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    note = models.TextField(_("巡查意见"), blank=True)
    photo = models.FileField(_("现场照片"), upload_to="stations/inspections/%Y/%m/", blank=True)

    objects = ScopedManager()
    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("巡查")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["station", "on"], name="station_inspection_idx")]

    def __str__(self):
        return f"{self.station_id} {self.on}: {self.score}"


class StarRating(models.Model):
    """The station's star rating (星级评定) for a year: set by the latest inspection of that year."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="stars")
    year = models.PositiveSmallIntegerField(_("年度"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "year"], name="station_star_year_uniq")]

    def __str__(self):
        return f"{self.station_id} {self.year}: {self.stars}"


class FollowUp(models.Model):
    """A failed checklist item to put right (整改), due a number of working days after the inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="follow_ups")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="follow_ups")
    org_path = PathField(editable=False)
    item = models.CharField(_("检查项"), max_length=200)
    due_on = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=6, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    resolution = models.CharField(_("整改情况"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedManager()
    permission_prefix = "station"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("整改事项")
        indexes = [models.Index(fields=["org_path", "status"], name="station_followup_idx")]

    def __str__(self):
        return self.item
