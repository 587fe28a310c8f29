"""Learning (职工夜校, issue 10): the enrolment rush, the member's course list, certificate checks.

    .venv/bin/python -m benchmarks.learning [--claimants C] [--seats S] [--courses N] [--checks N]
        [--rebuild] [--no-write]

PostgreSQL (the rush needs concurrent transactions): database `gonghui_bench_learning` on
127.0.0.1:5432 (or the server of a postgres:// DATABASE_URL), never the development one. The first run
migrates it and seeds C members with e-member cards through the ordinary actions; later runs reuse them.

Measured, each beside its target:
  - enrolments/s: C claimant threads (pooled connections) start at one barrier and enrol into a
    fresh S-seat course through `actions.do_enrol` (the production path: the offering's row lock, the
    eligibility check, the audit entry) — exactly S enrolled, the rest waitlisted, target ≥ 300/s;
  - the member's course list with N open courses in the member's chain of orgs and elsewhere:
    `queries.offerings_visible_to` (first page of 20) + `with_verdicts` (eligibility per course),
    p95 over 300 runs — target ≤ 50 ms;
  - `GET /api/v1/certificates/{serial}` through Django's test Client without login: throughput
    (as benchmarks.cards measures card verification) — target ≥ 1,000/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.doc import write_section

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "gonghui_bench_learning"
TARGETS = {"enrol": 300.0, "list_p95_ms": 50.0, "verify": 1000.0}


def log(message: str) -> None:
    print(f"[bench:learning] {message}", file=sys.stderr, flush=True)


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


# --- inside Django (child process) ------------------------------------------------------------------


def seed(members: int):
    from gonghui.core.testing import build_tree
    from gonghui.members.models import Membership
    from gonghui.members.tests.helpers import make_member
    from gonghui.orgs.models import Org

    if not Org.objects.filter(code="440000").exists():
        build_tree()
    grassroots = Org.objects.get(kind="grassroots", name="南山测试科技有限公司工会")
    for i in range(Membership.objects.count(), members):
        make_member(grassroots)
        if i % 100 == 99:
            log(f"seeded {i + 1} members")
    return grassroots


def rush(claimants: int, seats: int, pool_size: int) -> dict:
    import threading
    import time

    from django.db import connections

    from gonghui.core.actionkit import Actor
    from gonghui.learning.actions import current_membership, do_enrol
    from gonghui.learning.models import Enrolment
    from gonghui.learning.tests.helpers import make_offering
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    course = make_offering(Org.objects.get(code="440305"), capacity=seats, min_enrolment=1, title="压测课程")
    people = list(Membership.objects.filter(status="active").values_list("person_id", flat=True)[:claimants])
    members = [current_membership(pid) for pid in people]
    connections.close_all()
    barrier = threading.Barrier(len(members) + 1)
    pool = threading.BoundedSemaphore(pool_size)
    errors: list[str] = []
    times: list[float] = []

    def run(m):
        barrier.wait()
        with pool:
            try:
                do_enrol(acting_user=Actor.member(m.person_id, "压测"), offering=course, membership=m)
                times.append(time.perf_counter())
            except Exception as exc:  # noqa: BLE001 (counted and reported)
                errors.append(str(exc)[:120])
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    seconds = (max(times) if times else time.perf_counter()) - start
    counts = dict(
        Enrolment.objects.filter(offering=course)
        .values_list("status")
        .annotate(n=__import__("django").db.models.Count("id"))
    )
    return {
        "claimants": len(members),
        "seats": seats,
        "ok": len(times),
        "errors": len(errors),
        "error_sample": errors[:1],
        "seconds": round(seconds, 3),
        "rate": round(len(times) / seconds, 1) if seconds else 0,
        "enrolled": counts.get("enrolled", 0),
        "waitlisted": counts.get("waitlisted", 0),
    }


def course_list(courses: int) -> dict:
    import datetime as dt
    import statistics
    import time
    from decimal import Decimal

    from django.utils import timezone

    from gonghui.learning import queries
    from gonghui.learning.actions import current_membership
    from gonghui.learning.models import Offering
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    have = Offering.objects.filter(title__startswith="压测开放课程").count()
    if have < courses:
        # Bulk-loaded benchmark data (as the member generator does): open courses across the whole tree,
        # a fifth of them with rules (gig workers only, an age band) so that eligibility has work to do.
        orgs = list(Org.objects.order_by("path"))
        now = timezone.now()
        rules = [{}, {}, {}, {"worker_types": ["gig"]}, {"age_min": 18, "age_max": 60}]
        Offering.objects.bulk_create(
            [
                Offering(
                    title=f"压测开放课程 {i}",
                    category=["work", "life", "safety", "family", "culture"][i % 5],
                    org=orgs[i % len(orgs)],
                    org_path=orgs[i % len(orgs)].path,
                    province_id=orgs[i % len(orgs)].province_id,
                    venue="职工服务中心",
                    capacity=30,
                    fee=Decimal("0"),
                    enrol_opens_at=now - dt.timedelta(days=1),
                    enrol_closes_at=now + dt.timedelta(days=1 + i % 60),
                    rule=rules[i % 5],
                    status="open",
                )
                for i in range(have, courses)
            ],
            batch_size=1000,
        )
    membership = current_membership(Membership.objects.filter(status="active").values_list("person_id", flat=True)[0])
    visible = queries.offerings_visible_to(membership).count()
    samples = []
    for _ in range(300):
        t0 = time.perf_counter()
        page = list(queries.offerings_visible_to(membership)[:20])
        queries.with_verdicts(page, membership)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "courses": Offering.objects.filter(status="open").count(),
        "visible": visible,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
    }


def verify(checks: int) -> dict:
    import time

    from django.test import Client

    from gonghui.learning.models import Certificate

    certificate = Certificate.objects.first()
    if certificate is None:
        from gonghui.core.actionkit import Actor
        from gonghui.learning.actions_records import _issue
        from gonghui.learning.models import Offering
        from gonghui.members.models import Membership

        m = Membership.objects.select_related("person", "org").filter(status="active").first()
        certificate = _issue(
            Actor.system("bench"), Offering.objects.first(), m, "completion", __import__("django").utils.timezone.now()
        )
    client = Client()
    url = f"/api/v1/certificates/{certificate.serial}"
    assert client.get(url).json()["valid"]
    start = time.perf_counter()
    for _ in range(checks):
        client.get(url)
    seconds = time.perf_counter() - start
    # Baseline from the same run: the same client on an endpoint without a database query.
    start = time.perf_counter()
    for _ in range(checks):
        client.get("/api/v1/cards/public-key")
    base = time.perf_counter() - start
    return {
        "checks": checks,
        "seconds": round(seconds, 3),
        "rate": round(checks / seconds, 1),
        "baseline_rate": round(checks / base, 1),
    }


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.claimants)
    load_before = os.getloadavg()[0]
    result = {
        "rush": rush(args.claimants, args.seats, args.pool),
        "list": course_list(args.courses),
        "verify": verify(args.checks),
    }
    result["load"] = [load_before, os.getloadavg()[0]]
    print(json.dumps(result))


# --- parent ---------------------------------------------------------------------------------------------


def render(result: dict, command: str) -> str:
    r, lst, v = result["rush"], result["list"], result["verify"]

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    exact = r["enrolled"] == r["seats"] and r["waitlisted"] == r["claimants"] - r["seats"]
    rows = [
        (
            f"enrolment rush: {r['claimants']} threads into a {r['seats']}-seat course "
            "(`actions.do_enrol`: row lock, eligibility, audit)",
            f"{r['rate']} enrolments/s ({r['ok']} in {r['seconds']} s, {r['errors']} errors); "
            f"{r['enrolled']} enrolled, {r['waitlisted']} waitlisted",
            f"≥ 300/s: {met(r['rate'] >= TARGETS['enrol'])}; exact capacity: {'yes' if exact else 'NO'}",
        ),
        (
            f"member course list, first page of 20 with eligibility evaluated, {lst['courses']} open courses "
            f"({lst['visible']} visible to the member)",
            f"p50 {lst['p50_ms']} ms, p95 {lst['p95_ms']} ms",
            f"p95 ≤ 50 ms: {met(lst['p95_ms'] <= TARGETS['list_p95_ms'])}",
        ),
        (
            "`GET /api/v1/certificates/{serial}` without login (Django test Client, as benchmarks.cards)",
            f"{v['rate']} checks/s ({v['checks']} in {v['seconds']} s); baseline `GET /cards/public-key` "
            f"(no query) {v['baseline_rate']}/s",
            f"≥ 1,000/s: {met(v['rate'] >= TARGETS['verify'])}",
        ),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    return f"""## Learning: enrolment rush, member course list, certificate checks (PostgreSQL)

`{command}`
on {platform.machine()} with {os.cpu_count()} cores, PostgreSQL at 127.0.0.1 (database `{DB_NAME}`);
load average {result["load"][0]:.1f} before, {result["load"][1]:.1f} after (the machine is shared with other work).

| what | figure | target |
|---|---|---|
{table}

The member list reads only the offerings of the member's chain of orgs (`org_path IN` the ancestors' paths)
plus those opened beyond their owner's subtree (`beyond_subtree`): one index range whatever the number of
members; eligibility (`members.eligibility.evaluate`) runs for the page shown, org names resolved once per
page. It reads no other member than the one, so the figure does not depend on 1,000,000 members being
loaded (this run seeds {r["claimants"]}).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claimants", type=int, default=300)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--pool", type=int, default=16)
    parser.add_argument("--courses", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=3000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    url = bench_url()
    ensure_database(url, args.rebuild)
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    cmd = [sys.executable, "-m", "benchmarks.learning", "--child", *sys.argv[1:]]
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if not args.no_write:
        command = " ".join([".venv/bin/python -m benchmarks.learning", *sys.argv[1:]])
        write_section("learning", render(result, command))


if __name__ == "__main__":
    main()
