"""Console pages of jobs (/jobs/): posts with the review queue, the applications board per post,
employers (register, review, suspend), placements with follow-ups due, job fairs, the talent pool,
statistics per org with xlsx, and a QR poster per post. Thin views over the actions; every read goes
through `restrict()` or an `access_*` helper (404 outside the user's subtree)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.jobs import actions, actions_apply, actions_fairs, queries
from gonghui.jobs.forms import (
    CardScanForm,
    EmployerForm,
    FairForm,
    FollowUpForm,
    HireForm,
    MoveForm,
    PostForm,
    ReasonForm,
    TalentSearchForm,
    WalkInForm,
)
from gonghui.jobs.models import Employer, JobFair, JobPost, JobType, Placement
from gonghui.jobs.states import ApplicationStatus, EmployerStatus, PostStatus
from gonghui.members.models import Membership
from gonghui.members.portal.qr import qr_svg
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org

VIEW, MANAGE, REVIEW = actions.VIEW, actions.MANAGE, actions.REVIEW


def _manage_orgs(user):
    return Org.objects.restrict(user, MANAGE).order_by("path")


# --- posts -------------------------------------------------------------------------------------------


class PostListView(ScopedListView):
    template_name = "jobs/posts.html"

    def get_queryset(self, filters):
        get = self.request.GET
        return queries.staff_posts(
            self.request.user,
            status=get.get("status") if get.get("status") in PostStatus.values else "",
            q=(get.get("q") or "").strip()[:40],
            job_type=get.get("type") if get.get("type") in JobType.values else "",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(statuses=PostStatus.choices, types=JobType.choices, current=self.request.GET)
        return context


class PostCreateView(ActionFormView):
    form_class = PostForm
    title = gettext_lazy("发布岗位")
    submit_label = gettext_lazy("保存草稿")
    success_message = gettext_lazy("岗位已保存为草稿，提交审核后由工会审核发布")

    def get_form_kwargs(self):
        from gonghui.stations.models import Station

        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs.update(
            employers=Employer.objects.restrict(user, VIEW).filter(status=EmployerStatus.APPROVED).order_by("name"),
            orgs=_manage_orgs(user),
            stations=Station.objects.restrict(user, "station.view")
            .filter(kind__code=actions.GIG_STATION_KIND)
            .order_by("name"),
        )
        return kwargs

    def perform(self, form):
        data = form.cleaned_data
        return actions.do_create_post(
            acting_user=self.request.user,
            employer=data["employer"],
            org=data["org"],
            station=data["station"],
            data=form.data_for_action(),
        )


class PostDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "jobs/post.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = queries.access_post(self.request.user, kwargs["pk"])
        user = self.request.user
        context.update(
            post=post,
            counts=[(ApplicationStatus(k).label, n) for k, n in sorted(queries.board_counts(post).items())],
            may_manage=user_can(user, MANAGE, post.org_path),
            may_review=user_can(user, REVIEW, post.org_path),
            reason_form=ReasonForm(),
            walk_in_form=WalkInForm(),
            history=self.history(post, post.org_path),
        )
        return context


POST_ACTIONS = {
    "submit": (actions.do_submit_post, gettext_lazy("已提交审核")),
    "publish": (actions.do_publish_post, gettext_lazy("岗位已发布")),
    "return": (actions.do_return_post, gettext_lazy("已退回修改")),
    "withdraw": (actions.do_withdraw_post, gettext_lazy("岗位已撤回")),
}


@login_required
@require_POST
def post_action(request, pk, what):
    post = queries.access_post(request.user, pk)
    if what not in POST_ACTIONS:
        messages.error(request, _("未知的操作"))
        return redirect(post)
    action, done = POST_ACTIONS[what]
    kwargs = {"reason": request.POST.get("reason", "")} if what in ("return", "withdraw") else {}
    try:
        action(acting_user=request.user, post=post, **kwargs)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect(post)


@login_required
@require_POST
def walk_in(request, pk):
    """Staff at a 驿站 apply for a member who walked in (by member number)."""
    post = queries.access_post(request.user, pk)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写会员证号"))
        return redirect(post)
    membership = Membership.objects.filter(member_no=form.cleaned_data["member_no"].strip(), status__in=CURRENT).first()
    if membership is None:
        messages.error(request, _("未找到该会员证号的在籍会员"))
        return redirect(post)
    try:
        actions_apply.do_apply(
            acting_user=request.user, post=post, membership=membership, share_mobile=form.cleaned_data["share_mobile"]
        )
        messages.success(request, _("已代会员投递"))
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect("jobs:board", pk=post.pk)


class PosterView(LoginRequiredMixin, TemplateView):
    """A printable poster for a job fair: the post and a QR code to its portal page."""

    template_name = "jobs/poster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = queries.access_post(self.request.user, kwargs["pk"])
        url = self.request.build_absolute_uri(reverse("jobs_portal:post", args=[post.pk]))
        context.update(post=post, qr=qr_svg(url, title=post.title), url=url)
        return context


# --- the applications board ----------------------------------------------------------------------------


class BoardView(LoginRequiredMixin, TemplateView):
    """Every application of a post (100 a page) with what the employer may see, and the next steps.
    A fixed number of queries however many applications there are."""

    template_name = "jobs/board.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = queries.access_board_post(self.request.user, kwargs["pk"])
        status = self.request.GET.get("status", "")
        status = status if status in ApplicationStatus.values else ""
        page = Paginator(queries.board(post, status=status), self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            post=post,
            page_obj=page,
            rows=queries.board_rows(page.object_list),
            counts=queries.board_counts(post),
            move_form=MoveForm(),
            status=status,
            statuses=ApplicationStatus.choices,
        )
        return context


@login_required
@require_POST
def application_move(request, pk):
    application = queries.access_application(request.user, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            actions_apply.do_move_application(acting_user=request.user, application=application, **form.cleaned_data)
            messages.success(request, _("状态已更新"))
        except ValidationError as exc:
            messages.error(request, error_message(exc))
    else:
        messages.error(request, _("请选择状态"))
    return redirect("jobs:board", pk=application.post_id)


class HireView(ActionFormView):
    form_class = HireForm
    title = gettext_lazy("录用并登记上岗")
    submit_label = gettext_lazy("确认录用")
    success_message = gettext_lazy("已录用，就业回访已安排在 1 个月和 3 个月后")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.application = queries.access_application(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        from django.utils import timezone

        post = self.application.post
        return {"start_date": timezone.localdate(), "wage": post.wage_min, "wage_unit": post.wage_unit}

    def perform(self, form):
        return actions_apply.do_hire(acting_user=self.request.user, application=self.application, **form.cleaned_data)

    def get_success_url_for(self, result):
        return reverse("jobs:board", args=[self.application.post_id])


# --- employers -----------------------------------------------------------------------------------------


class EmployerListView(ScopedListView):
    template_name = "jobs/employers.html"

    def get_queryset(self, filters):
        qs = Employer.objects.restrict(self.request.user, VIEW).select_related("org")
        get = self.request.GET
        if get.get("status") in EmployerStatus.values:
            qs = qs.filter(status=get["status"])
        if q := (get.get("q") or "").strip()[:40]:
            qs = qs.filter(name__icontains=q)
        return qs.order_by("name", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(statuses=EmployerStatus.choices, current=self.request.GET)
        return context


class EmployerCreateView(ActionFormView):
    form_class = EmployerForm
    title = gettext_lazy("登记用人单位")
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("已登记，待本工会审核后方可发布岗位")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        orgs = _manage_orgs(self.request.user)
        kwargs.update(
            orgs=orgs,
            enterprises=Org.objects.restrict(self.request.user, MANAGE)
            .filter(kind="grassroots")
            .exclude(uscc="")
            .order_by("name")[:500],
        )
        return kwargs

    def perform(self, form):
        data = dict(form.cleaned_data)
        org, enterprise = data.pop("org"), data.pop("enterprise_org")
        return actions.do_register_employer(acting_user=self.request.user, org=org, enterprise=enterprise, data=data)


class EmployerDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "jobs/employer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        employer = queries.access_employer(self.request.user, kwargs["pk"])
        context.update(
            employer=employer,
            posts=JobPost.objects.filter(employer=employer).select_related("org").order_by("-id")[:50],
            may_review=user_can(self.request.user, REVIEW, employer.org_path),
            reason_form=ReasonForm(),
            history=self.history(employer, employer.org_path),
        )
        return context


@login_required
@require_POST
def employer_action(request, pk, what):
    employer = queries.access_employer(request.user, pk)
    try:
        if what == "approve":
            actions.do_approve_employer(
                acting_user=request.user, employer=employer, note=request.POST.get("reason", "")
            )
            messages.success(request, _("已审核通过"))
        elif what == "suspend":
            actions.do_suspend_employer(
                acting_user=request.user, employer=employer, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已暂停，该单位未结束的岗位已撤回"))
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect(employer)


# --- placements and follow-ups ---------------------------------------------------------------------------


class PlacementListView(ScopedListView):
    template_name = "jobs/placements.html"

    def get_queryset(self, filters):
        return (
            Placement.objects.restrict(self.request.user, VIEW)
            .select_related("post", "employer", "membership__person")
            .order_by("-start_date", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["due"] = list(queries.follow_ups_due(self.request.user)[:50])
        return context


class FollowUpView(ActionFormView):
    form_class = FollowUpForm
    title = gettext_lazy("登记就业回访")
    submit_label = gettext_lazy("保存回访")
    success_message = gettext_lazy("回访已登记")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.follow_up = queries.access_follow_up(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return actions_apply.do_record_follow_up(
            acting_user=self.request.user, follow_up=self.follow_up, **form.cleaned_data
        )

    def get_success_url_for(self, result):
        return reverse("jobs:placements")


# --- fairs -------------------------------------------------------------------------------------------------


class FairListView(ScopedListView):
    template_name = "jobs/fairs.html"

    def get_queryset(self, filters):
        return JobFair.objects.restrict(self.request.user, VIEW).select_related("org").order_by("-starts_at", "-id")


class FairCreateView(ActionFormView):
    form_class = FairForm
    title = gettext_lazy("新建招聘会")
    submit_label = gettext_lazy("保存")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["orgs"] = _manage_orgs(self.request.user)
        return kwargs

    def perform(self, form):
        data = dict(form.cleaned_data)
        return actions_fairs.do_create_fair(acting_user=self.request.user, org=data.pop("org"), data=data)


class FairDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "jobs/fair.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fair = queries.access_fair(self.request.user, kwargs["pk"])
        context.update(
            fair=fair,
            counts=queries.fair_counts(fair),
            posts=fair.posts.select_related("employer").order_by("employer__name", "title"),
            candidates=Employer.objects.restrict(self.request.user, VIEW)
            .filter(status=EmployerStatus.APPROVED)
            .exclude(fairs=fair)
            .order_by("name")[:100],
            scan_form=CardScanForm(),
            may_manage=user_can(self.request.user, MANAGE, fair.org_path),
        )
        return context


@login_required
@require_POST
def fair_action(request, pk, what):
    fair = queries.access_fair(request.user, pk)
    try:
        if what in ("open", "closed"):
            actions_fairs.do_move_fair(acting_user=request.user, fair=fair, status=what)
            messages.success(request, _("状态已更新"))
        elif what == "add":
            employer = queries.access_employer(request.user, request.POST.get("employer"))
            posts = JobPost.objects.filter(employer=employer, status=PostStatus.PUBLISHED)
            actions_fairs.do_add_to_fair(acting_user=request.user, fair=fair, employer=employer, posts=posts)
            messages.success(request, _("已添加参会单位及其招聘中的岗位"))
        elif what == "check_in":
            result = actions_fairs.do_fair_check_in(
                acting_user=request.user, fair=fair, payload=request.POST.get("payload", "")
            )
            (messages.success if result.ok else messages.error)(request, result.message)
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect(fair)


# --- talent pool, statistics ---------------------------------------------------------------------------------


class TalentView(LoginRequiredMixin, TemplateView):
    """The talent pool of the user's subtree (staff only; employers never search it)."""

    template_name = "jobs/talent.html"

    def get_context_data(self, **kwargs):
        if not user_can(self.request.user, MANAGE):
            raise PermissionDenied(_("需要就业服务管理权限"))
        context = super().get_context_data(**kwargs)
        form = TalentSearchForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        page = Paginator(queries.talent_search(self.request.user, **filters), 50).get_page(self.request.GET.get("page"))
        context.update(form=form, page_obj=page, object_list=page.object_list)
        return context


def _stats_org(user, code):
    return access_object(Org.objects.all(), user, VIEW, code=(code or "").upper())


class StatsView(LoginRequiredMixin, TemplateView):
    template_name = "jobs/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = _stats_org(self.request.user, kwargs["code"])
        context.update(org=org, stats=queries.stats_for(org), children=queries.stats_by_child(org))
        return context


STATS_COLUMNS = [
    ("posts", "岗位数"),
    ("openings", "招聘人数"),
    ("trainee_posts", "见习岗位"),
    ("applications", "求职申请"),
    ("placements", "就业安置"),
    ("retention_percent", "回访在岗率（%）"),
    ("average_wage", "平均月工资（元）"),
]


@login_required
def stats_xlsx(request, code):
    from openpyxl import Workbook

    org = _stats_org(request.user, code)
    wb = Workbook()
    ws = wb.active
    ws.title = "就业服务统计"
    ws.append(["组织", *[label for _key, label in STATS_COLUMNS]])
    for row_org, stats in [(org, queries.stats_for(org)), *queries.stats_by_child(org)]:
        ws.append(
            [
                row_org.name,
                *[
                    (float(v) if v is not None and not isinstance(v, int) else v)
                    for v in (stats[k] for k, _l in STATS_COLUMNS)
                ],
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="jobs-stats-{org.code}.xlsx"'
    return response
