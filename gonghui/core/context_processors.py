"""Navigation: apps declare menu items; the menu shows those the user may use somewhere.

An item is `(label, url name, permission or None)` or, when showing it depends on something other
than a permission, `(label, url name, permission or None, predicate)`: the predicate is a callable
`user -> bool` or its dotted path (imported on first use), e.g. "is this account partner staff".
"""

from functools import cache

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string

from gonghui.core.scoping import user_can


@cache
def _predicate(spec):
    return import_string(spec) if isinstance(spec, str) else spec


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for config in apps.get_app_configs():
        for label, url_name, permission, *more in getattr(config, "navigation", []):
            if permission is not None and not user_can(user, permission):
                continue
            if more and not _predicate(more[0])(user):
                continue
            items.append({"label": label, "url": reverse(url_name), "active": False})
    # The longest matching URL wins: on /members/joins/ the item 入会审批 is active, not 会员 (/members/).
    matching = [item for item in items if item["url"] != "/" and request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
