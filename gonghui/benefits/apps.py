from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "gonghui.benefits"
    label = "benefits"
    verbose_name = _("普惠服务")
    permissions = {
        "benefit.view": _("查看普惠服务、合作商户、消费券活动和统计"),
        "benefit.manage": _("签约合作商户，发布服务、优惠和消费券活动，定向发放、作废消费券，处理评价"),
        "benefit.redeem": _("代合作商户核验会员卡、核销消费券、登记优惠（本组织及下级签约的商户）"),
    }
    navigation = [
        (_("普惠"), "benefits:campaigns", "benefit.view"),
        (_("合作商户"), "benefits:partners", "benefit.view"),
        (_("普惠服务"), "benefits:services", "benefit.view"),
        (_("会员评价"), "benefits:feedback", "benefit.view"),
        # Partner staff hold no grant: the counter is shown to accounts linked to a partner (PartnerStaff).
        (_("核销台"), "benefits:counter", None, "gonghui.benefits.queries.works_at_a_counter"),
    ]

    # Member portal home tile (members.portal.tiles).
    portal_tiles = [
        (_("普惠服务"), "benefits_portal:home", _("消费券、合作商户优惠"), "gonghui.members.portal.tiles.is_member")
    ]

    def ready(self):
        # receivers: org moves and merges. The rule language (members.eligibility) is discovered by members.
        from gonghui.benefits import receivers  # noqa: F401
