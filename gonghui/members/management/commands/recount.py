"""gonghui recount: rebuild the per-org member counters and subtree totals from the rows, report drift.

    gonghui recount [--fix] [--org CODE] [--format jsonl|table]

Own counters (`member_count`, `verified_member_count`, `gig_member_count`) are counted from the
current memberships (active, transferring, retained) in one grouped query, exactly as the member
actions count them (`members.actions._counts`); the subtree totals (`sub_*`) are then recomputed
from the corrected own counters and the org structure (`orgs.rollup`). Each org whose stored
figures differ is reported as one JSON line (or a table row); a last line sums up.

Exit status: 0 when nothing drifted or `--fix` repaired it; 1 when drift was found without `--fix`.
`--fix` writes the correct figures in one transaction (org rows locked first, so concurrent member
actions wait) and leaves one audit entry listing what changed. With `--org` only that subtree is
checked; a fix there also carries the change of the org's own subtree totals up to its ancestors.

Lives in `members` because it counts membership rows (`members` may import `orgs`, not the reverse).
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q

from gonghui.core import audit
from gonghui.core.tree import ancestor_ids
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs import rollup
from gonghui.orgs.models import Org
from gonghui.people.choices import WorkerType

OWN_FIELDS = ("member_count", "verified_member_count", "gig_member_count")
SUB_FIELDS = tuple(rollup.FIELDS[key] for key in rollup.KEYS)
AUDIT_SAMPLE = 200  # drifted orgs listed in the audit entry (the count is always complete)


def own_counts(root: Org | None) -> dict[int, tuple[int, int, int]]:
    """{org id: (members, verified, gig)} from the current memberships, one grouped query."""
    qs = Membership.objects.filter(status__in=list(CURRENT))
    if root is not None:
        qs = qs.filter(org_path__startswith=root.path)
    rows = qs.values("org_id").annotate(
        members=Count("id"),
        verified=Count("id", filter=Q(person__verified_at__isnull=False)),
        gig=Count("id", filter=Q(worker_type=WorkerType.GIG)),
    )
    return {row["org_id"]: (row["members"], row["verified"], row["gig"]) for row in rows.order_by()}


def find_drift(root: Org | None = None, *, lock: bool = False) -> tuple[list[dict], int]:
    """([{id, code, name, path, fields: {field: [stored, correct]}}], orgs checked)."""
    orgs = Org.objects.all()
    if root is not None:
        orgs = orgs.filter(path__startswith=root.path)
    if lock:
        list(orgs.select_for_update().order_by("pk").values_list("pk"))
    counted = own_counts(root)
    columns = ("pk", "code", "name", "path", "kind", "status", "employee_count", *OWN_FIELDS, *SUB_FIELDS)
    rows = [dict(zip(columns, values, strict=True)) for values in orgs.order_by("path").values_list(*columns)]
    in_scope = {row["pk"] for row in rows}
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rollup.KEYS, 0))
    for row in rows:
        members, verified, gig = counted.get(row["pk"], (0, 0, 0))
        row["correct"] = {"member_count": members, "verified_member_count": verified, "gig_member_count": gig}
        own = rollup.structural(row["kind"], row["status"], row["employee_count"])
        own.update(members=members, verified_members=verified, gig_members=gig)
        for org_id in ancestor_ids(row["path"]):
            if org_id in in_scope:
                target = totals[org_id]
                for key, value in own.items():
                    target[key] += value
    drift = []
    for row in rows:
        sub = totals[row["pk"]]
        correct = {**row["correct"], **{rollup.FIELDS[key]: sub[key] for key in rollup.KEYS}}
        fields = {name: [row[name], value] for name, value in correct.items() if row[name] != value}
        if fields:
            drift.append(
                {"id": row["pk"], "code": row["code"], "name": row["name"], "path": row["path"], "fields": fields}
            )
    return drift, len(rows)


def apply_fix(drift: list[dict], root: Org | None) -> None:
    """Write the correct figures; with a subtree root, carry its totals' change to the ancestors."""
    by_id = {item["id"]: item for item in drift}
    changed = []
    for org in Org.objects.filter(pk__in=list(by_id)).only("pk", *OWN_FIELDS, *SUB_FIELDS):
        for name, (_stored, correct) in by_id[org.pk]["fields"].items():
            setattr(org, name, correct)
        changed.append(org)
    Org.objects.bulk_update(changed, [*OWN_FIELDS, *SUB_FIELDS], batch_size=1000)
    if root is not None and root.parent_id and root.pk in by_id:
        fields = by_id[root.pk]["fields"]
        delta = {
            key: fields[rollup.FIELDS[key]][1] - fields[rollup.FIELDS[key]][0]
            for key in rollup.KEYS
            if rollup.FIELDS[key] in fields
        }
        parent_path = Org.objects.values_list("path", flat=True).get(pk=root.parent_id)
        rollup.apply({parent_path: delta})


class Command(BaseCommand):
    help = "Recount per-org member counters and subtree totals from the membership rows; report drift, --fix repairs."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="write the correct figures (audited)")
        parser.add_argument("--org", metavar="CODE", help="only this org's subtree")
        parser.add_argument("--format", choices=["jsonl", "table"], default="jsonl", help="report format")

    def handle(self, *args, fix: bool, org: str | None, format: str, **options):
        root = None
        if org:
            root = Org.objects.filter(code=org).first()
            if root is None:
                raise CommandError(f"no org with code {org!r}", returncode=2)
        with transaction.atomic():
            drift, checked = find_drift(root, lock=fix)
            if fix and drift:
                apply_fix(drift, root)
                audit.record(
                    actor=None,
                    action="org.recount_fix",
                    obj=root,
                    object_type="" if root else "orgs.org",
                    object_id="" if root else "*",
                    object_label="" if root else "all orgs",
                    org=root,
                    before={
                        item["code"]: {f: v[0] for f, v in item["fields"].items()} for item in drift[:AUDIT_SAMPLE]
                    },
                    after={
                        "orgs_checked": checked,
                        "orgs_fixed": len(drift),
                        "fields": self.field_totals(drift),
                        "listed": min(len(drift), AUDIT_SAMPLE),
                        "correct": {
                            item["code"]: {f: v[1] for f, v in item["fields"].items()} for item in drift[:AUDIT_SAMPLE]
                        },
                    },
                    reason="gonghui recount --fix" + (f" --org {root.code}" if root else ""),
                )
        self.report(drift, checked, fix, format)
        if drift and not fix:
            raise CommandError(
                f"{len(drift)} org(s) with counter drift; run `gonghui recount --fix` to repair", returncode=1
            )

    @staticmethod
    def field_totals(drift: list[dict]) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for item in drift:
            for name in item["fields"]:
                totals[name] += 1
        return dict(sorted(totals.items()))

    def report(self, drift: list[dict], checked: int, fix: bool, format: str) -> None:
        summary = {"orgs_checked": checked, "orgs_with_drift": len(drift), "fixed": bool(fix and drift)}
        if format == "table":
            if drift:
                self.stdout.write(f"{'org':<24} {'field':<24} {'stored':>12} {'correct':>12}")
                for item in drift:
                    for name, (stored, correct) in item["fields"].items():
                        self.stdout.write(f"{item['code']:<24} {name:<24} {stored:>12} {correct:>12}")
            self.stdout.write(
                f"{checked} orgs checked, {len(drift)} with drift" + (", fixed" if summary["fixed"] else "")
            )
            return
        for item in drift:
            self.stdout.write(
                json.dumps(
                    {"org": item["code"], "name": item["name"], "fields": item["fields"], "fixed": fix},
                    ensure_ascii=False,
                )
            )
        self.stdout.write(json.dumps(summary))
