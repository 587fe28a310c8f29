"""Roster import pages: upload → preview (polled while the worker validates) → confirm → result,
plus the list of imports in scope and the error-report download. Thin views over
`members.importing.jobs`; every object is fetched through `restrict(user, "member.import")`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object
from gonghui.core.views import ActionFormView, ScopedListView
from gonghui.members.importing import jobs
from gonghui.members.importing.columns import EXPORT_HEADERS
from gonghui.members.models import ImportJob
from gonghui.orgs.models import Org

PERMISSION = "member.import"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("名册文件"),
        help_text=_lazy("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）；第一行为表头，必填列：姓名、身份证号"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    partial = forms.BooleanField(
        label=_lazy("部分导入：跳过有错误的行，导入其余的行"),
        required=False,
    )


def access_job(user, pk: int) -> ImportJob:
    return access_object(ImportJob.objects.select_related("org", "created_by"), user, PERMISSION, pk=pk)


class ImportListView(ScopedListView):
    template_name = "members/import_list.html"
    paginate_by = 30

    def get_queryset(self, filters):
        return ImportJob.objects.restrict(self.request.user, PERMISSION).select_related("org", "created_by")


class ImportUploadView(ActionFormView):
    form_class = ImportUploadForm
    template_name = "members/import_upload.html"
    submit_label = _lazy("上传并校验")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.org = access_object(Org.objects.all(), request.user, PERMISSION, code=kwargs["code"].upper())
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("导入会员名册到“%(org)s”") % {"org": self.org.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(org=self.org, columns=EXPORT_HEADERS)
        return context

    def perform(self, form):
        return jobs.do_create_import_job(
            acting_user=self.request.user,
            org=self.org,
            upload=form.cleaned_data["file"],
            partial=form.cleaned_data["partial"],
        )

    def get_success_url_for(self, result):
        from django.urls import reverse

        return reverse("members:import_job", args=[result.pk])


class ImportJobView(LoginRequiredMixin, TemplateView):
    """The preview / progress / result page of one import."""

    template_name = "members/import_job.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["members/import_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = access_job(self.request.user, kwargs["pk"])
        return context


class ImportJobActionView(LoginRequiredMixin, View):
    """POST confirm / cancel."""

    action = ""

    def post(self, request, pk):
        job = access_job(request.user, pk)
        perform = {"confirm": jobs.do_confirm_import_job, "cancel": jobs.do_cancel_import_job}[self.action]
        try:
            perform(acting_user=request.user, job=job)
        except ValidationError as error:
            messages.error(request, error_message(error))
        else:
            messages.success(request, _("已开始导入") if self.action == "confirm" else _("已取消"))
        return redirect("members:import_job", pk=job.pk)


class ImportReportView(LoginRequiredMixin, View):
    """The error report (.xlsx): streamed after the scoped access check, never a public URL."""

    def get(self, request, pk):
        job = access_job(request.user, pk)
        if not job.report:
            raise Http404("no report")
        try:
            handle = job.report.open("rb")
        except FileNotFoundError:
            raise Http404("report file missing") from None
        return FileResponse(handle, as_attachment=True, filename=f"import-{job.pk}-report.xlsx")


class RosterTemplateView(LoginRequiredMixin, View):
    """名册模板.xlsx: the documented headers, a sample row and drop-down lists (no personal data)."""

    def get(self, request):
        from django.http import HttpResponse

        from gonghui.members.importing.template import build_template

        response = HttpResponse(
            build_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        quoted = "%E4%BC%9A%E5%91%98%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"  # 会员名册模板.xlsx
        response["Content-Disposition"] = f"attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''{quoted}"
        return response
