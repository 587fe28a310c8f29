"""Org pages: the lazily loaded tree, search, detail, and the forms that call actions."""

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from gonghui.accounts.queries import staff_of_org
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.orgs import actions
from gonghui.orgs.forms import OrgCloseForm, OrgCreateForm, OrgMergeForm, OrgMoveForm, OrgSearchForm, OrgUpdateForm
from gonghui.orgs.kinds import ALLOWED_PARENTS, OrgKind
from gonghui.orgs.models import Org
from gonghui.orgs.queries import breadcrumbs, children_of, scope_roots, search_orgs, subtree_stats


def access_org(user, code: str, action: str = "view") -> Org:
    return access_object(Org.objects.select_related("parent", "merged_into"), user, action, code=code.upper())


class OrgTreeView(LoginRequiredMixin, TemplateView):
    """The tree starts at the user's scope roots; children arrive on demand via htmx."""

    template_name = "orgs/tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roots"] = scope_roots(self.request.user)
        context["search_form"] = OrgSearchForm()
        return context


class OrgChildrenPartial(LoginRequiredMixin, TemplateView):
    """One level of the tree (at most `limit` children; a link to the full list beyond that)."""

    template_name = "orgs/_children.html"
    limit = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = access_org(self.request.user, kwargs["code"])
        children = list(children_of(self.request.user, org)[: self.limit + 1])
        context.update(org=org, children=children[: self.limit], more=len(children) > self.limit)
        return context


class OrgSearchView(ScopedListView):
    template_name = "orgs/search.html"
    filter_form_class = OrgSearchForm

    def get_queryset(self, filters):
        return (
            search_orgs(
                self.request.user,
                q=filters.get("q", ""),
                kind=filters.get("kind", ""),
                include_closed=filters.get("include_closed", False),
            )
            .select_related("parent")
            .order_by("path")
        )


def org_links(user, org) -> list[dict]:
    """Links that other apps hang on an org's page (AppConfig.org_links: label, URL name taking the
    org code, permission), so orgs needs no import of the apps built on top of it."""
    links = []
    for config in apps.get_app_configs():
        for label, url_name, permission in getattr(config, "org_links", []):
            if user_can(user, permission, org.path):
                links.append({"label": label, "url": reverse(url_name, args=[org.code])})
    return links


class OrgDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "orgs/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        org = access_org(user, kwargs["code"])
        children = children_of(user, org)
        context.update(
            org=org,
            crumbs=breadcrumbs(user, org),
            children=children[:100],
            children_total=org.child_count,
            stats=subtree_stats(org),
            staff=staff_of_org(user, org),
            history=self.history(org, org.path),
            can_add=org.is_active and user_can(user, "org.add", org.path) and org.kind != OrgKind.GROUP,
            can_change=org.is_active and user_can(user, "org.change", org.path),
            can_close=org.is_active and org.parent_id and user_can(user, "org.close", org.path),
            can_manage_staff=user_can(user, "staff.manage", org.path),
            app_links=org_links(user, org) if org.is_active else [],
        )
        return context


class OrgFormMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.org = access_org(request.user, kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["org"] = self.org
        context["crumbs"] = breadcrumbs(self.request.user, self.org) + [self.org]
        return context


class OrgCreateView(OrgFormMixin, ActionFormView):
    form_class = OrgCreateForm
    submit_label = gettext_lazy("创建")

    @property
    def title(self):
        return _("在“%(org)s”下新建组织") % {"org": self.org.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["allowed_kinds"] = {k for k, parents in ALLOWED_PARENTS.items() if self.org.kind in parents}
        return kwargs

    def perform(self, form):
        return actions.do_create_org(
            acting_user=self.request.user, parent=self.org, kind=form.cleaned_data["kind"], data=form.action_data()
        )

    @property
    def success_message(self):
        return _("组织已创建")


class OrgUpdateView(OrgFormMixin, ActionFormView):
    form_class = OrgUpdateForm
    submit_label = gettext_lazy("保存")

    @property
    def title(self):
        return _("修改“%(org)s”") % {"org": self.org.name}

    def get_initial(self):
        return {k: v for k, v in self.org.snapshot().items() if k in self.form_class.base_fields}

    def perform(self, form):
        return actions.do_update_org(
            acting_user=self.request.user,
            org=self.org,
            data=form.action_data(),
            reason=form.cleaned_data.get("reason", ""),
        )

    @property
    def success_message(self):
        return _("已保存")


class OrgMoveView(OrgFormMixin, ActionFormView):
    form_class = OrgMoveForm
    submit_label = gettext_lazy("移动")

    @property
    def title(self):
        return _("移动“%(org)s”及其全部下级") % {"org": self.org.name}

    def perform(self, form):
        try:
            new_parent = access_org(self.request.user, form.cleaned_data["new_parent"].strip().upper())
        except Http404:
            raise ValidationError({"new_parent": _("找不到该组织代码，或您无权操作该组织")}) from None
        return actions.do_move_org(
            acting_user=self.request.user, org=self.org, new_parent=new_parent, reason=form.cleaned_data["reason"]
        )

    @property
    def success_message(self):
        return _("组织已移动")


class OrgCloseView(OrgFormMixin, ActionFormView):
    form_class = OrgCloseForm
    submit_label = gettext_lazy("确认撤销")
    danger = True

    @property
    def title(self):
        return _("撤销“%(org)s”") % {"org": self.org.name}

    def perform(self, form):
        return actions.do_close_org(acting_user=self.request.user, org=self.org, reason=form.cleaned_data["reason"])

    @property
    def success_message(self):
        return _("组织已撤销")


class OrgMergeView(OrgFormMixin, ActionFormView):
    form_class = OrgMergeForm
    submit_label = gettext_lazy("确认合并")
    danger = True

    @property
    def title(self):
        return _("把“%(org)s”合并到另一组织") % {"org": self.org.name}

    def perform(self, form):
        try:
            target = access_org(self.request.user, form.cleaned_data["target"].strip().upper())
        except Http404:
            raise ValidationError({"target": _("找不到该组织代码，或您无权操作该组织")}) from None
        return actions.do_merge_org(
            acting_user=self.request.user, source=self.org, target=target, reason=form.cleaned_data["reason"]
        )

    @property
    def success_message(self):
        return _("组织已合并")


def org_picker(request):
    """htmx suggestions for org-code inputs: up to 10 matches inside the user's scope."""
    if not request.user.is_authenticated:
        raise Http404
    q = (request.GET.get("q") or "").strip()
    results = list(search_orgs(request.user, q=q).order_by("depth", "name")[:10]) if q else []
    return render(request, "orgs/_picker.html", {"results": results})
