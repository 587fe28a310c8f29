"""Charity console pages for 微心愿 (board, review queue, rounds, posting for a member, claiming for a
company, proof), volunteers (register, activities, sign-up, hours, statement) and statistics per org
with an xlsx export."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from openpyxl import Workbook
from openpyxl.styles import Font

from gonghui.charity import actions_wishes as aw
from gonghui.charity import queries
from gonghui.charity.forms import (
    ActivityForm,
    ClaimForm,
    FulfilForm,
    HoursForm,
    ReviewForm,
    RoundForm,
    StaffWishForm,
    VolunteerForm,
    split_skills,
)
from gonghui.charity.models_wishes import Volunteer, VolunteerActivity, VolunteerSignup, Wish, WishRound
from gonghui.charity.states import WishStatus
from gonghui.charity.views import MANAGE, VIEW, OrgFormMixin, member_by_no
from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.orgs.models import Org


def access_wish(user, pk, action=VIEW) -> Wish:
    return access_object(Wish.objects.select_related("round", "org", "membership__person"), user, action, pk=pk)


# --- wishes -----------------------------------------------------------------------------------------------


class WishBoardView(ScopedListView):
    """The wish board: the review queue first, then every wish of the scope by state."""

    template_name = "charity/wishes.html"

    def get_queryset(self, filters):
        status = self.request.GET.get("status") or ""
        status = status if status in WishStatus.values else ""
        return queries.wishes_for(self.request.user, status=status).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        context = super().get_context_data(**kwargs)
        user = self.request.user
        counts = dict(
            queries.wishes_for(user).order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        context.update(
            status=self.request.GET.get("status") or "",
            columns=[(value, label, counts.get(value, 0)) for value, label in WishStatus.choices],
            rounds=list(WishRound.objects.restrict(user, VIEW).select_related("org").order_by("-starts_on")[:10]),
            create_org=Org.objects.restrict(user, MANAGE).order_by("path").first(),
        )
        return context


class RoundCreateView(OrgFormMixin, ActionFormView):
    form_class = RoundForm
    submit_label = gettext_lazy("发起")
    success_message = gettext_lazy("心愿征集已发起")

    @property
    def title(self):
        return _("“%(org)s”发起微心愿征集") % {"org": self.org.name}

    def perform(self, form):
        return aw.do_create_round(acting_user=self.request.user, org=self.org, **form.cleaned_data)

    def get_success_url_for(self, result):
        return reverse("charity:wishes")


class WishPostView(ActionFormView):
    """Staff post a wish on a member's behalf (a member without a smartphone)."""

    form_class = StaffWishForm
    submit_label = gettext_lazy("发布")
    success_message = gettext_lazy("心愿已登记，待审核")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.round = access_object(WishRound.objects.all(), request.user, MANAGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("代会员登记心愿：%(r)s") % {"r": self.round.name}

    def perform(self, form):
        d = dict(form.cleaned_data)
        membership = member_by_no(self.request.user, d.pop("member_no"))
        return aw.do_post_wish(acting_user=self.request.user, wish_round=self.round, membership=membership, **d)

    def get_success_url_for(self, wish):
        return reverse("charity:wish", args=[wish.pk])


class WishDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "charity/wish.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        wish = access_wish(user, kwargs["pk"])
        context.update(
            wish=wish,
            can_manage=user_can(user, MANAGE, wish.org_path),
            is_claimant=wish.claimant_user_id == user.pk,
            history=self.history(wish, wish.org_path),
        )
        return context


class WishObjectMixin:
    action = MANAGE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.wish = access_wish(request.user, kwargs["pk"], self.action)
        return super().dispatch(request, *args, **kwargs)

    def get_success_url_for(self, result):
        return reverse("charity:wish", args=[self.wish.pk])


class WishReviewView(WishObjectMixin, ActionFormView):
    form_class = ReviewForm
    submit_label = gettext_lazy("提交审核")
    success_message = gettext_lazy("审核结果已保存")

    @property
    def title(self):
        return _("审核心愿：%(t)s") % {"t": self.wish.title}

    def perform(self, form):
        return aw.do_review_wish(
            acting_user=self.request.user,
            wish=self.wish,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )


class WishFulfilView(ActionFormView):
    """The claimant (staff or for a company) uploads the delivery photo; any staff user who claimed it."""

    form_class = FulfilForm
    submit_label = gettext_lazy("登记送达")
    success_message = gettext_lazy("已登记送达，等待受助职工确认")
    template_name = "charity/form_upload.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        wish = Wish.objects.select_related("org").filter(pk=kwargs["pk"]).first()
        if wish is None or (
            wish.claimant_user_id != request.user.pk and not user_can(request.user, MANAGE, wish.org_path)
        ):
            from django.http import Http404

            raise Http404
        self.wish = wish
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            kwargs["files"] = self.request.FILES
        return kwargs

    @property
    def title(self):
        return _("登记心愿送达：%(t)s") % {"t": self.wish.title}

    def perform(self, form):
        return aw.do_fulfil_wish(acting_user=self.request.user, wish=self.wish, **form.cleaned_data)

    def get_success_url_for(self, wish):
        if user_can(self.request.user, VIEW, wish.org_path):
            return reverse("charity:wish", args=[wish.pk])
        return reverse("charity_public:wall")


class WishClaimView(ActionFormView):
    """Staff claim a published wish from the wall, for themselves or for a company."""

    form_class = ClaimForm
    submit_label = gettext_lazy("认领")
    success_message = gettext_lazy("认领成功，请在期限内完成")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.wish = Wish.objects.filter(pk=kwargs["pk"], status=WishStatus.PUBLISHED).first()
        if self.wish is None:
            messages.error(request, _("这个心愿已被认领或已下架"))
            return redirect("charity_public:wall")
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("认领心愿：%(t)s（约 %(p)s 元）") % {"t": self.wish.title, "p": self.wish.price}

    def perform(self, form):
        return aw.do_claim_wish(acting_user=self.request.user, wish=self.wish, **form.cleaned_data)

    def get_success_url_for(self, wish):
        return reverse("charity:wish_fulfil", args=[wish.pk])


@login_required
@require_POST
def wish_step(request, pk, what):
    """Release (claimant or staff) or confirm on the member's behalf (staff)."""
    wish = access_wish(request.user, pk)
    try:
        if what == "release":
            aw.do_release_wish(acting_user=request.user, wish=wish, reason=request.POST.get("reason", ""))
        elif what == "confirm":
            aw.do_confirm_wish(acting_user=request.user, wish=wish)
        messages.success(request, _("已更新"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("charity:wish", pk=pk)


# --- volunteers -------------------------------------------------------------------------------------------


class VolunteerListView(ScopedListView):
    template_name = "charity/volunteers.html"

    def get_queryset(self, filters):
        return queries.volunteers_for(self.request.user).order_by("-hours", "name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            create_org=Org.objects.restrict(user, MANAGE).order_by("path").first(),
            activities=list(VolunteerActivity.objects.restrict(user, VIEW).select_related("org").order_by("-on")[:20]),
        )
        return context


class VolunteerCreateView(OrgFormMixin, ActionFormView):
    form_class = VolunteerForm
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("志愿者已登记")

    @property
    def title(self):
        return _("登记志愿者：%(org)s") % {"org": self.org.name}

    def perform(self, form):
        d = dict(form.cleaned_data)
        membership = member_by_no(self.request.user, d.pop("member_no"))
        d["skills"] = split_skills(d["skills"])
        return aw.do_register_volunteer(acting_user=self.request.user, org=self.org, membership=membership, **d)

    def get_success_url_for(self, volunteer):
        return reverse("charity:volunteer", args=[volunteer.pk])


class VolunteerDetailView(LoginRequiredMixin, TemplateView):
    """A volunteer and their hours statement (志愿服务时长证明)."""

    template_name = "charity/volunteer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        volunteer = access_object(Volunteer.objects.select_related("org"), self.request.user, VIEW, pk=kwargs["pk"])
        context.update(volunteer=volunteer, statement=queries.hours_statement(volunteer))
        return context


class ActivityCreateView(OrgFormMixin, ActionFormView):
    form_class = ActivityForm
    submit_label = gettext_lazy("发布")
    success_message = gettext_lazy("志愿活动已发布")

    @property
    def title(self):
        return _("发布志愿活动：%(org)s") % {"org": self.org.name}

    def perform(self, form):
        return aw.do_create_activity(acting_user=self.request.user, org=self.org, **form.cleaned_data)

    def get_success_url_for(self, activity):
        return reverse("charity:activity", args=[activity.pk])


class ActivityDetailView(LoginRequiredMixin, TemplateView):
    template_name = "charity/activity.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        activity = access_object(VolunteerActivity.objects.select_related("org"), user, VIEW, pk=kwargs["pk"])
        signed = VolunteerSignup.objects.filter(activity=activity).select_related("volunteer")
        taken = {s.volunteer_id for s in signed}
        context.update(
            activity=activity,
            signups=list(signed.order_by("pk")),
            candidates=[v for v in queries.volunteers_for(user).filter(active=True)[:200] if v.pk not in taken],
            can_manage=user_can(user, MANAGE, activity.org_path),
            hours_form=HoursForm(),
        )
        return context


@login_required
@require_POST
def activity_signup(request, pk):
    activity = access_object(VolunteerActivity.objects.all(), request.user, VIEW, pk=pk)
    volunteer = access_object(Volunteer.objects.all(), request.user, VIEW, pk=request.POST.get("volunteer") or 0)
    try:
        aw.do_sign_up(acting_user=request.user, activity=activity, volunteer=volunteer)
        messages.success(request, _("已报名"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("charity:activity", pk=pk)


@login_required
@require_POST
def signup_hours(request, pk):
    signup = access_object(VolunteerSignup.objects.all(), request.user, VIEW, pk=pk)
    try:
        aw.do_record_hours(acting_user=request.user, signup=signup, hours=request.POST.get("hours", ""))
        messages.success(request, _("服务时长已登记"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("charity:activity", pk=signup.activity_id)


# --- statistics ---------------------------------------------------------------------------------------------


class OrgStatsView(LoginRequiredMixin, TemplateView):
    template_name = "charity/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = access_object(Org.objects.all(), self.request.user, VIEW, code=kwargs["code"])
        context.update(org=org, stats=queries.org_stats(self.request.user, org))
        return context


@login_required
def org_stats_export(request, code):
    org = access_object(Org.objects.all(), request.user, VIEW, code=code)
    stats = queries.org_stats(request.user, org)
    wb = Workbook()
    ws = wb.active
    ws.title = "公益慈善统计"
    ws.append([org.name])
    ws["A1"].font = Font(bold=True)
    for label, value in [
        ("捐赠笔数", stats["donations"]),
        ("捐赠净额（元）", stats["donated"]),
        ("资助笔数", stats["grants"]),
        ("资助金额（元）", stats["granted"]),
        ("心愿数", stats["wishes"]),
        ("已实现心愿", stats["wishes_fulfilled"]),
        ("在册志愿者", stats["volunteers"]),
        ("志愿服务时长（小时）", stats["hours"]),
    ]:
        ws.append([label, value])
    ws.append([])
    ws.append(["心愿征集", "发布", "实现", "价值（元）"])
    for r in stats["rounds"]:
        ws.append([r["round__name"], r["posted"], r["fulfilled"], r["value"]])
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="charity-{org.code}.xlsx"'
    return response
