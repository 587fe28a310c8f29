"""The union organisation tree (DOMAIN.md §1, DESIGN.md §3.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField, ancestor_ids
from gonghui.orgs.kinds import FederationKind, OrgKind, OrgStatus


class Org(TimeStampedModel):
    """A union organisation at any level, from 全总 to a workshop's union group.

    `path` is the materialised chain of ancestor ids (including this org's own id), so a
    subtree is one indexed range scan on SQLite and PostgreSQL alike. Only
    `gonghui.orgs.actions` writes it; moving a subtree rewrites all descendant paths in
    one UPDATE.
    """

    code = models.CharField(_("组织代码"), max_length=40, unique=True)
    name = models.CharField(_("组织名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("组织类型"), max_length=20, choices=OrgKind.choices)
    federation_kind = models.CharField(_("联合会类型"), max_length=20, choices=FederationKind.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = PathField(_("路径"), editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    # The province-level ancestor (or self): member-side tables carry it too so that a
    # national deployment can distribute them by province (DESIGN.md §4, Citus).
    province_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    certificate_no = models.CharField(_("工会法人资格证书号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    employee_count = models.PositiveIntegerField(_("职工人数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    # Active direct children: what the tree can expand into.
    child_count = models.PositiveIntegerField(_("直属下级数"), default=0, editable=False)
    # Own counters (this org's memberships only), kept by the member actions with F()
    # increments and summed over the path range for a subtree; `gonghui recount` rebuilds them.
    member_count = models.PositiveIntegerField(_("会员数"), default=0, editable=False)
    verified_member_count = models.PositiveIntegerField(_("实名会员数"), default=0, editable=False)
    gig_member_count = models.PositiveIntegerField(_("新就业形态会员数"), default=0, editable=False)
    # Subtree totals (this org and everything below it), kept by `orgs.rollup.apply` in the
    # same transaction as every change, so a dashboard for any org — the province root
    # included — reads one row instead of summing tens of thousands.
    sub_orgs = models.PositiveIntegerField(default=0, editable=False)
    sub_grassroots = models.PositiveIntegerField(default=0, editable=False)
    sub_federations = models.PositiveIntegerField(default=0, editable=False)
    sub_employees = models.PositiveBigIntegerField(default=0, editable=False)
    sub_members = models.PositiveBigIntegerField(default=0, editable=False)
    sub_verified_members = models.PositiveBigIntegerField(default=0, editable=False)
    sub_gig_members = models.PositiveBigIntegerField(default=0, editable=False)

    objects = ScopedManager()

    permission_prefix = "org"
    scope_path_field = "path"

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_path_idx"),
            models.Index(fields=["parent", "name"], name="org_parent_name_idx"),
            models.Index(fields=["kind", "path"], name="org_kind_path_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("orgs:detail", args=[self.code])

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def is_leaf_kind(self) -> bool:
        return self.kind == OrgKind.GROUP

    @property
    def display_kind(self) -> str:
        if self.kind == OrgKind.FEDERATION and self.federation_kind:
            return f"{self.get_federation_kind_display()}{self.get_kind_display()}"
        return self.get_kind_display()

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent (excluding self)."""
        return ancestor_ids(self.path)[:-1]

    def is_descendant_of(self, other: "Org") -> bool:
        return self.path.startswith(other.path) and self.pk != other.pk

    def snapshot(self) -> dict:
        """The fields an audit entry records before and after a change."""
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "kind": self.kind,
            "federation_kind": self.federation_kind,
            "parent": self.parent_id,
            "path": self.path,
            "division_code": self.division_code,
            "uscc": self.uscc,
            "certificate_no": self.certificate_no,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "employee_count": self.employee_count,
            "status": self.status,
            "established_on": self.established_on,
            "closed_on": self.closed_on,
            "merged_into": self.merged_into_id,
        }
