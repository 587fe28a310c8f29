"""Read helpers for staff and grants."""

from django.db.models import Prefetch

from gonghui.accounts.models import Grant, User
from gonghui.core.scoping import user_can


def staff_of_org(user, org):
    """Active grants held on this org, for the org page; None if the viewer may not see staff."""
    if not user_can(user, "staff.view", org.path):
        return None
    return list(Grant.objects.active().filter(org=org).select_related("user", "role").order_by("user__username"))


def staff_list(user, q: str = "", include_inactive: bool = False):
    qs = User.objects.restrict(user, "view").select_related("home_org")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    q = (q or "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(username__icontains=q) | Q(display_name__contains=q))
    return qs.prefetch_related(
        Prefetch("grants", queryset=Grant.objects.active().select_related("role", "org"), to_attr="active_grants")
    ).order_by("username")
