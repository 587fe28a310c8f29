"""Generic views that every module's pages are thin declarations over.

`ActionFormView` runs a form through an action: field errors from the action's
ValidationError land on the form's fields, nothing is written on error, and a
permission refusal shows the 403 page with its reason.
`ScopedListView` lists a restricted queryset with a filter form and pagination.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from gonghui.core.audit_queries import history_for
from gonghui.core.errors import error_fields
from gonghui.core.forms import name_unlabelled_fields
from gonghui.core.paging import CappedPaginator
from gonghui.core.scoping import user_can


class ActionFormView(LoginRequiredMixin, FormView):
    success_message = ""
    template_name = "core/form_page.html"
    title = ""
    submit_label = gettext_lazy("保存")
    danger = False

    def perform(self, form):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def get_success_url_for(self, result) -> str:
        return result.get_absolute_url()

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except ValidationError as error:
            for field, problems in error_fields(error).items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(self.get_success_url_for(result))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, submit_label=self.submit_label, danger=self.danger)
        return context


class ScopedListView(LoginRequiredMixin, TemplateView):
    """A paginated list of `get_queryset()`; subclasses restrict it and name the template."""

    paginate_by = 50
    filter_form_class = None

    def get_queryset(self, filters: dict):  # pragma: no cover
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filter_form_class(self.request.GET or None) if self.filter_form_class else None
        if form is not None:
            name_unlabelled_fields(form)  # filter bars show inputs without <label>s
        filters = form.cleaned_data if form is not None and form.is_valid() else {}
        paginator = CappedPaginator(self.get_queryset(filters), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter_form=form, page_obj=page, object_list=page.object_list, querystring=query.urlencode())
        return context


class ObjectHistoryMixin:
    """Adds the object's audit history to a detail page for users who may read the log."""

    history_limit = 20

    def history(self, obj, org_path: str):
        if not user_can(self.request.user, "audit.view", org_path):
            return None
        return history_for(obj)[: self.history_limit]


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    """handler500. A database that went away (connection refused or cut, SQLite locked) is not a bug
    of ours: 503 with a retry hint, in the API's error shape under /api/ (issue 9, point 9)."""
    import sys

    from django.db import InterfaceError, OperationalError

    from gonghui.core.edge import error_response, is_api, unavailable

    request_id = getattr(request, "request_id", "")
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return unavailable(request)
    if is_api(request):
        return error_response(
            request, 500, "server_error", f"服务器内部错误，请稍后再试（请求编号 {request_id or '-'}）"
        )
    return render(request, "errors/500.html", {"request_id": request_id}, status=500)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)
