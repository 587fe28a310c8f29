from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HardshipConfig(AppConfig):
    name = "gonghui.hardship"
    label = "hardship"
    verbose_name = _("困难职工帮扶")
    permissions = {
        "hardship.view": _("查看困难职工档案"),
        "hardship.change": _("建档、入户调查、核查、审核、公示、年度复核"),
        "hardship.approve": _("审批建档、脱困、解困、退档；设立帮扶项目，批准帮扶申请"),
        "finance.view": _("查看预算、发放和资金台账"),
        "finance.approve": _("下达预算，审核发放（不得审核本人经办的发放），导出银行代发文件，对账"),
    }
    navigation = [
        (_("困难帮扶"), "hardship:queues", "hardship.view"),
        (_("困难职工档案"), "hardship:list", "hardship.view"),
        (_("帮扶申请"), "hardship:aid_applications", "hardship.view"),
        (_("发放审核"), "hardship:aid_disbursements", "finance.approve"),
        (_("帮扶预算"), "hardship:aid_budgets", "finance.view"),
    ]
    # Shown on an org's page (orgs.views.org_links): the subtree's hardship statistics.
    org_links = [
        (_("困难帮扶统计"), "hardship:stats_org", "hardship.view"),
    ]
    # Lets member rules (benefits, learning …) target archived hardship workers (members.eligibility.discover).
    member_conditions = {"hardship": "gonghui.hardship.benefits.archive_condition"}

    def ready(self):
        from gonghui.hardship import aid_receivers, receivers  # noqa: F401  (follow org moves and merges)
