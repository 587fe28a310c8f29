"""转会: incoming transfers to accept or reject, outgoing ones to cancel."""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from gonghui.core.scoping import user_can
from gonghui.core.views import ActionFormView
from gonghui.members import actions
from gonghui.members.forms import OptionalReasonForm, ReasonForm
from gonghui.members.queries import access_transfer, incoming_transfers, outgoing_transfers
from gonghui.members.states import TransferStatus
from gonghui.members.views.common import LoginRequiredObjectMixin

QUEUE_LIMIT = 200


class TransferQueueView(LoginRequiredMixin, TemplateView):
    template_name = "members/transfers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        incoming, outgoing = incoming_transfers(user), outgoing_transfers(user)
        context.update(
            incoming=list(incoming[:QUEUE_LIMIT]),
            outgoing=list(outgoing[:QUEUE_LIMIT]),
            limit=QUEUE_LIMIT,
            today=timezone.localdate(),
        )
        for name in ("incoming", "outgoing"):
            rows = context[name]
            context[f"{name}_more"] = len(rows) == QUEUE_LIMIT
            for t in rows:
                t.overdue = t.due_on < context["today"]
                t.can_decide = user_can(user, "member.approve", t.to_path)
                t.can_cancel = user_can(user, "member.change", t.from_path)
        return context


class TransferMixin(LoginRequiredObjectMixin):
    template_name = "members/form_page.html"
    side = "in"
    permission = "member.approve"

    def get_object(self):
        return access_transfer(self.request.user, self.kwargs["pk"], self.side)

    def _check(self):
        path = self.object.to_path if self.side == "in" else self.object.from_path
        if not user_can(self.request.user, self.permission, path):
            raise PermissionDenied(_("您没有办理此转会的权限（需要 %(perm)s）") % {"perm": self.permission})

    def get(self, request, *args, **kwargs):
        self._check()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        t = self.object
        context.update(
            transfer=t,
            m=t.membership,
            person=t.membership.person,
            blocked=t.status != TransferStatus.PENDING,
            status_label=t.get_status_display(),
        )
        return context


class TransferAcceptView(TransferMixin, ActionFormView):
    form_class = forms.Form
    submit_label = _lazy("接收")

    @property
    def title(self):
        return _("接收转入会员：%(name)s") % {"name": self.object.membership.person.name}

    @property
    def success_message(self):
        return _("已接收，会员证号不变")

    def perform(self, form):
        return actions.do_accept_transfer(acting_user=self.request.user, transfer=self.object)


class TransferRejectView(TransferMixin, ActionFormView):
    form_class = ReasonForm
    submit_label = _lazy("拒绝接收")
    danger = True

    @property
    def title(self):
        return _("拒绝转入：%(name)s") % {"name": self.object.membership.person.name}

    @property
    def success_message(self):
        return _("已拒绝该转会申请")

    def perform(self, form):
        return actions.do_reject_transfer(
            acting_user=self.request.user, transfer=self.object, reason=form.cleaned_data["reason"]
        )

    def get_success_url_for(self, result):
        return reverse("members:transfers")


class TransferCancelView(TransferMixin, ActionFormView):
    form_class = OptionalReasonForm
    submit_label = _lazy("撤回转会")
    danger = True
    side = "out"
    permission = "member.change"

    @property
    def title(self):
        return _("撤回转会：%(name)s") % {"name": self.object.membership.person.name}

    @property
    def success_message(self):
        return _("转会申请已撤回")

    def perform(self, form):
        return actions.do_cancel_transfer(
            acting_user=self.request.user, transfer=self.object, reason=form.cleaned_data.get("reason", "")
        )

    def get_success_url_for(self, result):
        return self.object.membership.get_absolute_url()
