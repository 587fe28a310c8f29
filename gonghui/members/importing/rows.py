"""Row validation: raw cells → cleaned roster rows, or errors (row, column, value, reason).

Pure Python, no database: the identity checks are `gonghui.people.identity`'s, the blind index
is computed here once per row so that the database lookups can run in batches later. Rows
whose document number already appeared earlier in the file are duplicates: an exact repeat is
skipped and counted; a repeat with different content is an error (which of the two is right?).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from gonghui.members.importing import columns as C
from gonghui.members.importing.reader import Table
from gonghui.people.actions import doc_index, pinyin_of
from gonghui.people.choices import GigSubtype, WorkerType
from gonghui.people.identity import DocType, Identity, normalise_mobile, normalise_name, parse_document

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
PERSON_FIELDS = ("ethnicity", "education", "political_status", "hukou_type", "hukou_place")
MEMBERSHIP_FIELDS = (
    "worker_type",
    "gig_subtype",
    "platform",
    "employer_name",
    "employment_status",
    "skill_level",
    "is_migrant_worker",
    "model_worker",
)


@dataclass(slots=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class RosterRow:
    """A valid row. `person` / `membership` hold only the values the file gave (blank = keep)."""

    row: int
    name: str
    identity: Identity
    index: str
    mobile: str
    person: dict
    membership: dict
    joined_on: dt.date | None
    member_no: str

    def signature(self) -> tuple:
        return (
            self.name,
            self.mobile,
            tuple(sorted(self.person.items())),
            tuple(sorted(self.membership.items())),
            self.joined_on,
            self.member_no,
        )


@dataclass
class Validated:
    table: Table
    columns: dict[str, int]
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    duplicate_rows: dict[int, int] = field(default_factory=dict)  # row → the earlier row it repeats
    missing_columns: list[str] = field(default_factory=list)
    # Imported rows with something to complete later (e.g. 新就业形态类别 未填写): not a rejection.
    warnings: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.table.rows)

    def header_of(self, field_name: str) -> str:
        index = self.columns.get(field_name)
        return self.table.headers[index] if index is not None else C.COLUMNS[field_name][0]


# --- cell helpers --------------------------------------------------------------------------------


def cell_text(value) -> str:
    """What a cell says, as text: 13800000001.0 → "13800000001", a date cell → 2024-01-05."""
    if type(value) is str:  # most cells: tested first, since this runs for every cell of a roster
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def clean_mobile(text: str) -> str:
    if MOBILE_RE.fullmatch(text):
        return "+86" + text  # what normalise_mobile returns, without the phonenumbers round trip
    return normalise_mobile(text)


@lru_cache(maxsize=8192)
def _char_pinyin(char: str) -> tuple[str, str]:
    full = "".join(lazy_pinyin(char, errors="ignore")).lower()
    initial = "".join(lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full, initial


def fast_pinyin(name: str) -> tuple[str, str]:
    """`people.actions.pinyin_of` with a per-character cache: identical results, because a name
    containing any phrase pypinyin knows (where context changes a reading) goes the slow way."""
    for size in (2, 3, 4):
        for i in range(len(name) - size + 1):
            if name[i : i + size] in PHRASES_DICT:
                return pinyin_of(name)
    full = initials = ""
    for char in name:
        f, i = _char_pinyin(char)
        full += f
        initials += i
    return full[:120], initials[:30]


def _message(error: ValidationError) -> str:
    return "；".join(error.messages)


# --- validation -------------------------------------------------------------------------------


def validate_table(table: Table, today: dt.date | None = None, progress=None) -> Validated:
    columns, _unknown = C.map_headers(table.headers)
    result = Validated(table=table, columns=columns)
    missing = [f for f in C.REQUIRED if f not in columns]
    if missing:
        result.missing_columns = [C.COLUMNS[f][0] for f in missing]
        for label in result.missing_columns:
            result.errors.append(
                RowError(table.header_row, label, "", _("缺少必填列“%(c)s”，请在表头中加上这一列") % {"c": label})
            )
        result.rejected_rows = {number for number, _row in table.rows}
        return result
    today = today or timezone.localdate()
    headers = {f: table.headers[i] for f, i in columns.items()}
    first_by_index: dict[str, RosterRow] = {}
    for n, (number, cells) in enumerate(table.rows):
        if progress is not None and n and n % 2000 == 0:
            progress(n)
        errors: list[RowError] = []
        warnings: list[RowError] = []
        row = _validate_row(number, cells, columns, headers, today, errors, warnings)
        if errors:
            result.errors.extend(errors)
            result.rejected_rows.add(number)
            continue
        earlier = first_by_index.get(row.index)
        if earlier is not None:
            if earlier.signature() == row.signature():
                result.duplicate_rows[number] = earlier.row
            else:
                result.errors.append(
                    RowError(
                        number,
                        headers["id_number"],
                        row.identity.masked,
                        _("与第%(r)d行证件号码相同但其他内容不同，请核对后只保留一行") % {"r": earlier.row},
                    )
                )
                result.rejected_rows.add(number)
            continue
        first_by_index[row.index] = row
        result.rows.append(row)
        result.warnings.extend(warnings)
    return result


def _validate_row(number, cells, columns, headers, today, errors, warnings=None) -> RosterRow | None:
    def raw(f):
        i = columns.get(f)
        return cells[i] if i is not None else None

    def fail(f, value, reason):
        errors.append(RowError(number, headers[f], cell_text(value) if not isinstance(value, str) else value, reason))

    name = ""
    try:
        name = normalise_name(cell_text(raw("name")))
    except ValidationError as e:
        fail("name", raw("name"), _message(e) if cell_text(raw("name")) else _("姓名为必填项"))

    doc_type = DocType.RESIDENT_ID.value
    if "doc_type" in columns and cell_text(raw("doc_type")):
        doc_type = C.DOC_T.get(C.fold(cell_text(raw("doc_type"))))
        if doc_type is None:
            fail("doc_type", raw("doc_type"), _("未知的证件类型，可填：%(h)s") % {"h": C.ENUM_HINTS["doc_type"]})

    identity = None
    id_cell = raw("id_number")
    if isinstance(id_cell, float) and abs(id_cell) >= 1e15:
        fail(
            "id_number",
            id_cell,
            _("Excel把证件号码存成了数字，后几位已经丢失：请把该列设为“文本”格式后重新录入"),
        )
    elif doc_type is not None:
        text = cell_text(id_cell)
        if not text:
            fail("id_number", "", _("证件号码为必填项"))
        else:
            try:
                identity = parse_document(doc_type, text, today)
            except ValidationError as e:
                fail("id_number", text, _message(e))

    sex = ""
    if "sex" in columns and cell_text(raw("sex")):
        sex = C.SEX_T.get(C.fold(cell_text(raw("sex"))), "")
        if not sex:
            fail("sex", raw("sex"), _("性别应填“男”或“女”"))
        elif identity is not None and identity.sex and sex != identity.sex:
            fail("sex", raw("sex"), _("性别与证件号码不一致"))

    if "birth_date" in columns:
        try:
            born = C.parse_date(raw("birth_date"))
        except C.BadDate:
            fail("birth_date", raw("birth_date"), _("无法识别的日期，请写成 2024-01-05 或 2024年1月5日"))
        else:
            if born and identity is not None and identity.birth_date and born != identity.birth_date:
                fail(
                    "birth_date",
                    raw("birth_date"),
                    _("出生日期与证件号码不一致（证件为 %(d)s）") % {"d": identity.birth_date.isoformat()},
                )

    mobile = ""
    mobile_text = cell_text(raw("mobile"))
    if mobile_text:
        try:
            mobile = clean_mobile(mobile_text)
        except ValidationError as e:
            fail("mobile", mobile_text, _message(e))

    person: dict = {}
    membership: dict = {}
    for f in ("ethnicity", "education", "political_status", "hukou_type", "employment_status", "skill_level"):
        text = cell_text(raw(f))
        if not text:
            continue
        table, _label = C.ENUMS[f]
        value = table.get(C.fold(text))
        if value is None:
            fail(f, text, _("“%(v)s”不是可选值，可填：%(h)s") % {"v": text, "h": C.ENUM_HINTS[f]})
        elif f in PERSON_FIELDS:
            person[f] = value
        else:
            membership[f] = value
    hukou_place = " ".join(cell_text(raw("hukou_place")).split())
    if hukou_place:
        if len(hukou_place) > 100:
            fail("hukou_place", hukou_place, _("户籍地最多100个字符"))
        person["hukou_place"] = hukou_place

    worker_text = cell_text(raw("worker_type"))
    gig_text = cell_text(raw("gig_subtype"))
    gig_subtype = ""
    if gig_text:
        gig_subtype = C.GIG_T.get(C.fold(gig_text), "")
        if not gig_subtype:
            fail(
                "gig_subtype",
                gig_text,
                _("“%(v)s”不是可选值，可填：%(h)s") % {"v": gig_text, "h": C.ENUM_HINTS["gig_subtype"]},
            )
    if worker_text:
        folded = C.fold(worker_text)
        worker_type = C.WORKER_T.get(folded)
        if worker_type is None and folded in C.GIG_T:  # 职工类型 written as the gig sub-type (快递员)
            worker_type, gig_subtype = WorkerType.GIG.value, gig_subtype or C.GIG_T[folded]
        if worker_type is None:
            fail(
                "worker_type",
                worker_text,
                _("“%(v)s”不是可选值，可填：%(h)s") % {"v": worker_text, "h": C.ENUM_HINTS["worker_type"]},
            )
        else:
            membership["worker_type"] = worker_type
    elif gig_subtype:
        membership["worker_type"] = WorkerType.GIG.value
    if membership.get("worker_type") == WorkerType.GIG:
        if not gig_subtype and not gig_text:
            # The documented layout (DOMAIN.md §4) has no sub-type column: import the worker with
            # 未填写 and say so, rather than refusing every gig worker of the roster.
            gig_subtype = GigSubtype.UNSPECIFIED.value
        if gig_subtype == GigSubtype.UNSPECIFIED and warnings is not None:
            column = "gig_subtype" if "gig_subtype" in columns else "worker_type"
            warnings.append(
                RowError(
                    number,
                    headers[column],
                    cell_text(raw(column)),
                    _("新就业形态类别未填写：已按“未填写”导入，请在会员列表中补全"),
                )
            )
        membership["gig_subtype"] = gig_subtype
    elif "worker_type" in membership:
        membership["gig_subtype"] = ""
    platform = " ".join(cell_text(raw("platform")).split())
    if platform:
        membership["platform"] = platform[:40]
    employer = " ".join(cell_text(raw("employer")).split())
    if employer:
        if len(employer) > 120:
            fail("employer", employer, _("工作单位最多120个字符"))
        membership["employer_name"] = employer
    migrant = cell_text(raw("is_migrant_worker"))
    if migrant:
        folded = C.fold(migrant)
        if folded in C.YES:
            membership["is_migrant_worker"] = True
        elif folded in C.NO:
            membership["is_migrant_worker"] = False
        else:
            fail("is_migrant_worker", migrant, _("请填“是”或“否”"))
    model = cell_text(raw("model_worker"))
    if model:
        folded = C.fold(model)
        if folded in C.NONE_VALUES:
            membership["model_worker"] = ""
        else:
            value = C.MODEL_WORKER_T.get(folded)
            if value is None:
                fail(
                    "model_worker",
                    model,
                    _("“%(v)s”不是可选值，可填：%(h)s") % {"v": model, "h": C.ENUM_HINTS["model_worker"]},
                )
            else:
                membership["model_worker"] = value

    joined_on = None
    if "joined_on" in columns:
        try:
            joined_on = C.parse_date(raw("joined_on"))
        except C.BadDate:
            fail("joined_on", raw("joined_on"), _("无法识别的日期，请写成 2024-01-05 或 2024年1月5日"))
        else:
            if joined_on and joined_on > today:
                fail("joined_on", raw("joined_on"), _("入会日期不能晚于今天"))
            elif joined_on and identity is not None and identity.birth_date and joined_on < identity.birth_date:
                fail("joined_on", raw("joined_on"), _("入会日期早于出生日期"))
    member_no = unicodedata.normalize("NFKC", cell_text(raw("member_no"))).replace(" ", "").upper()
    if len(member_no) > 20:
        fail("member_no", member_no, _("会员证号最多20个字符"))

    if errors:
        return None
    return RosterRow(
        row=number,
        name=name,
        identity=identity,
        index=doc_index(identity),
        mobile=mobile,
        person=person,
        membership=membership,
        joined_on=joined_on,
        member_no=member_no,
    )
