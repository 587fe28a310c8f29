"""困难职工帮扶: household archives and what hangs off them (DOMAIN.md §6).

One `HardshipArchive` per household (一户一档), the member as its subject. Its household members
carry their document number encrypted with a blind index exactly like `people.Person`; a partial
unique index on that blind index over live archives makes "no person in two archives" hold in
the database, not only in the action.

Only `gonghui.hardship.actions` writes these rows (DESIGN.md §3.1).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.hardship.states import ArchiveLevel, ArchiveStatus, Category, Cause, RemovalReason
from gonghui.people.choices import EMPLOYMENT_STATUS, choices
from gonghui.people.identity import DocType, Sex

MONEY = {"max_digits": 14, "decimal_places": 2}

HOUSING = ["自购房", "自建房", "租房", "承租公房", "廉租/公租房", "无房", "其他"]
MARITAL_STATUS = ["未婚", "已婚", "离异", "丧偶"]


class Relation(models.TextChoices):
    SELF = "self", _("本人")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    PARENT_IN_LAW = "parent_in_law", _("岳父母/公婆")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    GOOD = "good", _("良好")
    MINOR = "minor", _("一般疾病")
    CHRONIC = "chronic", _("慢性病")
    SERIOUS = "serious", _("大病")
    DISABLED = "disabled", _("残疾")


class Schooling(models.TextChoices):
    """在读阶段 for children (金秋助学 amounts depend on it)."""

    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("大专")
    UNIVERSITY = "university", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class SchoolKind(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")
    ABROAD_SELF_FUNDED = "abroad", _("境外自费留学")


EMPLOYMENT = [*EMPLOYMENT_STATUS, "务农", "灵活就业", "在校学生", "学龄前", "无劳动能力"]


class HardshipArchive(TimeStampedModel):
    """A household archive (困难职工档案). `org` is the union that keeps it (the member's union
    at creation); `level` (建档标准) decides which union approves it.

    The means-test result is stored with the inputs it was computed from (`assessment_year`,
    `per_capita`, `subsistence_line`) so that a list shows it without recomputing. `category`
    is the effective category: the computed one (`computed_category`, `computed_reason`) unless
    an officer overrode it with a written `override_reason`.
    """

    number = models.CharField(_("档案编号"), max_length=20, unique=True, null=True, blank=True)
    membership = models.ForeignKey(
        "members.Membership", verbose_name=_("会员"), on_delete=models.PROTECT, related_name="hardship_archives"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("困难职工"), on_delete=models.PROTECT, related_name="hardship_archives"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("建档工会"), on_delete=models.PROTECT, related_name="hardship_archives"
    )
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    division_code = models.CharField(_("居住地行政区划"), max_length=12)
    level = models.CharField(_("建档标准"), max_length=10, choices=ArchiveLevel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=ArchiveStatus.choices)

    category = models.CharField(_("困难类别"), max_length=10, choices=Category.choices, blank=True)
    category_reason = models.CharField(_("类别依据"), max_length=300, blank=True)
    computed_category = models.CharField(_("测算类别"), max_length=10, choices=Category.choices, blank=True)
    computed_reason = models.CharField(_("测算依据"), max_length=300, blank=True)
    basis_category = models.CharField(_("基础类别"), max_length=10, choices=Category.choices, blank=True)
    category_overridden = models.BooleanField(_("人工认定类别"), default=False)
    override_reason = models.CharField(_("人工认定理由"), max_length=300, blank=True)
    exclusions = models.JSONField(_("排除情形"), default=list, blank=True)

    primary_cause = models.CharField(_("主要致困原因"), max_length=14, choices=Cause.choices)
    secondary_cause = models.CharField(_("次要致困原因"), max_length=14, choices=Cause.choices, blank=True)
    third_cause = models.CharField(_("其他致困原因"), max_length=14, choices=Cause.choices, blank=True)

    accident_event = models.BooleanField(_("因灾害、重大事故、疫情致伤致残致死"), default=False)
    accident_note = models.CharField(_("意外情况说明"), max_length=300, blank=True)
    is_migrant_worker = models.BooleanField(_("农民工"), default=False)
    lives_in_city = models.BooleanField(_("在城镇居住"), default=False)
    employed_since = models.DateField(_("实际就业起始日期"), null=True, blank=True)
    housing = models.CharField(_("住房情况"), max_length=8, choices=choices(HOUSING), blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=4, choices=choices(MARITAL_STATUS), blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)

    assessment_year = models.PositiveSmallIntegerField(_("测算年度"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    annual_income = models.DecimalField(_("家庭年可支配收入"), null=True, blank=True, **MONEY)
    rigid_expenses = models.DecimalField(_("刚性支出"), null=True, blank=True, **MONEY)
    per_capita = models.DecimalField(_("家庭人均月收入"), null=True, blank=True, **MONEY)
    subsistence_line = models.DecimalField(_("当地低保标准（月）"), null=True, blank=True, **MONEY)

    applied_on = models.DateField(_("发现/申请日期"))
    archived_on = models.DateField(_("建档日期"), null=True, blank=True)
    approved_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("审批工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    next_review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    exit_proposed_on = models.DateField(_("建议脱困日期"), null=True, blank=True)
    # The latest monthly record the exit rule has been decided on (proposed or declined), so a
    # declined proposal is not made again until a newer month is recorded.
    exit_considered_through = models.DateField(_("脱困评估截至月份"), null=True, blank=True)
    exited_on = models.DateField(_("脱困日期"), null=True, blank=True)
    relieved_on = models.DateField(_("解困日期"), null=True, blank=True)
    removed_on = models.DateField(_("退档日期"), null=True, blank=True)
    removal_reason = models.CharField(_("退档原因"), max_length=12, choices=RemovalReason.choices, blank=True)
    times_archived = models.PositiveSmallIntegerField(_("建档次数"), default=0)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        indexes = [
            models.Index(fields=["org_path", "status"], name="hs_archive_path_status_idx"),
            models.Index(fields=["org_path", "category"], name="hs_archive_path_category_idx"),
            models.Index(fields=["org_path", "level"], name="hs_archive_path_level_idx"),
            models.Index(fields=["org_path", "primary_cause"], name="hs_archive_path_cause_idx"),
            models.Index(fields=["status", "next_review_due"], name="hs_archive_review_due_idx"),
            models.Index(fields=["status", "exit_proposed_on"], name="hs_archive_exit_idx"),
            models.Index(fields=["province_id", "status"], name="hs_archive_province_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status__in=["removed", "rejected"]),
                name="hs_archive_one_live_per_subject",
            ),
        ]

    def __str__(self):
        return self.number or f"困难职工档案 #{self.pk}"

    @property
    def category_pending(self) -> bool:
        """待核算: no household income recorded yet, so no category may be derived or relied on."""
        return not self.category and (self.assessment_year is None or self.annual_income is None)

    @property
    def category_text(self) -> str:
        """The category as people read it: its label, 待核算 while no income is recorded, else 不符合."""
        if self.category:
            return str(self.get_category_display())
        return str(_("待核算") if self.category_pending else _("不符合认定条件"))

    @property
    def causes(self) -> list[str]:
        return [c for c in (self.primary_cause, self.secondary_cause, self.third_cause) if c]


class HouseholdMember(models.Model):
    """A member of the household (家庭成员), the worker included (relation `self`).

    The document number is stored like `people.Person`'s: AES-GCM ciphertext, HMAC blind
    index, masked copy. `active` mirrors "the archive is live" so that the partial unique
    index on `doc_index` keeps a person out of two live archives even under concurrency.
    """

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="household")
    relation = models.CharField(_("与本人关系"), max_length=14, choices=Relation.choices)
    name = models.CharField(_("姓名"), max_length=30)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(_("证件类型"), max_length=16, choices=DocType.choices, blank=True)
    doc_cipher = models.BinaryField(_("证件号码（密文）"), null=True, blank=True, editable=False)
    doc_index = models.CharField(max_length=64, null=True, blank=True, editable=False)
    doc_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, default=Health.GOOD)
    illness = models.CharField(_("疾病名称"), max_length=60, blank=True)
    disability_category = models.CharField(_("残疾类别"), max_length=20, blank=True)
    disability_grade = models.CharField(_("残疾等级"), max_length=10, blank=True)
    employment = models.CharField(_("就业状况"), max_length=10, choices=choices(EMPLOYMENT), blank=True)
    monthly_income = models.DecimalField(_("月收入"), default=0, **MONEY)
    schooling = models.CharField(_("在读阶段"), max_length=14, choices=Schooling.choices, blank=True)
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    grade = models.CharField(_("年级"), max_length=20, blank=True)
    school_kind = models.CharField(_("学校性质"), max_length=10, choices=SchoolKind.choices, blank=True)
    annual_tuition = models.DecimalField(_("年学费"), null=True, blank=True, **MONEY)
    public_tuition = models.DecimalField(_("同类公办学校年学费"), null=True, blank=True, **MONEY)
    active = models.BooleanField(default=True, editable=False)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["doc_index"],
                condition=Q(active=True, doc_index__isnull=False),
                name="hs_member_one_live_archive",
            ),
        ]
        indexes = [
            models.Index(fields=["archive", "relation"], name="hs_member_archive_idx"),
            models.Index(fields=["doc_index"], name="hs_member_doc_idx"),
        ]

    def __str__(self):
        return f"{self.get_relation_display()} {self.name}"


class IncomeItem(models.Model):
    """One part of the household's disposable income for a year (家庭收入)."""

    class Kind(models.TextChoices):
        WAGES = "wages", _("工资性收入")
        BUSINESS = "business", _("经营净收入")
        PROPERTY = "property", _("财产净收入")
        TRANSFER = "transfer", _("转移净收入（养老金、补贴等）")
        OTHER = "other", _("其他收入")

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="income_items")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("收入类型"), max_length=10, choices=Kind.choices)
    member = models.ForeignKey(HouseholdMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额（元/年）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("家庭收入")
        indexes = [models.Index(fields=["archive", "year"], name="hs_income_archive_year_idx")]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()} {self.amount}"


class RigidExpense(models.Model):
    """A necessary expense of the year. Medical and education costs are deducted in the
    per-capita figure; medical and emergency costs count towards the 80% 意外致困 rule."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("医疗支出")
        EDUCATION = "education", _("教育支出")
        EMERGENCY = "emergency", _("突发事件支出")

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="expenses")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("支出类型"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元/年）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("刚性支出")
        indexes = [models.Index(fields=["archive", "year"], name="hs_expense_archive_year_idx")]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()} {self.amount}"


class SubsistenceLine(models.Model):
    """The local minimum living standard (低保标准), per month per person, maintained by admins.

    A division without its own row for the year uses its city's, then its province's
    (`rules.division_chain`)."""

    division_code = models.CharField(_("行政区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    monthly_amount = models.DecimalField(_("低保标准（元/人/月）"), **MONEY)
    note = models.CharField(_("文件依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("低保标准")
        verbose_name_plural = _("低保标准")
        ordering = ["division_code", "year"]
        constraints = [models.UniqueConstraint(fields=["division_code", "year"], name="hs_line_unique")]

    def __str__(self):
        return f"{self.division_code} {self.year}: {self.monthly_amount}"


class ArchiveEvent(models.Model):
    """One entry in an archive's history: a transition (from → to), or a step that keeps
    the state (visit, check, objection, exit proposal). Always names a person and a reason."""

    class Kind(models.TextChoices):
        CREATED = "created", _("建立档案")
        TRANSITION = "transition", _("状态变更")
        VISIT = "visit", _("入户调查")
        CHECK = "check", _("数据核查")
        NOTICE = "notice", _("公示")
        OBJECTION = "objection", _("公示异议")
        OBJECTION_RESOLVED = "objection_resolved", _("异议处理")
        CATEGORY = "category", _("困难类别认定")
        HOUSEHOLD = "household", _("家庭信息变更")
        FINANCES = "finances", _("收支变更")
        MONTHLY_INCOME = "monthly_income", _("月收入登记")
        EXIT_PROPOSED = "exit_proposed", _("建议脱困")
        EXIT_DECLINED = "exit_declined", _("暂不脱困")
        FOLLOW_UP = "follow_up", _("脱困回访")
        PLAN = "plan", _("一户一策")

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=ArchiveStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=ArchiveStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("经办人"), max_length=30)
    reason = models.CharField(_("原因/意见"), max_length=300)
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("档案记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["archive", "at"], name="hs_event_archive_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.on}"


class HomeVisit(models.Model):
    """入户调查: who visited, when, what they found, optionally where."""

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("调查日期"))
    visitors = models.CharField(_("调查人员"), max_length=200)
    findings = models.TextField(_("调查情况"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["visited_on", "id"]
        indexes = [models.Index(fields=["archive", "visited_on"], name="hs_visit_archive_idx")]

    def __str__(self):
        return f"入户调查 {self.visited_on}"


def attachment_path(instance, filename: str) -> str:
    """Storage path with nothing personal in it: archive id and a random name, original extension."""
    import uuid
    from pathlib import PurePath

    ext = PurePath(filename).suffix.lower()[:8]
    return f"hardship/{instance.visit.archive_id}/{uuid.uuid4().hex}{ext}"


class VisitAttachment(models.Model):
    """A photo or scanned document from a home visit. Stored with the default storage
    (`var/media` unless configured otherwise); served only through a scoped view, never
    from a public media URL."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调查附件")
        verbose_name_plural = _("调查附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"附件 #{self.pk}"


class DataCheck(models.Model):
    """A data check (信息核查) of the household: the result, where it came from, who checked."""

    class Kind(models.TextChoices):
        PROPERTY = "property", _("房产")
        VEHICLE = "vehicle", _("车辆")
        BUSINESS = "business", _("工商登记")
        SOCIAL_INSURANCE = "social_insurance", _("社会保险")

    class Result(models.TextChoices):
        NONE_FOUND = "none_found", _("未发现")
        WITHIN_LIMIT = "within_limit", _("有，未超过标准")
        EXCEEDS = "exceeds", _("超过标准")
        UNAVAILABLE = "unavailable", _("无法核查")

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(_("核查项目"), max_length=16, choices=Kind.choices)
    result = models.CharField(_("核查结果"), max_length=12, choices=Result.choices)
    source = models.CharField(_("数据来源"), max_length=100)
    detail = models.CharField(_("核查说明"), max_length=300, blank=True)
    checker = models.CharField(_("核查方式"), max_length=40, default="manual")
    checked_on = models.DateField(_("核查日期"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("数据核查")
        verbose_name_plural = _("数据核查")
        ordering = ["checked_on", "id"]
        indexes = [models.Index(fields=["archive", "kind"], name="hs_check_archive_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_result_display()}"


class PublicNotice(models.Model):
    """公示: runs from `starts_on` to `ends_on` inclusive; anyone may object meanwhile."""

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="notices")
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    place = models.CharField(_("公示地点/方式"), max_length=200)
    superseded = models.BooleanField(_("已重新公示"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["starts_on", "id"]
        indexes = [
            models.Index(fields=["archive", "starts_on"], name="hs_notice_archive_idx"),
            models.Index(fields=["ends_on", "superseded"], name="hs_notice_ends_idx"),
        ]

    def __str__(self):
        return f"公示 {self.starts_on}–{self.ends_on}"

    def is_running(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class NoticeObjection(models.Model):
    """An objection raised during a notice, and how it was resolved."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人（可匿名）"), max_length=60, blank=True)
    text = models.TextField(_("异议内容"))
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("处理情况"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["notice", "resolved_at"], name="hs_objection_notice_idx")]

    def __str__(self):
        return f"异议 {self.received_on}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class MonthlyIncome(models.Model):
    """The household's income for one month after archiving: the input of the exit rule."""

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="monthly_incomes")
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    household_income = models.DecimalField(_("家庭月收入"), **MONEY)
    rigid_expenses = models.DecimalField(_("当月刚性支出"), default=0, **MONEY)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"))
    per_capita = models.DecimalField(_("人均月收入"), **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("月收入记录")
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["archive", "month"], name="hs_monthly_unique")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.per_capita}"


class FollowUpCall(models.Model):
    """回访 after exit: is the household still out of hardship? A call finding it back in
    hardship is the officer's cue to record a relapse (`do_relapse`)."""

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="follow_ups")
    called_on = models.DateField(_("回访日期"))
    caller = models.CharField(_("回访人"), max_length=30)
    stable = models.BooleanField(_("生活稳定"))
    notes = models.CharField(_("回访情况"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("脱困回访")
        verbose_name_plural = _("脱困回访")
        ordering = ["called_on", "id"]
        indexes = [models.Index(fields=["archive", "called_on"], name="hs_followup_archive_idx")]

    def __str__(self):
        return f"回访 {self.called_on}"


class PlanMeasure(models.Model):
    """One measure of the household plan (一户一策), from the catalogue in DOMAIN.md §6."""

    class Measure(models.TextChoices):
        LIVING_AID = "living_aid", _("生活救助")
        MEDICAL_AID = "medical_aid", _("医疗救助/大病救助")
        MEDICAL_MUTUAL = "medical_mutual", _("医疗互助参保")
        AUTUMN_EDUCATION = "autumn_education", _("金秋助学")
        WINTER_RELIEF = "winter_relief", _("送温暖")
        JOB_REFERRAL = "job_referral", _("就业推荐/爱心岗位")
        SKILLS_TRAINING = "skills_training", _("技能培训")
        BUSINESS_SUPPORT = "business_support", _("创业扶持/免息贷款")
        LEGAL_AID = "legal_aid", _("法律援助")
        COUNSELLING = "counselling", _("心理疏导")
        CONVENIENCE = "convenience", _("便民服务")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        IN_PROGRESS = "in_progress", _("实施中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    archive = models.ForeignKey(HardshipArchive, on_delete=models.PROTECT, related_name="plan")
    measure = models.CharField(_("帮扶措施"), max_length=20, choices=Measure.choices)
    description = models.CharField(_("具体内容"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=30)
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    outcome = models.CharField(_("实施结果"), max_length=300, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    permission_prefix = "hardship"
    scope_path_field = "archive__org_path"

    class Meta:
        verbose_name = _("一户一策措施")
        verbose_name_plural = _("一户一策措施")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["archive", "status"], name="hs_plan_archive_idx"),
            models.Index(fields=["status", "due_on"], name="hs_plan_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_measure_display()}（{self.get_status_display()}）"


from gonghui.hardship.models_aid import *  # noqa: F401,F403,E402
