"""Member pages in the console."""

from django.http import Http404

from gonghui.core.scoping import access_object
from gonghui.core.views import ScopedListView
from gonghui.members.forms import MemberSearchForm
from gonghui.members.queries import member_list
from gonghui.orgs.models import Org


class MemberListView(ScopedListView):
    template_name = "members/list.html"
    filter_form_class = MemberSearchForm

    def get_queryset(self, filters):
        org = None
        if filters.get("org"):
            try:
                org = access_object(Org.objects.all(), self.request.user, "view", code=filters["org"].strip().upper())
            except Http404:
                return member_list(self.request.user).none()
        return member_list(
            self.request.user,
            q=filters.get("q", ""),
            status=filters.get("status", ""),
            worker_type=filters.get("worker_type", ""),
            org=org,
        )
