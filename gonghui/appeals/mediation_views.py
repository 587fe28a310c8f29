"""Mediation case screens (劳动争议调解): the list with the success rate, a case page with its stages
(询、商、调、裁、诉、援、执), mediators, sessions, outcome and amounts; one form page per move.

Cases are read with `MediationCase.objects.restrict(user, "appeal.view")` (404 outside the
user's subtree); every write goes through `appeals.actions`, which checks `appeal.change`.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gonghui.appeals import actions
from gonghui.appeals.forms import MediationCloseForm, MediationOpenForm, MediationSessionForm, MediationStageForm
from gonghui.appeals.models import MediationCase
from gonghui.appeals.states import MEDIATION_ORDER, MediationOutcome, MediationStage
from gonghui.appeals.views import access_appeal
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ScopedListView


def access_case(user, number: str) -> MediationCase:
    return access_object(
        MediationCase.objects.select_related("appeal", "org"), user, "appeal.view", number=number.strip()
    )


class MediationListView(ScopedListView):
    template_name = "appeals/mediation_list.html"

    def scoped(self):
        return MediationCase.objects.restrict(self.request.user, "appeal.view")

    def get_queryset(self, filters):
        rows = self.scoped().select_related("appeal", "org").order_by("-opened_on", "-id")
        outcome = self.request.GET.get("outcome")
        if outcome in MediationOutcome.values:
            rows = rows.filter(outcome=outcome)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = self.scoped().aggregate(
            total=Count("id"),
            closed=Count("id", filter=~Q(outcome=MediationOutcome.PENDING)),
            mediated=Count("id", filter=Q(outcome=MediationOutcome.MEDIATED)),
            recovered=Sum("amount_recovered"),
        )
        figures["rate"] = round(100 * figures["mediated"] / figures["closed"], 1) if figures["closed"] else None
        context.update(figures=figures, outcomes=MediationOutcome.choices, outcome=self.request.GET.get("outcome", ""))
        return context


class MediationDetailView(LoginRequiredMixin, TemplateView):
    template_name = "appeals/mediation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = access_case(self.request.user, kwargs["number"])
        can_change = user_can(self.request.user, "appeal.change", case.org_path) and case.closed_on is None
        current = MEDIATION_ORDER.index(case.stage)
        context.update(
            case=case,
            sessions=case.sessions.select_related("created_by").order_by("held_on", "id"),
            can_change=can_change,
            stages=[
                (value, label, i < current, i == current) for i, (value, label) in enumerate(MediationStage.choices)
            ],
        )
        return context


class MediationOpenView(ActionFormView):
    """立案调解 from a ticket's page."""

    form_class = MediationOpenForm
    title = _("立案劳动争议调解")
    submit_label = _("立案")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appeal = access_appeal(request.user, kwargs["number"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"employer_name": self.appeal.employer_name, "workers": 1}

    def perform(self, form):
        data = form.cleaned_data
        return actions.do_open_mediation(
            acting_user=self.request.user,
            appeal=self.appeal,
            employer_name=data["employer_name"],
            workers=data["workers"],
            amount_claimed=data["amount_claimed"] or 0,
            mediator_names=data["mediator_names"],
        )

    def get_success_url_for(self, result):
        return reverse("appeals:mediation_detail", args=[result.number])


class MediationMoveView(ActionFormView):
    """调解记录 (a session), 进入下一阶段, 结案 — one form page each."""

    MOVES = {
        "session": (_("调解记录"), MediationSessionForm),
        "stage": (_("进入下一阶段"), MediationStageForm),
        "close": (_("调解结案"), MediationCloseForm),
    }

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if kwargs["move"] not in self.MOVES:
            raise Http404
        self.move = kwargs["move"]
        self.case = access_case(request.user, kwargs["number"])
        self.title = f"{self.MOVES[self.move][0]} · {self.case.number}"
        self.submit_label = self.MOVES[self.move][0]
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return self.MOVES[self.move][1]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.move == "stage":
            later = MEDIATION_ORDER.index(self.case.stage) + 1
            kwargs["stages"] = MediationStage.choices[later:]
        return kwargs

    def perform(self, form):
        user, case, data = self.request.user, self.case, form.cleaned_data
        if self.move == "session":
            actions.do_add_mediation_session(
                acting_user=user,
                case=case,
                held_on=data["held_on"],
                note=data["note"],
                place=data["place"],
                participants=data["participants"],
            )
        elif self.move == "stage":
            actions.do_advance_mediation(acting_user=user, case=case, stage=data["stage"], note=data["note"])
        else:
            actions.do_close_mediation(
                acting_user=user, case=case, outcome=data["outcome"], amount_recovered=data["amount_recovered"] or 0
            )
        return case

    def get_success_url_for(self, result):
        return reverse("appeals:mediation_detail", args=[result.number])
