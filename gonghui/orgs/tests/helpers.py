"""Helpers shared by the org tests: an independent recomputation of the tree columns."""

from __future__ import annotations

from gonghui.core.models import AuditEntry
from gonghui.orgs.kinds import OrgKind
from gonghui.orgs.models import Org


def recompute_tree() -> dict[int, dict]:
    """Path, depth, province and child count of every org, derived only from `parent_id`.

    This walks the parent chain in Python and shares no code with the actions, so it
    catches a path rewrite that went wrong anywhere in the tree.
    """
    rows = {
        pk: (parent_id, kind, status)
        for pk, parent_id, kind, status in Org.objects.values_list("pk", "parent_id", "kind", "status")
    }
    result: dict[int, dict] = {}
    for pk in rows:
        chain = [pk]
        while rows[chain[-1]][0] is not None:
            chain.append(rows[chain[-1]][0])
            assert len(chain) <= len(rows), f"cycle in the parent chain of org {pk}"
        chain.reverse()
        provinces = [i for i in chain if rows[i][1] == OrgKind.PROVINCE]
        result[pk] = {
            "path": "".join(f"{i:08d}." for i in chain),
            "depth": len(chain) - 1,
            "province_id": provinces[-1] if provinces else None,
            # child_count counts the active children: closed and merged ones no longer show in the tree.
            "child_count": sum(
                1 for parent_id, _kind, status in rows.values() if parent_id == pk and status == "active"
            ),
        }
    return result


def stored_tree() -> dict[int, dict]:
    return {
        pk: {"path": path, "depth": depth, "province_id": province_id, "child_count": child_count}
        for pk, path, depth, province_id, child_count in Org.objects.values_list(
            "pk", "path", "depth", "province_id", "child_count"
        )
    }


def assert_tree_consistent() -> None:
    """Every stored path, depth, province_id and child_count equals the recomputation."""
    stored, expected = stored_tree(), recompute_tree()
    wrong = {pk: (stored[pk], expected[pk]) for pk in expected if stored[pk] != expected[pk]}
    assert not wrong, f"org rows whose tree columns disagree with their parent chain: {wrong}"
    assert_rollups_consistent()


def assert_rollups_consistent() -> None:
    """Every org's subtree totals equal a plain SUM over its subtree, computed with SQL."""
    from django.db.models import Q, Sum

    from gonghui.core.tree import in_subtree

    active = Q(status="active")
    for org in Org.objects.all():
        sums = Org.objects.filter(in_subtree("path", org.path)).aggregate(
            orgs=Sum(1, filter=active),
            grassroots=Sum(1, filter=active & Q(kind="grassroots")),
            federations=Sum(1, filter=active & Q(kind="federation")),
            employees=Sum("employee_count", filter=active & Q(kind__in=["grassroots", "federation"])),
            members=Sum("member_count"),
            verified_members=Sum("verified_member_count"),
            gig_members=Sum("gig_member_count"),
        )
        stored = {key: getattr(org, f"sub_{key}") for key in sums}
        expected = {key: value or 0 for key, value in sums.items()}
        assert stored == expected, f"subtree totals of {org.code} drifted: stored {stored}, expected {expected}"


def table_state() -> dict:
    """Everything an org action could change: every org row and the number of audit entries."""
    return {
        "orgs": list(Org.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def reload(org: Org) -> Org:
    return Org.objects.get(pk=org.pk)
