"""Chinese labels of this app's audit action codes (gonghui/core/audit_labels.py, issue 18)."""

from django.utils.translation import gettext_lazy as _

NOUNS = {"person": _("人员")}
LABELS = {
    "person.create": _("登记人员"),
    "person.bulk_create": _("批量登记人员"),
    "person.update": _("修改人员信息"),
    "person.reveal_document": _("查看完整证件号码"),
}
