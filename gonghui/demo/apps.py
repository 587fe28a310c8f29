from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic demo data (`gonghui demo`). Depends on every module; nothing depends on it."""

    name = "gonghui.demo"
    label = "demo"
    verbose_name = "演示数据"
