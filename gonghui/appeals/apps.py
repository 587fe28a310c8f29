from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "gonghui.appeals"
    label = "appeals"
    verbose_name = _("诉求与12351热线")
    permissions = {
        "appeal.view": _("查看诉求工单"),
        "appeal.change": _("签收、办理、办结、退回诉求；审批下级延期、督办"),
        "appeal.assign": _("热线受理、转办、回访、满意度、心理危机跟进"),
        "appeal.view_pii": _("查看来电人完整手机号（留痕）"),
    }

    navigation = [
        (_("热线工作台"), "appeals:workbench", "appeal.assign"),
        (_("诉求办理"), "appeals:queue", "appeal.view"),
        (_("劳动争议调解"), "appeals:mediation", "appeal.view"),
        (_("诉求统计"), "appeals:stats", "appeal.view"),
    ]

    # Member portal home tile (members.portal.tiles).
    portal_tiles = [(_("我的诉求"), "appeals:portal", _("反映问题、查看办理进度"))]

    def ready(self):
        from django.db.models.signals import post_migrate

        from gonghui.appeals import receivers  # noqa: F401  (follows org moves and merges)

        post_migrate.connect(build_triage_model, sender=self, dispatch_uid="appeals.build_triage_model")


def build_triage_model(sender, verbosity=1, **kwargs):
    """The triage model file is built with the installation: at `migrate`, when missing or stale (issue 18)."""
    from gonghui.appeals import triage

    if triage.ensure_model_file() and verbosity >= 1:
        print(f"  Built the appeal triage model: {triage.default_model_path()}")
