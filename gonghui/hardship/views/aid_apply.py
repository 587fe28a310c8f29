"""帮扶申请 (apply for aid): find the worker like the member search does (name, pinyin, mobile,
ID or member number, within the user's scope), fill the household members from that worker's
archive, show the declared situations by their Chinese names, and say which archive steps remain
when a programme is only for archived households. Writes through `aid.do_apply`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.cache import never_cache

from gonghui.core.scoping import user_can
from gonghui.hardship import aid, aid_labels, aid_queries
from gonghui.hardship import forms as hf
from gonghui.hardship.models import HardshipArchive, HouseholdMember, Relation
from gonghui.hardship.states import LIVE
from gonghui.hardship.views.aid import CHANGE, AidFormView
from gonghui.hardship.views.common import access_archive, today
from gonghui.members.models import Membership
from gonghui.members.queries import search_q

SEARCH_LIMIT = 10


def _scoped_members(user):
    return Membership.objects.restrict(user, CHANGE).select_related("person", "org")


@method_decorator(never_cache, name="dispatch")
class ApplyView(AidFormView):
    """申请: for the worker, or for a household member of the worker's archive (e.g. a student)."""

    form_class = hf.AidApplyForm
    template_name = "hardship/aid/apply.html"
    title = _lazy("帮扶申请")
    submit_label = _lazy("提交申请")
    success_message = _lazy("已提交帮扶申请")
    back_url = "hardship:aid_applications"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有受理帮扶申请的权限（需要 hardship.change）"))
        number = request.GET.get("archive") or request.POST.get("archive_number")
        self.archive = access_archive(request.user, number) if number else None
        self.membership = self.archive.membership if self.archive is not None else None
        member_no = (request.POST.get("member_no") or request.GET.get("member") or "").strip()
        if self.membership is None and member_no:
            # The worker picked in the search (or typed): their live archive fills the household list.
            self.membership = _scoped_members(request.user).filter(member_no=member_no).first()
            if self.membership is not None:
                self.archive = aid.live_archive(self.membership.person)
        return super().dispatch(request, *args, **kwargs)

    def programmes(self):
        if not hasattr(self, "_programmes"):
            self._programmes = [p for p in aid_queries.programmes(self.request.user) if p.active]
        return self._programmes

    def household(self):
        if self.archive is None:
            return []
        return [m for m in self.archive.household.order_by("pk") if m.relation != Relation.SELF]

    def get_form_kwargs(self):
        flags = sorted({f for p in self.programmes() for f in p.flags})
        return {
            **super().get_form_kwargs(),
            "programmes": self.programmes(),
            "household": self.household(),
            "flags": [(f, aid_labels.flag_label(f, self.programmes())) for f in flags],
        }

    def get_initial(self):
        initial = {"year": today().year, "programme": self.request.GET.get("programme", "")}
        if self.membership is not None:
            initial["member_no"] = self.membership.member_no
        household = self.household()
        if len(household) == 1:  # one person to choose: chosen
            initial["household_member"] = str(household[0].pk)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            archive=self.archive,
            membership=self.membership,
            remaining=aid_labels.remaining_steps(self.archive) if self.membership is not None else [],
            from_archive_link=bool(self.request.GET.get("archive") or self.request.POST.get("archive_number")),
        )
        return context

    def perform(self, form):
        d = form.cleaned_data
        user = self.request.user
        programme = next((p for p in self.programmes() if str(p.pk) == d["programme"]), None)
        if programme is None:
            raise ValidationError({"programme": _("请选择")})
        membership = _scoped_members(user).filter(member_no=(d["member_no"] or "").strip()).first()
        if membership is None:
            raise ValidationError({"member_no": _("找不到该会员证号，或该会员不在您的管理范围内")})
        member = None
        if d.get("household_member"):
            member = HouseholdMember.objects.filter(pk=d["household_member"]).first()
        return aid.do_apply(
            acting_user=user,
            programme=programme,
            membership=membership,
            year=d["year"],
            reason=d["reason"],
            household_member=member,
            beneficiary_name=d.get("beneficiary_name", ""),
            doc_type=d.get("doc_type") or "resident_id",
            doc_number=d.get("doc_number", ""),
            schooling=d.get("schooling", ""),
            school=d.get("school", ""),
            flags={f: True for f in d.get("flags", []) if f in programme.flags},
        )

    def get_success_url_for(self, result):
        return reverse("hardship:aid_application", args=[result.pk])


class ApplyMemberSearchView(View):
    """htmx: workers matching the search box (as the member list searches), in the user's scope,
    masked, each with the state of their archive; a result reloads the form for that worker."""

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有受理帮扶申请的权限（需要 hardship.change）"))
        q = (request.GET.get("q") or "").strip()[:40]
        rows = []
        if q:
            rows = list(_scoped_members(request.user).filter(search_q(q)).order_by("-id")[:SEARCH_LIMIT])
        archives = {
            a.person_id: a
            for a in HardshipArchive.objects.filter(person_id__in=[m.person_id for m in rows], status__in=list(LIVE))
        }
        results = [(m, archives.get(m.person_id)) for m in rows]
        context = {"q": q, "results": results, "programme": request.GET.get("programme", "")}
        return render(request, "hardship/aid/_member_results.html", context)
