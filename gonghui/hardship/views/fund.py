"""便民服务项目基金 screens: each archived worker's annual allowance and its balance, the service
providers, and service orders (dispatch to a provider, complete — the worker pays the cost price,
the fund pays the rest — or cancel). Thin views over `hardship.aid` and `hardship.aid_queries`."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from gonghui.core.scoping import access_object, user_can
from gonghui.hardship import aid, aid_queries
from gonghui.hardship import forms as hf
from gonghui.hardship.models_aid import ConvenienceAllowance, ServiceCategory, ServiceOrder, ServiceProvider
from gonghui.hardship.views.aid import AidFormView, paginate
from gonghui.hardship.views.common import access_archive, org_in_scope, today

CHANGE = "hardship.change"


class FundView(LoginRequiredMixin, TemplateView):
    """Allowances of a year (balance = amount − spent, kept equal to the ledger) and the orders."""

    template_name = "hardship/aid/fund.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user_can(user, "hardship.view"):
            raise PermissionDenied(_("您没有查看困难职工档案的权限（需要 hardship.view）"))
        form = hf.AidFilterForm(self.request.GET or None, statuses=ServiceOrder.Status.choices)
        data = form.cleaned_data if form.is_valid() else {}
        year = data.get("year") or today().year
        allowances = (
            ConvenienceAllowance.objects.restrict(user, "view")
            .filter(year=year)
            .select_related("archive__person", "org")
            .order_by("org_path", "pk")
        )
        orders = aid_queries.service_orders(user, status=data.get("status") or None).select_related("archive__person")
        context.update(paginate(self.request, allowances))
        context.update(
            filter_form=form,
            year=year,
            orders=list(orders[:50]),
            providers=list(ServiceProvider.objects.restrict(user, "view").select_related("org").order_by("name")[:50]),
            can_change=user_can(user, CHANGE),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class GrantAllowancesView(AidFormView):
    form_class = hf.GrantAllowancesForm
    title = _lazy("发放年度便民服务基金额度")
    submit_label = _lazy("发放额度")
    back_url = "hardship:fund"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有此项权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"year": today().year}

    def perform(self, form):
        d = form.cleaned_data
        org = org_in_scope(self.request.user, d["org"])
        self.created = aid.do_grant_convenience_allowances(acting_user=self.request.user, org=org, year=d["year"])
        return self.created

    @property
    def success_message(self):
        return _("已为 %(n)d 户发放额度") % {"n": getattr(self, "created", 0)}

    def get_success_url_for(self, result):
        return reverse("hardship:fund")


@method_decorator(never_cache, name="dispatch")
class ProviderCreateView(AidFormView):
    form_class = hf.ProviderForm
    title = _lazy("登记便民服务商")
    submit_label = _lazy("登记服务商")
    success_message = _lazy("已登记服务商")
    back_url = "hardship:fund"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有此项权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "categories": ServiceCategory.choices}

    def perform(self, form):
        d = form.cleaned_data
        org = org_in_scope(self.request.user, d["org"])
        return aid.do_add_service_provider(
            acting_user=self.request.user, org=org, name=d["name"], categories=d["categories"], contact=d["contact"]
        )

    def get_success_url_for(self, result):
        return reverse("hardship:fund")


@method_decorator(never_cache, name="dispatch")
class OrderCreateView(AidFormView):
    form_class = hf.ServiceOrderForm
    title = _lazy("便民服务派单")
    submit_label = _lazy("派单")
    success_message = _lazy("已派单")
    back_url = "hardship:fund"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有此项权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def providers(self):
        return list(ServiceProvider.objects.restrict(self.request.user, "view").filter(active=True).order_by("name"))

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "categories": ServiceCategory.choices,
            "providers": self.providers(),
        }

    def get_initial(self):
        return {"archive": self.request.GET.get("archive", ""), "dispatched_on": today()}

    def perform(self, form):
        d = form.cleaned_data
        user = self.request.user
        try:
            archive = access_archive(user, d["archive"])
        except Http404:
            raise ValidationError({"archive": _("找不到该档案，或不在您的管理范围内")}) from None
        provider = next((p for p in self.providers() if str(p.pk) == d["provider"]), None)
        if provider is None:
            raise ValidationError({"provider": _("请选择")})
        return aid.do_dispatch_service_order(
            acting_user=user,
            archive=archive,
            category=d["category"],
            provider=provider,
            description=d["description"],
            dispatched_on=d.get("dispatched_on"),
        )

    def get_success_url_for(self, result):
        return reverse("hardship:fund")


ORDER_STEPS = {
    "complete": (_lazy("完工结算"), hf.CompleteOrderForm),
    "cancel": (_lazy("取消派单"), hf.CancelForm),
}


@method_decorator(never_cache, name="dispatch")
class OrderStepView(AidFormView):
    back_url = "hardship:fund"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if kwargs.get("step") not in ORDER_STEPS:
            raise Http404("unknown step")
        self.label, self.form_class = ORDER_STEPS[kwargs["step"]]
        self.order = access_object(
            ServiceOrder.objects.select_related("archive__person", "allowance", "provider", "org"),
            request.user,
            "hardship.view",
            pk=kwargs["pk"],
        )
        if not user_can(request.user, CHANGE, self.order.org_path):
            raise PermissionDenied(_("您没有此项权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("%(step)s：%(c)s · %(p)s") % {
            "step": self.label,
            "c": self.order.get_category_display(),
            "p": self.order.provider.name,
        }

    @property
    def subject(self):
        o = self.order
        return _("%(name)s · %(d)s · 基金余额 %(b)s 元（职工自付成本价，基金支付其余部分）") % {
            "name": o.archive.person.name,
            "d": o.description,
            "b": o.allowance.balance,
        }

    @property
    def submit_label(self):
        return self.label

    @property
    def success_message(self):
        return _("已办理：%(step)s") % {"step": self.label}

    @property
    def danger(self):
        return self.kwargs["step"] == "cancel"

    def get_initial(self):
        return {"completed_on": today()}

    def perform(self, form):
        d = form.cleaned_data
        if self.kwargs["step"] == "complete":
            return aid.do_complete_service_order(
                acting_user=self.request.user,
                order=self.order,
                total_price=d["total_price"],
                cost_price=d["cost_price"],
                completed_on=d.get("completed_on"),
                note=d.get("note", ""),
            )
        return aid.do_cancel_service_order(acting_user=self.request.user, order=self.order, reason=d["reason"])

    def get_success_url_for(self, result):
        return reverse("hardship:fund")
