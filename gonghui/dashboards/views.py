"""The home page: the user's scope and its headline counters."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from gonghui.orgs.queries import scope_roots, subtree_stats


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "dashboards/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roots = scope_roots(self.request.user)
        context["scopes"] = [{"org": org, "stats": subtree_stats(org)} for org in roots[:20]]
        return context
