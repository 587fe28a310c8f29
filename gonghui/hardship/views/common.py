"""Pieces shared by the hardship views: the scoped archive lookup and the page's object mixin."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.core.scoping import access_object
from gonghui.hardship import actions
from gonghui.hardship.models import HardshipArchive
from gonghui.orgs.models import Org


def today() -> dt.date:
    """The hardship actions' today (one clock for the actions and the queues they feed)."""
    return actions._today()


def access_archive(user, number: str) -> HardshipArchive:
    """The archive with this number inside the user's hardship.view scope, or 404."""
    return access_object(
        HardshipArchive.objects.select_related("org", "person", "membership", "approved_org"),
        user,
        "hardship.view",
        number=(number or "").strip().upper(),
    )


def archive_url(archive: HardshipArchive) -> str:
    return reverse("hardship:detail", args=[archive.number])


def org_in_scope(user, code: str, field: str = "org") -> Org:
    """The org with this code where the user may see archives, or a form error on `field`."""
    try:
        return access_object(Org.objects.all(), user, "hardship.view", code=(code or "").strip().upper())
    except Http404:
        raise ValidationError({field: _("找不到该组织代码，或该组织不在您的管理范围内")}) from None


class ArchiveObjectMixin(AccessMixin):
    """Resolve the page's archive (404 outside the scope) before the view runs; anonymous → login."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.archive = access_archive(request.user, kwargs["number"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["archive"] = self.archive
        return context


def person_name_of(user) -> str:
    """经办人 by default: the logged-in person's display name, never an org (an account named after
    its union, e.g. "南山区总工会", leaves the field empty so that the person types their name)."""
    name = (getattr(user, "display_name", "") or "").strip()
    home = getattr(user, "home_org", None)
    if not name or (home is not None and name in (home.name, home.short_name)) or name.endswith("工会"):
        return ""
    return name[:30]
