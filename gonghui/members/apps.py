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

    def ready(self):
        from gonghui.members import eligibility, receivers  # noqa: F401  (receivers: the org signal receivers)

        # Named conditions other apps provide to the member rule language (AppConfig.member_conditions).
        eligibility.discover()
