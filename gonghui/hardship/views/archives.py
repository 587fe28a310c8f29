"""Officer pages: work queues, the archive list (filters, search, export), the archive form in the
order of the national 困难职工档案表, the household page (one timeline and the allowed steps), the
statistics of a subtree and the scoped download of visit attachments. Thin views over
`hardship.queries` and `hardship.actions`."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from gonghui.core.errors import error_fields
from gonghui.core.forms import name_unlabelled_fields
from gonghui.core.scoping import user_can, user_scope_paths
from gonghui.core.tree import in_subtree
from gonghui.core.views import ObjectHistoryMixin, ScopedListView
from gonghui.hardship import actions, aid_queries, exports, queries
from gonghui.hardship import forms as hf
from gonghui.hardship.models import HardshipArchive, HomeVisit, PlanMeasure, Relation, VisitAttachment
from gonghui.hardship.states import PENDING, ArchiveLevel, ArchiveStatus, Category, Cause, RemovalReason
from gonghui.hardship.views.common import (
    ArchiveObjectMixin,
    access_archive,
    archive_url,
    org_in_scope,
    person_name_of,
    today,
)
from gonghui.hardship.views.steps import approver_path, available_steps, step_facts
from gonghui.members.models import Membership
from gonghui.orgs.models import Org

S = ArchiveStatus

# --- work queues --------------------------------------------------------------------------------

QUEUES = [
    ("awaiting_visit", _lazy("待入户调查"), lambda u, d: queries.awaiting_visit(u)),
    ("notices_running", _lazy("公示中"), lambda u, d: queries.notices_running(u, d)),
    ("ready_to_approve", _lazy("公示期满待审批"), lambda u, d: queries.ready_to_approve(u, d)),
    ("open_objections", _lazy("待处理异议"), None),
    ("reviews_overdue", _lazy("年度复核逾期"), lambda u, d: queries.reviews_overdue(u, d)),
    ("exits_proposed", _lazy("建议脱困"), lambda u, d: queries.exits_proposed(u)),
    ("plan_overdue", _lazy("帮扶措施逾期"), None),
    ("payments_to_approve", _lazy("帮扶发放待审核"), None),
]
# Money queues (aid_queries.work_queues) shown as counts beside the archive queues.
MONEY_QUEUES = [
    ("aid_applications_to_check", _lazy("帮扶申请待核查")),
    ("aid_ready_to_approve", _lazy("帮扶申请待审批")),
    ("payments_to_batch", _lazy("待生成发放批次")),
    ("batches_to_reconcile", _lazy("发放批次待对账")),
]
QUEUE_NAMES = {name: label for name, label, _fn in QUEUES}


class QueuesView(LoginRequiredMixin, TemplateView):
    """Counts of every queue (one query each) and the rows of the chosen queue, paginated."""

    template_name = "hardship/queues.html"
    paginate_by = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, day = self.request.user, today()
        counts = {**queries.work_queues(user, day), **aid_queries.work_queues(user, day)}
        chosen = self.request.GET.get("queue") or next((n for n, _l, _f in QUEUES if counts.get(n)), "awaiting_visit")
        if chosen not in QUEUE_NAMES:
            raise Http404("unknown queue")
        if chosen == "open_objections":
            rows = queries.open_objections(user)
        elif chosen == "plan_overdue":
            rows = queries.plan_overdue(user, day).select_related("archive__person", "archive__org")
        elif chosen == "payments_to_approve":
            rows = aid_queries.disbursements_to_approve(user).select_related(
                "application__archive", "application__programme"
            )
        else:
            rows = {n: f for n, _l, f in QUEUES}[chosen](user, day)
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            queues=[{"name": n, "label": label, "count": counts.get(n, 0)} for n, label, _f in QUEUES],
            money_queues=[{"name": n, "label": label, "count": counts.get(n, 0)} for n, label in MONEY_QUEUES],
            chosen=chosen,
            chosen_label=QUEUE_NAMES[chosen],
            page_obj=page,
            object_list=page.object_list,
            querystring=f"queue={chosen}",
            today=day,
            can_create=user_can(user, "hardship.change"),
        )
        return context


# --- archive list and export ----------------------------------------------------------------------


def filter_archives(user, params, action: str = "view"):
    """(form, queryset, org) for the list and the export: the same scoped filter for both."""
    form = hf.ArchiveFilterForm(params or None)
    name_unlabelled_fields(form)  # the filter bar shows no <label>s (issue 18, accessibility)
    qs = HardshipArchive.objects.restrict(user, action).select_related("org", "person", "membership")
    org = None
    if form.is_valid():
        data = form.cleaned_data
        for field in ("status", "category", "level"):
            if data.get(field):
                qs = qs.filter(**{field: data[field]})
        if data.get("cause"):
            c = data["cause"]
            qs = qs.filter(Q(primary_cause=c) | Q(secondary_cause=c) | Q(third_cause=c))
        if data.get("org"):
            try:
                org = org_in_scope(user, data["org"])
            except ValidationError as e:
                form.add_error("org", e.message_dict["org"])
                qs = qs.none()
            else:
                qs = qs.filter(in_subtree("org_path", org.path))
        q = (data.get("q") or "").strip()
        if q:
            if q.upper().startswith("KN"):
                qs = qs.filter(number__istartswith=q)
            elif q.isdigit():
                qs = qs.filter(membership__member_no=q)
            else:
                qs = qs.filter(person__name__contains=q)
    return form, qs.order_by("-applied_on", "-pk"), org


def status_counts(qs) -> list[tuple[str, str, int]]:
    rows = qs.order_by().values("status").annotate(n=Count("pk"))
    found = {r["status"]: r["n"] for r in rows}
    return [(s.value, s.label, found[s.value]) for s in ArchiveStatus if found.get(s.value)]


class ArchiveListView(ScopedListView):
    template_name = "hardship/list.html"

    def get_context_data(self, **kwargs):
        context = super(ScopedListView, self).get_context_data(**kwargs)
        user = self.request.user
        form, qs, org = filter_archives(user, self.request.GET)
        page = Paginator(qs, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=form,
            page_obj=page,
            object_list=page.object_list,
            querystring=query.urlencode(),
            filter_org=org,
            counts=status_counts(qs) if page.paginator.count else [],
            can_create=user_can(user, "hardship.change"),
        )
        return context


class ArchiveExportView(LoginRequiredMixin, View):
    """The filtered archives as .xlsx in the 档案表 layout (masked unless member.view_pii; audited)."""

    def get(self, request, *args, **kwargs):
        if not user_can(request.user, "hardship.view"):
            raise PermissionDenied(_("您没有查看困难职工档案的权限（需要 hardship.view）"))
        _form, qs, org = filter_archives(request.user, request.GET)
        return exports.export_response(request.user, qs, filters=request.GET.dict(), org=org)


# --- the archive form ---------------------------------------------------------------------------------


def _membership_in_scope(user, member_no: str) -> Membership:
    membership = (
        Membership.objects.restrict(user, "hardship.change")
        .select_related("person", "org")
        .filter(member_no=(member_no or "").strip())
        .first()
    )
    if membership is None:
        raise ValidationError({"member_no": _("找不到该会员证号，或该会员不在您的管理范围内")})
    return membership


SELF_FIELDS = ("health", "illness", "disability_category", "disability_grade", "employment", "monthly_income")
FACT_FIELDS = ("lives_in_city", "employed_since", "housing", "marital_status", "address")


@method_decorator(never_cache, name="dispatch")
class ArchiveCreateView(LoginRequiredMixin, View):
    """建档: one page in the 档案表 order. The archive, the year's finances (means test) and a
    category set by hand are written by their three actions inside one transaction: any error
    rolls all of it back and is shown on its field."""

    template_name = "hardship/create.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, "hardship.change"):
            raise PermissionDenied(_("您没有建立困难职工档案的权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        user = self.request.user
        initial = {"person_name": person_name_of(user)}
        levels = actions.levels_for(getattr(user, "home_org", None))
        return {
            "form": hf.ArchiveForm(data, prefix="a", initial={"applied_on": today()}),
            "household": hf.HouseholdFormSet(data, prefix="h"),
            "finances": hf.FinancesForm(data, prefix="f", require_year=False),
            "causes": hf.CausesForm(data, prefix="c", initial=initial, levels=levels),
        }

    def render(self, forms, status=200):
        return render(self.request, self.template_name, {**forms, "title": _("建立困难职工档案")}, status=status)

    def get(self, request, *args, **kwargs):
        forms = self.forms()
        if request.GET.get("member_no"):
            forms["form"].initial["member_no"] = request.GET["member_no"]
        return self.render(forms)

    def post(self, request, *args, **kwargs):
        forms = self.forms(request.POST)
        valid = [f.is_valid() for f in forms.values()]
        fin = forms["finances"]
        if all(valid) and fin.has_amounts() and not fin.cleaned_data.get("year"):
            fin.add_error("year", _("填写了收入或支出时，请填写收支年度"))
            valid.append(False)
        if not all(valid):
            return self.render(forms)
        try:
            archive = self.perform(forms)
        except ValidationError as error:
            self.show_errors(forms, error)
            return self.render(forms)
        messages.success(request, _("已建立档案 %(n)s") % {"n": archive.number})
        return redirect(archive_url(archive))

    def perform(self, forms):
        user = self.request.user
        a, c, fin = forms["form"].cleaned_data, forms["causes"].cleaned_data, forms["finances"]
        membership = _membership_in_scope(user, a["member_no"])
        own = {k: a.get(k) for k in SELF_FIELDS}
        household = [{"relation": Relation.SELF, **own}, *forms["household"].rows()]
        facts = {k: a.get(k) for k in FACT_FIELDS}
        facts.update(accident_event=c.get("accident_event", False), accident_note=c.get("accident_note", ""))
        with transaction.atomic():
            archive = actions.do_create_archive(
                acting_user=user,
                membership=membership,
                origin=a["origin"],
                level=c["level"],
                primary_cause=c["primary_cause"],
                secondary_cause=c.get("secondary_cause", ""),
                third_cause=c.get("third_cause", ""),
                household=household,
                division_code=a.get("division_code", ""),
                applied_on=a.get("applied_on"),
                facts=facts,
                person_name=c["person_name"],
                reason=c["reason"],
            )
            # The year field has a default: only amounts typed in make a finance record (none = 待核算).
            if fin.cleaned_data.get("year") and fin.has_amounts():
                incomes, expenses = fin.rows()
                actions.do_record_finances(
                    acting_user=user,
                    archive=archive,
                    year=fin.cleaned_data["year"],
                    incomes=incomes,
                    expenses=expenses,
                    person_name=c["person_name"],
                    reason=_("建档时登记%(y)d年度家庭收支") % {"y": fin.cleaned_data["year"]},
                )
            if c.get("category"):
                if not archive.assessment_year and not fin.cleaned_data.get("year"):
                    raise ValidationError({"category": _("人工认定困难类别前，请先登记家庭收支完成测算")})
                actions.do_override_category(
                    acting_user=user,
                    archive=archive,
                    category=c["category"],
                    person_name=c["person_name"],
                    reason=c["override_reason"],
                )
        return archive

    def show_errors(self, forms, error: ValidationError):
        household = forms["household"]
        filled = [f for f in household.forms if f.has_changed()]
        for key, problems in error_fields(error).items():
            if key.startswith("household.") and key.count(".") == 2:
                _h, index, field = key.split(".")
                target = filled[int(index)] if int(index) < len(filled) else forms["form"]
                target.add_error(field if field in target.fields else None, problems)
                continue
            if key.startswith(("incomes.", "expenses.")):
                forms["finances"].add_error(None, problems)
                continue
            if key == "override_reason" or key == "reason" and forms["causes"].cleaned_data.get("category"):
                forms["causes"].add_error("override_reason" if key == "override_reason" else "reason", problems)
                continue
            placed = False
            for name in ("form", "causes", "finances"):
                form = forms[name]
                if key in form.fields:
                    form.add_error(key, problems)
                    placed = True
                    break
            if not placed:
                if key in SELF_FIELDS or key == "household":
                    forms["form"].add_error(key if key in forms["form"].fields else None, problems)
                elif key == "causes":
                    forms["causes"].add_error("secondary_cause", problems)
                elif key == "membership":
                    forms["form"].add_error("member_no", problems)
                else:
                    forms["form"].add_error(None, problems)


class MemberLookupView(LoginRequiredMixin, View):
    """htmx: the worker behind a member number typed into the archive form (scope-limited, masked)."""

    def get(self, request, *args, **kwargs):
        number = (request.GET.get("a-member_no") or request.GET.get("member_no") or "").strip()
        membership = None
        if number:
            try:
                membership = _membership_in_scope(request.user, number)
            except ValidationError:
                membership = None
        return render(request, "hardship/_member.html", {"membership": membership, "number": number})


# --- the household page ----------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class ArchiveDetailView(ArchiveObjectMixin, ObjectHistoryMixin, TemplateView):
    template_name = "hardship/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, a = self.request.user, self.archive
        facts = step_facts(a)
        steps = available_steps(user, a, facts, approver_path(a))
        visits = list(HomeVisit.objects.filter(archive=a).prefetch_related("attachments").order_by("visited_on", "pk"))
        context.update(
            household=list(a.household.order_by("pk")),
            timeline=list(reversed(aid_queries.full_timeline(a))),
            steps=steps,
            primary_steps=[s for s in steps if s.primary],
            other_steps=[s for s in steps if not s.primary],
            facts=facts,
            notice=facts.notice,
            plan=list(PlanMeasure.objects.filter(archive=a).order_by("due_on", "pk")),
            checks=actions.latest_checks(a),
            visits=visits,
            history=self.history(a, a.org_path),
            today=today(),
        )
        return context


class AttachmentView(LoginRequiredMixin, View):
    """A visit photo or document, only to users who may see the archive (no public media URL)."""

    def get(self, request, *args, **kwargs):
        archive = access_archive(request.user, kwargs["number"])
        row = VisitAttachment.objects.filter(pk=kwargs["pk"], visit__archive=archive).first()
        if row is None:
            raise Http404("attachment not found")
        ext = PurePath(row.file.name).suffix
        response = FileResponse(row.file.open("rb"), content_type=row.content_type)
        response["Content-Disposition"] = f'inline; filename="attachment-{row.pk}{ext}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- statistics ---------------------------------------------------------------------------------------


def _default_org(user) -> Org:
    paths = user_scope_paths(user, "hardship.view")
    if paths is None:
        org = Org.objects.order_by("depth", "pk").first()
    elif paths:
        org = Org.objects.filter(path=sorted(paths, key=len)[0]).first()
    else:
        org = None
    if org is None:
        raise PermissionDenied(_("您没有查看困难职工档案的权限（需要 hardship.view）"))
    return org


def _labelled(counts: dict, choices) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    rows = [(str(labels.get(k, k or _("未认定"))), n) for k, n in counts.items()]
    order = {str(label): i for i, (_v, label) in enumerate(choices.choices)}
    return sorted(rows, key=lambda r: order.get(r[0], 99))


class StatsView(LoginRequiredMixin, TemplateView):
    template_name = "hardship/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        code = kwargs.get("code") or self.request.GET.get("org")
        if code:
            try:
                org = org_in_scope(user, code)
            except ValidationError:
                raise Http404("org not in scope") from None
        else:
            org = _default_org(user)
        stats = queries.subtree_stats(user, org)
        by_status = stats["by_status"]
        aid_paid = aid_queries.aid_paid_by_programme(user, org)
        context.update(
            org=org,
            stats=stats,
            by_status=_labelled(by_status, ArchiveStatus),
            by_category=_labelled(stats["archived_by_category"], Category),
            by_level=_labelled(stats["archived_by_level"], ArchiveLevel),
            by_cause=_labelled(stats["archived_by_cause"], Cause),
            removed_by_reason=_labelled(stats["removed_by_reason"], RemovalReason),
            exited=by_status.get(S.EXITED, 0),
            relieved=by_status.get(S.RELIEVED, 0),
            removed=by_status.get(S.REMOVED, 0),
            pending=sum(by_status.get(s, 0) for s in PENDING),
            aid_paid=sorted(aid_paid.items()),
        )
        return context
