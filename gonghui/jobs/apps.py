from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gonghui.jobs"
    label = "jobs"
    verbose_name = _("就业服务")
    permissions = {
        "jobs.view": _("查看用人单位、岗位、求职申请、就业安置、招聘会和统计"),
        "jobs.manage": _("登记用人单位，编辑岗位，代会员投递，处理申请，登记录用和回访，办招聘会，查人才库"),
        "jobs.review": _("审核用人单位，审核发布岗位，暂停用人单位"),
    }
    navigation = [
        (_("就业服务"), "jobs:posts", "jobs.view"),
        (_("用人单位"), "jobs:employers", "jobs.view"),
        (_("就业安置"), "jobs:placements", "jobs.view"),
        (_("招聘会"), "jobs:fairs", "jobs.view"),
        (_("人才库"), "jobs:talent", "jobs.manage"),
    ]
    org_links = [
        (_("就业服务统计"), "jobs:stats_org", "jobs.view"),
    ]
    portal_tiles = [
        (_("找工作"), "jobs_portal:search", _("附近岗位、零工日结、见习岗位")),
    ]
