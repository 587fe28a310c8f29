"""Reading a roster file (.xlsx, .xls, .ods through python-calamine; .csv in UTF-8 or GBK) with the
shared reader of `core.tabular`: the roster's header row is the first with two known column names.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from gonghui.core.tabular import EXCEL_SUFFIXES, SUFFIXES, FileError, Table, decode, read_rows, to_table  # noqa: F401
from gonghui.members.importing.columns import map_headers


def read_table(path: str | Path, name: str | None = None) -> Table:
    raw_rows, sheet = read_rows(path, name)
    return _to_table(raw_rows, sheet)


def _to_table(raw_rows: list[list], sheet: str) -> Table:
    return to_table(
        raw_rows,
        sheet,
        lambda row: len(map_headers(row)[0]) >= 2,
        _("在前10行中找不到表头：第一行应为列名，例如“姓名”“身份证号”“手机号”"),
    )
