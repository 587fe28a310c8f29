"""The 转办 picker (issue 18 point 1): where the holder of a ticket may send it.

Nothing is pre-selected. The page offers the suggested 承办 union first (when it lies below the
holder), then the holder's direct children, and a search of the holder's whole subtree by name or
code (an htmx GET answered by `org_search_view`, scoped like the move itself: 404 unless the user
may handle the ticket). Also here: who "holds" a ticket, so that only the holder's staff see
签收/退回 (the operator who forwarded it no longer does).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from gonghui.core.scoping import user_can, user_scope_paths
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org

SEARCH_LIMIT = 20


def subtree_below(holder: Org):
    """Active orgs strictly below `holder` (where 转办 may send its ticket)."""
    return (
        Org.objects.filter(path__startswith=holder.path, status=OrgStatus.ACTIVE)
        .exclude(pk=holder.pk)
        .only("pk", "name", "code", "path", "depth")
    )


def suggested_target(appeal) -> Org | None:
    """The suggested 承办 union when the holder can send the ticket there (it lies below the holder)."""
    org = appeal.suggested_org
    if org is None or org.pk == appeal.org_id or org.status != OrgStatus.ACTIVE:
        return None
    return org if org.path.startswith(appeal.org.path) else None


def children_of(holder: Org):
    return subtree_below(holder).filter(parent=holder).order_by("code")


def search(holder: Org, query: str):
    """Orgs below `holder` whose name contains `query` or whose code starts with it, shallowest first."""
    query = " ".join((query or "").split())
    if not query:
        return Org.objects.none()
    rows = subtree_below(holder)
    if query.isascii() and query.replace("-", "").isalnum():
        rows = rows.filter(code__startswith=query.upper()) | rows.filter(name__contains=query)
    else:
        rows = rows.filter(name__contains=query)
    return rows.order_by("depth", "code")[:SEARCH_LIMIT]


def holds(user, appeal) -> bool:
    """Does the user work for the org now holding the ticket (home org, or a grant on that very org)?

    Staff above the holder keep their permission (they may supervise, take a note …), but 签收 and
    退回 belong to the holder: the operator who forwarded a ticket must not sign for it as well.
    """
    if not user_can(user, "appeal.change", appeal.org_path):
        return False
    if getattr(user, "home_org_id", None) == appeal.org_id:
        return True
    paths = user_scope_paths(user, "appeal.change")
    return paths is not None and appeal.org_path in paths


def org_search_view(request, number):
    """htmx: the radio choices of the orgs below the holder matching `q` (404 outside the scope)."""
    from gonghui.appeals.views import access_appeal

    if not request.user.is_authenticated:
        raise Http404
    appeal = access_appeal(request.user, number)
    if not user_can(request.user, "appeal.change", appeal.org_path):
        raise Http404
    query = request.GET.get("q", "")
    rows = list(search(appeal.org, query))
    return render(
        request, "appeals/_org_choices.html", {"orgs": rows, "query": query.strip(), "group": "found", "searched": True}
    )
