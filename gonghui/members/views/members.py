"""Member list, detail, status actions, the audited document reveal and the roster export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from gonghui.core.paging import CappedPaginator
from gonghui.core.scoping import user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin
from gonghui.members import actions, exports
from gonghui.members.extensions import panels_for
from gonghui.members.filters import filter_members
from gonghui.members.forms import ConfirmForm, DuesForm, KeepForm, ReasonForm, RevealForm, TransferForm
from gonghui.members.models import Card, Membership
from gonghui.members.queries import access_member, membership_events, pending_transfer_of, status_counts
from gonghui.members.states import CURRENT, MEMBERSHIP_TRANSITIONS, MembershipStatus
from gonghui.members.views.common import LoginRequiredObjectMixin, receiving_org
from gonghui.orgs.queries import search_orgs
from gonghui.people.actions import reveal_document
from gonghui.people.identity import mask_mobile

S = MembershipStatus


class MemberListView(LoginRequiredMixin, TemplateView):
    """Search and filters; the page costs the same few queries whatever its size."""

    template_name = "members/list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form, qs, org = filter_members(user, self.request.GET)
        page = CappedPaginator(qs, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=form,
            page_obj=page,
            object_list=page.object_list,
            rows=[(m, mask_mobile(m.person.mobile) if m.person.mobile else "") for m in page.object_list],
            querystring=query.urlencode(),
            filter_org=org,
            # Per-status counts group the whole match: only for lists below the count cap.
            counts=status_counts(qs) if page.paginator.count and not page.paginator.capped else [],
            can_export=user_can(user, "member.export"),
            can_add=user_can(user, "member.change"),
        )
        return context


# --- status actions ---------------------------------------------------------------------------


def _can_move_to(target):
    return lambda m: target in MEMBERSHIP_TRANSITIONS[m.status]


@dataclass(frozen=True)
class StatusAction:
    slug: str
    label: Promise
    permission: str
    form_class: type[forms.Form]
    allowed: Callable[[Membership], bool]
    run: Callable
    danger: bool = False
    help: Promise | str = ""


def _transfer(view, m, data):
    to_org = None if data.get("parked") else receiving_org(data["to_org"])
    return actions.do_request_transfer(
        acting_user=view.request.user,
        membership=m,
        to_org=to_org,
        new_employer=data.get("new_employer", ""),
        reason=data["reason"],
        residence_division=data.get("residence_division", ""),
    )


def _reason_action(fn):
    return lambda view, m, data: fn(acting_user=view.request.user, membership=m, reason=data["reason"])


STATUS_ACTIONS: dict[str, StatusAction] = {
    a.slug: a
    for a in [
        StatusAction(
            "dues",
            _lazy("登记缴费"),
            "member.change",
            DuesForm,
            lambda m: m.status in (S.ACTIVE, S.TRANSFERRING),
            lambda view, m, data: actions.do_record_dues(
                acting_user=view.request.user, membership=m, paid_on=data["paid_on"]
            ),
        ),
        StatusAction(
            "keep",
            _lazy("暂缓自动退会"),
            "member.change",
            KeepForm,
            lambda m: m.status == S.ACTIVE,
            lambda view, m, data: actions.do_keep_membership(
                acting_user=view.request.user, membership=m, until=data["until"], reason=data["reason"]
            ),
            help=_lazy("例如会费已线下缴纳、活动未登记：在此日期前不会自动退会"),
        ),
        StatusAction(
            "transfer", _lazy("办理转会"), "member.change", TransferForm, _can_move_to(S.TRANSFERRING), _transfer
        ),
        StatusAction(
            "verify",
            _lazy("实名认证"),
            "member.change",
            ConfirmForm,
            lambda m: m.status in CURRENT and not m.person.is_verified,
            lambda view, m, data: actions.do_verify_identity(acting_user=view.request.user, membership=m),
            help=_lazy("按配置的实名认证方式核验证件信息；通过后计入实名会员并发放电子会员卡"),
        ),
        StatusAction(
            "retain",
            _lazy("保留会籍"),
            "member.change",
            ReasonForm,
            _can_move_to(S.RETAINED),
            _reason_action(actions.do_retain),
            help=_lazy("退休或失业：保留会籍，免缴会费，会员卡暂停"),
        ),
        StatusAction(
            "reactivate",
            _lazy("恢复正常会籍"),
            "member.change",
            ReasonForm,
            lambda m: m.status == S.RETAINED,
            _reason_action(actions.do_reactivate),
        ),
        StatusAction(
            "lapse",
            _lazy("自动退会"),
            "member.change",
            ReasonForm,
            _can_move_to(S.LAPSED),
            _reason_action(actions.do_lapse),
            danger=True,
            help=_lazy("连续6个月未缴会费且未参加组织活动，经提醒后视为自动退会"),
        ),
        StatusAction(
            "leave",
            _lazy("退会"),
            "member.change",
            ReasonForm,
            _can_move_to(S.LEFT),
            _reason_action(actions.do_leave),
            danger=True,
        ),
        StatusAction(
            "expel",
            _lazy("除名"),
            "member.approve",
            ReasonForm,
            _can_move_to(S.EXPELLED),
            _reason_action(actions.do_expel),
            danger=True,
            help=_lazy("会员被判处刑罚时予以除名"),
        ),
        StatusAction(
            "deceased",
            _lazy("登记已故"),
            "member.change",
            ReasonForm,
            _can_move_to(S.DECEASED),
            _reason_action(actions.do_mark_deceased),
            danger=True,
        ),
    ]
}


def available_actions(user, membership: Membership, has_pending_transfer: bool = False) -> list[StatusAction]:
    result = []
    for action in STATUS_ACTIONS.values():
        if action.slug == "transfer" and has_pending_transfer:
            continue
        if action.allowed(membership) and user_can(user, action.permission, membership.org_path):
            result.append(action)
    return result


class MemberMixin(LoginRequiredObjectMixin):
    def get_object(self):
        return access_member(self.request.user, self.kwargs["member_no"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["m"] = self.object
        return context


@method_decorator(never_cache, name="dispatch")
class MemberDetailView(MemberMixin, ObjectHistoryMixin, TemplateView):
    template_name = "members/detail.html"
    revealed = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, m = self.request.user, self.object
        pending = pending_transfer_of(m)
        context.update(
            person=m.person,
            mobile_masked=mask_mobile(m.person.mobile) if m.person.mobile else "",
            events=membership_events(m),
            cards=Card.objects.filter(membership=m).order_by("-issued_at", "-id")[:20],
            pending_transfer=pending,
            can_cancel_transfer=bool(pending) and user_can(user, "member.change", pending.from_org.path),
            status_actions=available_actions(user, m, has_pending_transfer=pending is not None),
            can_reveal=user_can(user, "member.view_pii", m.org_path),
            reveal_form=RevealForm(),
            revealed=self.revealed,
            history=self.history(m, m.org_path),
            extension_panels=panels_for(self.request, m, "console"),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class RevealDocumentView(MemberMixin, View):
    """POST only: the whole document number, once, for a user holding member.view_pii. Audited."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        m = self.object
        form = RevealForm(request.POST)
        purpose = form.cleaned_data.get("purpose", "") if form.is_valid() else ""
        number = reveal_document(acting_user=request.user, person=m.person, org=m.org, purpose=purpose)
        if request.headers.get("HX-Request"):
            return render(request, "members/_revealed.html", {"number": number})
        view = MemberDetailView(request=request, args=args, kwargs=kwargs, revealed=number)
        view.object = m
        return render(request, view.template_name, view.get_context_data(**kwargs))


class MemberActionView(MemberMixin, ActionFormView):
    template_name = "members/form_page.html"

    def dispatch(self, request, *args, **kwargs):
        self.status_action = STATUS_ACTIONS.get(kwargs.get("action", ""))
        if self.status_action is None:
            raise Http404("unknown action")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self._check_permission()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check_permission()
        return super().post(request, *args, **kwargs)

    def _check_permission(self):
        if not user_can(self.request.user, self.status_action.permission, self.object.org_path):
            raise PermissionDenied(
                _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）")
                % {"org": self.object.org.name, "perm": self.status_action.permission}
            )

    def get_form_class(self):
        return self.status_action.form_class

    @property
    def title(self):
        return _("%(action)s：%(name)s") % {"action": self.status_action.label, "name": self.object.person.name}

    @property
    def submit_label(self):
        return self.status_action.label

    @property
    def danger(self):
        return self.status_action.danger

    @property
    def success_message(self):
        return _("已办理：%(action)s") % {"action": self.status_action.label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            help=self.status_action.help,
            blocked=not self.status_action.allowed(self.object),
            status_label=self.object.get_status_display(),
        )
        return context

    def perform(self, form):
        self.status_action.run(self, self.object, form.cleaned_data)
        return self.object

    def get_success_url_for(self, result):
        return self.object.get_absolute_url()


# --- export, picker ---------------------------------------------------------------------------


class MemberExportView(LoginRequiredMixin, View):
    """The filtered list as .xlsx or .csv (member.export; masked unless member.view_pii, then audited)."""

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt", "xlsx")
        if fmt not in exports.FORMATS:
            raise Http404("unknown format")
        if not user_can(request.user, "member.export"):
            raise PermissionDenied(_("您没有导出会员名册的权限（需要 member.export）"))
        _form, qs, org = filter_members(request.user, request.GET, action="export")
        return exports.export_response(request.user, qs, fmt, filters=request.GET.dict(), org=org)


def org_picker(request):
    """Suggestions (<option>s) for org-code inputs in the member forms: matches inside the user's scope."""
    if not request.user.is_authenticated:
        raise Http404
    q = ""
    for key in ("q", "org", "to_org"):
        q = (request.GET.get(key) or "").strip()
        if q:
            break
    results = list(search_orgs(request.user, q=q).order_by("depth", "name")[:10]) if q else []
    return render(request, "orgs/_picker.html", {"results": results})
