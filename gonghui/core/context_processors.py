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
                url = reverse(url_name)
                items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items}
