"""Console pages of learning (/learning/): offerings, sessions, enrolment and waitlist, the
attendance sheet (scan, print, xlsx), certificates, skills to verify, and statistics. Thin views
over `learning.actions`; every read goes through `restrict()` or an `access_*` helper (404 outside)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.learning import actions, actions_records, queries
from gonghui.learning.forms import CardScanForm, MemberNoForm, OfferingForm, ReasonForm, SessionForm, VerifySkillForm
from gonghui.learning.models import Attendance, Category, Certificate, Enrolment, Offering, Session, Skill
from gonghui.learning.states import EnrolmentStatus, OfferingStatus, SkillStatus
from gonghui.members.eligibility import describe
from gonghui.members.portal.qr import qr_svg
from gonghui.members.schemas import mask_name
from gonghui.orgs.mixins import OrgFromQueryMixin
from gonghui.orgs.models import Org

VIEW = "learning.view"
MANAGE = "learning.manage"
CHECKIN = "learning.checkin"


class OfferingListView(ScopedListView):
    template_name = "learning/offerings.html"

    def get_queryset(self, filters):
        qs = Offering.objects.restrict(self.request.user, VIEW).select_related("org")
        get = self.request.GET
        if get.get("status") in OfferingStatus.values:
            qs = qs.filter(status=get["status"])
        if get.get("category") in Category.values:
            qs = qs.filter(category=get["category"])
        if q := (get.get("q") or "").strip()[:60]:
            qs = qs.filter(Q(title__icontains=q) | Q(teacher__icontains=q))
        return qs.order_by("-enrol_closes_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orgs = Org.objects.restrict(self.request.user, MANAGE).order_by("path")[:1]
        context.update(
            create_org=orgs[0] if orgs else None,
            statuses=OfferingStatus.choices,
            categories=Category.choices,
            current=self.request.GET,
        )
        return context


class CalendarView(LoginRequiredMixin, TemplateView):
    """The sessions of the coming weeks (or a month given as ?month=YYYY-MM), day by day."""

    template_name = "learning/calendar.html"

    def get_context_data(self, **kwargs):
        import datetime as dt

        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            year, month = map(int, (self.request.GET.get("month") or f"{today:%Y-%m}").split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
        sessions = (
            Session.objects.restrict(self.request.user, VIEW)
            .filter(starts_at__date__gte=first, starts_at__date__lt=last)
            .exclude(offering__status__in=[OfferingStatus.DRAFT, OfferingStatus.CANCELLED])
            .select_related("offering__org")
            .order_by("starts_at")[:500]
        )
        days: dict = {}
        for s in sessions:
            days.setdefault(timezone.localtime(s.starts_at).date(), []).append(s)
        prev_month = (first - dt.timedelta(days=1)).replace(day=1)
        context.update(days=sorted(days.items()), month=first, prev=prev_month, next=last)
        return context


class OrgFormMixin(OrgFromQueryMixin):
    org_permission = MANAGE


class OfferingCreateView(OrgFormMixin, ActionFormView):
    form_class = OfferingForm
    submit_label = gettext_lazy("保存草稿")
    success_message = gettext_lazy("已保存为草稿：请安排课次后发布")

    @property
    def title(self):
        return _("“%(org)s”新建课程/活动") % {"org": self.org.name}

    def perform(self, form):
        return actions.do_create_offering(acting_user=self.request.user, org=self.org, data=form.action_data())


class OfferingEditView(ActionFormView):
    form_class = OfferingForm
    success_message = gettext_lazy("已保存")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.offering = queries.access_offering(request.user, kwargs["pk"], MANAGE)
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("修改“%(t)s”") % {"t": self.offering.title}

    def get_initial(self):
        o = self.offering
        initial = {k: getattr(o, k) for k in OfferingForm.field_order}
        initial["enrol_opens_at"] = timezone.localtime(o.enrol_opens_at).strftime("%Y-%m-%dT%H:%M")
        initial["enrol_closes_at"] = timezone.localtime(o.enrol_closes_at).strftime("%Y-%m-%dT%H:%M")
        initial.update(OfferingForm.rule_initial(o.rule))
        return initial

    def perform(self, form):
        data = form.action_data()
        changed = {k: v for k, v in data.items() if v != getattr(self.offering, k)}
        return actions.do_edit_offering(acting_user=self.request.user, offering=self.offering, data=changed)


class OfferingDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "learning/offering.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        offering = queries.access_offering(user, kwargs["pk"])
        enrolments = list(
            Enrolment.objects.filter(offering=offering)
            .select_related("membership__person", "membership__org")
            .annotate(attended=Count("attendances"))
            .order_by("arrival")
        )
        for e in enrolments:
            e.name_masked = mask_name(e.membership.person.name)
        sessions = list(offering.sessions.annotate(present=Count("attendances")))
        context.update(
            offering=offering,
            sessions=sessions,
            enrolled=[e for e in enrolments if e.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)],
            waiting=[e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED],
            others=[e for e in enrolments if e.status in (EnrolmentStatus.CANCELLED, EnrolmentStatus.BARRED)],
            rule_text=describe(offering.rule),
            can_manage=user_can(user, MANAGE, offering.org_path),
            can_checkin=user_can(user, CHECKIN, offering.org_path),
            session_form=SessionForm(),
            enrol_form=MemberNoForm(),
            cancel_form=ReasonForm(),
            certificates=Certificate.objects.filter(offering=offering).order_by("issued_on", "pk")[:500],
            history=self.history(offering, offering.org_path),
            now=timezone.now(),
        )
        return context


def _run(request, fn, success: str):
    try:
        result = fn()
        messages.success(request, success if isinstance(success, str) else success(result))
    except ValidationError as error:
        messages.error(request, error_message(error))


@login_required
@require_POST
def offering_action(request, pk, what):
    """Publish, decide the opening, cancel, complete; add a session; enrol a member; cancel an enrolment."""
    offering = queries.access_offering(request.user, pk)
    user, post = request.user, request.POST
    if what == "publish":
        _run(
            request, lambda: actions.do_publish_offering(acting_user=user, offering=offering), _("已发布，会员可以报名")
        )
    elif what == "decide":
        _run(
            request,
            lambda: actions.do_decide_opening(acting_user=user, offering=offering),
            lambda o: _("已开班") if o.status == OfferingStatus.RUNNING else _("人数不足，已取消并通知报名会员"),
        )
    elif what == "cancel":
        _run(
            request,
            lambda: actions.do_cancel_offering(acting_user=user, offering=offering, reason=post.get("reason", "")),
            _("已取消，并短信通知已报名和候补的会员"),
        )
    elif what == "complete":
        _run(
            request,
            lambda: actions_records.do_complete_offering(acting_user=user, offering=offering),
            lambda r: (
                _("已结业：%(c)s 人获得结业证书，%(n)s 人未达结业要求") % {"c": r["completed"], "n": r["not_completed"]}
            ),
        )
    elif what == "session":
        form = SessionForm(post)
        if not form.is_valid():
            messages.error(
                request, _("课次信息有误：%(e)s") % {"e": "；".join(e for errs in form.errors.values() for e in errs)}
            )
        else:
            _run(
                request,
                lambda: actions.do_add_session(acting_user=user, offering=offering, **form.cleaned_data),
                _("已添加课次"),
            )
    elif what == "enrol":
        from gonghui.learning.api import _member_by_no

        _run(
            request,
            lambda: actions.do_enrol(
                acting_user=user, offering=offering, membership=_member_by_no(post.get("member_no", ""))
            ),
            lambda r: r.message,
        )
    elif what == "unenrol":
        enrolment = Enrolment.objects.filter(offering=offering, pk=post.get("enrolment") or 0).first()
        if enrolment is None:
            raise Http404
        _run(
            request,
            lambda: actions.do_cancel_enrolment(acting_user=user, enrolment=enrolment, reason=post.get("reason", "")),
            _("已取消该会员的报名"),
        )
    else:
        raise Http404
    return redirect("learning:offering", offering.pk)


class SessionView(LoginRequiredMixin, TemplateView):
    """A session's attendance sheet: the scan form (card QR), the session's own QR for members to
    scan, who is present, late or absent; printable, and as .xlsx."""

    template_name = "learning/session.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = queries.access_session(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        session = queries.access_session(request.user, kwargs["pk"], CHECKIN)
        if request.POST.get("close"):
            _run(
                request,
                lambda: actions_records.do_close_session(acting_user=request.user, session=session),
                lambda n: _("签到已结束：%(n)s 人缺勤") % {"n": n},
            )
            return redirect("learning:session", session.pk)
        form = CardScanForm(request.POST)
        result = None
        if form.is_valid():
            result = actions_records.do_check_in_card(
                acting_user=request.user, session=session, payload=form.cleaned_data["payload"]
            )
            form = CardScanForm()
        return self.render_to_response(self.get_context_data(form=form, result=result))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.session
        context.update(sheet(session))
        context.setdefault("form", CardScanForm())
        context.update(
            session=session,
            offering=session.offering,
            can_checkin=user_can(self.request.user, CHECKIN, session.org_path),
            session_qr=qr_svg(self.request.build_absolute_uri(f"/m/learning/checkin/{session.qr_token}/")),
            print_mode=self.request.GET.get("print") == "1",
        )
        return context


def sheet(session: Session) -> dict:
    """Rows of the attendance sheet: every enrolled member (masked) with their check-in, if any."""
    attendance = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    rows = []
    enrolments = (
        Enrolment.objects.filter(offering_id=session.offering_id)
        .filter(Q(status=EnrolmentStatus.ENROLLED) | Q(pk__in=list(attendance)))
        .select_related("membership__person")
        .order_by("arrival")
    )
    for e in enrolments:
        rows.append({"enrolment": e, "name": mask_name(e.membership.person.name), "a": attendance.get(e.pk)})
    return {"rows": rows, "present": len(attendance), "expected": len(rows)}


@login_required
def session_xlsx(request, pk):
    from openpyxl import Workbook

    session = queries.access_session(request.user, pk)
    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    ws.append([session.offering.title, timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")])
    ws.append(["序号", "会员证号", "姓名", "签到时间", "签退时间", "迟到", "早退", "计入课时", "方式"])
    for i, row in enumerate(sheet(session)["rows"], 1):
        a = row["a"]
        ws.append(
            [
                i,
                row["enrolment"].membership.member_no,
                row["name"],
                timezone.localtime(a.checked_in_at).strftime("%H:%M") if a else "缺勤",
                timezone.localtime(a.checked_out_at).strftime("%H:%M") if a and a.checked_out_at else "",
                "是" if a and a.late else "",
                "是" if a and a.left_early else "",
                float(a.hours) if a else 0,
                a.get_method_display() if a else "",
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="attendance-{session.pk}.xlsx"'
    return response


class CertificateListView(ScopedListView):
    template_name = "learning/certificates.html"

    def get_queryset(self, filters):
        qs = Certificate.objects.restrict(self.request.user, VIEW).select_related("org", "offering")
        if q := (self.request.GET.get("q") or "").strip().upper()[:20]:
            qs = qs.filter(serial=q)
        return qs.order_by("-issued_on", "-pk")


class CertificateView(LoginRequiredMixin, TemplateView):
    """Staff view of one certificate: printable (A4), with its public QR; revoke with a reason."""

    template_name = "learning/certificate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = queries.access_certificate(self.request.user, kwargs["pk"])
        context.update(certificate_context(self.request, certificate))
        context.update(
            can_manage=user_can(self.request.user, MANAGE, certificate.org_path),
            form=ReasonForm(),
            staff=True,
        )
        return context


def certificate_context(request, certificate: Certificate) -> dict:
    url = request.build_absolute_uri(f"/c/{certificate.serial}/")
    return {"certificate": certificate, "verify_url": url, "qr": qr_svg(url, title=certificate.serial)}


@login_required
@require_POST
def certificate_revoke(request, pk):
    certificate = queries.access_certificate(request.user, pk)
    _run(
        request,
        lambda: actions_records.do_revoke_certificate(
            acting_user=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        ),
        _("证书已撤销，相应技能记录同时撤销"),
    )
    return redirect("learning:certificate", certificate.pk)


class SkillQueueView(ScopedListView):
    """Self-declared skills waiting for staff of the member's union to verify them."""

    template_name = "learning/skills.html"

    def get_queryset(self, filters):
        return (
            Skill.objects.restrict(self.request.user, MANAGE)
            .filter(status=SkillStatus.PENDING)
            .select_related("membership__person")
            .order_by("created_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for s in context["object_list"]:
            s.name_masked = mask_name(s.membership.person.name)
        context["form"] = VerifySkillForm()
        return context


@login_required
@require_POST
def skill_verify(request, pk):
    skill = access_object(Skill.objects.all(), request.user, MANAGE, pk=pk)
    approve = request.POST.get("decision") == "approve"
    _run(
        request,
        lambda: actions_records.do_verify_skill(
            acting_user=request.user, skill=skill, approve=approve, note=request.POST.get("note", "")
        ),
        _("已核实，技能记入会员档案") if approve else _("已标记为未通过核实"),
    )
    return redirect("learning:skills")


class StatsView(LoginRequiredMixin, TemplateView):
    """Learning in an org's subtree: totals, by category, by month, and per child org."""

    template_name = "learning/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = access_object(Org.objects.all(), self.request.user, VIEW, code=kwargs["code"].upper())
        stats = queries.stats_for(org)
        labels = dict(Category.choices)
        for row in stats["by_category"]:
            row["label"] = labels.get(row["category"], row["category"])
        context.update(org=org, stats=stats, children=queries.stats_by_child(org))
        return context


class WorkflowsView(LoginRequiredMixin, TemplateView):
    """Needs surveys with their result lists, 送课上门 requests and contests in the user's subtree."""

    template_name = "learning/workflows.html"

    def get_context_data(self, **kwargs):
        from gonghui.learning.models import Contest, CourseRequest, Survey

        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            surveys=Survey.objects.restrict(user, VIEW).select_related("org").prefetch_related("proposals")[:50],
            requests=CourseRequest.objects.restrict(user, VIEW).select_related("requester", "owner", "offering")[:50],
            contests=Contest.objects.restrict(user, VIEW).select_related("offering").prefetch_related("entries")[:50],
        )
        return context


@login_required
@require_POST
def course_request_decide(request, pk):
    """Approve a 送课上门 request (a draft course for that workplace, to schedule and publish) or decline it."""
    import datetime as dt

    from gonghui.learning.actions_workflows import do_decide_course_request
    from gonghui.learning.models import CourseRequest

    course_request = access_object(
        CourseRequest.objects.select_related("owner", "requester"), request.user, VIEW, pk=pk
    )
    approve = request.POST.get("decision") == "approve"
    now = timezone.now()
    data = {
        "venue": _("%(org)s（送课上门）") % {"org": course_request.requester.name},
        "enrol_opens_at": now,
        "enrol_closes_at": now + dt.timedelta(days=7),
    }
    try:
        decided = do_decide_course_request(
            acting_user=request.user,
            request=course_request,
            approve=approve,
            data=data,
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, error_message(error))
        return redirect("learning:workflows")
    if approve:
        messages.success(request, _("已批准：课程草稿已建好，请安排课次并发布"))
        return redirect("learning:offering", decided.offering_id)
    messages.success(request, _("已回复申请工会：未批准"))
    return redirect("learning:workflows")
