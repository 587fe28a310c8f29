from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"
    verbose_name = _("会员")
    permissions = {
        "member.view": _("查看会员"),
        "member.change": _("录入、修改会员，办理转会"),
        "member.approve": _("审批入会、接收转会、除名"),
        "member.import": _("导入会员名册"),
        "member.export": _("导出会员名册"),
        "member.view_pii": _("查看完整证件号码（留痕）"),
        "card.verify": _("核验会员卡二维码"),
        "member.routing": _("维护新就业形态入会分派规则"),
    }
    navigation = [
        (_("会员"), "members:list", "member.view"),
        (_("入会审批"), "members:joins", "member.view"),
        (_("转会"), "members:transfers", "member.view"),
        (_("名册导入"), "members:import_list", "member.import"),
        (_("入会分派规则"), "members:routing", "member.routing"),
    ]
    # Shown on an org's page (orgs.views.org_links): the org's QR join link for posters and sites.
    org_links = [
        (_("入会二维码"), "portal:org_join_qr", "member.view"),
        (_("导入名册"), "members:import_upload", "member.import"),
    ]

    # The member portal's home tiles (members.portal.tiles): other apps add theirs the same way.
    portal_tiles = [
        (_("电子会员卡"), "portal:card", _("出示二维码，享受会员优惠"), "gonghui.members.portal.tiles.is_member"),
        (
            _("申请转会"),
            "portal:transfer",
            _("换了工作单位，转到新单位工会"),
            "gonghui.members.portal.tiles.can_transfer",
        ),
        (_("办理进度"), "portal:applications", _("入会、转会申请")),
        (_("个人信息"), "portal:profile", _("姓名、证件、手机号")),
        (_("会费计算"), "portal:dues", _("按月基本工资计算应缴会费"), "gonghui.members.portal.tiles.is_member"),
    ]

    def ready(self):
        from gonghui.members import eligibility, receivers  # noqa: F401  (receivers: the org signal receivers)

        # Named conditions other apps provide to the member rule language (AppConfig.member_conditions).
        eligibility.discover()
