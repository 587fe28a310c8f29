from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharityConfig(AppConfig):
    name = "gonghui.charity"
    label = "charity"
    verbose_name = _("公益慈善")
    permissions = {
        "charity.view": _("查看专项基金、募捐活动、捐赠、资助、微心愿和志愿者"),
        "charity.manage": _("设立基金和募捐活动，登记和导入捐赠，开具收据，申请资助，审核微心愿，管理志愿者"),
        "charity.approve": _("基金管委会：批准资助和基金划转（不得审批本人经办的事项），导出拨付文件，登记手续费"),
    }
    navigation = [
        (_("公益慈善"), "charity:funds", "charity.view"),
        (_("捐赠"), "charity:donations", "charity.view"),
        (_("资助审批"), "charity:grants", "charity.view"),
        (_("微心愿"), "charity:wishes", "charity.view"),
        (_("志愿者"), "charity:volunteers", "charity.view"),
    ]
    # Shown on an org's page (orgs.views.org_links): the subtree's charity statistics.
    org_links = [
        (_("公益慈善统计"), "charity:stats_org", "charity.view"),
    ]

    def ready(self):
        from gonghui.charity import receivers  # noqa: F401  (the hardship timeline; org moves)
