"""入会分派规则: the gig-worker routing table (platform × division code → org), for admins."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ScopedListView
from gonghui.members import actions
from gonghui.members.forms import OptionalReasonForm, RoutingRuleForm
from gonghui.members.models import RoutingRule
from gonghui.members.queries import routing_rules
from gonghui.members.views.common import LoginRequiredObjectMixin, org_in_scope
from gonghui.people.choices import PLATFORM_SUGGESTIONS

PERMISSION = "member.routing"


def _require_routing(user):
    if not user_can(user, PERMISSION):
        raise PermissionDenied(_("您没有维护入会分派规则的权限（需要 member.routing）"))


class RoutingRuleListView(ScopedListView):
    template_name = "members/routing.html"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        _require_routing(request.user)
        return super().get(request, *args, **kwargs)

    def get_queryset(self, filters):
        return routing_rules(self.request.user)


class RoutingFormMixin:
    template_name = "members/routing_form.html"
    form_class = RoutingRuleForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_routing(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["platforms"] = PLATFORM_SUGGESTIONS
        return context

    def get_success_url_for(self, result):
        return reverse("members:routing")


class RoutingRuleCreateView(RoutingFormMixin, ActionFormView):
    submit_label = _lazy("添加")

    @property
    def title(self):
        return _("添加入会分派规则")

    @property
    def success_message(self):
        return _("分派规则已添加")

    def perform(self, form):
        org = org_in_scope(self.request.user, form.cleaned_data["org"])
        return actions.do_create_routing_rule(acting_user=self.request.user, org=org, data=form.rule_data())


class RuleMixin(LoginRequiredObjectMixin):
    def get_object(self):
        return access_object(
            RoutingRule.objects.select_related("org"), self.request.user, "routing", pk=self.kwargs["pk"]
        )


class RoutingRuleUpdateView(RuleMixin, RoutingFormMixin, ActionFormView):
    submit_label = _lazy("保存")

    @property
    def title(self):
        return _("修改入会分派规则")

    @property
    def success_message(self):
        return _("已保存")

    def get_initial(self):
        r = self.object
        return {
            "platform": r.platform,
            "division_code": r.division_code,
            "gig_subtype": r.gig_subtype,
            "org": r.org.code,
            "note": r.note,
        }

    def perform(self, form):
        org = org_in_scope(self.request.user, form.cleaned_data["org"])
        return actions.do_update_routing_rule(
            acting_user=self.request.user, rule=self.object, org=org, data=form.rule_data()
        )


class RoutingRuleDeleteView(RuleMixin, RoutingFormMixin, ActionFormView):
    form_class = OptionalReasonForm
    submit_label = _lazy("删除")
    danger = True

    @property
    def title(self):
        return _("删除入会分派规则：%(rule)s → %(org)s") % {
            "rule": f"{self.object.platform or _('所有平台')} @ {self.object.division_code}",
            "org": self.object.org.name,
        }

    @property
    def success_message(self):
        return _("分派规则已删除")

    def perform(self, form):
        actions.do_delete_routing_rule(
            acting_user=self.request.user, rule=self.object, reason=form.cleaned_data.get("reason", "")
        )
        return None
