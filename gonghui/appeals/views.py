"""Appeal screens: the handler queue per org, the operator workbench, the ticket page with its
timeline, one form page per move, the call-back form and the requester's rating page.

Thin views over `appeals.actions`; every read is `restrict(user, …)` and a ticket outside the
user's scope is 404. Tickets are addressed by ticket number; phones never appear in URLs (the
caller lookup is a POST).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from gonghui.appeals import actions, clock, picker
from gonghui.appeals.forms import (
    AssignForm,
    CallBackForm,
    ExtensionForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    SatisfactionForm,
)
from gonghui.appeals.models import Appeal, CallBack, ExtensionRequest
from gonghui.appeals.states import AFTER_RESULT, OPEN, AppealStatus, Satisfaction, SlaState
from gonghui.core.errors import error_fields
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ScopedListView
from gonghui.orgs.models import Org

S = AppealStatus
HANDLING = (S.SIGNED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.REGISTERED)
TABS = {
    "sign": (gettext_lazy("待签收"), Q(status=S.ASSIGNED)),
    "handling": (gettext_lazy("办理中"), Q(status__in=HANDLING)),
    "due_soon": (gettext_lazy("即将到期"), Q(status__in=OPEN, sla_state=SlaState.DUE_SOON)),
    "overdue": (gettext_lazy("已超期"), Q(status__in=OPEN, sla_state=SlaState.OVERDUE)),
    "supervised": (gettext_lazy("督办中"), Q(status__in=OPEN, supervised=True)),
    "resolved": (gettext_lazy("待回访/评价"), Q(status__in=AFTER_RESULT)),
}


def access_appeal(user, number: str) -> Appeal:
    return access_object(
        Appeal.objects.select_related("org", "org__parent", "intake_org", "suggested_org", "duplicate_of"),
        user,
        "appeal.view",
        number=number,
    )


class QueueView(ScopedListView):
    """The handler queue of the orgs in the user's scope (承办队列)."""

    template_name = "appeals/queue.html"

    def tab(self) -> str:
        tab = self.request.GET.get("tab", "sign")
        return tab if tab in TABS else "sign"

    def scoped(self):
        return Appeal.objects.restrict(self.request.user, "appeal.view")

    def get_queryset(self, filters):
        return self.scoped().filter(TABS[self.tab()][1]).select_related("org").order_by("priority", "due_on", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.scoped().aggregate(**{key: Count("id", filter=q) for key, (_label, q) in TABS.items()})
        context["tabs"] = [(key, label, counts[key]) for key, (label, _q) in TABS.items()]
        context["notices"] = notices_for(self.request.user)[:20]
        context["tab"] = self.tab()
        context["today"] = clock.today()
        return context


def notices_for(user):
    """The outbox notices (催办, 督办, 上报 …) addressed to orgs in the user's scope, newest first."""
    from gonghui.appeals.models import AppealNotice
    from gonghui.core.scoping import user_scope_paths
    from gonghui.core.tree import in_any_subtree

    paths = user_scope_paths(user, "appeal.view")
    rows = AppealNotice.objects.select_related("appeal", "org").order_by("-created_at", "-id")
    if paths is None:
        return rows
    return rows.filter(in_any_subtree("org__path", paths)) if paths else rows.none()


class AppealDetailView(LoginRequiredMixin, TemplateView):
    template_name = "appeals/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        appeal = access_appeal(user, kwargs["number"])
        change = user_can(user, "appeal.change", appeal.org_path)
        hotline = user_can(user, "appeal.assign", appeal.org_path)
        upper = appeal.org.parent or appeal.org
        moves = []
        holder = picker.holds(user, appeal)
        for key, (label, status_ok, perm) in MOVES.items():
            allowed = {
                "change": change,
                "holder": holder,
                "assign": hotline,
                "above": user_can(user, "appeal.change", upper.path),
            }[perm]
            if allowed and status_ok(appeal):
                moves.append((key, label))
        context.update(
            appeal=appeal,
            events=appeal.events.select_related("from_org", "to_org", "actor").order_by("at", "id"),
            moves=moves,
            extensions=appeal.extensions.order_by("-requested_at"),
            callbacks=appeal.callbacks.order_by("due_at"),
            mediation_cases=appeal.mediation_cases.order_by("opened_on", "id"),
            can_mediate=change and appeal.status not in (S.NOT_ACCEPTED, S.MERGED),
            can_decide_extension=user_can(user, "appeal.change", upper.path),
            today=clock.today(),
        )
        return context


def _open(a):
    return a.status in OPEN


MOVES = {
    "assign": (gettext_lazy("转办"), lambda a: a.status in (S.REGISTERED, S.SIGNED, S.RETURNED), "change"),
    # 签收 and 退回 belong to the org holding the ticket, not to the staff above who forwarded it.
    "sign": (gettext_lazy("签收"), lambda a: a.status == S.ASSIGNED, "holder"),
    "start": (
        gettext_lazy("开始办理"),
        lambda a: a.status in (S.REGISTERED, S.SIGNED, S.RETURNED, S.REOPENED),
        "change",
    ),
    "return": (gettext_lazy("退回"), lambda a: a.status in (S.ASSIGNED, S.SIGNED, S.RETURNED), "holder"),
    "resolve": (gettext_lazy("办结"), lambda a: a.status in HANDLING or a.status == S.REOPENED, "change"),
    "pause": (gettext_lazy("暂停计时"), lambda a: _open(a) and a.status != S.ASSIGNED and not a.paused, "change"),
    "resume": (gettext_lazy("恢复计时"), lambda a: a.paused, "change"),
    "extend": (gettext_lazy("申请延期"), lambda a: _open(a) and a.status != S.ASSIGNED, "change"),
    "note": (gettext_lazy("办理记录"), _open, "change"),
    "not_accept": (gettext_lazy("不予受理"), lambda a: a.status in (S.REGISTERED, S.SIGNED, S.RETURNED), "change"),
    "supervise": (gettext_lazy("督办"), lambda a: _open(a) and not a.supervised, "above"),
    "rate": (gettext_lazy("记录满意度"), lambda a: a.status in (S.RESOLVED, S.CALLED_BACK), "assign"),
    "close": (gettext_lazy("结案"), lambda a: a.status in (S.CALLED_BACK, S.RATED), "assign"),
    "crisis": (gettext_lazy("标记心理危机"), lambda a: not a.crisis and a.status not in (S.CLOSED, S.MERGED), "assign"),
}


class AppealMoveView(ActionFormView):
    """One form page per move (转办, 签收, 退回, 办结 …), each calling its action."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.move = kwargs["move"]
        if self.move not in MOVES:
            from django.http import Http404

            raise Http404
        self.appeal = access_appeal(request.user, kwargs["number"])
        self.title = f"{MOVES[self.move][0]} · {self.appeal.number}"
        self.submit_label = MOVES[self.move][0]
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return {
            "assign": AssignForm,
            "return": ReasonForm,
            "not_accept": ReasonForm,
            "pause": ReasonForm,
            "supervise": ReasonForm,
            "crisis": ReasonForm,
            "resolve": ResolveForm,
            "extend": ExtensionForm,
            "rate": SatisfactionForm,
        }.get(self.move, NoteForm)

    def get_template_names(self):
        return ["appeals/assign.html"] if self.move == "assign" else super().get_template_names()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.move == "assign":
            kwargs["holder"] = self.appeal.org
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.move == "assign":
            suggested = picker.suggested_target(self.appeal)
            children = list(picker.children_of(self.appeal.org))
            selected = str(context["form"]["to_org"].value() or "")
            shown = {str(org.pk) for org in children} | ({str(suggested.pk)} if suggested else set())
            picked = []
            if selected and selected not in shown:  # found by search before a failed submit: keep it visible
                picked = list(picker.subtree_below(self.appeal.org).filter(pk__in=[selected]))
            context.update(
                appeal=self.appeal,
                suggested=[suggested] if suggested else [],
                children=children,
                picked=picked,
                selected=selected,
            )
        return context

    def perform(self, form):
        user, appeal, data = self.request.user, self.appeal, form.cleaned_data
        move = self.move
        if move == "assign":
            return actions.do_assign(acting_user=user, appeal=appeal, to_org=data["to_org"], note=data["note"])
        if move == "sign":
            return actions.do_sign(acting_user=user, appeal=appeal)
        if move == "start":
            return actions.do_start(acting_user=user, appeal=appeal, note=data["note"])
        if move == "return":
            actions.do_return(acting_user=user, appeal=appeal, reason=data["reason"])
            return _Redirect(reverse("appeals:queue"))
        if move == "not_accept":
            return actions.do_not_accept(acting_user=user, appeal=appeal, reason=data["reason"])
        if move == "resolve":
            return actions.do_resolve(
                acting_user=user, appeal=appeal, result=data["result"], amount_recovered=data["amount_recovered"] or 0
            )
        if move == "pause":
            return actions.do_pause(acting_user=user, appeal=appeal, reason=data["reason"])
        if move == "resume":
            return actions.do_resume(acting_user=user, appeal=appeal, note=data["note"])
        if move == "extend":
            actions.do_request_extension(acting_user=user, appeal=appeal, days=data["days"], reason=data["reason"])
            return appeal
        if move == "note":
            actions.do_add_note(acting_user=user, appeal=appeal, text=data["note"])
            return appeal
        if move == "supervise":
            actions.do_open_supervision(acting_user=user, appeal=appeal, reason=data["reason"])
            return appeal
        if move == "rate":
            return actions.do_record_satisfaction(
                acting_user=user,
                appeal=appeal,
                satisfaction=data["satisfaction"],
                dissatisfaction_reason=data["dissatisfaction_reason"],
                note=data["note"],
            )
        if move == "close":
            return actions.do_close(acting_user=user, appeal=appeal, note=data["note"])
        if move == "crisis":
            return actions.do_flag_crisis(acting_user=user, appeal=appeal, reason=data["reason"])
        raise ValidationError(_("未知操作"))  # pragma: no cover


class _Redirect:
    def __init__(self, url):
        self.url = url

    def get_absolute_url(self):
        return self.url


class ExtensionDecisionView(ActionFormView):
    title = gettext_lazy("延期审批")
    form_class = NoteForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.extension = _extension(request.user, kwargs["pk"])
        self.approve = kwargs["decision"] == "approve"
        self.submit_label = _("批准") if self.approve else _("不批准")
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        actions.do_decide_extension(
            acting_user=self.request.user,
            extension=self.extension,
            approve=self.approve,
            note=form.cleaned_data["note"],
        )
        return self.extension.appeal


def _extension(user, pk) -> ExtensionRequest:
    from django.http import Http404

    extension = ExtensionRequest.objects.select_related("appeal").filter(pk=pk).first()
    if extension is None or not Appeal.objects.restrict(user, "appeal.view").filter(pk=extension.appeal_id).exists():
        raise Http404
    return extension


class CallBackView(ActionFormView):
    title = gettext_lazy("回访")
    form_class = CallBackForm
    submit_label = gettext_lazy("保存回访记录")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.callback = access_object(
            CallBack.objects.select_related("appeal", "org"), request.user, "appeal.assign", pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        actions.do_call_back(
            acting_user=self.request.user,
            callback=self.callback,
            reached=data["reached"],
            note=data["callback_note"],
            satisfaction=data["satisfaction"],
            dissatisfaction_reason=data["dissatisfaction_reason"],
            satisfaction_note=data["note"],
        )
        return self.callback.appeal


class RateView(View):
    """The requester's one-click rating page (signed link, no login). GET shows the choice that
    the link carries and a button; the POST records it (link scanners never rate)."""

    template_name = "appeals/rate.html"

    def get(self, request, token):
        choices = _choices(token)
        if choices:
            return render(request, self.template_name, {"choices": choices, "label": "", "done": False})
        return render(request, self.template_name, {"label": _label(token), "done": False})

    def post(self, request, token):
        try:
            actions.do_rate_by_link(token=token, dissatisfaction_reason=request.POST.get("dissatisfaction_reason", ""))
        except ValidationError as error:
            problems = "；".join(m for ms in error_fields(error).values() for m in ms)
            return render(request, self.template_name, {"label": _label(token), "error": problems}, status=400)
        return render(request, self.template_name, {"label": _label(token), "done": True})


def _choices(token: str) -> list[tuple[str, str]]:
    """The link sent by text message carries no rating: the page offers the five, each its own signed link."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=actions.RATING_SALT, max_age=actions.RATING_MAX_AGE)
    except signing.BadSignature:
        return []
    if data.get("s") != "" or "a" not in data:
        return []
    appeal = Appeal(pk=data["a"], reopen_count=data.get("r", 0))
    return [(str(label), actions.rating_token(appeal, value)) for value, label in Satisfaction.choices]


def _label(token: str) -> str:
    from django.core import signing

    try:
        value = signing.loads(token, salt=actions.RATING_SALT, max_age=actions.RATING_MAX_AGE).get("s", "")
        return str(Satisfaction(value).label)
    except (signing.BadSignature, ValueError):
        return ""


class StatsView(LoginRequiredMixin, TemplateView):
    """Statistics for one subtree and period, on screen or as Excel (`?format=xlsx`)."""

    template_name = "appeals/stats.html"

    def params(self):
        import datetime as dt

        from django.http import Http404

        user = self.request.user
        code = (self.request.GET.get("org") or "").strip().upper()
        if not code:
            home = getattr(user, "home_org", None)
            if home is None or not user_can(user, "appeal.view", home.path):
                raise Http404
            code = home.code
        org = access_object(Org.objects.all(), user, "appeal.view", code=code)
        today = clock.today()
        try:
            start = dt.date.fromisoformat(self.request.GET.get("start") or f"{today.year}-01-01")
            end = dt.date.fromisoformat(self.request.GET.get("end") or today.isoformat())
        except ValueError:
            start, end = dt.date(today.year, 1, 1), today
        return org, start, end

    def get(self, request, *args, **kwargs):
        from django.http import HttpResponse

        from gonghui.appeals.stats import appeal_stats, stats_workbook

        org, start, end = self.params()
        stats = appeal_stats(org, start, end)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                stats_workbook(org, stats),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="appeals-{org.code}-{start}-{end}.xlsx"'
            return response
        return render(request, self.template_name, {"org": org, "stats": stats, "start": start, "end": end})


class AttachView(ActionFormView):
    """Upload a file to a ticket (its own template: the form needs multipart encoding)."""

    template_name = "appeals/attach.html"
    title = gettext_lazy("上传附件")
    submit_label = gettext_lazy("上传")

    def get_form_class(self):
        from gonghui.appeals.forms import AttachmentForm

        return AttachmentForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appeal = access_appeal(request.user, kwargs["number"])
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        actions.do_add_attachment(acting_user=self.request.user, appeal=self.appeal, upload=form.cleaned_data["file"])
        return self.appeal


def attachment_view(request, number, pk):
    """Serve an attachment to a user who may see the ticket (404 otherwise); never from a public URL."""
    from django.contrib.auth.views import redirect_to_login
    from django.http import FileResponse, Http404

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    appeal = access_appeal(request.user, number)
    attachment = appeal.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
