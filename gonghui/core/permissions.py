"""The registry of permission names, gathered from every app's AppConfig.permissions."""

from django.apps import apps


def all_permissions() -> dict[str, str]:
    result: dict[str, str] = {}
    for config in apps.get_app_configs():
        result.update(getattr(config, "permissions", {}))
    return result
