"""The error report: the file again, with a result column, an error column and the bad cells
highlighted (openpyxl, write-only mode so a 100,000-row report stays fast and small)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from gonghui.members.importing.engine import Plan
from gonghui.members.importing.rows import RowError

BAD_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
BAD_FONT = Font(color="9C0006")
DUP_FILL = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
WARN_FILL = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
WARN_FONT = Font(color="9C5700")
HEAD_FONT = Font(bold=True)


def _value(cell):
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") and len(cell) > 1:
        return "'" + cell  # never let a roster cell become a formula in the report
    return cell


def write_report(result: Plan, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    validated = result.validated
    table = validated.table
    by_row: dict[int, list[RowError]] = {}
    for error in result.all_errors:
        by_row.setdefault(error.row, []).append(error)
    column_of = {h: i for i, h in reversed(list(enumerate(table.headers)))}

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.sheet_name or _("导入结果"))
    header_cells = []
    header_errors = {e.column for e in by_row.get(table.header_row, [])}
    warned: dict[int, list[RowError]] = {}
    for warning in result.warnings:
        warned.setdefault(warning.row, []).append(warning)
    for text in [*table.headers, _("导入结果"), _("错误说明"), _("提醒（已导入，请补全）")]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = HEAD_FONT
        header_cells.append(cell)
    if header_errors:
        missing = "；".join(e.reason for e in by_row[table.header_row])
        header_cells[-1] = WriteOnlyCell(sheet, value=missing)
        header_cells[-1].fill, header_cells[-1].font = BAD_FILL, BAD_FONT
    sheet.append(header_cells)
    for number, cells in table.rows:
        errors = by_row.get(number)
        duplicate = number in validated.duplicate_rows
        warnings = warned.get(number)
        if not errors and not duplicate and not warnings:
            sheet.append([*(_value(c) for c in cells), result.status_of(number), None])
            continue
        out = [WriteOnlyCell(sheet, value=_value(c)) for c in cells]
        if warnings and not errors:
            for warning in warnings:
                i = column_of.get(warning.column)
                if i is not None:
                    out[i].fill, out[i].font = WARN_FILL, WARN_FONT
                    out[i].comment = Comment(warning.reason, "gonghui")
            note = WriteOnlyCell(sheet, value="；".join(f"{w.column}：{w.reason}" for w in warnings))
            note.fill, note.font = WARN_FILL, WARN_FONT
            sheet.append([*out, result.status_of(number), None, note])
            continue
        for error in errors or []:
            i = column_of.get(error.column)
            if i is not None:
                out[i].fill, out[i].font = BAD_FILL, BAD_FONT
                out[i].comment = Comment(error.reason, "gonghui")
        status = WriteOnlyCell(sheet, value=result.status_of(number))
        reasons = WriteOnlyCell(sheet, value="；".join(f"{e.column}：{e.reason}" for e in errors or []) or None)
        if errors:
            reasons.fill, reasons.font = BAD_FILL, BAD_FONT
        else:
            status.fill = DUP_FILL
        sheet.append([*out, status, reasons])
    workbook.save(path)
    return path
