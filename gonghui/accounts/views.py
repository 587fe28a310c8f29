"""Staff administration: list, create, grant and revoke roles, (de)activate."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from gonghui.accounts import actions
from gonghui.accounts.forms import GrantForm, PasswordSetForm, ReasonForm, StaffCreateForm, StaffSearchForm
from gonghui.accounts.models import Grant, User
from gonghui.accounts.queries import staff_list
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.orgs.models import Org


def access_staff(user, pk: int, action: str = "view") -> User:
    return access_object(User.objects.select_related("home_org"), user, action, pk=pk)


def _org_by_code(user, code: str, field: str) -> Org:
    try:
        return access_object(Org.objects.all(), user, "view", code=code.strip().upper())
    except Http404:
        raise ValidationError({field: _("找不到该组织代码，或不在您的权限范围内")}) from None


class RoleListView(LoginRequiredMixin, TemplateView):
    """The roles and the permissions each one holds, with their Chinese labels."""

    template_name = "accounts/roles.html"

    def get_context_data(self, **kwargs):
        from gonghui.accounts.models import Role
        from gonghui.core.permissions import all_permissions

        labels = all_permissions()
        context = super().get_context_data(**kwargs)
        context["roles"] = [
            {"role": role, "permissions": [(p, labels.get(p, p)) for p in role.permissions]}
            for role in Role.objects.order_by("pk")
        ]
        return context


class StaffListView(ScopedListView):
    template_name = "accounts/staff_list.html"
    filter_form_class = StaffSearchForm

    def get_queryset(self, filters):
        return staff_list(self.request.user, filters.get("q", ""), filters.get("include_inactive", False))


class StaffDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "accounts/staff_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = access_staff(self.request.user, kwargs["pk"])
        path = staff.home_org.path if staff.home_org_id else ""
        context.update(
            staff=staff,
            grants=Grant.objects.filter(user=staff)
            .select_related("role", "org", "granted_by")
            .order_by("revoked_at", "-granted_at"),
            can_manage=user_can(self.request.user, "staff.manage", path or None)
            if path
            else self.request.user.is_superuser,
            grant_form=GrantForm(),
            history=self.history(staff, path) if path else None,
        )
        return context


class StaffCreateView(ActionFormView):
    form_class = StaffCreateForm
    title = gettext_lazy("新建工作人员账号")
    submit_label = gettext_lazy("创建")

    def get_initial(self):
        return {"home_org": self.request.GET.get("org", "")}

    def perform(self, form):
        data = form.cleaned_data
        home_org = _org_by_code(self.request.user, data["home_org"], "home_org")
        return actions.do_create_staff(
            acting_user=self.request.user,
            username=data["username"],
            display_name=data["display_name"],
            home_org=home_org,
            password=data["password"],
            phone=data["phone"],
        )

    def get_success_url_for(self, result):
        return reverse("accounts:staff_detail", args=[result.pk])

    @property
    def success_message(self):
        return _("账号已创建，现在可以为其授权")


class StaffObjectMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.staff = access_staff(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["staff"] = self.staff
        return context

    def get_success_url_for(self, result):
        return reverse("accounts:staff_detail", args=[self.staff.pk])


class GrantCreateView(StaffObjectMixin, ActionFormView):
    form_class = GrantForm
    submit_label = gettext_lazy("授权")

    @property
    def title(self):
        return _("为 %(user)s 授权") % {"user": self.staff}

    def get_initial(self):
        return {"org": self.staff.home_org.code if self.staff.home_org_id else ""}

    def perform(self, form):
        data = form.cleaned_data
        org = _org_by_code(self.request.user, data["org"], "org")
        return actions.do_grant_role(
            acting_user=self.request.user, user=self.staff, role=data["role"], org=org, reason=data["reason"]
        )

    @property
    def success_message(self):
        return _("已授权")


class GrantRevokeView(StaffObjectMixin, ActionFormView):
    form_class = ReasonForm
    submit_label = gettext_lazy("撤销授权")
    danger = True

    def get_grant(self):
        grant = get_object_or_404(
            Grant.objects.select_related("role", "org"), pk=self.kwargs["grant_pk"], user=self.staff
        )
        if not user_can(self.request.user, "staff.view", grant.org.path):
            raise Http404
        return grant

    @property
    def title(self):
        grant = self.get_grant()
        return _("撤销 %(user)s 在“%(org)s”的“%(role)s”角色") % {
            "user": self.staff,
            "org": grant.org.name,
            "role": grant.role.name,
        }

    def perform(self, form):
        return actions.do_revoke_grant(
            acting_user=self.request.user, grant=self.get_grant(), reason=form.cleaned_data["reason"]
        )

    @property
    def success_message(self):
        return _("授权已撤销")


class StaffActiveView(StaffObjectMixin, ActionFormView):
    form_class = ReasonForm
    danger = True

    @property
    def activate(self):
        return not self.staff.is_active

    @property
    def title(self):
        return (_("启用 %(user)s") if self.activate else _("停用 %(user)s")) % {"user": self.staff}

    @property
    def submit_label(self):
        return _("启用") if self.activate else _("停用")

    def perform(self, form):
        return actions.do_set_staff_active(
            acting_user=self.request.user, user=self.staff, active=self.activate, reason=form.cleaned_data["reason"]
        )

    @property
    def success_message(self):
        return _("已保存")


class StaffPasswordView(StaffObjectMixin, ActionFormView):
    form_class = PasswordSetForm
    submit_label = gettext_lazy("重设密码")

    @property
    def title(self):
        return _("为 %(user)s 重设密码") % {"user": self.staff}

    def perform(self, form):
        return actions.do_set_password(
            acting_user=self.request.user, user=self.staff, password=form.cleaned_data["password"]
        )

    @property
    def success_message(self):
        return _("密码已重设")


# Session keys of the member portal (members.portal.auth). A staff logout flushes the session;
# a member logged in on the same browser (a union officer who is also a member) stays logged in.
MEMBER_SESSION_PREFIX = "member_"


def logout_view(request):
    from django.contrib.auth import logout

    if request.method == "POST":
        kept = {key: value for key, value in request.session.items() if key.startswith(MEMBER_SESSION_PREFIX)}
        logout(request)
        request.session.update(kept)
    return redirect("login")
