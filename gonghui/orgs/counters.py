"""Per-org membership counters and their subtree roll-up.

Each org row holds counts of its own current memberships, and (through `orgs.rollup`) the
totals of its whole subtree. Actions adjust both with `bump()` / `bump_many()`: F()
increments inside the action's transaction, so concurrent actions never lose an update.
`gonghui recount` rebuilds both from the memberships and reports drift.
"""

from __future__ import annotations

from django.db.models import F

from gonghui.orgs import rollup
from gonghui.orgs.models import Org

COUNTER_FIELDS = ("member_count", "verified_member_count", "gig_member_count")


def bump(org_id: int, *, members: int = 0, verified: int = 0, gig: int = 0) -> None:
    bump_many({org_id: (members, verified, gig)})


def bump_many(deltas: dict[int, tuple[int, int, int]]) -> None:
    """Apply (members, verified, gig) deltas for many orgs: own counters, then the subtree totals."""
    deltas = {org_id: delta for org_id, delta in deltas.items() if any(delta)}
    if not deltas:
        return
    paths: dict[int, str] = {}
    ids = sorted(deltas)
    for i in range(0, len(ids), 900):
        paths.update(Org.objects.filter(pk__in=ids[i : i + 900]).values_list("pk", "path"))
    rollup.apply(
        {
            paths[org_id]: {"members": m, "verified_members": v, "gig_members": g}
            for org_id, (m, v, g) in deltas.items()
            if org_id in paths
        }
    )
    by_delta: dict[tuple[int, int, int], list[int]] = {}
    for org_id, delta in deltas.items():
        by_delta.setdefault(delta, []).append(org_id)
    for (members, verified, gig), org_ids in by_delta.items():
        for i in range(0, len(org_ids), 900):
            Org.objects.filter(pk__in=org_ids[i : i + 900]).update(
                member_count=F("member_count") + members,
                verified_member_count=F("verified_member_count") + verified,
                gig_member_count=F("gig_member_count") + gig,
            )
