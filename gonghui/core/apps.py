from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = _("核心")
    navigation = [(_("操作日志"), "core:audit_log", "audit.view")]
    permissions = {
        "audit.view": _("查看操作日志"),
    }

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from gonghui.core.edge import stamp_session_at_login

        user_logged_in.connect(stamp_session_at_login, dispatch_uid="gonghui-idle-session")
