"""The steps on a household page: each one a form over one `hardship.actions.do_*` action.

`STEPS` declares, per step, the permission it needs (`hardship.change` on the archive's union, or
`hardship.approve` at the union whose level matches the archive's), when the state machine offers
it, its form and the action it runs. The household page shows the buttons `available_steps`
returns; `StepView` serves every step's form page. The action stays the judge: a step offered on
stale data is refused with the action's message, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.scoping import user_can
from gonghui.core.views import ActionFormView
from gonghui.hardship import actions
from gonghui.hardship import forms as hf
from gonghui.hardship.models import HardshipArchive, NoticeObjection, PlanMeasure
from gonghui.hardship.states import IN_ARCHIVE, PENDING, ArchiveStatus
from gonghui.hardship.views.common import ArchiveObjectMixin, archive_url, person_name_of, today

S = ArchiveStatus
CHANGE, APPROVE = "hardship.change", "hardship.approve"


@dataclass
class Facts:
    """What the step predicates need beyond the archive row (three small queries)."""

    notice: object = None
    notice_ended: bool = False
    open_objections: list = field(default_factory=list)
    open_measures: list = field(default_factory=list)


def step_facts(archive: HardshipArchive) -> Facts:
    notice = actions.current_notice(archive) if archive.status == S.NOTICE else None
    objections = (
        list(NoticeObjection.objects.filter(notice=notice, resolved_at__isnull=True).order_by("received_on", "pk"))
        if notice
        else []
    )
    measures = list(
        PlanMeasure.objects.filter(
            archive=archive, status__in=[PlanMeasure.Status.PLANNED, PlanMeasure.Status.IN_PROGRESS]
        ).order_by("due_on", "pk")
    )
    return Facts(
        notice=notice,
        notice_ended=notice is not None and notice.ends_on < today(),
        open_objections=objections,
        open_measures=measures,
    )


@dataclass(frozen=True)
class Step:
    slug: str
    label: Promise
    permission: str
    form_class: type[forms.Form]
    allowed: Callable[[HardshipArchive, Facts], bool]
    run: Callable
    danger: bool = False
    help: Promise | str = ""
    primary: bool = False


def _renamed(error: ValidationError, mapping: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({mapping.get(k, k): v for k, v in error.error_dict.items()})


def _named(fn):
    """Actions taking only the named person and the reason."""
    return lambda view, a, d: fn(
        acting_user=view.request.user, archive=a, person_name=d["person_name"], reason=d["reason"]
    )


def _visit(view, a, d):
    with transaction.atomic():
        visit = actions.do_record_visit(
            acting_user=view.request.user,
            archive=a,
            visited_on=d["visited_on"],
            visitors=d["visitors"],
            findings=d["findings"],
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
        )
        if d.get("attachment"):
            try:
                actions.do_add_visit_attachment(acting_user=view.request.user, visit=visit, upload=d["attachment"])
            except ValidationError as e:
                raise _renamed(e, {"file": "attachment"}) from None
    return visit


def _check(view, a, d):
    return actions.do_record_check(
        acting_user=view.request.user,
        archive=a,
        kind=d["kind"],
        result=d["result"],
        source=d["source"],
        detail=d.get("detail", ""),
        checked_on=d.get("checked_on"),
        person_name=d["person_name"],
    )


def _finances(view, a, d, form):
    incomes, expenses = form.rows()
    try:
        return actions.do_record_finances(
            acting_user=view.request.user,
            archive=a,
            year=d["year"],
            incomes=incomes,
            expenses=expenses,
            person_name=d["person_name"],
            reason=d["reason"],
        )
    except ValidationError as e:
        raise _renamed(e, {"division_code": "year"}) from None


def _household_add(view, a, d):
    data = {k: v for k, v in d.items() if k not in ("person_name", "reason")}
    try:
        return actions.do_add_household_member(
            acting_user=view.request.user, archive=a, data=data, person_name=d["person_name"], reason=d["reason"]
        )
    except ValidationError as e:
        raise _renamed(e, {"household": "doc_number", "division_code": "__all__"}) from None


def _category(view, a, d):
    return actions.do_override_category(
        acting_user=view.request.user,
        archive=a,
        category=d.get("category") or None,
        person_name=d["person_name"],
        reason=d["reason"],
    )


def _notice(view, a, d):
    return actions.do_start_notice(
        acting_user=view.request.user,
        archive=a,
        place=d["place"],
        starts_on=d.get("starts_on"),
        working_days=d["working_days"],
        person_name=d["person_name"],
        reason=d["reason"],
    )


def _objection(view, a, d):
    return actions.do_log_objection(
        acting_user=view.request.user,
        archive=a,
        text=d["text"],
        objector=d.get("objector", ""),
        received_on=d.get("received_on"),
    )


def _pick(rows, pk: str, field_name: str):
    for row in rows:
        if str(row.pk) == str(pk):
            return row
    raise ValidationError({field_name: _("请选择")})


def _resolve(view, a, d):
    objection = _pick(view.facts.open_objections, d["objection"], "objection")
    return actions.do_resolve_objection(
        acting_user=view.request.user,
        objection=objection,
        outcome=d["outcome"],
        resolution=d["resolution"],
        person_name=d["person_name"],
    )


def _remove(view, a, d):
    return actions.do_remove(
        acting_user=view.request.user,
        archive=a,
        removal_reason=d["removal_reason"],
        person_name=d["person_name"],
        reason=d["reason"],
    )


def _monthly(view, a, d):
    return actions.do_record_monthly_income(
        acting_user=view.request.user,
        archive=a,
        month=d["month"],
        household_income=d["household_income"],
        rigid_expenses=d.get("rigid_expenses") or 0,
        household_size=d.get("household_size"),
    )


def _follow_up(view, a, d):
    return actions.do_record_follow_up(
        acting_user=view.request.user,
        archive=a,
        called_on=d["called_on"],
        caller=d["caller"],
        stable=d.get("stable", False),
        notes=d["notes"],
    )


def _plan_add(view, a, d):
    return actions.do_add_plan_measure(
        acting_user=view.request.user,
        archive=a,
        measure=d["measure"],
        description=d["description"],
        owner=d["owner"],
        due_on=d["due_on"],
        person_name=d["person_name"],
    )


def _plan_update(view, a, d):
    measure = _pick(view.facts.open_measures, d["measure"], "measure")
    return actions.do_update_plan_measure(
        acting_user=view.request.user,
        measure=measure,
        status=d["status"],
        outcome=d["outcome"],
        person_name=d["person_name"],
    )


def _in(*states):
    return lambda a, f: a.status in states


STEPS: dict[str, Step] = {
    s.slug: s
    for s in [
        Step(
            "visit",
            _lazy("登记入户调查"),
            CHANGE,
            hf.VisitForm,
            _in(*actions.VISIT_STATES),
            _visit,
            primary=True,
            help=_lazy("第一次入户调查后，档案进入“已入户调查”；可附照片或材料"),
        ),
        Step(
            "check",
            _lazy("登记数据核查"),
            CHANGE,
            hf.CheckForm,
            _in(*actions.CHECK_STATES),
            _check,
            primary=True,
            help=_lazy("房产、车辆、工商登记、社会保险四项均有结果后，档案进入“已数据核查”"),
        ),
        Step(
            "finances",
            _lazy("登记家庭收支"),
            CHANGE,
            hf.FinancesStepForm,
            _in(*actions.EDITABLE),
            None,  # needs the form: see StepView.perform
            help=_lazy("替换该年度的收入和刚性支出，并按当地低保标准重新测算困难类别"),
        ),
        Step(
            "household",
            _lazy("添加家庭成员"),
            CHANGE,
            hf.AddMemberForm,
            _in(*actions.EDITABLE),
            _household_add,
        ),
        Step(
            "category",
            _lazy("人工认定困难类别"),
            CHANGE,
            hf.CategoryForm,
            lambda a, f: a.status in actions.EDITABLE and bool(a.assessment_year),
            _category,
            help=_lazy("须写明理由；选择“恢复为测算结果”可撤销人工认定"),
        ),
        Step(
            "review",
            _lazy("基层审核"),
            CHANGE,
            hf.ReasonForm,
            _in(S.CHECKED),
            _named(actions.do_review),
            primary=True,
            help=_lazy("确认入户调查、四项核查和困难类别"),
        ),
        Step(
            "notice",
            _lazy("开始公示"),
            CHANGE,
            hf.NoticeForm,
            lambda a, f: a.status == S.REVIEWED or (a.status == S.NOTICE and f.notice_ended and not f.open_objections),
            _notice,
            primary=True,
            help=_lazy("默认公示5个工作日；公示结束后方可审批"),
        ),
        Step(
            "objection",
            _lazy("登记公示异议"),
            CHANGE,
            hf.ObjectionForm,
            lambda a, f: a.status == S.NOTICE and f.notice is not None and not f.notice_ended,
            _objection,
        ),
        Step(
            "resolve",
            _lazy("处理异议"),
            CHANGE,
            hf.ResolveObjectionForm,
            lambda a, f: bool(f.open_objections),
            _resolve,
            primary=True,
        ),
        Step(
            "approve",
            _lazy("批准建档"),
            APPROVE,
            hf.ReasonForm,
            lambda a, f: a.status == S.NOTICE and f.notice_ended and not f.open_objections,
            _named(actions.do_approve),
            primary=True,
            help=_lazy("由与建档标准对应的工会审批；公示期间或异议未处理完毕时不能审批"),
        ),
        Step("reject", _lazy("不予建档"), CHANGE, hf.ReasonForm, _in(*PENDING), _named(actions.do_reject), danger=True),
        Step(
            "plan",
            _lazy("制定帮扶措施"),
            CHANGE,
            hf.PlanMeasureForm,
            _in(*actions.PLAN_STATES),
            _plan_add,
            help=_lazy("一户一策：从帮扶措施目录中选择，写明责任人和完成期限"),
        ),
        Step(
            "plan-update",
            _lazy("更新措施进展"),
            CHANGE,
            hf.PlanUpdateForm,
            lambda a, f: bool(f.open_measures),
            _plan_update,
        ),
        Step(
            "monthly",
            _lazy("登记月收入"),
            CHANGE,
            hf.MonthlyIncomeForm,
            _in(*IN_ARCHIVE),
            _monthly,
            help=_lazy("人均月收入连续6个月高于当地低保标准时，系统建议脱困"),
        ),
        Step(
            "review-start",
            _lazy("开始年度复核"),
            CHANGE,
            hf.ReasonForm,
            _in(S.ARCHIVED),
            _named(actions.do_start_annual_review),
        ),
        Step(
            "review-complete",
            _lazy("完成年度复核"),
            CHANGE,
            hf.ReasonForm,
            _in(S.UNDER_REVIEW),
            _named(actions.do_complete_annual_review),
            primary=True,
            help=_lazy("须有本次复核的入户调查和最近一年的家庭收支"),
        ),
        Step("exit", _lazy("办理脱困"), APPROVE, hf.ReasonForm, _in(*IN_ARCHIVE), _named(actions.do_exit)),
        Step(
            "decline-exit",
            _lazy("暂不脱困"),
            CHANGE,
            hf.ReasonForm,
            lambda a, f: a.status in IN_ARCHIVE and a.exit_proposed_on is not None,
            _named(actions.do_decline_exit_proposal),
            help=_lazy("保留在档；登记新的月收入后仍符合条件时会再次建议脱困"),
        ),
        Step(
            "relieve",
            _lazy("办理解困"),
            APPROVE,
            hf.ReasonForm,
            _in(*IN_ARCHIVE),
            _named(actions.do_relieve),
            help=_lazy("因大病或残疾无法脱困的家庭转入政府兜底保障，工会持续帮扶"),
        ),
        Step(
            "remove",
            _lazy("办理退档"),
            APPROVE,
            hf.RemoveForm,
            _in(*IN_ARCHIVE, S.RELIEVED),
            _remove,
            danger=True,
        ),
        Step(
            "relapse",
            _lazy("登记返困"),
            CHANGE,
            hf.ReasonForm,
            _in(S.EXITED),
            _named(actions.do_relapse),
            help=_lazy("返困家庭重新入户调查、核查、审核、公示、审批后再次建档"),
        ),
        Step("follow-up", _lazy("登记回访"), CHANGE, hf.FollowUpForm, _in(S.EXITED), _follow_up),
    ]
}


def permission_path(step: Step, archive: HardshipArchive, approver_path: str | None) -> str:
    return (approver_path or archive.org_path) if step.permission == APPROVE else archive.org_path


def available_steps(user, archive: HardshipArchive, facts: Facts, approver_path: str | None) -> list[Step]:
    return [
        s
        for s in STEPS.values()
        if s.allowed(archive, facts) and user_can(user, s.permission, permission_path(s, archive, approver_path))
    ]


def approver_path(archive: HardshipArchive) -> str | None:
    org = actions.approving_org(archive.org, archive.level)
    return org.path if org else None


class StepView(ArchiveObjectMixin, ActionFormView):
    template_name = "hardship/step.html"

    def dispatch(self, request, *args, **kwargs):
        self.step = STEPS.get(kwargs.get("step", ""))
        if self.step is None:
            raise Http404("unknown step")
        return super().dispatch(request, *args, **kwargs)

    def _check_permission(self):
        path = permission_path(self.step, self.archive, approver_path(self.archive))
        if not user_can(self.request.user, self.step.permission, path):
            raise PermissionDenied(_("您没有办理此项的权限（需要 %(perm)s）") % {"perm": self.step.permission})
        self.facts = step_facts(self.archive)

    def get(self, request, *args, **kwargs):
        self._check_permission()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check_permission()
        return super().post(request, *args, **kwargs)

    def get_form_class(self):
        return self.step.form_class

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.step.form_class is hf.ResolveObjectionForm:
            kwargs["objections"] = self.facts.open_objections
        if self.step.form_class is hf.PlanUpdateForm:
            kwargs["measures"] = self.facts.open_measures
        return kwargs

    def get_initial(self):
        user = self.request.user
        name = person_name_of(user)
        day = today()
        return {
            "person_name": name,
            "visitors": name,
            "caller": name,
            "visited_on": day,
            "checked_on": day,
            "called_on": day,
            "received_on": day,
            "month": day,
            "year": day.year - 1,
        }

    @property
    def title(self):
        return _("%(step)s：%(name)s") % {"step": self.step.label, "name": self.archive.person.name}

    @property
    def submit_label(self):
        return self.step.label

    @property
    def danger(self):
        return self.step.danger

    @property
    def success_message(self):
        return _("已办理：%(step)s") % {"step": self.step.label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            help=self.step.help,
            blocked=not self.step.allowed(self.archive, self.facts),
            notice=self.facts.notice,
            multipart=self.step.form_class is hf.VisitForm,
        )
        return context

    def perform(self, form):
        if self.step.slug == "finances":
            _finances(self, self.archive, form.cleaned_data, form)
        else:
            self.step.run(self, self.archive, form.cleaned_data)
        return self.archive

    def get_success_url_for(self, result):
        return archive_url(self.archive)
