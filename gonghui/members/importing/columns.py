"""Roster columns (DOMAIN.md §4): header variants, enumerations and cell-value normalisers.

Headers are matched after NFKC folding, lower-casing and dropping spaces, underscores,
hyphens, a trailing required-marker (`*`) and bracketed notes (`身份证号（必填）`), so
`ID Number`, `id_number` and `身份证号码*` all land on the same field. Enumerated values
accept the DOMAIN.md labels, the stored codes and the short forms people type (`汉` for
`汉族`, `本科` for `大学本科`, `党员` for `中共党员`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from gonghui.people.choices import (
    EDUCATION,
    EMPLOYMENT_STATUS,
    ETHNIC_GROUPS,
    HUKOU_TYPES,
    MODEL_WORKER,
    POLITICAL_STATUS,
    SKILL_LEVELS,
    GigSubtype,
    WorkerType,
)
from gonghui.people.identity import DocType

# field → (Chinese header as exported, header variants)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("姓名", "名字", "会员姓名", "职工姓名", "name", "fullname", "membername")),
    "sex": ("性别", ("性别", "sex", "gender")),
    "ethnicity": ("民族", ("民族", "ethnicity", "ethnicgroup", "nation", "nationality")),
    "doc_type": ("证件类型", ("证件类型", "doctype", "documenttype", "idtype")),
    "id_number": (
        "身份证号",
        (
            "身份证号",
            "身份证号码",
            "身份证",
            "证件号码",
            "证件号",
            "公民身份号码",
            "idnumber",
            "idno",
            "idcard",
            "idcardnumber",
            "documentnumber",
            "docnumber",
        ),
    ),
    "birth_date": ("出生日期", ("出生日期", "出生年月日", "生日", "birthdate", "dateofbirth", "dob", "birthday")),
    "mobile": (
        "手机号",
        ("手机号", "手机号码", "手机", "联系电话", "移动电话", "电话", "mobile", "mobilephone", "phone", "cellphone"),
    ),
    "education": ("学历", ("学历", "文化程度", "education")),
    "political_status": ("政治面貌", ("政治面貌", "politicalstatus", "political")),
    "hukou_type": ("户籍类型", ("户籍类型", "户口类型", "户口性质", "户籍性质", "hukoutype")),
    "hukou_place": ("户籍地", ("户籍地", "户籍所在地", "户口所在地", "hukouplace", "hukou")),
    "employment_status": ("就业状况", ("就业状况", "就业状态", "employmentstatus", "employment")),
    "worker_type": ("职工类型", ("职工类型", "人员类型", "workertype")),
    "gig_subtype": ("新就业形态类别", ("新就业形态类别", "新业态类别", "新就业形态类型", "gigsubtype", "gigtype")),
    "platform": ("平台", ("平台", "所属平台", "platform")),
    "employer": ("工作单位", ("工作单位", "单位", "单位名称", "就业单位", "employer", "employername", "company")),
    "skill_level": ("技能等级", ("技能等级", "职业技能等级", "skilllevel", "skill")),
    "is_migrant_worker": ("是否农民工", ("是否农民工", "农民工", "ismigrantworker", "migrantworker", "migrant")),
    "model_worker": ("劳模", ("劳模", "劳模称号", "劳模荣誉", "modelworker")),
    "joined_on": ("入会日期", ("入会日期", "入会时间", "joinedon", "joindate", "datejoined", "joined")),
    "member_no": ("会员证号", ("会员证号", "会员编号", "会员号", "memberno", "membernumber", "memberid")),
}
REQUIRED = ("name", "id_number")
EXPORT_HEADERS = [label for label, _variants in COLUMNS.values()]


def header_key(text) -> str:
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    value = re.sub(r"\(.*?\)|\[.*?\]", "", value)
    return re.sub(r"[\s_\-*:.]+", "", value)


HEADER_INDEX = {header_key(v): field for field, (_label, variants) in COLUMNS.items() for v in variants}


def map_headers(headers: list) -> tuple[dict[str, int], list[str]]:
    """{field: column index} for the recognised headers (the first wins) and the unknown headers."""
    found: dict[str, int] = {}
    unknown = []
    for i, text in enumerate(headers):
        field = HEADER_INDEX.get(header_key(text))
        if field is None:
            if str(text or "").strip():
                unknown.append(str(text))
        elif field not in found:
            found[field] = i
    return found, unknown


# --- enumerations ----------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _table(values, aliases: dict[str, str] | None = None) -> dict[str, str]:
    table = {_fold(v): v for v in values}
    for alias, value in (aliases or {}).items():
        table[_fold(alias)] = value
    return table


ETHNICITY = _table(ETHNIC_GROUPS, {v[:-1]: v for v in ETHNIC_GROUPS if v.endswith("族") and len(v) > 1})
EDUCATION_T = _table(
    EDUCATION,
    {
        "博士": "研究生(博士)",
        "博士研究生": "研究生(博士)",
        "硕士": "研究生(硕士)",
        "硕士研究生": "研究生(硕士)",
        "研究生": "研究生(硕士)",
        "本科": "大学本科",
        "大专": "大学专科",
        "专科": "大学专科",
        "中专": "中等专科",
        "职高": "职业高中",
        "技校": "技工学校",
        "高中": "普通高中",
    },
)
POLITICAL_T = _table(
    POLITICAL_STATUS,
    {
        "党员": "中共党员",
        "预备党员": "中共预备党员",
        "团员": "共青团员",
        "无党派": "无党派人士",
        "民主党派成员": "民主党派",
    },
)
HUKOU_T = _table(
    HUKOU_TYPES, {"非农": "非农业", "城镇": "非农业", "农村": "农业", "农业户口": "农业", "非农业户口": "非农业"}
)
EMPLOYMENT_T = _table(
    EMPLOYMENT_STATUS, {"下岗": "下岗/待岗", "待岗": "下岗/待岗", "失业": "失业/无业", "无业": "失业/无业"}
)
SKILL_T = _table(SKILL_LEVELS, {part: v for v in SKILL_LEVELS if "/" in v for part in v.split("/")})
MODEL_WORKER_T = _table(MODEL_WORKER, {"全国劳动模范": "全国劳模", "省级劳模": "省部级劳模", "市级劳模": "地市级劳模"})
SEX_T = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F", "男性": "M", "女性": "F"}
WORKER_T = {_fold(str(c.label)): c.value for c in WorkerType} | {c.value: c.value for c in WorkerType}
WORKER_T |= {
    "职工": WorkerType.REGULAR.value,
    "新业态劳动者": WorkerType.GIG.value,
    "派遣工": WorkerType.DISPATCHED.value,
}
GIG_T = {_fold(str(c.label)): c.value for c in GigSubtype} | {c.value: c.value for c in GigSubtype}
GIG_T |= {
    "外卖员": "delivery",
    "骑手": "delivery",
    "外卖骑手": "delivery",
    "快递小哥": "courier",
    "网约车": "ride_hailing",
}
DOC_T = {_fold(str(c.label)): c.value for c in DocType} | {c.value: c.value for c in DocType}
DOC_T |= {
    "身份证": DocType.RESIDENT_ID.value,
    "居住证": DocType.HMT_RESIDENCE.value,
    "永居证": DocType.FOREIGN_PR.value,
}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
NO = {"否", "n", "no", "false", "0", "×", "无", "不是"}
NONE_VALUES = {"", "无", "否", "-", "—", "/", "none"}

ENUMS = {
    "ethnicity": (ETHNICITY, _("民族")),
    "education": (EDUCATION_T, _("学历")),
    "political_status": (POLITICAL_T, _("政治面貌")),
    "hukou_type": (HUKOU_T, _("户籍类型")),
    "employment_status": (EMPLOYMENT_T, _("就业状况")),
    "skill_level": (SKILL_T, _("技能等级")),
}
ENUM_HINTS = {
    "ethnicity": "汉族、壮族、回族……",
    "education": "、".join(EDUCATION),
    "political_status": "、".join(POLITICAL_STATUS),
    "hukou_type": "、".join(HUKOU_TYPES),
    "employment_status": "、".join(EMPLOYMENT_STATUS),
    "skill_level": "、".join(SKILL_LEVELS),
    "model_worker": "、".join(MODEL_WORKER),
    "worker_type": "、".join(str(c.label) for c in WorkerType),
    "gig_subtype": "、".join(str(c.label) for c in GigSubtype),
    "doc_type": "、".join(str(c.label) for c in DocType),
}


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Cell text folded for lookup; cached because a roster repeats the same few values (汉族, 本科)."""
    return _fold(text)


# --- dates -----------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RES = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class BadDate(ValueError):
    pass


def parse_date(value) -> dt.date | None:
    """A cell → date. Accepts date/datetime cells, Excel serial numbers (1900 system) and text
    in the forms 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105. Blank → None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise BadDate(value)
    if isinstance(value, int | float):
        return _serial(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    for pattern in _DATE_RES:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise BadDate(text) from None
    if re.fullmatch(r"\d{1,5}(\.0+)?", text):
        return _serial(float(text))
    raise BadDate(text)


def _serial(number: float) -> dt.date:
    # Serial 60 is Excel's phantom 1900-02-29; real rosters do not reach back that far.
    if number != int(number) or not 61 <= number <= 2958465:
        raise BadDate(number)
    return EXCEL_EPOCH + dt.timedelta(days=int(number))
