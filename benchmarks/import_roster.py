"""Roster import benchmark (DESIGN.md §7: ≥ 10,000 rows/s; ≤ 3× parsing + a raw bulk insert).

    .venv/bin/python -m benchmarks.import_roster [--rows 10000,100000] [--backend sqlite|postgres|all] [--no-write]

For each size, the parent writes a synthetic .xlsx roster under var/bench/ (valid synthetic ID
numbers from `people.identity.synthetic_id`, CN mobiles, the usual columns, and about 3% bad
rows: wrong check characters, birth-date mismatches, bad mobiles, bad dates, unknown enum
values), then runs one child process per backend on a fresh database — SQLite at
var/bench/import.sqlite3, and PostgreSQL database `gonghui_bench_import` on 127.0.0.1:5432 (or
the server of a postgres:// DATABASE_URL) when one answers. The child measures, on that database:

  - parse: reading the file into rows (`importing.read_table`, python-calamine);
  - baseline: a raw multi-row `INSERT` of the same rows the import writes (persons, memberships,
    join events, cards), values already prepared, in one transaction that is rolled back;
  - import: `importing.run_import(..., partial=True)` end to end — read, validate, blind-index
    lookups, encryption, pinyin, member numbers, bulk inserts, counters, audit — no report;
  - re-import of the same file (everything unchanged) and writing the .xlsx error report.

The figures go to docs/benchmarks.md (section "import") beside the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.doc import DOC, write_section

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "import.sqlite3"
PG_DATABASE = "gonghui_bench_import"
TARGET_RATE = 10_000
TARGET_RATIO = 3.0
SEED = 20240105
BAD_SHARE = 0.03
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
    "就业状况",
    "职工类型",
    "新就业形态类别",
    "平台",
    "工作单位",
    "是否农民工",
    "入会日期",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅金凤浩宇子轩欣怡俊佳婷晨阳博文雨"
DIVISIONS = ["440305", "440304", "440303", "440106", "440104", "445102", "441302", "440604"]


def log(message: str) -> None:
    print(f"[bench:import] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# The synthetic roster


def make_roster(path: Path, rows: int) -> dict:
    """Write an .xlsx roster of `rows` rows; about BAD_SHARE of them carry one bad cell."""
    from openpyxl import Workbook

    from gonghui.people.identity import synthetic_id

    rng = random.Random(SEED + rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员名册")
    sheet.append(HEADERS)
    bad = set(rng.sample(range(rows), int(rows * BAD_SHARE)))
    kinds = ["check", "birth", "mobile", "date", "enum"]
    start = dt.date(1965, 1, 1)
    for i in range(rows):
        born = start + dt.timedelta(days=(i * 7919) % 14000)
        number = synthetic_id(DIVISIONS[i % len(DIVISIONS)], born, i // 14000 * 7 + i % 997)
        gig = i % 5 == 0
        values = [
            rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else ""),
            "男" if int(number[16]) % 2 else "女",
            "汉族" if i % 10 else "壮族",
            number,
            born.isoformat(),
            f"1{rng.choice('3456789')}{i:09d}"[:11],
            rng.choice(["大学本科", "大学专科", "普通高中", "研究生(硕士)", "中等专科"]),
            rng.choice(["群众", "中共党员", "共青团员"]),
            rng.choice(["非农业", "农业"]),
            "在岗",
            "新就业形态劳动者" if gig else "普通职工",
            rng.choice(["快递员", "外卖配送员", "网约车司机"]) if gig else "",
            rng.choice(["美团", "顺丰", "滴滴"]) if gig else "",
            "深圳市南山测试科技有限公司",
            "是" if i % 4 == 0 else "否",
            43000 + i % 1500 if i % 2 else f"2023/{1 + i % 12}/{1 + i % 28}",
        ]
        if i in bad:
            kind = kinds[i % len(kinds)]
            if kind == "check":
                values[3] = number[:17] + ("0" if number[17] != "0" else "1")
            elif kind == "birth":
                values[4] = (born + dt.timedelta(days=1)).isoformat()
            elif kind == "mobile":
                values[5] = "12" + values[5][2:]
            elif kind == "date":
                values[15] = "2023-02-30"
            else:
                values[6] = "幼儿园"
        sheet.append(values)
    workbook.save(path)
    return {"rows": rows, "bad": len(bad)}


# --------------------------------------------------------------------------------------
# The worker: one backend, one file, inside Django


def worker(file: Path, results_file: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gonghui.core import crypto
    from gonghui.members.importing import read_table, run_import, validate_table
    from gonghui.members.importing.engine import bulk_insert
    from gonghui.members.importing.report import write_report
    from gonghui.members.models import Card, Membership, MembershipEvent
    from gonghui.orgs.actions import do_create_org
    from gonghui.people.models import Person

    call_command("migrate", verbosity=0, interactive=False)

    def create(parent, kind, **data):
        return do_create_org(acting_user=None, parent=parent, kind=kind, data=data)

    province = create(None, "province", name="广东省总工会", division_code="440000")
    city = create(province, "city", name="深圳市总工会", division_code="440300")
    district = create(city, "district", name="南山区总工会", division_code="440305")
    org = create(district, "street", name="南头街道总工会", division_code="440305001")
    results: dict = {"backend": connection.vendor}

    # 1. parse only
    start = time.perf_counter()
    table = read_table(file)
    results["parse_s"] = time.perf_counter() - start
    results["rows"] = len(table.rows)
    start = time.perf_counter()
    validated = validate_table(table)
    results["validate_s"] = time.perf_counter() - start
    good = validated.rows

    # 2. raw bulk insert of the same rows (values prepared beforehand; rolled back afterwards)
    cipher = crypto.encrypt("0" * 18, "bench")
    now = dt.datetime.now(dt.UTC)
    persons = [
        {
            "name": r.name,
            "name_pinyin": "x",
            "name_initials": "x",
            "sex": str(r.identity.sex),
            "birth_date": r.identity.birth_date,
            "mobile": r.mobile,
            "doc_type": r.identity.doc_type,
            "doc_cipher": cipher,
            "doc_index": r.index,
            "doc_masked": r.identity.masked,
            "verified_at": now,
            "created_at": now,
            "updated_at": now,
            **r.person,
        }
        for r in good
    ]

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    try:
        with transaction.atomic():
            person_ids = bulk_insert(Person, persons, returning=True)
            memberships = [
                {
                    "person_id": pid,
                    "org_id": org.pk,
                    "org_path": org.path,
                    "province_id": org.province_id,
                    "member_no": f"B{n:012d}",
                    "joined_on": r.joined_on or now.date(),
                    "created_at": now,
                    "updated_at": now,
                    **r.membership,
                }
                for n, (pid, r) in enumerate(zip(person_ids, good, strict=True))
            ]
            membership_ids = bulk_insert(Membership, memberships, returning=True)
            bulk_insert(
                MembershipEvent,
                [{"membership_id": m, "type": "join", "on": now.date(), "at": now} for m in membership_ids],
            )
            bulk_insert(
                Card,
                [
                    {
                        "membership_id": m,
                        "serial": f"CB{n:010d}",
                        "org_code": org.code,
                        "issued_at": now,
                        "expires_at": now,
                    }
                    for n, m in enumerate(membership_ids)
                ],
            )
            results["baseline_s"] = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    del persons, memberships

    # 3. the import, end to end
    start = time.perf_counter()
    run = run_import(file, org=org, acting_user=None, partial=True)
    results["import_s"] = time.perf_counter() - start
    results["counts"] = run.counts

    # 4. the same file again: nothing changes
    start = time.perf_counter()
    again = run_import(file, org=org, acting_user=None, partial=True)
    results["reimport_s"] = time.perf_counter() - start
    results["reimport_counts"] = again.counts

    # 5. the error report
    start = time.perf_counter()
    write_report(run.result, BENCH_DIR / f"report-{results['rows']}-{connection.vendor}.xlsx")
    results["report_s"] = time.perf_counter() - start
    results_file.write_text(json.dumps(results))


# --------------------------------------------------------------------------------------
# The parent


def postgres_urls() -> tuple[str, str] | None:
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    config = dj_database_url.parse(url)
    params = {k: config[K] or None for k, K in (("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"))}
    params["port"] = config["PORT"] or None
    try:
        psycopg.connect(dbname="postgres", connect_timeout=3, **params).close()
    except Exception as exc:
        log(f"PostgreSQL not reachable ({str(exc).strip().splitlines()[0]}): SQLite only")
        return None
    auth = config["USER"] or ""
    if config["PASSWORD"]:
        auth += f":{config['PASSWORD']}"
    base = f"postgres://{auth + '@' if auth else ''}{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
    return f"{base}/postgres", f"{base}/{PG_DATABASE}"


def fresh_database(backend: str, pg: tuple[str, str] | None) -> str:
    if backend == "sqlite":
        for path in SQLITE_PATH.parent.glob(SQLITE_PATH.name + "*"):
            path.unlink()
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    with psycopg.connect(pg[0], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{PG_DATABASE}\" TEMPLATE template0 ENCODING 'UTF8'")
    return pg[1]


def run_worker(backend: str, url: str, file: Path) -> dict | None:
    results_file = BENCH_DIR / f"import-{backend}-results.json"
    results_file.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        GONGHUI_ENV="development",
        GONGHUI_VAR_DIR=str(BENCH_DIR),
        DEBUG="0",
        GONGHUI_TASK_BACKEND="immediate",
        GONGHUI_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="gonghui.settings",
    )
    command = [sys.executable, "-m", "benchmarks.import_roster", "--worker", str(file), "--results", str(results_file)]
    proc = subprocess.run(command, env=env, cwd=ROOT)
    if proc.returncode != 0 or not results_file.exists():
        log(f"{backend}: the benchmark failed (exit {proc.returncode})")
        return None
    return json.loads(results_file.read_text())


def machine() -> dict:
    from benchmarks.run import machine as run_machine

    return run_machine()


def markdown(results: list[dict], argv: list[str]) -> str:
    info = machine()
    lines = [
        "## Roster import",
        "",
        f"Command: `.venv/bin/python -m benchmarks.import_roster{' ' + ' '.join(argv) if argv else ''}` · "
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · {info['cores']} cores, {info['cpu']}"
        f"{', ' + info['memory'] if info['memory'] else ''} · {info['os']}",
        "",
        "Synthetic .xlsx rosters (16 columns, valid synthetic ID numbers, ~3% rows with one bad cell), each "
        "imported into a fresh database with `run_import(..., partial=True)`: read with python-calamine, every "
        "row validated, blind-index lookups in batches, ID numbers encrypted (AES-GCM), pinyin, member numbers "
        "in one block, persons + memberships + join events + cards bulk-inserted, counters and audit once. "
        "*Baseline* = parsing the file + a raw multi-row `INSERT` of the same rows (the four tables, values "
        "prepared beforehand), measured in the same process. Targets from DESIGN.md §7.",
        "",
        "| backend | rows | parse | raw bulk insert | import (end to end) | rows/s (target ≥ 10,000) | "
        "import ÷ (parse + insert) (target ≤ 3×) | re-import (all unchanged) | error report |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rate = r["rows"] / r["import_s"]
        ratio = r["import_s"] / (r["parse_s"] + r["baseline_s"])
        ok_rate = "✅" if rate >= TARGET_RATE else "❌"
        ok_ratio = "✅" if ratio <= TARGET_RATIO else "❌"
        c = r["counts"]
        lines.append(
            f"| {r['backend']} | {r['rows']:,} ({c['created']:,} created, {c['rejected']:,} rejected) "
            f"| {r['parse_s']:.2f} s | {r['baseline_s']:.2f} s | {r['import_s']:.2f} s | {rate:,.0f} {ok_rate} "
            f"| {ratio:.2f}× {ok_ratio} | {r['reimport_s']:.2f} s ({r['reimport_counts']['unchanged']:,} unchanged) "
            f"| {r['report_s']:.2f} s |"
        )
    lines += [
        "",
        f"Load average when the figures were written: {os.getloadavg()[0]:.1f} on {info['cores']} cores (a "
        "shared machine makes every figure slower, the baseline included; compare the ratio column).",
        "",
        "Validation alone (no database) took "
        + ", ".join(f"{r['validate_s']:.2f} s for {r['rows']:,} rows ({r['backend']})" for r in results)
        + ". The error report (openpyxl, write-only) is written only on request (`--report`, the upload "
        "page's preview), so it is not part of the import time.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000", help="comma-separated file sizes")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md alone")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.results)
        return 0

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    os.environ.setdefault("GONGHUI_VAR_DIR", str(BENCH_DIR))
    import django

    django.setup()
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    pg = postgres_urls() if "postgres" in backends else None
    if pg is None:
        backends = [b for b in backends if b != "postgres"]
    results = []
    for rows in [int(n) for n in args.rows.split(",") if n.strip()]:
        file = BENCH_DIR / f"roster-{rows}.xlsx"
        if not file.exists():
            log(f"writing {file.name} …")
            make_roster(file, rows)
        for backend in backends:
            log(f"{backend}: importing {rows:,} rows …")
            result = run_worker(backend, fresh_database(backend, pg), file)
            if result is None:
                return 1
            rate = result["rows"] / result["import_s"]
            ratio = result["import_s"] / (result["parse_s"] + result["baseline_s"])
            log(
                f"{backend} {rows:,}: parse {result['parse_s']:.2f}s, insert {result['baseline_s']:.2f}s, "
                f"import {result['import_s']:.2f}s = {rate:,.0f} rows/s, ratio {ratio:.2f}×, counts {result['counts']}"
            )
            results.append(result)
    text = markdown(results, argv)
    print(text)
    if not args.no_write:
        write_section("import", text)
        log(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
