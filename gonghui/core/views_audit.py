"""The audit log page: entries in the user's subtree, newest first."""

from gonghui.core.audit_queries import subtree_log
from gonghui.core.forms import AuditFilterForm
from gonghui.core.views import ScopedListView


class AuditLogView(ScopedListView):
    template_name = "core/audit_log.html"
    filter_form_class = AuditFilterForm

    def get_queryset(self, filters):
        return subtree_log(self.request.user, filters.get("action", ""), filters.get("actor", ""))
