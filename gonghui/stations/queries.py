"""Read helpers: one station in scope, the console list, and the statistics of an org's subtree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from gonghui.core.scoping import access_object
from gonghui.core.tree import in_subtree
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org
from gonghui.stations.models import Investment, Station, StationKind
from gonghui.stations.states import StationStatus


def access_station(user, code: str, action: str = "view") -> Station:
    """A station in the user's scope for `action` (station.view, station.manage …), or 404."""
    return access_object(Station.objects.select_related("kind", "org"), user, action, code=str(code).upper())


def station_list(user, *, kind=None, status=None, division=None, q=None):
    qs = Station.objects.restrict(user, "view").select_related("kind", "org").order_by("-id")
    if kind:
        qs = qs.filter(kind__code=kind)
    if status:
        qs = qs.filter(status=status)
    if division:
        qs = qs.filter(division_code__startswith=division)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(code=q.upper()) | Q(address__contains=q) | Q(host__contains=q))
    return qs


@dataclass
class StatRow:
    org: Org
    own: bool = False  # the org itself (stations it owns directly), not a child's subtree
    by_kind: dict = field(default_factory=lambda: defaultdict(int))
    by_status: dict = field(default_factory=lambda: defaultdict(int))
    stations: int = 0
    investment: Decimal = Decimal("0.00")
    visits: int = 0
    rating_count: int = 0
    rating_sum: int = 0

    @property
    def satisfaction(self):
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None

    def add(self, other: StatRow) -> None:
        for k, v in other.by_kind.items():
            self.by_kind[k] += v
        for k, v in other.by_status.items():
            self.by_status[k] += v
        self.stations += other.stations
        self.investment += other.investment
        self.visits += other.visits
        self.rating_count += other.rating_count
        self.rating_sum += other.rating_sum


def subtree_stats(user, org: Org) -> tuple[list[StatRow], StatRow, list[StationKind]]:
    """Per direct child of `org` (its whole subtree) and `org` itself: stations by kind and status,
    investment, visits (服务人次) and satisfaction; plus the total. Four queries whatever the tree's size."""
    children = list(
        Org.objects.restrict(user, "view").filter(parent=org, status=OrgStatus.ACTIVE).order_by("kind", "name")
    )
    rows = [StatRow(org=org, own=True)] + [StatRow(org=c) for c in children]

    def row_for(path: str) -> StatRow:
        for row in rows[1:]:
            if path.startswith(row.org.path):
                return row
        return rows[0]

    scoped = Station.objects.restrict(user, "view").filter(in_subtree("org_path", org.path))
    groups = scoped.values("org_path", "kind_id", "status").annotate(
        n=Count("id"), visits=Sum("visit_count"), rc=Sum("rating_count"), rs=Sum("rating_sum")
    )
    for g in groups:
        row = row_for(g["org_path"])
        row.by_kind[g["kind_id"]] += g["n"]
        row.by_status[g["status"]] += g["n"]
        row.stations += g["n"]
        row.visits += g["visits"] or 0
        row.rating_count += g["rc"] or 0
        row.rating_sum += g["rs"] or 0
    money = Investment.objects.restrict(user, "view").filter(in_subtree("org_path", org.path))
    for g in money.values("org_path").annotate(total=Sum("amount")):
        row_for(g["org_path"]).investment += g["total"] or Decimal("0")
    total = StatRow(org=org)
    for row in rows:
        total.add(row)
    kinds = list(StationKind.objects.all())
    return rows, total, kinds


STATUSES = list(StationStatus)
