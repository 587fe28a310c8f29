"""Roster import (名册导入): read → validate → plan → (preview) → commit → report.

    table = read_table(path)                      # .xlsx/.xls/.csv, UTF-8 or GBK
    validated = validate_table(table)             # per-row errors, duplicates; no database
    result = do_import_roster(acting_user=…, org=…, validated=validated, partial=…, dry_run=…)
    write_report(result, "report.xlsx")           # the file again, errors marked

`run_import()` strings these together for the command and the background task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gonghui.members.importing.engine import COUNT_KEYS, Plan
from gonghui.members.importing.reader import FileError, Table, read_table
from gonghui.members.importing.rows import RowError, Validated, validate_table

__all__ = [
    "COUNT_KEYS",
    "FileError",
    "ImportRun",
    "Plan",
    "RowError",
    "Table",
    "Validated",
    "read_table",
    "run_import",
    "validate_table",
]


@dataclass
class ImportRun:
    result: Plan
    report: Path | None = None

    @property
    def counts(self) -> dict:
        return self.result.counts()

    @property
    def exit_code(self) -> int:
        return 1 if self.counts["rejected"] else 0


def run_import(
    path,
    *,
    org,
    acting_user,
    name: str | None = None,
    partial: bool = False,
    dry_run: bool = False,
    report: str | Path | None = None,
    job=None,
    progress=None,
) -> ImportRun:
    """Read, validate and import one file; `FileError` when it cannot be read as a roster."""
    from gonghui.members.actions import do_import_roster
    from gonghui.members.importing.report import write_report

    table = read_table(path, name)
    validated = validate_table(table, progress=progress)
    if validated.missing_columns:
        result = Plan(validated)
    else:
        result = do_import_roster(
            acting_user=acting_user, org=org, validated=validated, partial=partial, dry_run=dry_run, job=job
        )
    written = write_report(result, report) if report else None
    if validated.missing_columns:
        raise MissingColumns(validated, written)
    return ImportRun(result, written)


class MissingColumns(FileError):
    def __init__(self, validated: Validated, report: Path | None):
        self.validated = validated
        self.report = report
        super().__init__("；".join(e.reason for e in validated.errors))
