"""Permission-scoped querysets: the one filter shared by UI, API, exports and dashboards.

Each scoped model names the permission prefix it answers to (``org``, ``member`` …) and
the field that holds the org path of the row. ``Model.objects.restrict(user, "view")``
keeps the rows that lie in a subtree where the user holds ``<prefix>.view``.

The user object supplies ``scope_paths(permission)``: ``None`` for unrestricted access
(superusers), otherwise the list of org paths where the permission is granted. Core does
not know how grants are stored; the accounts app does.
"""

from django.db import models
from django.http import Http404

from gonghui.core.tree import in_any_subtree


def permission_name(model, action: str) -> str:
    return action if "." in action else f"{model.permission_prefix}.{action}"


def user_scope_paths(user, permission: str):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return user.scope_paths(permission)


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        model = self.model
        paths = user_scope_paths(user, permission_name(model, action))
        if paths is None:
            return self
        if not paths:
            return self.none()
        return self.filter(in_any_subtree(model.scope_path_field, paths))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def access_object(queryset, user, action: str = "view", **lookup):
    """Fetch one object the user may act on, or 404 (never 403: that would leak existence)."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"{queryset.model._meta.verbose_name} not found") from None


def user_can(user, permission: str, path: str | None = None) -> bool:
    """Does the user hold `permission` at `path` (or anywhere, when path is None)?"""
    paths = user_scope_paths(user, permission)
    if paths is None:
        return True
    if path is None:
        return bool(paths)
    return any(path.startswith(p) for p in paths)
