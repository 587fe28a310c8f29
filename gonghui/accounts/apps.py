from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gonghui.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")
    permissions = {
        "staff.view": _("查看工作人员"),
        "staff.manage": _("管理工作人员和授权"),
    }
    navigation = [(_("工作人员"), "accounts:staff_list", "staff.view")]
