"""The member portal's home tiles, contributed by the apps (a small registry, like the staff menu).

An app lists its portal services on its AppConfig:

    portal_tiles = [(label, url name, one-line hint), …]            # always shown to a member
    portal_tiles = [(label, url name, hint, predicate), …]          # shown when predicate(request)

`predicate` is a callable or its dotted path, called with the request (`request.member` is the
logged-in member, `request.portal_status` their `members.portal.status.MemberStatus`). The home
page shows every tile in app order; a new app adds tiles without touching the template.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


@cache
def _predicate(spec):
    return import_string(spec) if isinstance(spec, str) else spec


def portal_tiles(request) -> list[dict]:
    """[{label, hint, url}] for the request's member, from every installed app's `portal_tiles`."""
    tiles = []
    for config in apps.get_app_configs():
        for label, url_name, hint, *more in getattr(config, "portal_tiles", []):
            if more and not _predicate(more[0])(request):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:  # an app whose portal is not mounted in this installation
                continue
            tiles.append({"label": label, "hint": hint, "url": url, "name": url_name})
    return tiles


# Predicates of the members app's own tiles.


def is_member(request) -> bool:
    status = getattr(request, "portal_status", None)
    return bool(status and status.is_member)


def can_transfer(request) -> bool:
    status = getattr(request, "portal_status", None)
    return bool(status and status.membership and status.membership.status == "active")
