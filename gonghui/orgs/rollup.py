"""Subtree totals on every org row (DESIGN.md §3.3: dashboards from rolled-up counters).

Every org holds `sub_*` columns: the totals of its whole subtree. A change at one org
(a new org, an employee-count edit, a member joining) adds its delta to that org and each of
its ancestors in the same transaction. Ancestor rows are locked in id order first, so two
transactions touching overlapping chains queue instead of deadlocking. A province root's
dashboard is then one primary-key read.

Cost: every counted write touches depth+1 rows (≤ 8) and briefly holds the province row;
writers in one province serialise on it at commit time. `rebuild()` recomputes everything
from the own counts (`gonghui recount`) and reports drift.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from gonghui.core.tree import ancestor_ids
from gonghui.orgs.kinds import OrgKind, OrgStatus
from gonghui.orgs.models import Org

KEYS = ("orgs", "grassroots", "federations", "employees", "members", "verified_members", "gig_members")
FIELDS = {key: f"sub_{key}" for key in KEYS}
# Employees are registered where the employer is: on grassroots unions, and on 联合会 for
# the small employers and gig workers they cover directly. Branches and groups divide a
# grassroots union's workforce, so counting them as well would double it.
EMPLOYEE_KINDS = frozenset({OrgKind.GRASSROOTS, OrgKind.FEDERATION})


def structural(kind: str, status: str, employee_count: int) -> dict[str, int]:
    """What one org itself adds to its subtree totals, apart from members."""
    if status != OrgStatus.ACTIVE:
        return {}
    return {
        "orgs": 1,
        "grassroots": 1 if kind == OrgKind.GRASSROOTS else 0,
        "federations": 1 if kind == OrgKind.FEDERATION else 0,
        "employees": employee_count if kind in EMPLOYEE_KINDS else 0,
    }


def own_contribution(org: Org) -> dict[str, int]:
    result = structural(org.kind, org.status, org.employee_count)
    result.update(
        members=org.member_count, verified_members=org.verified_member_count, gig_members=org.gig_member_count
    )
    return result


def subtree_totals(org: Org) -> dict[str, int]:
    return {key: getattr(org, FIELDS[key]) for key in KEYS}


def negate(delta: dict[str, int]) -> dict[str, int]:
    return {key: -value for key, value in delta.items()}


def apply(changes: dict[str, dict[str, int]]) -> None:
    """Add each delta to the org at `path` and to all its ancestors.

    `changes` maps an org path to a delta {key: n}. Deltas for the same ancestor are summed
    first; rows are locked in id order; then one UPDATE per distinct delta.
    """
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KEYS, 0))
    for path, delta in changes.items():
        if not any(delta.values()):
            continue
        for org_id in ancestor_ids(path):
            row = totals[org_id]
            for key, value in delta.items():
                row[key] += value
    totals = {org_id: row for org_id, row in totals.items() if any(row.values())}
    if not totals:
        return
    ids = sorted(totals)
    for i in range(0, len(ids), 900):
        list(Org.objects.select_for_update().filter(pk__in=ids[i : i + 900]).order_by("pk").values_list("pk"))
    by_delta: dict[tuple, list[int]] = defaultdict(list)
    for org_id in ids:
        by_delta[tuple(totals[org_id][key] for key in KEYS)].append(org_id)
    for delta, org_ids in by_delta.items():
        updates = {FIELDS[key]: F(FIELDS[key]) + value for key, value in zip(KEYS, delta, strict=True) if value}
        for i in range(0, len(org_ids), 900):
            Org.objects.filter(pk__in=org_ids[i : i + 900]).update(**updates)


def compute_all() -> dict[int, dict[str, int]]:
    """Subtree totals for every org, from the own counts, in one pass over the table."""
    rows = Org.objects.values_list(
        "pk",
        "path",
        "kind",
        "status",
        "employee_count",
        "member_count",
        "verified_member_count",
        "gig_member_count",
    ).iterator(chunk_size=5000)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KEYS, 0))
    for pk, path, kind, status, employees, members, verified, gig in rows:
        own = structural(kind, status, employees)
        own.update(members=members, verified_members=verified, gig_members=gig)
        totals[pk]  # every org gets a row, even an empty one
        for org_id in ancestor_ids(path):
            row = totals[org_id]
            for key, value in own.items():
                row[key] += value
    return totals


def rebuild(write: bool = True) -> list[tuple[int, dict[str, tuple[int, int]]]]:
    """Recompute every org's subtree totals; return [(org id, {field: (stored, correct)})] that differed."""
    computed = compute_all()
    drift = []
    changed = []
    fields = [FIELDS[key] for key in KEYS]
    for org in Org.objects.only("pk", *fields).iterator(chunk_size=5000):
        correct = computed.get(org.pk, dict.fromkeys(KEYS, 0))
        diff = {FIELDS[k]: (getattr(org, FIELDS[k]), correct[k]) for k in KEYS if getattr(org, FIELDS[k]) != correct[k]}
        if diff:
            drift.append((org.pk, diff))
            for key in KEYS:
                setattr(org, FIELDS[key], correct[key])
            changed.append(org)
    if write and changed:
        Org.objects.bulk_update(changed, fields, batch_size=1000)
    return drift
