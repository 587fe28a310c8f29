"""Household corrections (edit / remove a household member), the manual exit proposal and the
admin screen of the local 低保 table. Thin views over `hardship.actions`."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from gonghui.core.scoping import user_can
from gonghui.core.views import ActionFormView
from gonghui.hardship import actions
from gonghui.hardship import forms as hf
from gonghui.hardship.models import HouseholdMember, Relation, SubsistenceLine
from gonghui.hardship.views.aid import AidFormView, paginate
from gonghui.hardship.views.common import ArchiveObjectMixin, archive_url, person_name_of, today

CHANGE = "hardship.change"
SELF_LOCKED = ("relation", "name", "doc_type", "doc_number", "birth_date")


def _person_name(user) -> str:
    return person_name_of(user)


class ArchiveActionView(ArchiveObjectMixin, ActionFormView):
    """A form over one archive action that needs hardship.change on the archive's union."""

    template_name = "hardship/step.html"

    def check(self):
        if not user_can(self.request.user, CHANGE, self.archive.org_path):
            raise PermissionDenied(_("您没有办理此项的权限（需要 %(perm)s）") % {"perm": CHANGE})

    def get(self, request, *args, **kwargs):
        self.check()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"person_name": _person_name(self.request.user)}

    def get_success_url_for(self, result):
        return archive_url(self.archive)


class _MemberMixin:
    def member(self) -> HouseholdMember:
        if not hasattr(self, "_member"):
            self._member = HouseholdMember.objects.filter(archive=self.archive, pk=self.kwargs["pk"]).first()
            if self._member is None:
                raise Http404("household member not found")
        return self._member


@method_decorator(never_cache, name="dispatch")
class HouseholdEditView(_MemberMixin, ArchiveActionView):
    form_class = hf.EditMemberForm
    submit_label = _lazy("保存家庭成员")
    success_message = _lazy("已修改家庭成员")

    @property
    def title(self):
        return _("修改家庭成员：%(n)s") % {"n": self.member().name}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.member().relation == Relation.SELF:
            for name in SELF_LOCKED:
                form.fields.pop(name, None)
        else:
            form.fields["doc_number"].help_text = _("已登记：%(m)s；不修改请留空") % {
                "m": self.member().doc_masked or "—"
            }
        return form

    def get_initial(self):
        m = self.member()
        initial = super().get_initial()
        for name in hf.HouseholdMemberForm.base_fields:
            if name not in ("doc_number", "doc_type") and hasattr(m, name):
                initial[name] = getattr(m, name)
        initial["doc_type"] = m.doc_type or None
        return initial

    def perform(self, form):
        d = dict(form.cleaned_data)
        person_name, reason = d.pop("person_name"), d.pop("reason")
        if not d.get("doc_number"):
            d.pop("doc_number", None)
            d.pop("doc_type", None)
        for name in SELF_LOCKED:
            if self.member().relation == Relation.SELF:
                d.pop(name, None)
        return actions.do_update_household_member(
            acting_user=self.request.user,
            archive=self.archive,
            member=self.member(),
            data=d,
            person_name=person_name,
            reason=reason,
        )


@method_decorator(never_cache, name="dispatch")
class HouseholdRemoveView(_MemberMixin, ArchiveActionView):
    form_class = hf.ReasonForm
    submit_label = _lazy("移除家庭成员")
    success_message = _lazy("已移除家庭成员")
    danger = True

    @property
    def title(self):
        return _("移除家庭成员：%(n)s") % {"n": self.member().name}

    def perform(self, form):
        d = form.cleaned_data
        actions.do_remove_household_member(
            acting_user=self.request.user,
            archive=self.archive,
            member=self.member(),
            person_name=d["person_name"],
            reason=d["reason"],
        )
        return self.archive


@method_decorator(never_cache, name="dispatch")
class ProposeExitView(ArchiveActionView):
    form_class = hf.ReasonForm
    submit_label = _lazy("建议脱困")
    success_message = _lazy("已建议脱困，待审批人办理脱困或暂不脱困")

    @property
    def title(self):
        return _("建议脱困：%(n)s") % {"n": self.archive.person.name}

    def perform(self, form):
        d = form.cleaned_data
        return actions.do_propose_exit(
            acting_user=self.request.user, archive=self.archive, person_name=d["person_name"], reason=d["reason"]
        )


# --- the 低保 table ------------------------------------------------------------------------------------------


class LineListView(LoginRequiredMixin, TemplateView):
    """The local 低保 lines by division and year (public figures; any hardship user may read them)."""

    template_name = "hardship/aid/lines.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user_can(user, "hardship.view"):
            raise PermissionDenied(_("您没有查看困难职工档案的权限（需要 hardship.view）"))
        form = hf.LineFilterForm(self.request.GET or None)
        qs = SubsistenceLine.objects.order_by("division_code", "-year")
        if form.is_valid():
            if form.cleaned_data.get("division_code"):
                qs = qs.filter(division_code__startswith=form.cleaned_data["division_code"].strip())
            if form.cleaned_data.get("year"):
                qs = qs.filter(year=form.cleaned_data["year"])
        context.update(paginate(self.request, qs, 100))
        context.update(filter_form=form, can_set=user_can(user, "hardship.approve"))
        return context


@method_decorator(never_cache, name="dispatch")
class LineSetView(AidFormView):
    form_class = hf.SubsistenceLineForm
    title = _lazy("登记/调整低保标准")
    submit_label = _lazy("保存低保标准")
    success_message = _lazy("低保标准已保存")
    back_url = "hardship:lines"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, "hardship.approve"):
            raise PermissionDenied(_("您没有维护低保标准的权限（需要 hardship.approve）"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = {"year": today().year}
        line = None
        if self.request.GET.get("division_code") and self.request.GET.get("year", "").isdigit():
            line = SubsistenceLine.objects.filter(
                division_code=self.request.GET["division_code"], year=int(self.request.GET["year"])
            ).first()
        if line is not None:
            initial.update(
                division_code=line.division_code, year=line.year, monthly_amount=line.monthly_amount, note=line.note
            )
        return initial

    def perform(self, form):
        d = form.cleaned_data
        return actions.do_set_subsistence_line(
            acting_user=self.request.user,
            division_code=d["division_code"],
            year=d["year"],
            monthly_amount=d["monthly_amount"],
            note=d.get("note", ""),
        )

    def get_success_url_for(self, result):
        return reverse("hardship:lines") + f"?division_code={result.division_code}"
