from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "gonghui.stations"
    label = "stations"
    verbose_name = _("服务站点")
    permissions = {
        "station.view": _("查看服务站点、到站记录、评价、巡查和统计"),
        "station.manage": _("新建、修改、启停、撤销服务站点，登记投入，导入站点"),
        "station.inspect": _("巡查站点、评定星级、跟踪整改"),
    }
    navigation = [(_("服务站点"), "stations:list", "station.view")]
    # Shown on an org's page (orgs.views.org_links): the subtree's station statistics.
    org_links = [(_("服务站点统计"), "stations:stats", "station.view")]
