"""Money screens: aid programmes (rules shown as text), budgets per org/programme/year (balances
from the ledger), aid applications (apply → check → notice with objections → approve), the
maker-checker disbursement queue, payment batches with the audited bank file and reconciliation.
Thin views over `hardship.aid` (writes) and `hardship.aid_queries` (scoped reads); the action
is the judge of every rule, the screen only decides which buttons to offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from gonghui.core.errors import error_fields
from gonghui.core.paging import CappedPaginator
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin
from gonghui.hardship import aid, aid_queries, bankfile
from gonghui.hardship import forms as hf
from gonghui.hardship.models import Relation, Schooling
from gonghui.hardship.models_aid import AidApplication, AidObjection, AidProgramme, Disbursement, PaymentBatch
from gonghui.hardship.states import Category
from gonghui.hardship.views.common import org_in_scope, person_name_of, today

A, D = AidApplication.Status, Disbursement.Status
CHANGE, APPROVE, FINANCE = "hardship.change", "hardship.approve", "finance.approve"


# --- rules as readable text -------------------------------------------------------------------------


def _labels(value, choices) -> str:
    labels = dict(choices)
    values = value if isinstance(value, list) else [value]
    return "、".join(str(labels.get(v, v)) for v in values)


def condition_text(when: dict) -> str:
    """{"archived": true, "schooling": ["university"]} → 在档困难职工家庭；在读阶段：本科."""
    parts = []
    for key, value in (when or {}).items():
        if key == "archived":
            parts.append(_("在档困难职工家庭") if value else _("非在档困难职工家庭"))
        elif key == "category":
            parts.append(_("困难类别：%(v)s") % {"v": _labels(value, Category.choices)})
        elif key == "schooling":
            parts.append(_("在读阶段：%(v)s") % {"v": _labels(value, Schooling.choices)})
        elif key == "relation":
            parts.append(_("与职工关系：%(v)s") % {"v": _labels(value, Relation.choices)})
        elif value is True:
            parts.append(_("申报“%(k)s”") % {"k": key})
        elif value is False:
            parts.append(_("未申报“%(k)s”") % {"k": key})
        else:
            parts.append(f"{key}：{value}")
    return "；".join(parts) or _("所有申请")


def programme_rules(programme: AidProgramme) -> dict:
    return {
        "amounts": [
            {"label": r.get("label", ""), "when": condition_text(r.get("when")), "amount": r.get("amount")}
            for r in programme.amount_rules
        ],
        "exclusions": [
            {"code": r.get("code", ""), "label": r.get("label", ""), "when": condition_text(r.get("when"))}
            for r in programme.exclusion_rules
        ],
    }


# --- shared ---------------------------------------------------------------------------------------------


def paginate(request, qs, per_page=50):
    page = CappedPaginator(qs, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "object_list": page.object_list, "querystring": query.urlencode()}


def _require_view(user, permission="hardship.view"):
    if not user_can(user, permission):
        raise PermissionDenied(_("您没有此项权限（需要 %(perm)s）") % {"perm": permission})


def access_application(user, pk) -> AidApplication:
    return access_object(
        AidApplication.objects.select_related("programme__org", "org", "archive", "membership"),
        user,
        "hardship.view",
        pk=pk,
    )


def access_disbursement(user, pk) -> Disbursement:
    return access_object(
        Disbursement.objects.select_related("application__programme", "budget__org", "org", "batch", "made_by").defer(
            "account_cipher"
        ),
        user,
        "hardship.view",
        pk=pk,
    )


def access_batch(user, pk) -> PaymentBatch:
    return access_object(PaymentBatch.objects.select_related("org"), user, "hardship.view", pk=pk)


class AidFormView(ActionFormView):
    """A form page over one `aid.do_*` action (errors on the fields, nothing written on error)."""

    template_name = "hardship/aid/form.html"
    back_url = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        back = self.back_url
        if back and "/" not in back:
            back = reverse(back)
        context.update(back_url=back, subject=getattr(self, "subject", ""))
        return context


# --- programmes ---------------------------------------------------------------------------------------


class ProgrammeListView(LoginRequiredMixin, TemplateView):
    template_name = "hardship/aid/programmes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _require_view(self.request.user)
        context.update(paginate(self.request, aid_queries.programmes(self.request.user)))
        context["can_create"] = user_can(self.request.user, APPROVE)
        return context


class ProgrammeDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "hardship/aid/programme.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        programme = access_object(AidProgramme.objects.select_related("org"), user, "hardship.view", pk=kwargs["pk"])
        context.update(
            programme=programme,
            rules=programme_rules(programme),
            budgets=list(aid_queries.budgets(user).filter(programme=programme)),
            can_apply=programme.active and user_can(user, CHANGE),
            can_budget=user_can(user, FINANCE),
            can_edit=user_can(user, APPROVE, programme.org_path),
            history=self.history(programme, programme.org_path),
        )
        return context


# --- budgets ---------------------------------------------------------------------------------------------


class BudgetListView(LoginRequiredMixin, TemplateView):
    template_name = "hardship/aid/budgets.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        _require_view(user)
        form = hf.AidFilterForm(self.request.GET or None)
        year = form.cleaned_data.get("year") if form.is_valid() else None
        context.update(paginate(self.request, aid_queries.budgets(user, year=year)))
        context.update(filter_form=form, can_budget=user_can(user, FINANCE))
        return context


class BudgetLedgerView(LoginRequiredMixin, TemplateView):
    """One budget: allocated and spent as summed from its ledger rows, and the rows."""

    template_name = "hardship/aid/budget.html"

    def get_context_data(self, **kwargs):
        from gonghui.hardship.models_aid import Budget

        context = super().get_context_data(**kwargs)
        user = self.request.user
        budget = access_object(
            Budget.objects.select_related("org", "programme"), user, "hardship.view", pk=kwargs["pk"]
        )
        context.update(
            budget=budget,
            balance=aid_queries.ledger_balance(budget=budget),
            **paginate(self.request, aid_queries.ledger(user, budget=budget), 100),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class BudgetSetView(AidFormView):
    form_class = hf.BudgetForm
    title = _lazy("下达/调整帮扶预算")
    submit_label = _lazy("保存预算")
    success_message = _lazy("预算已保存")
    back_url = "hardship:aid_budgets"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, FINANCE):
            raise PermissionDenied(_("您没有下达预算的权限（需要 finance.approve）"))
        return super().dispatch(request, *args, **kwargs)

    def programmes(self):
        return list(aid_queries.programmes(self.request.user))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "programmes": self.programmes()}

    def get_initial(self):
        return {"year": today().year, "programme": self.request.GET.get("programme", "")}

    def perform(self, form):
        d = form.cleaned_data
        user = self.request.user
        org = org_in_scope(user, d["org"])
        programme = next(p for p in self.programmes() if str(p.pk) == d["programme"])
        return aid.do_set_budget(
            acting_user=user, org=org, programme=programme, year=d["year"], amount=d["amount"], reason=d["reason"]
        )

    def get_success_url_for(self, result):
        return reverse("hardship:aid_budget", args=[result.pk])


# --- applications -------------------------------------------------------------------------------------


class ApplicationListView(LoginRequiredMixin, TemplateView):
    template_name = "hardship/aid/applications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        _require_view(user)
        form = hf.AidFilterForm(self.request.GET or None, statuses=A.choices)
        data = form.cleaned_data if form.is_valid() else {}
        qs = aid_queries.applications(user, status=data.get("status") or None, year=data.get("year"))
        context.update(paginate(self.request, qs))
        context["object_list"] = rows = list(context["object_list"])
        # Checked applications awaiting 公示 that this user may put on notice: ticked here, noticed together.
        context["notice_ready"] = {
            a.pk
            for a in rows
            if a.status == A.CHECKED and a.programme.requires_notice and user_can(user, CHANGE, a.org_path)
        }
        context.update(filter_form=form, can_apply=user_can(user, CHANGE))
        return context


@dataclass(frozen=True)
class AidStep:
    slug: str
    label: Promise
    permission: str
    form_class: type[forms.Form]
    allowed: Callable
    run: Callable
    on_programme: bool = False  # permission at the programme's union (approval) instead of the accepting one
    danger: bool = False


def _facts(application: AidApplication) -> dict:
    objections = list(AidObjection.objects.filter(application=application).order_by("received_on", "pk"))
    live = application.disbursements.filter(status__in=[D.PROPOSED, D.APPROVED, D.BATCHED, D.PAID]).exists()
    return {
        "objections": objections,
        "open": [o for o in objections if o.resolved_at is None],
        "live_payment": live,
        "notice_ended": application.notice_ends_on is not None and application.notice_ends_on < today(),
    }


def _can_approve(a, f):
    if a.status == A.CHECKED and not a.programme.requires_notice:
        return True
    return a.status == A.NOTICE and f["notice_ended"] and not f["open"]


def _pick_objection(view, pk):
    for o in view.facts["open"]:
        if str(o.pk) == str(pk):
            return o
    raise ValidationError({"objection": _("请选择")})


AID_STEPS: dict[str, AidStep] = {
    s.slug: s
    for s in [
        AidStep(
            "check",
            _lazy("审核申请"),
            CHANGE,
            hf.ReasonForm,
            lambda a, f: a.status == A.APPLIED,
            lambda v, a, d: aid.do_check_application(
                acting_user=v.request.user, application=a, person_name=d["person_name"], reason=d["reason"]
            ),
        ),
        AidStep(
            "notice",
            _lazy("开始公示"),
            CHANGE,
            hf.AidNoticeForm,
            lambda a, f: a.status == A.CHECKED and a.programme.requires_notice,
            lambda v, a, d: aid.do_start_aid_notice(
                acting_user=v.request.user,
                applications=[a],
                place=d["place"],
                starts_on=d.get("starts_on"),
                working_days=d.get("working_days"),
            ),
        ),
        AidStep(
            "objection",
            _lazy("登记公示异议"),
            CHANGE,
            hf.ObjectionForm,
            lambda a, f: a.status == A.NOTICE and not f["notice_ended"],
            lambda v, a, d: aid.do_log_aid_objection(
                acting_user=v.request.user,
                application=a,
                text=d["text"],
                objector=d.get("objector", ""),
                received_on=d.get("received_on"),
            ),
        ),
        AidStep(
            "resolve",
            _lazy("处理异议"),
            CHANGE,
            hf.AidResolveForm,
            lambda a, f: bool(f["open"]),
            lambda v, a, d: aid.do_resolve_aid_objection(
                acting_user=v.request.user,
                objection=_pick_objection(v, d["objection"]),
                outcome=d["outcome"],
                resolution=d["resolution"],
            ),
        ),
        AidStep(
            "approve",
            _lazy("批准资助"),
            APPROVE,
            hf.AidNoteForm,
            _can_approve,
            lambda v, a, d: aid.do_approve_application(acting_user=v.request.user, application=a, note=d["note"]),
            on_programme=True,
        ),
        AidStep(
            "pay",
            _lazy("申请发放"),
            CHANGE,
            hf.ProposePaymentForm,
            lambda a, f: a.status == A.APPROVED and not f["live_payment"],
            lambda v, a, d: aid.do_propose_disbursement(
                acting_user=v.request.user,
                application=a,
                payee_name=d["payee_name"],
                bank_name=d["bank_name"],
                account_number=d["account_number"],
            ),
        ),
        AidStep(
            "reject",
            _lazy("不予资助"),
            CHANGE,
            hf.AidNoteForm,
            lambda a, f: a.status in (A.APPLIED, A.CHECKED, A.NOTICE, A.APPROVED) and not f["live_payment"],
            lambda v, a, d: aid.do_reject_application(acting_user=v.request.user, application=a, reason=d["note"]),
            danger=True,
        ),
    ]
}


def _step_path(step: AidStep, a: AidApplication) -> str:
    return a.programme.org_path if step.on_programme else a.org_path


def aid_steps_for(user, a: AidApplication, facts: dict) -> list[AidStep]:
    return [s for s in AID_STEPS.values() if s.allowed(a, facts) and user_can(user, s.permission, _step_path(s, a))]


@method_decorator(never_cache, name="dispatch")
class ApplicationDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "hardship/aid/application.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        a = access_application(user, kwargs["pk"])
        facts = _facts(a)
        context.update(
            application=a,
            facts=facts,
            steps=aid_steps_for(user, a, facts),
            disbursements=list(aid_queries.disbursements(user).filter(application=a)),
            history=self.history(a, a.org_path),
            today=today(),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class ApplicationStepView(AidFormView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.step = AID_STEPS.get(kwargs.get("step", ""))
        if self.step is None:
            raise Http404("unknown step")
        self.application = access_application(request.user, kwargs["pk"])
        if not user_can(request.user, self.step.permission, _step_path(self.step, self.application)):
            raise PermissionDenied(_("您没有办理此项的权限（需要 %(perm)s）") % {"perm": self.step.permission})
        self.facts = _facts(self.application)
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return self.step.form_class

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.step.form_class is hf.AidResolveForm:
            kwargs["objections"] = self.facts["open"]
        return kwargs

    def get_initial(self):
        user = self.request.user
        a = self.application
        return {
            "person_name": person_name_of(user),
            "received_on": today(),
            "working_days": a.programme.notice_working_days,
            "payee_name": a.person.name if a.person_id else "",
        }

    @property
    def title(self):
        a = self.application
        return _("%(step)s：%(p)s · %(n)s") % {"step": self.step.label, "p": a.programme.name, "n": a.beneficiary_name}

    @property
    def subject(self):
        a = self.application
        return _("%(y)d年 · %(s)s · ¥%(amt)s（%(rule)s）") % {
            "y": a.year,
            "s": a.get_status_display(),
            "amt": a.amount,
            "rule": a.rule_label,
        }

    @property
    def submit_label(self):
        return self.step.label

    @property
    def danger(self):
        return self.step.danger

    @property
    def success_message(self):
        return _("已办理：%(step)s") % {"step": self.step.label}

    @property
    def back_url(self):
        return reverse("hardship:aid_application", args=[self.application.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blocked"] = not self.step.allowed(self.application, self.facts)
        return context

    def perform(self, form):
        return self.step.run(self, self.application, form.cleaned_data)

    def get_success_url_for(self, result):
        return reverse("hardship:aid_application", args=[self.application.pk])


# --- disbursements (maker-checker) -------------------------------------------------------------------------


class DisbursementListView(LoginRequiredMixin, TemplateView):
    """`?queue=approve` (default for finance): proposed payments the user may approve, not their own."""

    template_name = "hardship/aid/disbursements.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        _require_view(user)
        queue = self.request.GET.get("queue", "")
        form = hf.AidFilterForm(self.request.GET or None, statuses=D.choices)
        status = form.cleaned_data.get("status") if form.is_valid() else None
        if queue == "approve":
            qs = aid_queries.disbursements_to_approve(user)
        elif queue == "batch":
            qs = aid_queries.disbursements_to_batch(user)
        else:
            qs = aid_queries.disbursements(user)
            if status:
                qs = qs.filter(status=status)
        context.update(paginate(self.request, qs))
        context.update(filter_form=form, queue=queue, can_finance=user_can(user, FINANCE))
        return context


DISBURSEMENT_STEPS = {
    "approve": (
        _lazy("审核通过"),
        hf.AidAmountNoteForm,
        lambda d: d.status == D.PROPOSED,
        lambda v, d, data: aid.do_approve_disbursement(acting_user=v.request.user, disbursement=d, note=data["note"]),
    ),
    "reject": (
        _lazy("审核不通过"),
        hf.AidNoteForm,
        lambda d: d.status == D.PROPOSED,
        lambda v, d, data: aid.do_reject_disbursement(acting_user=v.request.user, disbursement=d, note=data["note"]),
    ),
    "cancel": (
        _lazy("撤销发放"),
        hf.CancelForm,
        lambda d: d.status == D.APPROVED,
        lambda v, d, data: aid.do_cancel_disbursement(
            acting_user=v.request.user, disbursement=d, reason=data["reason"]
        ),
    ),
}


@method_decorator(never_cache, name="dispatch")
class DisbursementStepView(AidFormView):
    """Finance approval, rejection or cancellation; the proposer cannot approve their own payment."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if kwargs.get("step") not in DISBURSEMENT_STEPS:
            raise Http404("unknown step")
        self.label, self.form_class, self.allowed, self.run = DISBURSEMENT_STEPS[kwargs["step"]]
        self.disbursement = access_disbursement(request.user, kwargs["pk"])
        if not user_can(request.user, FINANCE, self.disbursement.budget.org_path):
            raise PermissionDenied(_("您没有审核发放的权限（需要 finance.approve）"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        d = self.disbursement
        return _("%(step)s：发放 #%(n)d") % {"step": self.label, "n": d.pk}

    @property
    def subject(self):
        d = self.disbursement
        return _("%(p)s · 收款人 %(payee)s · %(bank)s %(acct)s · ¥%(amt)s · 经办人 %(maker)s") % {
            "p": d.application.programme.name,
            "payee": d.payee_name,
            "bank": d.bank_name,
            "acct": d.account_masked,
            "amt": d.amount,
            "maker": d.made_by.get_username() if d.made_by_id else "—",
        }

    @property
    def submit_label(self):
        return self.label

    @property
    def danger(self):
        return self.kwargs["step"] != "approve"

    @property
    def success_message(self):
        return _("已办理：%(step)s") % {"step": self.label}

    @property
    def back_url(self):
        return reverse("hardship:aid_disbursements") + "?queue=approve"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        d = self.disbursement
        context["blocked"] = not self.allowed(d)
        context["own_payment"] = self.kwargs["step"] == "approve" and d.made_by_id == self.request.user.pk
        return context

    def perform(self, form):
        return self.run(self, self.disbursement, form.cleaned_data)

    def get_success_url_for(self, result):
        return reverse("hardship:aid_application", args=[self.disbursement.application_id])


# --- payment batches, bank file, reconciliation ------------------------------------------------------------


class BatchListView(LoginRequiredMixin, TemplateView):
    template_name = "hardship/aid/batches.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        _require_view(user)
        context.update(paginate(self.request, aid_queries.batches(user)))
        context.update(can_batch=user_can(user, CHANGE), to_batch=aid_queries.disbursements_to_batch(user).count())
        return context


@method_decorator(never_cache, name="dispatch")
class BatchCreateView(AidFormView):
    form_class = hf.BatchForm
    title = _lazy("生成发放批次")
    submit_label = _lazy("生成批次")
    success_message = _lazy("已生成发放批次")
    back_url = "hardship:aid_batches"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有生成发放批次的权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def rows(self):
        if not hasattr(self, "_rows"):
            self._rows = list(aid_queries.disbursements_to_batch(self.request.user)[:500])
        return self._rows

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rows": self.rows()}

    def get_initial(self):
        first = self.rows()[0] if self.rows() else None
        return {"org": first.org.code if first else "", "disbursements": [str(d.pk) for d in self.rows()]}

    def perform(self, form):
        d = form.cleaned_data
        org = org_in_scope(self.request.user, d["org"])
        chosen = [r for r in self.rows() if str(r.pk) in set(d["disbursements"])]
        return aid.do_create_batch(acting_user=self.request.user, org=org, disbursements=chosen)

    def get_success_url_for(self, result):
        return reverse("hardship:aid_batch", args=[result.pk])


class BatchDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "hardship/aid/batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        batch = access_batch(user, kwargs["pk"])
        context.update(
            batch=batch,
            rows=list(aid_queries.disbursements(user).filter(batch=batch)),
            can_finance=user_can(user, FINANCE, batch.org_path),
            history=self.history(batch, batch.org_path),
        )
        return context


class BankFileView(LoginRequiredMixin, View):
    """The xlsx bank file (full account numbers): finance.approve only, every download audited."""

    def post(self, request, *args, **kwargs):
        batch = access_batch(request.user, kwargs["pk"])
        if not user_can(request.user, FINANCE, batch.org_path):
            raise PermissionDenied(_("您没有导出银行代发文件的权限（需要 finance.approve）"))
        try:
            name, content = bankfile.do_export_bank_file(acting_user=request.user, batch=batch)
        except ValidationError as e:
            raise PermissionDenied("；".join(e.messages)) from None
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(never_cache, name="dispatch")
class ReconcileView(AidFormView):
    form_class = hf.ReconcileForm
    title = _lazy("对账：标记发放成功/失败")
    submit_label = _lazy("完成对账")
    success_message = _lazy("已对账")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.batch = access_batch(request.user, kwargs["pk"])
        if not user_can(request.user, FINANCE, self.batch.org_path):
            raise PermissionDenied(_("您没有对账的权限（需要 finance.approve）"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def back_url(self):
        return reverse("hardship:aid_batch", args=[self.batch.pk])

    @property
    def subject(self):
        b = self.batch
        return _("批次 %(n)s · %(c)d 笔 · ¥%(t)s · %(s)s") % {
            "n": b.number,
            "c": b.count,
            "t": b.total,
            "s": b.get_status_display(),
        }

    def get_initial(self):
        return {"settled_on": today()}

    def perform(self, form):
        d = form.cleaned_data
        return aid.do_reconcile_batch(
            acting_user=self.request.user, batch=self.batch, failed=d["failed"], settled_on=d.get("settled_on")
        )

    def get_success_url_for(self, result):
        return reverse("hardship:aid_batch", args=[self.batch.pk])


# --- programme editor: create a programme, edit its rules, stop/resume it --------------------------------


def _rule_rows(rules: list, flags: list) -> list[dict]:
    rows = []
    for rule in rules:
        row = hf.RuleConditionForm.initial_for(rule.get("when"), flags)
        row.update({k: v for k, v in rule.items() if k != "when"})
        rows.append(row)
    return rows


@method_decorator(never_cache, name="dispatch")
class ProgrammeEditorView(LoginRequiredMixin, View):
    """One page: (new programme: its settings), the declared flags, the amount rules as ordered rows
    (condition fields → amount) and the exclusion rules as rows (code, label, condition). Every row
    is validated on its own fields; the action then judges the whole and writes nothing on error."""

    template_name = "hardship/aid/programme_form.html"
    programme: AidProgramme | None = None

    def initial(self) -> dict:  # pragma: no cover - subclasses
        raise NotImplementedError

    def forms(self, data=None) -> dict:
        init = self.initial() if data is None else {}
        rules = hf.ProgrammeRulesForm(
            data, prefix="r", initial=init.get("rules"), require_reason=self.programme is not None
        )
        flags = None  # the declared flags the rows may name; unknown until the flags field is valid
        if data is not None:
            rules.is_valid()
            flags = None if "flags" in rules.errors else rules.cleaned_data["flags"]
        forms_ = {
            "rules_form": rules,
            "amounts": hf.AmountRuleFormSet(
                data, prefix="amt", initial=init.get("amounts"), form_kwargs={"flags": flags}
            ),
            "exclusions": hf.ExclusionRuleFormSet(
                data, prefix="exc", initial=init.get("exclusions"), form_kwargs={"flags": flags}
            ),
        }
        if self.programme is None:
            forms_["form"] = hf.ProgrammeForm(data, prefix="p", initial=init.get("programme"))
        return forms_

    def render(self, forms_, rule_errors=None):
        context = {
            **forms_,
            "title": self.title,
            "programme": self.programme,
            "rule_errors": rule_errors or {},
            "back_url": self.back_url,
        }
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        return self.render(self.forms())

    def post(self, request, *args, **kwargs):
        forms_ = self.forms(request.POST)
        valid = [f.is_valid() for f in forms_.values()]  # every form validated: all errors shown at once
        if not all(valid):
            return self.render(forms_)
        try:
            programme = self.perform(forms_)
        except ValidationError as error:
            problems = error_fields(error)
            rule_errors = {}
            for key in ("amount_rules", "exclusion_rules"):
                rule_errors[key] = problems.pop(key, [])
            if "flags" in problems:
                forms_["rules_form"].add_error("flags", problems.pop("flags"))
            if "reason" in problems and "reason" in forms_["rules_form"].fields:
                forms_["rules_form"].add_error("reason", problems.pop("reason"))
            main = forms_.get("form") or forms_["rules_form"]
            for field, messages_ in problems.items():
                main.add_error(field if field in main.fields else None, messages_)
            return self.render(forms_, rule_errors)
        messages.success(request, self.success_message)
        return redirect(reverse("hardship:aid_programme", args=[programme.pk]))


class ProgrammeCreateView(ProgrammeEditorView):
    title = _lazy("新建帮扶项目")
    success_message = _lazy("已新建帮扶项目")

    @property
    def back_url(self):
        return reverse("hardship:aid_programmes")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, APPROVE):
            raise PermissionDenied(_("您没有设立帮扶项目的权限（需要 hardship.approve）"))
        return super().dispatch(request, *args, **kwargs)

    def initial(self):
        from gonghui.hardship.views.archives import _default_org

        return {"programme": {"org": _default_org(self.request.user).code, "requires_notice": True}}

    def perform(self, forms_):
        user = self.request.user
        d = forms_["form"].cleaned_data
        org = org_in_scope(user, d["org"])
        if not user_can(user, APPROVE, org.path):
            raise ValidationError({"org": _("您没有在该工会设立帮扶项目的权限（需要 hardship.approve）")})
        return aid.do_create_programme(
            acting_user=user,
            org=org,
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            beneficiary=d["beneficiary"],
            description=d.get("description", ""),
            archived_only=d["archived_only"],
            requires_notice=d["requires_notice"],
            notice_working_days=d["notice_working_days"],
            flags=forms_["rules_form"].cleaned_data["flags"],
            amount_rules=forms_["amounts"].rules(),
            exclusion_rules=forms_["exclusions"].rules(),
        )


class ProgrammeRulesView(ProgrammeEditorView):
    success_message = _lazy("资助标准已更新；已受理的申请保持原金额")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.programme = access_object(
            AidProgramme.objects.select_related("org"), request.user, "hardship.view", pk=kwargs["pk"]
        )
        if not user_can(request.user, APPROVE, self.programme.org_path):
            raise PermissionDenied(_("您没有调整该项目资助标准的权限（需要 hardship.approve）"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("调整资助标准：%(p)s（%(org)s）") % {"p": self.programme.name, "org": self.programme.org.name}

    @property
    def back_url(self):
        return reverse("hardship:aid_programme", args=[self.programme.pk])

    def initial(self):
        p = self.programme
        return {
            "rules": {"flags": " ".join(p.flags)},
            "amounts": _rule_rows(p.amount_rules, p.flags),
            "exclusions": _rule_rows(p.exclusion_rules, p.flags),
        }

    def perform(self, forms_):
        r = forms_["rules_form"].cleaned_data
        return aid.do_update_programme_rules(
            acting_user=self.request.user,
            programme=self.programme,
            amount_rules=forms_["amounts"].rules(),
            exclusion_rules=forms_["exclusions"].rules(),
            flags=r["flags"],
            reason=r["reason"],
        )


@method_decorator(never_cache, name="dispatch")
class ProgrammeActiveView(AidFormView):
    """停止受理 / 恢复受理: applications already made go on; new ones are refused while stopped."""

    form_class = hf.ProgrammeActiveForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.programme = access_object(
            AidProgramme.objects.select_related("org"), request.user, "hardship.view", pk=kwargs["pk"]
        )
        if not user_can(request.user, APPROVE, self.programme.org_path):
            raise PermissionDenied(_("您没有停止或恢复该项目的权限（需要 hardship.approve）"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        verb = _("停止受理") if self.programme.active else _("恢复受理")
        return _("%(v)s：%(p)s") % {"v": verb, "p": self.programme.name}

    @property
    def submit_label(self):
        return _("停止受理") if self.programme.active else _("恢复受理")

    @property
    def danger(self):
        return self.programme.active

    @property
    def success_message(self):
        return _("已更新项目状态")

    @property
    def back_url(self):
        return reverse("hardship:aid_programme", args=[self.programme.pk])

    def perform(self, form):
        return aid.do_set_programme_active(
            acting_user=self.request.user,
            programme=self.programme,
            active=not self.programme.active,
            reason=form.cleaned_data["reason"],
        )

    def get_success_url_for(self, result):
        return reverse("hardship:aid_programme", args=[result.pk])


# --- public notice of several applications at once ---------------------------------------------------------


def applications_ready_for_notice(user):
    """Checked applications of programmes that require notice, where the user may start it."""
    return (
        AidApplication.objects.restrict(user, CHANGE)
        .select_related("programme", "org")
        .filter(status=A.CHECKED, programme__requires_notice=True)
        .order_by("programme__name", "applied_on", "pk")
    )


@method_decorator(never_cache, name="dispatch")
class BatchNoticeView(AidFormView):
    """公示 several checked applications together (ticked on the list, or here)."""

    form_class = hf.AidBatchNoticeForm
    title = _lazy("集中公示帮扶申请")
    submit_label = _lazy("开始公示")
    back_url = "hardship:aid_applications"
    limit = 500

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, CHANGE):
            raise PermissionDenied(_("您没有发起公示的权限（需要 hardship.change）"))
        return super().dispatch(request, *args, **kwargs)

    def rows(self):
        if not hasattr(self, "_rows"):
            self._rows = list(applications_ready_for_notice(self.request.user)[: self.limit])
        return self._rows

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rows": self.rows()}

    def get_initial(self):
        ready = {str(a.pk) for a in self.rows()}
        return {"applications": [pk for pk in self.request.GET.getlist("applications") if pk in ready]}

    @property
    def subject(self):
        return _("可公示的申请 %(n)d 件（已审核、须公示）") % {"n": len(self.rows())}

    def perform(self, form):
        chosen = set(form.cleaned_data["applications"])
        d = form.cleaned_data
        self.noticed = aid.do_start_aid_notice(
            acting_user=self.request.user,
            applications=[a for a in self.rows() if str(a.pk) in chosen],
            place=d["place"],
            starts_on=d.get("starts_on"),
            working_days=d.get("working_days"),
        )
        return self.noticed

    @property
    def success_message(self):
        return _("已开始公示 %(n)d 件申请") % {"n": len(getattr(self, "noticed", []))}

    def get_success_url_for(self, result):
        return reverse("hardship:aid_applications") + "?status=notice"
