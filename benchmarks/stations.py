"""Service stations (issue 13): nearest search over HTTP (p95 ≤ 20 ms with 100,000 stations) and the
station import (≥ 5,000 stations/s), on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.stations [--backend sqlite|postgres|all] [--stations N] [--requests N]

Each backend runs in its own process: SQLite in var/bench/stations.sqlite3, PostgreSQL in the database
named by DATABASE_URL's server and `--pg-db` (default gh_stations). The stations are written to a CSV
(clusters around the cities of the demo province plus a country-wide scatter) and loaded by
`stations.importing.run_import` — the code path of `gonghui import-stations`, timed end to end (read,
clean, allocate codes, bulk insert, audit). Then `GET /api/v1/stations/nearest` is called over HTTP (a
WSGI server in a thread, one request per connection) for random points in Shenzhen and Guangzhou with
k = 10 and, for a third of them, a kind or facility filter. The figures go to the `stations` section
of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
CITIES = [(22.54, 113.93), (22.55, 114.06), (23.13, 113.27), (23.02, 113.12), (22.27, 113.57), (23.05, 113.75)]
KINDS = ["户外劳动者服务站", "零工驿站", "职工之家", "妈妈小屋", "职工书屋", "爱心超市", "一元食堂"]
FACILITIES = ["热水", "微波炉", "充电", "卫生间", "休息座椅", "空调", "药箱", "WiFi"]
HOURS = ["24小时", "每天 07:00-21:00", "周一至周五 08:30-18:00；节假日休息"]


def write_csv(path: Path, n: int, seed: int = 13) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["名称", "类型", "地址", "行政区划代码", "经度", "纬度", "坐标系", "设施", "开放时间", "联系电话"])
        for i in range(n):
            if i % 10:
                lat0, lon0 = rng.choice(CITIES)
                lat, lon = lat0 + rng.gauss(0, 0.15), lon0 + rng.gauss(0, 0.15)
            else:
                lat, lon = rng.uniform(20.2, 25.5), rng.uniform(109.7, 117.3)
            facilities = "、".join(rng.sample(FACILITIES, rng.randint(1, 5)))
            w.writerow(
                [f"驿站{i}", rng.choice(KINDS), f"某路{i}号", "440305", f"{lon:.6f}", f"{lat:.6f}", "WGS84",
                 facilities, rng.choice(HOURS), "0755-26000000"]
            )  # fmt: skip


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def inner(n: int, requests: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gonghui.core.actionkit import Actor
    from gonghui.orgs.actions import do_create_org
    from gonghui.orgs.models import Org
    from gonghui.stations.importing import run_import
    from gonghui.stations.models import Station

    call_command("migrate", verbosity=0)
    district = Org.objects.filter(code="BENCH-440305").first()
    if district is None:
        parent = None
        for kind, division in (("province", "440000"), ("city", "440300"), ("district", "440305")):
            data = {"name": f"基准{division}总工会", "division_code": division, "code": f"BENCH-{division}"}
            parent = do_create_org(acting_user=None, parent=parent, kind=kind, data=data)
        district = parent
    figures = {"vendor": connection.vendor, "stations": n}
    existing = Station.objects.count()
    path = BENCH_DIR / "stations.csv"
    if existing < n:
        write_csv(path, n - existing, seed=existing)
        started = time.perf_counter()
        run = run_import(path, org=district, acting_user=Actor.system("bench-stations"))
        seconds = time.perf_counter() - started
        figures.update(import_rows=run.counts["created"], import_seconds=round(seconds, 2))
        figures["import_rate"] = round(run.counts["created"] / seconds)
    figures["stations"] = Station.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stations_station")
    connection.close()

    figures.update(in_process(requests))
    figures.update(measure_http(requests, persistent=False))
    figures.update({f"persistent_{k}": v for k, v in measure_http(requests, persistent=True).items()})
    return figures


def queries(requests: int):
    """The request mix: random points in Shenzhen and Guangzhou, k = 10, a third with a kind filter, a
    third with a facility + open-now filter (the same sequence for every measurement)."""
    rng = random.Random(7)
    for i in range(requests + 20):
        lat0, lon0 = rng.choice(CITIES[:3])
        lat, lon = lat0 + rng.gauss(0, 0.1), lon0 + rng.gauss(0, 0.1)
        filters = {"kind": "gig"} if i % 3 == 1 else {"facility": "wifi", "open_now": True} if i % 3 == 2 else {}
        yield i, lat, lon, filters


def in_process(requests: int) -> dict:
    """`search.nearest` itself (one open connection, no HTTP): what the database and the ranking cost."""
    from gonghui.stations import search

    samples = []
    for i, lat, lon, filters in queries(requests):
        started = time.perf_counter()
        search.nearest(lat, lon, 10, **filters)
        if i >= 20:
            samples.append((time.perf_counter() - started) * 1000)
    return {"search_p50_ms": round(percentile(samples, 50), 2), "search_p95_ms": round(percentile(samples, 95), 2)}


def measure_http(requests: int, *, persistent: bool) -> dict:
    """p50/p95/p99 of the nearest search over HTTP, and of the baseline (a 422 from the same endpoint).

    `persistent=False` runs with the project's database settings (SQLite: a new connection per
    request, CONN_MAX_AGE=0; PostgreSQL: CONN_MAX_AGE=60 with health checks); `persistent=True` keeps
    one connection for the server thread, as a long-running worker with CONN_MAX_AGE > 0 would.
    """
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    connections["default"].close()
    settings_dict = connections.settings["default"]
    saved = settings_dict["CONN_MAX_AGE"], settings_dict.get("CONN_HEALTH_CHECKS", False)
    if persistent:
        settings_dict["CONN_MAX_AGE"], settings_dict["CONN_HEALTH_CHECKS"] = 600, False

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]

    def get(path: str) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        return response.status, body, elapsed

    # Baseline from the same run: the same endpoint refusing a bad coordinate (the HTTP server, Django's
    # middleware, ninja's parsing and the error answer, without the search).
    baseline = [get("/api/v1/stations/nearest?lat=x&lon=1")[2] for _i in range(requests // 2 + 10)][10:]
    samples = []
    for i, lat, lon, filters in queries(requests):
        query = f"lat={lat:.6f}&lon={lon:.6f}&k=10"
        if "kind" in filters:
            query += "&kind=gig"
        elif filters:
            query += "&facility=wifi&open_now=true"
        status, body, elapsed = get(f"/api/v1/stations/nearest?{query}")
        assert status == 200, body[:200]
        if i >= 20:  # warm-up
            samples.append(elapsed)
    server.shutdown()
    thread.join()
    settings_dict["CONN_MAX_AGE"], settings_dict["CONN_HEALTH_CHECKS"] = saved
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(samples, 50), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "baseline_p50_ms": round(percentile(baseline, 50), 2),
        "baseline_p95_ms": round(percentile(baseline, 95), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pg-db", default="gh_stations")
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.stations, args.requests)))
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    runs = []
    load_before = Path("/proc/loadavg").read_text().split()[0]
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    for backend in backends:
        env = dict(os.environ, PYTHONPATH=str(ROOT), DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
        env["GONGHUI_TASK_BACKEND"] = "immediate"
        if backend == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'stations.sqlite3'}"
        else:
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
        command = [sys.executable, "-m", "benchmarks.stations", "--inner", "--stations", str(args.stations)]
        command += ["--requests", str(args.requests)]
        out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            sys.exit(1)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(figures))
        runs.append(figures)
    load_after = Path("/proc/loadavg").read_text().split()[0]
    if not args.no_write:
        from benchmarks.doc import write_section

        lines = [
            "## Service stations: nearest search and import",
            "",
            f"`.venv/bin/python -m benchmarks.stations --stations {args.stations} --requests {args.requests}`",
            "",
            "| database | stations | import (rows, s, rows/s) | search in process p50 / p95 ms | HTTP, DB connection "
            "| requests | p50 ms | p95 ms | p99 ms | baseline p50 / p95 ms |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for f in runs:
            imp = "(loaded before)"
            if "import_rate" in f:
                imp = f"{f['import_rows']:,} in {f['import_seconds']} s = {f['import_rate']:,}/s"
            for prefix, how in (("", "as configured"), ("persistent_", "kept open")):
                search_ms = f"{f['search_p50_ms']} / {f['search_p95_ms']}" if not prefix else ""
                cells = [f["vendor"], f"{f['stations']:,}", imp if not prefix else "", search_ms, how]
                cells.append(f[prefix + "requests"])
                cells += [f[prefix + "p50_ms"], f[prefix + "p95_ms"], f[prefix + "p99_ms"]]
                cells.append(f"{f[prefix + 'baseline_p50_ms']} / {f[prefix + 'baseline_p95_ms']}")
                lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        lines += [
            "",
            "Targets: nearest p95 ≤ 20 ms, import ≥ 5,000 stations/s. "
            "The import is `gonghui import-stations`'s own path "
            "(CSV read, per-row cleaning and coordinate conversion, code allocation, bulk insert, one audit entry per "
            "2,000 rows). Requests: random points in Shenzhen and Guangzhou, k = 10, a third with a kind filter and a "
            "third with a facility + open-now filter; one request per connection to a WSGI server in a thread, "
            "DEBUG off. Baseline from the same run: the same endpoint answering a bad coordinate with its 422 "
            "(server, middleware, parsing and the error answer, no search).",
            "",
            '"As configured" uses the project\'s database settings: on SQLite `CONN_MAX_AGE=0`, so every request '
            "opens a new connection (SQLite parses the whole schema and starts with an empty page cache on each); "
            'on PostgreSQL `CONN_MAX_AGE=60` with health checks. "Kept open" holds one connection for the server '
            'thread, as a long-running worker with `CONN_MAX_AGE` > 0 does. "Search in process" is '
            "`stations.search.nearest` alone on an open connection: the database's box queries (two on average) "
            "and the ranking.",
            "",
            f"Load average of the machine (2 cores, shared with other work): {load_before} before, {load_after} after.",
        ]
        write_section("stations", "\n".join(lines))


if __name__ == "__main__":
    main()
