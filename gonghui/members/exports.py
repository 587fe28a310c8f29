"""Roster export (DOMAIN.md §4 columns, Chinese headers) of a scoped, filtered member list.

Rows come from `Membership.objects.restrict(user, "export")` (see `filters.filter_members`), read
in chunks. Document numbers and mobiles are masked, except in the subtrees where the user holds
`member.view_pii`; such an export is an unmasked read and leaves one audit entry that names the
number of rows (DESIGN.md §3.8). The .csv is UTF-8 with a BOM so that Excel opens it correctly and
is streamed row by row; the .xlsx is written by openpyxl in write-only mode to a temporary file and
streamed from there.
"""

from __future__ import annotations

import csv
import tempfile

from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from gonghui.core import audit
from gonghui.core.crypto import decrypt
from gonghui.core.scoping import user_scope_paths
from gonghui.core.tree import fold_paths, in_any_subtree
from gonghui.people.actions import DOC_PURPOSE
from gonghui.people.identity import Sex, mask_mobile

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 2000

# DOMAIN.md §4 roster columns, then two columns for the reader (ignored by the importer).
HEADERS = [
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "手机号",
    "学历",
    "政治面貌",
    "户籍类型",
    "户籍地",
    "就业状况",
    "职工类型",
    "工作单位",
    "技能等级",
    "是否农民工",
    "劳模",
    "入会日期",
    "会员证号",
    "所在工会",
    "会籍状态",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local_mobile(e164: str) -> str:
    return e164[3:] if e164.startswith("+86") else e164


class RowMaker:
    """Builds one export row per membership; unmasks where the user may read personal data."""

    def __init__(self, user):
        paths = user_scope_paths(user, "member.view_pii")
        self.pii_everywhere = paths is None
        self.pii_paths = tuple(fold_paths(paths or []))

    def unmasked(self, m) -> bool:
        return self.pii_everywhere or any(m.org_path.startswith(p) for p in self.pii_paths)

    def unmasked_count(self, qs) -> int:
        if self.pii_everywhere:
            return qs.count()
        if not self.pii_paths:
            return 0
        return qs.filter(in_any_subtree("org_path", self.pii_paths)).count()

    def row(self, m, as_text: bool) -> list:
        p = m.person
        full = self.unmasked(m)
        document = decrypt(bytes(p.doc_cipher), DOC_PURPOSE) if full else p.doc_masked
        mobile = (_local_mobile(p.mobile) if full else mask_mobile(p.mobile)) if p.mobile else ""
        birth = p.birth_date if full else None
        joined = m.joined_on
        if as_text:
            birth = birth.isoformat() if birth else ""
            joined = joined.isoformat() if joined else ""
        values = [
            p.name,
            Sex(p.sex).label if p.sex else "",
            p.ethnicity,
            document,
            birth or "",
            mobile,
            p.education,
            p.political_status,
            p.hukou_type,
            p.hukou_place,
            m.employment_status,
            m.get_worker_type_display(),
            m.employer_name,
            m.skill_level,
            "是" if m.is_migrant_worker else "否",
            m.model_worker,
            joined or "",
            m.member_no,
            m.org.name,
            m.get_status_display(),
        ]
        return [_safe(str(v)) if not hasattr(v, "isoformat") else v for v in values]


def _rows(qs):
    return qs.select_related("person", "org").order_by("id").iterator(chunk_size=CHUNK)


def _audit(user, qs, fmt: str, maker: RowMaker, filters: dict, org) -> tuple[int, int]:
    total = qs.count()
    unmasked = maker.unmasked_count(qs) if total else 0
    # Search text can itself be personal (a mobile or ID number): only its presence is recorded.
    safe_filters = {k: v for k, v in filters.items() if k in ("status", "worker_type", "org") and v}
    if filters.get("q"):
        safe_filters["search"] = True
    with transaction.atomic():
        audit.record(
            actor=user,
            action="member.export_unmasked" if unmasked else "member.export",
            object_type="members.membership",
            object_label="会员名册导出",
            org=org,
            after={"rows": total, "unmasked_rows": unmasked, "format": fmt, "filters": safe_filters},
        )
    return total, unmasked


class _Echo:
    def write(self, value):
        return value


def csv_stream(qs, maker: RowMaker):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADERS)
    for m in _rows(qs):
        yield writer.writerow(maker.row(m, as_text=True))


def write_xlsx(qs, maker: RowMaker, target) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会员名册")
    ws.append(HEADERS)
    for m in _rows(qs):
        ws.append(maker.row(m, as_text=False))
    wb.save(target)


def export_response(user, qs, fmt: str, filters: dict | None = None, org=None):
    """The download; `org` (the filter's org, else the user's home org) files the audit entry."""
    maker = RowMaker(user)
    _audit(user, qs, fmt, maker, filters or {}, org if org is not None else getattr(user, "home_org", None))
    filename = f"members-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(qs, maker), content_type=FORMATS["csv"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
        write_xlsx(qs, maker, spool)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=FORMATS["xlsx"])
    response["Cache-Control"] = "no-store"
    return response
