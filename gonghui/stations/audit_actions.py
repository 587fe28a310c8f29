"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"station": _("服务站点")}
LABELS = {
    "station.create": _("新建服务站点"),
    "station.update": _("修改服务站点"),
    # action=f"station.{status}" (StationStatus)
    "station.planned": _("站点设为筹建"),
    "station.running": _("站点投入运行"),
    "station.paused": _("站点暂停服务"),
    "station.revoked": _("撤销服务站点"),
    "station.import_create": _("导入新建站点"),
    "station.import_update": _("导入更新站点"),
    "station.invest": _("登记站点投入"),
    "station.checkin": _("到站签到"),
    "station.rate": _("评价站点"),
    "station.inspect": _("巡查站点"),
    "station.follow_up_done": _("完成整改"),
}
