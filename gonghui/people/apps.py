from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "gonghui.people"
    label = "people"
    verbose_name = _("实名人员")
    permissions = {
        "member.view_pii": _("查看完整证件号码等敏感信息"),
    }
