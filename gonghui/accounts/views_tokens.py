"""The staff member's own API tokens: listed (never the token itself) and revoked one by one."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from gonghui.accounts import actions
from gonghui.accounts.models import ApiToken


class TokenListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = ApiToken.objects.filter(user=self.request.user).order_by("-created_at")[:200]
        return context


class TokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, token_id):
        token = get_object_or_404(ApiToken.objects.select_related("user__home_org"), pk=token_id, user=request.user)
        actions.do_revoke_api_token(acting_user=request.user, token=token)
        messages.success(request, _("令牌 %(prefix)s… 已撤销") % {"prefix": token.prefix})
        return redirect("accounts:tokens")
