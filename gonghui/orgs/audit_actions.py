"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"org": _("组织")}
LABELS = {
    "org.create": _("新建组织"),
    "org.bulk_create": _("批量新建组织"),
    "org.update": _("修改组织信息"),
    "org.close": _("撤销组织"),
    "org.move": _("调整上级组织"),
    "org.merge": _("合并组织"),
    "org.merge_receive": _("接收合并组织"),
    "org.recount_fix": _("校正组织统计数"),
}
