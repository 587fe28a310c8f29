from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = _("工会组织")
    permissions = {
        "org.view": _("查看组织"),
        "org.add": _("新建下级组织"),
        "org.change": _("修改组织、移动组织"),
        "org.close": _("撤销、合并组织"),
    }
    navigation = [(_("组织架构"), "orgs:tree", "org.view")]
