"""`gonghui import-stations FILE --org CODE [--dry-run] [--partial]` and the console upload.

Columns (Chinese or English headers): 名称, 类型, 地址, 行政区划代码, 经度, 纬度, 坐标系, 设施, 开放时间,
联系电话, 承建单位, 联系人, 状态, and 编码 — a row with the code of a station in the org's subtree updates
that station (a re-import of an unchanged file changes nothing). Every row is cleaned by the editor's
`validation.clean_station`; errors are reported per row and field. Like import-members: exit 0 when
every row is valid, 1 when rows were rejected (nothing written unless `partial`), 2 on a file or usage
error. Writes are bulk (codes allocated per division × kind in blocks) with one audit entry per batch
naming the job and listing the batch's codes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import require
from gonghui.core.errors import error_fields
from gonghui.core.models import AuditEntry
from gonghui.core.tabular import FileError, Table, read_rows, to_table
from gonghui.core.tree import in_subtree
from gonghui.stations import codes
from gonghui.stations.actions import MANAGE
from gonghui.stations.models import Station
from gonghui.stations.states import StationStatus
from gonghui.stations.validation import Vocabulary, clean_station

COUNT_KEYS = ("rows", "created", "updated", "unchanged", "rejected")
BATCH = 2000
COLUMNS = {
    "name": ("名称", "站点名称", "name"),
    "kind": ("类型", "站点类型", "kind"),
    "address": ("地址", "详细地址", "address"),
    "division_code": ("行政区划代码", "区划代码", "division_code", "division"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "coord": ("坐标系", "coord", "coordinate_system"),
    "facilities": ("设施", "服务设施", "facilities"),
    "hours": ("开放时间", "hours", "opening_hours"),
    "contact_phone": ("联系电话", "电话", "contact_phone", "phone"),
    "host": ("承建单位", "依托单位", "host"),
    "contact_name": ("联系人", "contact_name"),
    "status": ("状态", "status"),
    "code": ("编码", "站点编码", "code"),
}
REQUIRED = ("name", "kind", "address", "division_code", "lon", "lat")
HEADER_INDEX = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
STATUS_NAMES = {"筹建": StationStatus.PLANNED, "运行": StationStatus.RUNNING, "": StationStatus.RUNNING}
COMPARED = ("name", "kind", "host", "address", "division_code", "lat", "lon", "facilities", "hours", "contact_phone")
COMPARED += ("contact_name",)


@dataclass
class ImportRun:
    job: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "message"}
    dry_run: bool = False
    written: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.counts["rejected"] else 0


def _column(header) -> str | None:
    return HEADER_INDEX.get(str(header or "").strip().lower())


def read_station_table(path: str | Path, name: str | None = None) -> tuple[Table, list[str | None]]:
    raw_rows, sheet = read_rows(path, name)
    table = to_table(
        raw_rows,
        sheet,
        lambda row: sum(1 for c in row if _column(c)) >= 2,
        _("在前10行中找不到表头：第一行应为列名，例如“名称”“类型”“地址”“经度”“纬度”"),
    )
    keys = [_column(h) for h in table.headers]
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in keys]
    if missing:
        raise FileError(_("缺少必需的列：%(c)s") % {"c": "、".join(missing)})
    return table, keys


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def run_import(path, *, org, acting_user, dry_run=False, partial=False, name=None) -> ImportRun:
    """Read, clean, compare and (unless dry-run, or rows were rejected without `partial`) write."""
    actor = require(acting_user, MANAGE, org.path, org.name)
    table, keys = read_station_table(path, name)
    run = ImportRun(job=f"import-stations:{uuid.uuid4().hex[:12]}", dry_run=dry_run)
    vocabulary = Vocabulary()
    file_codes = set()
    parsed = []  # (row number, code or "", cleaned values, status)
    for number, row in table.rows:
        run.counts["rows"] += 1
        data = {
            key: (cell if key in ("lat", "lon") else _text(cell)) for key, cell in zip(keys, row, strict=True) if key
        }
        code = str(data.pop("code", "") or "").strip().upper()
        try:
            values = clean_station(data, vocabulary)
            status = STATUS_NAMES.get(str(data.get("status") or "").strip())
            if status is None:
                raise ValidationError({"status": [_("新站点的状态只能是“筹建”或“运行”")]})
            if code and code in file_codes:
                raise ValidationError({"code": [_("编码“%(c)s”在文件中重复出现") % {"c": code}]})
        except ValidationError as error:
            run.counts["rejected"] += 1
            for column, messages in error_fields(error).items():
                run.errors.extend({"row": number, "field": column, "message": m} for m in messages)
            continue
        if code:
            file_codes.add(code)
        parsed.append((number, code, values, status))
    existing = {}
    wanted = [code for _n, code, _v, _s in parsed if code]
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        for station in Station.objects.filter(in_subtree("org_path", org.path), code__in=chunk):
            existing[station.code] = station
    creates, updates = [], []
    for number, code, values, status in parsed:
        if code:
            station = existing.get(code)
            if station is None:
                run.counts["rejected"] += 1
                message = _("编码“%(c)s”不是本组织及下级的站点") % {"c": code}
                run.errors.append({"row": number, "field": "code", "message": message})
                continue
            if station.status == StationStatus.REVOKED:
                run.counts["rejected"] += 1
                run.errors.append({"row": number, "field": "code", "message": _("站点已撤销，不能再修改")})
                continue
            changed = [k for k in COMPARED if getattr(station, k if k != "kind" else "kind_id") != _cmp(k, values[k])]
            if changed:
                for k in changed:
                    setattr(station, k, values[k])
                updates.append((station, changed))
                run.counts["updated"] += 1
            else:
                run.counts["unchanged"] += 1
        else:
            creates.append({**values, "status": status})
            run.counts["created"] += 1
    if dry_run or (run.counts["rejected"] and not partial) or not (creates or updates):
        return run
    _write(run, actor, org, creates, updates, source=name or Path(path).name)
    return run


def _cmp(key, value):
    return value.pk if key == "kind" else value


# Columns the import writes for a new station, beside the cleaned values.
INSERT_COLUMNS = (
    "code", "name", "kind_id", "org_id", "org_path", "province_id", "host", "address", "division_code", "lat",
    "lon", "facilities", "hours", "contact_name", "contact_phone", "description", "status", "opened_on",
    "visit_count", "rating_count", "rating_sum", "created_at", "updated_at",
)  # fmt: skip


def _insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany of one INSERT on SQLite (sqlite3 loops in C):
    building 100,000 model instances for bulk_create cost more than cleaning the rows. The values are
    already in database form (see _write)."""
    ops = connection.ops
    table = ops.quote_name(Station._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in INSERT_COLUMNS)
    marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: the bulk path PostgreSQL is built for
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _write(run: ImportRun, actor, org, creates: list[dict], updates: list, *, source: str) -> None:
    ops = connection.ops
    now = timezone.now()
    now_db = ops.adapt_datetimefield_value(now)
    today_db = ops.adapt_datefield_value(timezone.localdate())
    hours_field = Station._meta.get_field("hours")
    hours_db: dict[int, object] = {}  # one adapted value per distinct (shared) hours dict

    def db_hours(value):
        key = id(value)
        if key not in hours_db:
            hours_db[key] = hours_field.get_db_prep_save(value, connection)
        return hours_db[key]

    with transaction.atomic():
        groups: dict[tuple[str, str], list[dict]] = {}
        for values in creates:
            groups.setdefault((values["division_code"][:6], values["kind"].prefix), []).append(values)
        for (division, prefix), group in groups.items():
            for values, code in zip(group, codes.allocate(division, prefix, len(group)), strict=True):
                values["code"] = code
        entries = []
        for start in range(0, len(creates), BATCH):
            batch = creates[start : start + BATCH]
            _insert(
                [
                    (
                        v["code"],
                        v["name"],
                        v["kind"].pk,
                        org.pk,
                        org.path,
                        org.province_id,
                        v["host"],
                        v["address"],
                        v["division_code"],
                        v["lat"],
                        v["lon"],
                        v["facilities"],
                        db_hours(v["hours"]),
                        v["contact_name"],
                        v["contact_phone"],
                        v["description"],
                        v["status"],
                        today_db if v["status"] == StationStatus.RUNNING else None,
                        0,
                        0,
                        0,
                        now_db,
                        now_db,
                    )  # fmt: skip
                    for v in batch
                ]
            )
            entries.append(_entry(run, actor, org, "station.import_create", [v["code"] for v in batch], source))
        fields = sorted({f for _s, changed in updates for f in changed} | {"updated_at"})
        for start in range(0, len(updates), BATCH):
            batch = [s for s, _c in updates[start : start + BATCH]]
            for station in batch:
                station.updated_at = now
            Station.objects.bulk_update(batch, fields, batch_size=500)
            entries.append(_entry(run, actor, org, "station.import_update", [s.code for s in batch], source))
        audit.record_many(entries)
    run.written = True


def _entry(run, actor, org, action, station_codes, source) -> AuditEntry:
    return audit.build_entry(
        actor=actor,
        action=action,
        object_type="stations.import",
        object_id=run.job,
        object_label=source[:200],
        org=org,
        after={"job": run.job, "file": source, "count": len(station_codes), "codes": station_codes},
    )
