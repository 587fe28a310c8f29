"""Read helpers for orgs: children, breadcrumbs, subtree statistics."""

from django.db.models import Q

from gonghui.core.scoping import user_scope_paths
from gonghui.core.tree import ancestor_ids, in_subtree
from gonghui.orgs import rollup
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org


def scope_roots(user) -> list[Org]:
    """The top orgs of the user's view scope: where their tree starts."""
    paths = user_scope_paths(user, "org.view")
    if paths is None:
        return list(Org.objects.filter(parent__isnull=True).order_by("pk"))
    from gonghui.core.tree import fold_paths

    folded = fold_paths(paths)
    ids = [ancestor_ids(p)[-1] for p in folded]
    return list(Org.objects.filter(pk__in=ids).order_by("path"))


def breadcrumbs(user, org: Org) -> list[Org]:
    """Ancestors of `org` that the user may see, from the top of their scope down to the parent."""
    ids = org.ancestor_ids()
    if not ids:
        return []
    visible = Org.objects.restrict(user, "view").filter(pk__in=ids).only("pk", "name", "code", "path")
    return sorted(visible, key=lambda o: len(o.path))


def children_of(user, org: Org, *, include_closed: bool = False):
    qs = Org.objects.restrict(user, "view").filter(parent=org)
    if not include_closed:
        qs = qs.filter(status=OrgStatus.ACTIVE)
    return qs.order_by("kind", "name").only(
        "pk",
        "parent",
        "code",
        "name",
        "short_name",
        "kind",
        "federation_kind",
        "status",
        "child_count",
        "employee_count",
        "division_code",
        "uscc",
        "established_on",
        "path",
        "depth",
    )


def subtree_stats(org: Org) -> dict:
    """Counts for the org's whole subtree: one primary-key read of its rolled-up totals."""
    row = Org.objects.values(*rollup.FIELDS.values()).get(pk=org.pk)
    stats = {key: row[field] for key, field in rollup.FIELDS.items()}
    # 入会率 and 实名认证率 as percentages with one decimal; None when there is no base.
    stats["join_rate"] = round(100 * stats["members"] / stats["employees"], 1) if stats["employees"] else None
    stats["verified_rate"] = round(100 * stats["verified_members"] / stats["members"], 1) if stats["members"] else None
    return stats


def search_orgs(user, q: str = "", kind: str = "", under: Org | None = None, include_closed=False):
    qs = Org.objects.restrict(user, "view")
    if under is not None:
        qs = qs.filter(in_subtree("path", under.path))
    if kind:
        qs = qs.filter(kind=kind)
    if not include_closed:
        qs = qs.filter(status=OrgStatus.ACTIVE)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code=q.upper()) | Q(uscc=q.upper()))
    return qs
