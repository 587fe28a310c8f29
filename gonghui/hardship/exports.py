"""Excel export of hardship archives in the layout of the national 困难职工档案表.

Sheet 1 (困难职工档案) has one row per archive, its columns in the form's order: the worker's
basic situation, the household, the year's income and rigid expenses with the per-capita figure,
the category with its reason, the causes and the level, then the dates of the process. Sheet 2
(家庭成员) lists every household member under the archive number.

Rows come from a scoped queryset (`restrict(user, "hardship.view")`). Document numbers are
masked except in the subtrees where the user holds `member.view_pii`; every export leaves one
audit entry naming the number of rows and of unmasked rows (DESIGN.md §3.8), as the roster export.
"""

from __future__ import annotations

import tempfile

from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook

from gonghui.core import audit
from gonghui.core.crypto import decrypt
from gonghui.core.scoping import user_scope_paths
from gonghui.core.tree import fold_paths, in_any_subtree
from gonghui.hardship.models import HouseholdMember
from gonghui.people.actions import DOC_PURPOSE
from gonghui.people.identity import Sex

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ARCHIVE_HEADERS = [
    "档案编号",
    "建档工会",
    "建档标准",
    "档案状态",
    # 一、困难职工基本情况
    "姓名",
    "性别",
    "证件号码",
    "出生日期",
    "会员证号",
    "婚姻状况",
    "健康状况",
    "就业状况",
    "是否农民工",
    "住房情况",
    "家庭住址",
    "居住地行政区划",
    # 二、家庭成员
    "家庭人口",
    # 三、家庭收支
    "测算年度",
    "家庭年可支配收入（元）",
    "刚性支出（元）",
    "家庭人均月收入（元）",
    "当地低保标准（元/月）",
    # 四、困难类别与致困原因
    "困难类别",
    "类别依据",
    "人工认定理由",
    "主要致困原因",
    "次要致困原因",
    "其他致困原因",
    # 五、办理
    "发现/申请日期",
    "建档日期",
    "下次复核日期",
    "脱困日期",
    "解困日期",
    "退档日期",
    "退档原因",
]
MEMBER_HEADERS = [
    "档案编号",
    "困难职工",
    "与本人关系",
    "姓名",
    "证件号码",
    "出生日期",
    "健康状况",
    "疾病名称",
    "残疾类别",
    "残疾等级",
    "就业状况",
    "月收入（元）",
    "在读阶段",
    "就读学校",
    "年级",
]


def _safe(value):
    if value is None:
        return ""
    if isinstance(value, Promise):  # a lazy label (choices)
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Unmasker:
    """Where the user may read full document numbers (member.view_pii subtrees)."""

    def __init__(self, user):
        paths = user_scope_paths(user, "member.view_pii")
        self.everywhere = paths is None
        self.paths = tuple(fold_paths(paths or []))

    def allows(self, org_path: str) -> bool:
        return self.everywhere or any(org_path.startswith(p) for p in self.paths)

    def count(self, qs) -> int:
        if self.everywhere:
            return qs.count()
        if not self.paths:
            return 0
        return qs.filter(in_any_subtree("org_path", self.paths)).count()

    def document(self, cipher, masked: str, org_path: str) -> str:
        if cipher and self.allows(org_path):
            return decrypt(bytes(cipher), DOC_PURPOSE)
        return masked or ""


def archive_row(a, unmasker: Unmasker) -> list:
    p = a.person
    own = next((m for m in a.household.all() if m.relation == "self"), None)
    full = unmasker.allows(a.org_path)
    values = [
        a.number,
        a.org.name,
        a.get_level_display(),
        a.get_status_display(),
        p.name,
        Sex(p.sex).label if p.sex else "",
        unmasker.document(p.doc_cipher, p.doc_masked, a.org_path),
        p.birth_date if full else None,
        a.membership.member_no,
        a.marital_status,
        own.get_health_display() if own else "",
        own.employment if own else "",
        "是" if a.is_migrant_worker else "否",
        a.housing,
        a.address,
        a.division_code,
        a.household_size,
        a.assessment_year,
        a.annual_income,
        a.rigid_expenses,
        a.per_capita,
        a.subsistence_line,
        a.category_text,
        a.category_reason,
        a.override_reason,
        a.get_primary_cause_display(),
        a.get_secondary_cause_display() if a.secondary_cause else "",
        a.get_third_cause_display() if a.third_cause else "",
        a.applied_on,
        a.archived_on,
        a.next_review_due,
        a.exited_on,
        a.relieved_on,
        a.removed_on,
        a.get_removal_reason_display() if a.removal_reason else "",
    ]
    return [_safe(v) for v in values]


def member_rows(a, unmasker: Unmasker):
    full = unmasker.allows(a.org_path)
    for m in a.household.all():
        yield [
            _safe(v)
            for v in (
                a.number,
                a.person.name,
                str(m.get_relation_display()),
                m.name,
                unmasker.document(m.doc_cipher, m.doc_masked, a.org_path),
                m.birth_date if full else None,
                str(m.get_health_display()),
                m.illness,
                m.disability_category,
                m.disability_grade,
                m.employment,
                m.monthly_income,
                str(m.get_schooling_display()) if m.schooling else "",
                m.school,
                m.grade,
            )
        ]


def _rows(qs):
    return (
        qs.select_related("person", "org", "membership")
        .prefetch_related(Prefetch("household", queryset=HouseholdMember.objects.order_by("pk")))
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )


def write_xlsx(qs, unmasker: Unmasker, target) -> None:
    wb = Workbook()
    archives_sheet = wb.active
    archives_sheet.title = "困难职工档案"
    archives_sheet.append(ARCHIVE_HEADERS)
    members_sheet = wb.create_sheet("家庭成员")
    members_sheet.append(MEMBER_HEADERS)
    for a in _rows(qs):
        archives_sheet.append(archive_row(a, unmasker))
        for row in member_rows(a, unmasker):
            members_sheet.append(row)
    for sheet in (archives_sheet, members_sheet):
        sheet.freeze_panes = "B2"
    wb.save(target)


def _audit(user, qs, unmasker: Unmasker, filters: dict, org) -> tuple[int, int]:
    total = qs.count()
    unmasked = unmasker.count(qs) if total else 0
    # Search text can itself be personal (a name or a member number): only its presence is recorded.
    safe = {k: v for k, v in filters.items() if k in ("status", "category", "level", "cause", "org") and v}
    if filters.get("q"):
        safe["search"] = True
    with transaction.atomic():
        audit.record(
            actor=user,
            action="hardship.export_unmasked" if unmasked else "hardship.export",
            object_type="hardship.hardshiparchive",
            object_label="困难职工档案导出",
            org=org,
            after={"rows": total, "unmasked_rows": unmasked, "format": "xlsx", "filters": safe},
        )
    return total, unmasked


def export_response(user, qs, filters: dict | None = None, org=None):
    unmasker = Unmasker(user)
    _audit(user, qs, unmasker, filters or {}, org if org is not None else getattr(user, "home_org", None))
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    write_xlsx(qs, unmasker, spool)
    spool.seek(0)
    filename = f"hardship-archives-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
