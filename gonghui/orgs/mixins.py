"""View pieces shared by the apps that hang work on an org."""

from gonghui.core.scoping import access_object
from gonghui.orgs.models import Org


class OrgFromQueryMixin:
    """Forms that create something for an org named by its code (`?org=`): `self.org` is that org, and
    an org outside the user's `org_permission` answers 404 like any object outside the scope."""

    org_permission = ""  # set by the view, e.g. "benefit.manage"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        code = (request.GET.get("org") or "").strip().upper()
        self.org = access_object(Org.objects.all(), request.user, self.org_permission, code=code)
        return super().dispatch(request, *args, **kwargs)
