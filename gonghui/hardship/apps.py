from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HardshipConfig(AppConfig):
    name = "gonghui.hardship"
    label = "hardship"
    verbose_name = _("困难职工帮扶")
    permissions = {
        "hardship.view": _("查看困难职工档案"),
        "hardship.change": _("建档、入户调查、核查、审核、公示、年度复核"),
        "hardship.approve": _("审批建档、脱困、解困、退档"),
    }
    navigation = [
        (_("困难帮扶"), "hardship:queues", "hardship.view"),
        (_("困难职工档案"), "hardship:list", "hardship.view"),
    ]
    # Shown on an org's page (orgs.views.org_links): the subtree's hardship statistics.
    org_links = [
        (_("困难帮扶统计"), "hardship:stats_org", "hardship.view"),
    ]

    def ready(self):
        from gonghui.hardship import receivers  # noqa: F401  (follows org moves and merges)
