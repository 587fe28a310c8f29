"""Which union should handle an appeal (分级主办): suggested from the member's union, the
employer's union, or the division of the caller's address, in that order.

The suggestion is the org the ticket should end up with; the ticket still travels there one
level at a time (`do_assign` only passes it to a direct child of the org holding it).
"""

from __future__ import annotations

from gonghui.orgs.kinds import LOCAL_FEDERATIONS, OrgStatus
from gonghui.orgs.models import Org


def _active(qs):
    return qs.filter(status=OrgStatus.ACTIVE)


def suggest_org(*, membership=None, employer_name: str = "", division_code: str = "") -> Org | None:
    if membership is not None and getattr(membership, "org_id", None):
        return membership.org
    name = " ".join((employer_name or "").split())
    if name:
        org = _active(Org.objects.filter(uscc=name)).first() if len(name) == 18 else None
        org = org or _active(Org.objects.filter(name__startswith=name, kind__in=["grassroots", "federation"])).first()
        if org:
            return org
    code = (division_code or "").strip()
    while code:
        org = (
            _active(Org.objects.filter(division_code=code, kind__in=list(LOCAL_FEDERATIONS))).order_by("depth").first()
        )
        if org:
            return org
        code = _shorter_division(code)
    return None


def _shorter_division(code: str) -> str:
    """440305001 → 440305 → 440300 → 440000 → ''."""
    if len(code) > 6:
        return code[:6]
    if code.endswith("0000"):
        return ""
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


def next_hop(holder: Org, target: Org | None) -> Org | None:
    """The direct child of `holder` on the way down to `target` (None when target is not below)."""
    if target is None or target.pk == holder.pk or not target.path.startswith(holder.path):
        return None
    child_path = target.path[: len(holder.path) + len(target.path.split(".")[0]) + 1]
    return Org.objects.filter(path=child_path).first()
