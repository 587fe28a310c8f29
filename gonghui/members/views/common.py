"""Pieces shared by the member views."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from gonghui.core.scoping import access_object
from gonghui.orgs.models import Org, OrgStatus


def org_in_scope(user, code: str, field: str = "org") -> Org:
    """The org with this code inside the user's scope, or a form error on `field`."""
    try:
        return access_object(Org.objects.all(), user, "view", code=(code or "").strip().upper())
    except Http404:
        raise ValidationError({field: _("找不到该组织代码，或该组织不在您的管理范围内")}) from None


def receiving_org(code: str, field: str = "to_org") -> Org:
    """The org a member transfers to, anywhere in the installation, or a form error on `field`.

    Workers move across districts and cities, so the target of a transfer is not limited to the
    sender's scope: the receiving union reviews the request in its own queue. Only an active org's
    existence and name are revealed here, which are public (a union's name is on its door).
    """
    org = Org.objects.filter(code=(code or "").strip().upper(), status=OrgStatus.ACTIVE).first()
    if org is None:
        raise ValidationError({field: _("找不到该组织代码，或该组织已撤销")})
    return org


class LoginRequiredObjectMixin(AccessMixin):
    """Resolve the page's object (404 outside the scope) before the view runs; anonymous → login."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError
