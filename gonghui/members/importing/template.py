"""The roster template (名册模板.xlsx) offered on the import page: the DOMAIN.md §4 headers (plus the
optional gig-worker columns), one sample row, the 身份证号/手机号/会员证号 columns formatted as text
(Excel would otherwise turn an 18-digit number into 4.40305E+17 and lose its last digits), and a
drop-down list (data validation) on every enumerated column, fed from a hidden sheet of choices.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gonghui.members.importing.columns import COLUMNS, REQUIRED
from gonghui.people.choices import (
    EDUCATION,
    EMPLOYMENT_STATUS,
    ETHNIC_GROUPS,
    HUKOU_TYPES,
    MODEL_WORKER,
    POLITICAL_STATUS,
    SKILL_LEVELS,
    WorkerType,
    chosen_gig_subtypes,
)
from gonghui.people.identity import synthetic_id

# DOMAIN.md §4 in its order, then the optional columns for gig workers.
FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "mobile",
    "education",
    "political_status",
    "hukou_type",
    "hukou_place",
    "employment_status",
    "worker_type",
    "employer",
    "skill_level",
    "is_migrant_worker",
    "model_worker",
    "joined_on",
    "member_no",
    "gig_subtype",
    "platform",
)
TEXT_FIELDS = ("id_number", "mobile", "member_no")
ROWS = 2000  # rows the drop-down lists and the text format cover


def enumerations() -> dict[str, list[str]]:
    """field → the values a cell may take (the labels people read)."""
    return {
        "sex": ["男", "女"],
        "ethnicity": list(ETHNIC_GROUPS),
        "education": list(EDUCATION),
        "political_status": list(POLITICAL_STATUS),
        "hukou_type": list(HUKOU_TYPES),
        "employment_status": list(EMPLOYMENT_STATUS),
        "worker_type": [str(label) for _v, label in WorkerType.choices],
        "skill_level": list(SKILL_LEVELS),
        "is_migrant_worker": ["是", "否"],
        "model_worker": ["无", *MODEL_WORKER],
        "gig_subtype": [str(label) for _v, label in chosen_gig_subtypes()],
    }


def sample_row() -> dict[str, str]:
    number = synthetic_id("440305", dt.date(1990, 3, 5), 123)
    return {
        "name": "张三",
        "sex": "男",
        "ethnicity": "汉族",
        "id_number": number,
        "birth_date": "1990-03-05",
        "mobile": "13800138000",
        "education": "大学本科",
        "political_status": "群众",
        "hukou_type": "非农业",
        "hukou_place": "广东省深圳市南山区",
        "employment_status": EMPLOYMENT_STATUS[0],
        "worker_type": str(WorkerType.GIG.label),
        "employer": "（示例）某某快递服务有限公司",
        "skill_level": "",
        "is_migrant_worker": "否",
        "model_worker": "无",
        "joined_on": timezone.localdate().replace(month=1, day=5).isoformat(),
        "member_no": "",
        "gig_subtype": "快递员",
        "platform": "顺丰",
    }


def header_of(field: str) -> str:
    label = COLUMNS[field][0]
    if field in REQUIRED:
        return f"{label}*"
    if field in ("gig_subtype", "platform"):
        return f"{label}（选填）"
    return label


def build_template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("会员名册")
    choices = workbook.create_sheet(_("选项"))
    choices.sheet_state = "hidden"
    sheet.append([header_of(f) for f in FIELDS])
    sample = sample_row()
    sheet.append([sample[f] for f in FIELDS])
    head_font, required_fill = Font(bold=True), PatternFill("solid", start_color="FDE8E8", end_color="FDE8E8")
    sheet.freeze_panes = "A2"
    lists = enumerations()
    list_column = 0  # the hidden sheet holds one enumeration per column
    for i, field in enumerate(FIELDS, start=1):
        letter = get_column_letter(i)
        head = sheet.cell(row=1, column=i)
        head.font = head_font
        if field in REQUIRED:
            head.fill = required_fill
        sheet.column_dimensions[letter].width = 22 if field in ("id_number", "employer", "hukou_place") else 14
        if field in TEXT_FIELDS:
            for row in range(2, ROWS + 2):
                sheet.cell(row=row, column=i).number_format = "@"
        if field in lists:
            values = lists[field]
            list_column += 1
            col = get_column_letter(list_column)
            for r, value in enumerate(values, start=1):
                choices[f"{col}{r}"] = value
            validation = DataValidation(
                type="list",
                formula1=f"='{choices.title}'!${col}$1:${col}${len(values)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("不是可选值"),
                error=_("请从下拉列表中选择"),
            )
            validation.add(f"{letter}2:{letter}{ROWS + 1}")
            sheet.add_data_validation(validation)
            head.comment = Comment(_("下拉选择"), "gonghui")
    sheet.cell(row=1, column=FIELDS.index("gig_subtype") + 1).comment = Comment(
        _("职工类型为“新就业形态劳动者”时选择；不填则按“未填写”导入，事后在会员列表中补全"), "gonghui"
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
