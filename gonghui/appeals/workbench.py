"""The hotline operator's workbench (12351热线工作台): new call, caller lookup, suggested classification,
call-backs, crisis follow-ups and the tickets waiting to be forwarded.

Issue 18 point 6: 查询来电人 is its own htmx POST (the phone stays out of URLs) that never submits the
intake form, and the caller it finds is copied into the form (gonghui/static/appeals/workbench.js);
建议分类 uses the model loaded at start and says which fields it changed; overdue call-backs come first,
marked; the division is picked from the divisions under the operator's org.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from gonghui.appeals import actions, clock
from gonghui.appeals.forms import NewCallForm
from gonghui.appeals.models import Appeal, CallBack, CrisisFollowUp
from gonghui.appeals.states import AppealStatus, RequestType, Topic
from gonghui.core.errors import error_fields
from gonghui.core.scoping import user_can
from gonghui.orgs.kinds import LOCAL_FEDERATIONS, OrgStatus
from gonghui.orgs.models import Org

S = AppealStatus
MAX_DIVISIONS = 3000  # a province's cities, districts and streets; the datalist filters as the operator types


def intake_org(user) -> Org:
    org = getattr(user, "home_org", None)
    if org is None or not user_can(user, "appeal.assign", org.path):
        raise PermissionDenied(_("需要热线受理权限（appeal.assign）"))
    return org


def place_name(name: str) -> str:
    """深圳市南山区总工会 → 深圳市南山区: the place an org of a local federation stands for."""
    return name.removesuffix("总工会").removesuffix("工会") or name


def divisions_under(org: Org) -> list[tuple[str, str]]:
    """(division code, place) of the local federations in the operator's subtree, for the division list."""
    rows = (
        Org.objects.filter(
            path__startswith=org.path, kind__in=list(LOCAL_FEDERATIONS), status=OrgStatus.ACTIVE, division_code__gt=""
        )
        .order_by("division_code")
        .values_list("division_code", "name")[:MAX_DIVISIONS]
    )
    seen, out = set(), []
    for code, name in rows:
        if code not in seen:
            seen.add(code)
            out.append((code, place_name(name)))
    return out


class WorkbenchView(LoginRequiredMixin, TemplateView):
    """The hotline operator's workbench: new call, caller lookup, my queue, call-backs, crisis."""

    template_name = "appeals/workbench.html"

    def form(self, *args, **kwargs) -> NewCallForm:
        return NewCallForm(*args, divisions=divisions_under(intake_org(self.request.user)), **kwargs)

    def context(self, form, **extra):
        user = self.request.user
        now = clock.now()
        callbacks = list(
            CallBack.objects.restrict(user, "appeal.assign")
            .filter(done_at__isnull=True)
            .select_related("appeal")
            .order_by("due_at", "id")[:50]
        )
        for callback in callbacks:
            callback.overdue = callback.due_at < now
        # Overdue first (the longest overdue on top), then by deadline: stable sort on the flag.
        callbacks.sort(key=lambda c: not c.overdue)
        crisis = (
            CrisisFollowUp.objects.restrict(user, "appeal.assign")
            .filter(done_at__isnull=True)
            .select_related("appeal")
            .order_by("due_at")[:50]
        )
        mine = (
            Appeal.objects.restrict(user, "appeal.view")
            .filter(intake_org=intake_org(user), status__in=(S.REGISTERED, S.RETURNED))
            .order_by("priority", "due_on")[:50]
        )
        return {
            "form": form,
            "callbacks": callbacks,
            "overdue_callbacks": sum(c.overdue for c in callbacks),
            "crisis": crisis,
            "mine": mine,
            "now": now,
            **extra,
        }

    def get(self, request, *args, **kwargs):
        intake_org(request.user)
        return render(request, self.template_name, self.context(self.form()))

    def post(self, request, *args, **kwargs):
        org = intake_org(request.user)
        if "suggest" in request.POST:
            return self.suggest(request)
        form = self.form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data["triage_confidence"] is None or not data["suggested_topic"]:
                data.update(suggested_topic="", suggested_request_type="", triage_confidence=None)
            try:
                appeal = actions.do_register_appeal(acting_user=request.user, intake_org=org, **data)
            except ValidationError as error:
                for field, problems in error_fields(error).items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                if appeal.status == S.MERGED:
                    messages.info(request, _("重复来电，已关联工单 %(n)s") % {"n": appeal.duplicate_of.number})
                else:
                    messages.success(request, _("已受理，工单号 %(n)s") % {"n": appeal.number})
                return redirect(appeal.get_absolute_url())
        return render(request, self.template_name, self.context(form))

    def suggest(self, request):
        """建议分类: the model's topic and request type, filled into the form with their confidence; the page
        says which fields changed (and from what), and marks them. Nothing is validated or saved."""
        from gonghui.appeals import triage

        data = request.POST.dict()
        data.pop("csrfmiddlewaretoken", None)
        extra = {}
        try:
            suggestion = triage.suggest(data.get("text", ""))
        except triage.TriageError as error:
            extra["suggestion_error"] = str(error)
        else:
            changed = []
            for field, code, choices in (
                ("topic", suggestion.topic_code, Topic),
                ("request_type", suggestion.request_type_code, RequestType),
            ):
                if data.get(field) != code:
                    was = choices(data[field]).label if data.get(field) in choices.values else ""
                    changed.append((field, choices(code).label, was))
            data["topic"] = data["suggested_topic"] = suggestion.topic_code
            data["request_type"] = data["suggested_request_type"] = suggestion.request_type_code
            data["triage_confidence"] = round(suggestion.confidence, 3)
            extra.update(suggestion=suggestion, changed=changed)
        form = self.form(initial=data)
        for field, _label, _was in extra.get("changed", ()):
            form.fields[field].widget.attrs["class"] = "suggested"
        if "changed" in extra:
            extra["changed"] = [(form.fields[f].label, label, was) for f, label, was in extra["changed"]]
        return render(request, self.template_name, self.context(form, **extra))


class CallerLookupView(LoginRequiredMixin, View):
    """查询来电人 (htmx POST: phones never go into URLs): the caller's past tickets within the operator's
    scope, and the person on file for the mobile; what it finds is offered to the form (workbench.js)."""

    def post(self, request, *args, **kwargs):
        intake_org(request.user)
        return render(request, "appeals/_lookup.html", {"lookup": self.lookup(request.POST.get("caller_phone", ""))})

    def lookup(self, phone: str) -> dict:
        try:
            normalised = actions.normalise_phone(phone)
        except ValidationError as error:
            return {"error": "；".join(m for ms in error_fields(error).values() for m in ms)}
        if not normalised:
            return {"error": _("请先输入来电号码")}
        rows = list(
            Appeal.objects.restrict(self.request.user, "appeal.view")
            .filter(caller_phone_hash=actions.phone_hash(normalised))
            .select_related("org")
            .order_by("-registered_at")[:20]
        )
        from gonghui.people.models import Person

        person = Person.objects.filter(mobile=normalised).first() if normalised.startswith("+86") else None
        last = rows[0] if rows else None
        fill = {
            "caller_name": person.name if person else (last.caller_name if last and not last.anonymous else ""),
            "employer_name": last.employer_name if last else "",
            "division_code": last.division_code if last else "",
        }
        return {"rows": rows, "person": person, "fill": {k: v for k, v in fill.items() if v}}
