"""Where a join application lands (属地 and gig-worker routing, DOMAIN.md §2)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from gonghui.members.models import RoutingRule
from gonghui.orgs.kinds import OrgKind, OrgStatus
from gonghui.orgs.models import Org


def _division_chain(code: str) -> list[str]:
    """440305001 → [440305001, 440305, 440300, 440000]: most specific first."""
    chain = []
    if len(code) == 9:
        chain.append(code)
        code = code[:6]
    if len(code) == 6:
        chain.append(code)
        if not code.endswith("00"):
            chain.append(code[:4] + "00")
        if not code.endswith("0000"):
            chain.append(code[:2] + "0000")
    return list(dict.fromkeys(chain))


def route_gig_worker(platform: str, division_code: str, gig_subtype: str = "") -> tuple[Org, str] | None:
    """The 联合会 for a gig worker of `platform` working in `division_code`, by the routing table."""
    chain = _division_chain(division_code)
    if not chain:
        return None
    rules = list(
        RoutingRule.objects.filter(division_code__in=chain, platform__in=[platform or "", ""])
        .filter(Q(gig_subtype=gig_subtype or "") | Q(gig_subtype=""))
        .select_related("org")
    )
    rules = [r for r in rules if r.org.status == OrgStatus.ACTIVE]
    if not rules:
        return None
    # Most specific: the deepest division first, then an exact platform, then an exact subtype.
    rules.sort(key=lambda r: (chain.index(r.division_code), r.platform == "", r.gig_subtype == ""))
    best = rules[0]
    return best.org, _("分派规则：%(p)s @ %(d)s") % {"p": best.platform or _("所有平台"), "d": best.division_code}


def local_federation(division_code: str) -> tuple[Org, str] | None:
    """The 属地 street or district federation for a place, walking up the division chain."""
    for code in _division_chain(division_code):
        org = (
            Org.objects.filter(
                division_code=code,
                status=OrgStatus.ACTIVE,
                kind__in=[OrgKind.STREET, OrgKind.DISTRICT, OrgKind.CITY, OrgKind.PROVINCE],
            )
            .order_by("-depth")
            .first()
        )
        if org is not None:
            return org, _("属地工会：%(code)s") % {"code": code}
    return None


def route_application(
    *, org: Org | None, worker_type: str, platform: str, division_code: str, gig_subtype: str = ""
) -> tuple[Org, str] | None:
    """Chosen org if any; else a gig worker's 联合会; else the 属地 federation of the workplace."""
    if org is not None:
        return org, _("申请人选择")
    if worker_type == "gig":
        routed = route_gig_worker(platform, division_code, gig_subtype)
        if routed:
            return routed
    if division_code:
        return local_federation(division_code)
    return None
