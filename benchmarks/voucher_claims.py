"""Voucher claims under load (DESIGN.md §7): 200 concurrent claimants, exactly the quota, ≥ 500 claims/s.

    .venv/bin/python -m benchmarks.voucher_claims [--members N] [--quota Q] [--claimants C]
        [--processes P] [--pool K] [--rounds R] [--rebuild] [--no-write]

PostgreSQL only (the race needs concurrent transactions): database `gonghui_bench_vouchers` on
127.0.0.1:5432 (or the server of a postgres:// DATABASE_URL), never the development one. The first run
migrates it and seeds N members with e-member cards through the ordinary actions; later runs reuse them.

Each round publishes a fresh campaign (quota Q, one voucher per member) and starts C claimant threads
at one barrier, spread over P processes (the GIL would otherwise make one Python process the
bottleneck). Each claimant takes members from a shared list and claims for them — loading the
claimant (`queries.claimant`, one query) and `actions.do_claim_voucher`, the production path with
its audit entry — until the list is empty. The server's max_connections is shared, so the claimants
of a process share K connections (a pool, as behind an application server). Measured: successful
claims per second (first claim started → last claim finished), refusals after sell-out, and the
check that matters: exactly Q vouchers exist, the campaign counter says Q, nobody holds two.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.doc import write_section

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "gonghui_bench_vouchers"
RATE_TARGET = 500.0


def log(message: str) -> None:
    print(f"[bench:vouchers] {message}", file=sys.stderr, flush=True)


def bench_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + DB_NAME, "", ""))


def ensure_database(url: str, rebuild: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


# --------------------------------------------------------------------------------------
# Inside Django (child process)


def seed(members: int) -> None:
    import datetime as dt

    from gonghui.core.testing import build_tree
    from gonghui.members.actions import do_apply_join, do_approve_join
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org
    from gonghui.people.identity import synthetic_id

    tree = build_tree() if not Org.objects.filter(code="440000").exists() else None
    grassroots = tree.grassroots if tree else Org.objects.get(kind="grassroots", name="南山测试科技有限公司工会")
    have = Membership.objects.count()
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
    for seq in range(have, members):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=seq // 1000)
        data = {
            "name": surnames[seq % len(surnames)] + "测试" + "一二三四五六七八九十"[seq % 10],
            "doc_number": synthetic_id("440305", born, seq % 1000),
            "mobile": f"139{seq:08d}",
        }
        application = do_apply_join(
            acting_user=None,
            person_data=data,
            work={"worker_type": "gig", "gig_subtype": "delivery"},
            channel="import",
            org=grassroots,
        )
        do_approve_join(acting_user=None, application=application)
        if seq % 500 == 499:
            log(f"seeded {seq + 1} members")


def new_campaign(quota: int):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from gonghui.benefits.actions import do_create_campaign, do_publish_campaign
    from gonghui.orgs.models import Org

    district = Org.objects.get(code="440305")
    now = timezone.now()
    campaign = do_create_campaign(
        acting_user=None,
        org=district,
        data={
            "name": f"压测健身券 {now:%H%M%S}",
            "kind": "fitness",
            "face_value": Decimal("50.00"),
            "quota": quota,
            "per_member_limit": 1,
            "claim_starts": now - dt.timedelta(minutes=1),
            "claim_ends": now + dt.timedelta(days=1),
            "valid_until": now + dt.timedelta(days=30),
            "rule": {"worker_types": ["gig"]},
            "budget": Decimal("50.00") * quota,
        },
    )
    return do_publish_campaign(acting_user=None, campaign=campaign)


def claimant_process(campaign_id, member_ids, claimants, pool_size, barrier, results, baseline=False):
    """One process: `claimants` threads sharing `pool_size` connections; report (ok, refused, errors, t0, t1)."""
    import threading

    from django.db import close_old_connections, connections

    from gonghui.benefits.actions import ClaimRefused, do_claim_voucher
    from gonghui.benefits.models import Campaign
    from gonghui.benefits.queries import claimant

    connections.close_all()
    campaign = Campaign.objects.select_related("org").get(pk=campaign_id)
    connections.close_all()
    todo = list(member_ids)
    lock = threading.Lock()
    pool = threading.BoundedSemaphore(pool_size)
    counts = {"ok": 0, "refused": 0, "errors": 0, "error_sample": ""}
    starts, ends = [], []
    local_barrier = threading.Barrier(claimants + 1)

    def run():
        local_barrier.wait()
        first = last = None
        ok = refused = errors = 0
        sample = ""
        while True:
            with lock:
                if not todo:
                    break
                member_id = todo.pop()
            with pool:
                t = time.perf_counter()
                first = first or t
                try:
                    membership = claimant(membership_id=member_id)
                    if baseline:
                        # The floor of any claim: the same read, then one round trip that writes nothing.
                        with connections["default"].cursor() as cursor:
                            cursor.execute("SELECT 1")
                    else:
                        do_claim_voucher(campaign=campaign, membership=membership)
                    ok += 1
                except ClaimRefused:
                    refused += 1
                except Exception as exc:  # noqa: BLE001 (counted and reported)
                    errors += 1
                    sample = repr(exc)[:200]
                last = time.perf_counter()
        connections.close_all()
        with lock:
            counts["ok"] += ok
            counts["refused"] += refused
            counts["errors"] += errors
            counts["error_sample"] = counts["error_sample"] or sample
            if first:
                starts.append(first)
                ends.append(last)

    threads = [threading.Thread(target=run) for _ in range(claimants)]
    for t in threads:
        t.start()
    barrier.wait()  # every process ready
    local_barrier.wait()
    for t in threads:
        t.join()
    close_old_connections()
    # perf_counter is per machine (CLOCK_MONOTONIC): comparable across processes on Linux.
    results.put({**counts, "t0": min(starts) if starts else None, "t1": max(ends) if ends else None})


def round_(quota, member_ids, claimants, processes, pool, baseline=False):
    import multiprocessing as mp

    from django.db import connections

    from gonghui.benefits.models import Campaign, Voucher

    campaign = new_campaign(quota)
    connections.close_all()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    share = [member_ids[i::processes] for i in range(processes)]
    per_process = [claimants // processes + (1 if i < claimants % processes else 0) for i in range(processes)]
    procs = [
        ctx.Process(
            target=claimant_process,
            args=(campaign.pk, share[i], per_process[i], pool, barrier, results, baseline),
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    outs = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    t0 = min(o["t0"] for o in outs if o["t0"])
    t1 = max(o["t1"] for o in outs if o["t1"])
    ok = sum(o["ok"] for o in outs)
    vouchers = Voucher.objects.filter(campaign=campaign)
    issued = vouchers.count()
    counter = Campaign.objects.get(pk=campaign.pk).issued
    doubles = vouchers.values("membership").count() - vouchers.values("membership").distinct().count()
    return {
        "quota": quota,
        "attempts": len(member_ids),
        "ok": ok,
        "refused": sum(o["refused"] for o in outs),
        "errors": sum(o["errors"] for o in outs),
        "error_sample": next((o["error_sample"] for o in outs if o["error_sample"]), ""),
        "seconds": t1 - t0,
        "claims_per_s": ok / (t1 - t0),
        "issued_rows": issued,
        "counter": counter,
        "doubles": doubles,
        "exact": baseline or (issued == quota == counter == ok and doubles == 0),
    }


def child(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from gonghui.members.models import Membership

    call_command("migrate", verbosity=0)
    seed(args.members)
    member_ids = list(Membership.objects.order_by("pk").values_list("pk", flat=True)[: args.members])
    log(f"{len(member_ids)} members; {args.claimants} claimants in {args.processes} processes, pool {args.pool}")
    base = round_(args.quota, member_ids, args.claimants, args.processes, args.pool, baseline=True)
    log(f"baseline: {json.dumps(base)}")
    rounds = []
    for i in range(args.rounds):
        r = round_(args.quota, member_ids, args.claimants, args.processes, args.pool)
        log(f"round {i + 1}: {json.dumps(r)}")
        rounds.append(r)
    print(
        json.dumps(
            {
                "rounds": rounds,
                "baseline": base,
                "seal_on_commit": getattr(settings, "AUDIT_SEAL_ON_COMMIT", True),
                "n": len(member_ids),
            }
        )
    )


# --------------------------------------------------------------------------------------
# Parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--quota", type=int, default=2000)
    parser.add_argument("--claimants", type=int, default=200)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--pool", type=int, default=8, help="connections per process")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    url = bench_url()
    try:
        ensure_database(url, args.rebuild)
    except Exception as exc:  # noqa: BLE001 (no server, no driver: say so and skip, as `make bench` expects)
        log(f"PostgreSQL not reachable ({type(exc).__name__}: {exc}); the voucher-claims benchmark needs it — skipped")
        return
    env = {**os.environ, "DATABASE_URL": url, "GONGHUI_VAR_DIR": str(ROOT / "var" / "bench")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    cmd = [sys.executable, "-m", "benchmarks.voucher_claims", "--child", *sys.argv[1:]]
    load_before = os.getloadavg()[0]
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    load_after = os.getloadavg()[0]
    data = json.loads(out.strip().splitlines()[-1])
    rounds = data["rounds"]
    best = max(r["claims_per_s"] for r in rounds)
    median = sorted(r["claims_per_s"] for r in rounds)[len(rounds) // 2]
    exact = all(r["exact"] for r in rounds)
    lines = [
        "## Voucher claims (PostgreSQL)",
        "",
        f"`.venv/bin/python -m benchmarks.voucher_claims {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        f"on {platform.machine()} with {os.cpu_count()} cores, PostgreSQL at 127.0.0.1 (database `{DB_NAME}`), "
        f"{data['n']} seeded gig-worker members with cards. Each round publishes a campaign with quota "
        f"{args.quota} (one per member); {args.claimants} claimant threads in {args.processes} processes start "
        f"at one barrier and claim for all {data['n']} members through `queries.claimant` + "
        f"`actions.do_claim_voucher` (the production path with its audit entry; audit sealing after commit "
        f"{'on' if data['seal_on_commit'] else 'off'}), {args.pool} pooled connections per process.",
        "",
        "| round | claims issued | refused (sold out) | errors | seconds | claims/s | attempts/s | vouchers in DB | "
        "counter | exactly the quota |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(rounds, 1):
        lines.append(
            f"| {i} | {r['ok']} | {r['refused']} | {r['errors']} | {r['seconds']:.2f} | {r['claims_per_s']:.0f} | "
            f"{r['attempts'] / r['seconds']:.0f} | "
            f"{r['issued_rows']} | {r['counter']} | {'yes' if r['exact'] else '**NO**'} |"
        )
    base = data["baseline"]
    lines += [
        "",
        f"Baseline from the same run (the same claimants, pool and claimant read, then `SELECT 1` instead of the "
        f"claim): {base['claims_per_s']:.0f}/s for {base['attempts']} members — the ceiling this machine gave "
        "the harness at that moment.",
        "",
        f"Median {median:.0f} claims/s, best {best:.0f} claims/s — target ≥ {RATE_TARGET:.0f}/s: "
        f"{'met' if median >= RATE_TARGET else '**not met**'}. Exactly the quota in every round: "
        f"{'yes' if exact else '**NO**'}.",
        "",
        f"Load average of the machine (shared with other work): {load_before:.1f} before, {load_after:.1f} after.",
        "",
        "What a claim costs on PostgreSQL: the claimant read (membership, person, card check: one query, "
        "compiled once per process — `queries._CompiledRead`) and one write statement, prepared once per "
        "connection, that takes one from a quota shard (SKIP LOCKED: claimants spread over 16 shards instead "
        "of queueing on the campaign row), inserts the voucher and its audit entry and says whether any shard "
        "had room, committed on its own (synchronous_commit on). After a sell-out a process refuses for a "
        "second without touching the shards (a quota change forgets it); refusals still cost the read, which is "
        "why attempts/s is the fairer figure against the baseline. History of this figure on the same machine: "
        "≈ 65–93 claims/s with an ORM transaction ending in `UPDATE campaign … WHERE issued < quota` (the "
        "campaign row held through every commit), ≈ 210 with the claim as one statement on that row, ≈ 280–310 "
        "with the quota sharded (and the ORM read), ≈ 400 with the compiled read, ≈ 450 with the prepared "
        "statement, rule parsing without translations and the sold-out memo, and the figure above with the "
        "room answered by the claim statement itself (no retry read).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("vouchers", text)


if __name__ == "__main__":
    main()
