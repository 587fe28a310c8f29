"""入会审批: the queue of pending applications, detail, approve, reject; staff entry of a new member."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.members import actions
from gonghui.members.forms import ApproveJoinForm, ReasonForm, StaffJoinForm, org_code_input
from gonghui.members.models import JoinApplication, Membership
from gonghui.members.queries import access_join, pending_joins
from gonghui.members.states import JoinStatus
from gonghui.members.views.common import LoginRequiredObjectMixin, org_in_scope
from gonghui.people.choices import PLATFORM_SUGGESTIONS


class JoinFilterForm(forms.Form):
    org = forms.CharField(
        label=_lazy("受理工会"), required=False, max_length=40, widget=org_code_input(_lazy("受理工会（含下级）"))
    )


class JoinQueueView(ScopedListView):
    template_name = "members/joins.html"
    filter_form_class = JoinFilterForm

    def get_queryset(self, filters):
        org = None
        if filters.get("org"):
            try:
                org = org_in_scope(self.request.user, filters["org"])
            except ValidationError:
                return pending_joins(self.request.user).none()
        return pending_joins(self.request.user, org)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(today=timezone.localdate(), can_add=user_can(self.request.user, "member.change"))
        return context


class JoinMixin(LoginRequiredObjectMixin):
    def get_object(self):
        return access_join(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["application"] = self.object
        return context


class JoinDetailView(JoinMixin, ObjectHistoryMixin, TemplateView):
    template_name = "members/join_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        a = self.object
        pending = a.status == JoinStatus.PENDING
        context.update(
            can_decide=pending and user_can(self.request.user, "member.approve", a.org_path),
            overdue=pending and a.due_on < timezone.localdate(),
            history=self.history(a, a.org_path),
        )
        return context


class JoinDecisionMixin(JoinMixin):
    template_name = "members/form_page.html"

    def get(self, request, *args, **kwargs):
        self._check()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check()
        return super().post(request, *args, **kwargs)

    def _check(self):
        if not user_can(self.request.user, "member.approve", self.object.org_path):
            raise PermissionDenied(_("您没有审批入会的权限（需要 member.approve）"))

    def get_success_url_for(self, result):
        """The next application of the queue (oldest due first), so a reviewer works through it;
        the queue itself when none is left."""
        following = pending_joins(self.request.user).exclude(pk=self.object.pk).values_list("pk", flat=True).first()
        if following is None:
            return reverse("members:joins")
        return reverse("members:join_detail", args=[following])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            blocked=self.object.status != JoinStatus.PENDING,
            status_label=self.object.get_status_display(),
            person=self.object.person,
        )
        return context


class JoinApproveView(JoinDecisionMixin, ActionFormView):
    form_class = ApproveJoinForm
    submit_label = _lazy("审核通过")

    @property
    def title(self):
        return _("审核通过入会申请：%(name)s") % {"name": self.object.person.name}

    @property
    def success_message(self):
        return _("已审核通过，会员证号已生成")

    def perform(self, form):
        return actions.do_approve_join(
            acting_user=self.request.user, application=self.object, joined_on=form.cleaned_data.get("joined_on")
        )


class JoinRejectView(JoinDecisionMixin, ActionFormView):
    form_class = ReasonForm
    submit_label = _lazy("不予通过")
    danger = True

    @property
    def title(self):
        return _("驳回入会申请：%(name)s") % {"name": self.object.person.name}

    @property
    def success_message(self):
        return _("已驳回该入会申请")

    def perform(self, form):
        return actions.do_reject_join(
            acting_user=self.request.user, application=self.object, reason=form.cleaned_data["reason"]
        )


class StaffJoinView(ActionFormView):
    """工作人员录入: files an application (channel staff) and, when asked and allowed, approves it at once."""

    form_class = StaffJoinForm
    template_name = "members/staff_join.html"
    submit_label = _lazy("提交")

    @property
    def title(self):
        return _("录入入会申请")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, "member.change"):
            raise PermissionDenied(_("您没有录入会员的权限（需要 member.change）"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"org": (self.request.GET.get("org") or "").strip().upper()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["platforms"] = PLATFORM_SUGGESTIONS
        return context

    def perform(self, form):
        data = form.cleaned_data
        user = self.request.user
        org = org_in_scope(user, data["org"]) if data["org"] else None
        try:
            with transaction.atomic():
                application = actions.do_apply_join(
                    acting_user=user,
                    person_data=form.person_data(),
                    work=form.work_data(),
                    channel=JoinApplication.Channel.STAFF,
                    org=org,
                )
                if data.get("approve_now") and application.status == JoinStatus.PENDING:
                    return actions.do_approve_join(acting_user=user, application=application)
        except ActionPermissionError as error:
            raise ValidationError({"org": str(error)}) from None
        return application

    @property
    def success_message(self):
        return _("已录入")

    def get_success_url_for(self, result):
        if isinstance(result, Membership):
            return result.get_absolute_url()
        if result.status == JoinStatus.TRANSFERRED:
            return reverse("members:transfers")
        return reverse("members:join_detail", args=[result.pk])
