from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "gonghui.learning"
    label = "learning"
    verbose_name = _("职工学习")
    permissions = {
        "learning.view": _("查看课程、活动、报名、签到、证书和统计"),
        "learning.manage": _("发布课程和活动，代会员报名，管理候补，颁发、撤销证书，核实会员技能"),
        "learning.checkin": _("课堂签到：扫会员卡登记出勤（授课老师、班主任）"),
    }
    navigation = [
        (_("职工学习"), "learning:offerings", "learning.view"),
        (_("证书"), "learning:certificates", "learning.view"),
        (_("技能核实"), "learning:skills", "learning.manage"),
        (_("学习需求"), "learning:workflows", "learning.view"),
    ]
    org_links = [
        (_("职工学习统计"), "learning:stats_org", "learning.view"),
    ]
    portal_tiles = [
        (_("职工学习"), "learning_portal:list", _("夜校课程、活动报名")),
        (_("我的课程和技能"), "learning_portal:mine", _("课程、证书、技能档案")),
    ]
    # Hooks the members app reads without importing learning (members.extensions).
    member_skills = "gonghui.learning.queries.skills_for_api"
    member_panels = {
        "console": "gonghui.learning.panels.console_panel",
        "portal": "gonghui.learning.panels.portal_panel",
    }
