"""Reading a spreadsheet the way unions send them: .xlsx, .xls, .ods through python-calamine, .csv in
UTF-8 (with or without BOM) or GBK. Shared by the imports (member rosters, stations …): each import
maps the header row to its own columns; this module only turns a file into rows of cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SUFFIXES = EXCEL_SUFFIXES | {".csv", ".txt"}


class FileError(Exception):
    """The file cannot be read as a table (format, encoding, no header row)."""


def read_rows(path: str | Path, name: str | None = None) -> tuple[list[list], str]:
    """(rows of cells, sheet name) of the first sheet of an Excel file or of a CSV file."""
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileError(_("不支持的文件类型“%(s)s”：请上传 .xlsx、.xls 或 .csv 文件") % {"s": suffix or "?"})
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path)
    return read_csv(path.read_bytes()), ""


def read_excel(path: Path) -> tuple[list[list], str]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False), sheet.name
    except Exception as error:  # calamine raises several error types for damaged or foreign files
        raise FileError(
            _("无法读取该Excel文件（%(e)s），请确认文件未损坏且未加密") % {"e": type(error).__name__}
        ) from None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError(_("无法识别CSV文件的编码：请保存为 UTF-8 或 GBK 编码")) from None


def read_csv(data: bytes) -> list[list]:
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileError(_("CSV文件格式错误：%(e)s") % {"e": error}) from None


def blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


HEADER_SEARCH_ROWS = 10


@dataclass
class Table:
    """The header row as written, its row number, and every non-blank data row with its row number in
    the sheet (what a person sees in Excel), so that errors point at the right line."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list]] = field(default_factory=list)
    sheet_name: str = ""


def to_table(raw_rows: list[list], sheet: str, is_header: Callable[[list], bool], not_found: str) -> Table:
    """Find the header row among the first ten (`is_header`), then keep the non-blank rows under it."""
    header_index = next((i for i, row in enumerate(raw_rows[:HEADER_SEARCH_ROWS]) if is_header(row)), None)
    if header_index is None:
        raise FileError(not_found)
    headers = ["" if c is None else str(c).strip() for c in raw_rows[header_index]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    table = Table(headers=headers, header_row=header_index + 1, sheet_name=sheet)
    for number, row in enumerate(raw_rows[header_index + 1 :], start=header_index + 2):
        if all(blank(c) for c in row):
            continue
        row = list(row[:width])
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        table.rows.append((number, row))
    return table
