"""Navigation: apps declare menu items; the menu shows those the user may use somewhere."""

from django.apps import apps
from django.urls import reverse

from gonghui.core.scoping import user_can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for config in apps.get_app_configs():
        for label, url_name, permission in getattr(config, "navigation", []):
            if permission is None or user_can(user, permission):
                items.append({"label": label, "url": reverse(url_name), "active": False})
    # The longest matching URL wins: on /members/joins/ the item 入会审批 is active, not 会员 (/members/).
    matching = [item for item in items if item["url"] != "/" and request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
