"""Appeal endpoints under /api/v1/appeals: intake for other front ends, scoped reads and every move
(assign, sign, return, start, pause/resume, not accepted, extension request and decision, call-back,
satisfaction, close, supervision).

Tickets are addressed by their ticket number (date + sequence), never by anything personal.
Reads are scoped with `restrict(user, "appeal.view")`; a ticket outside the caller's scope is 404.
Caller phones appear only masked.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from gonghui.appeals import actions
from gonghui.appeals.models import Appeal, CallBack, ExtensionRequest, Supervision
from gonghui.appeals.states import AppealStatus, Channel, RequestType, SlaState, Topic
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.core.tree import in_subtree
from gonghui.members.models import Membership
from gonghui.orgs.models import Org

router = Router(tags=["appeals"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AppealOut(Schema):
    number: str
    channel: str
    status: str
    status_label: str
    request_type: str
    topic: str
    topic_label: str
    complexity: str
    urgency: str
    priority: int
    title: str
    org_code: str
    org_name: str
    caller_name: str
    caller_phone: str
    anonymous: bool
    registered_at: datetime
    due_on: date
    sla_state: str
    paused: bool
    supervised: bool
    crisis: bool
    duplicate_of: str | None
    satisfaction: str

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_topic_label(obj):
        return str(obj.get_topic_display())

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_caller_phone(obj):
        return obj.caller_phone_masked

    @staticmethod
    def resolve_duplicate_of(obj):
        return obj.duplicate_of.number if obj.duplicate_of_id else None


class EventOut(Schema):
    at: datetime
    kind: str
    kind_label: str
    from_status: str
    to_status: str
    from_org: str
    to_org: str
    actor: str
    reason: str

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_from_org(obj):
        return obj.from_org.name if obj.from_org_id else ""

    @staticmethod
    def resolve_to_org(obj):
        return obj.to_org.name if obj.to_org_id else ""

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.get_username() if obj.actor_id else "系统"


class AppealDetailOut(AppealOut):
    text: str
    result: str
    resolved_on_time: bool | None
    amount_recovered: Decimal
    intake_org_name: str
    suggested_org_code: str | None
    timeline: list[EventOut]

    @staticmethod
    def resolve_intake_org_name(obj):
        return obj.intake_org.name

    @staticmethod
    def resolve_suggested_org_code(obj):
        return obj.suggested_org.code if obj.suggested_org_id else None

    @staticmethod
    def resolve_timeline(obj):
        return obj.timeline_rows


class AppealIn(Schema):
    org: str  # the intake org's code (the hotline centre that takes the call)
    channel: str
    request_type: str
    topic: str
    text: str
    title: str = ""
    complexity: str = "ordinary"
    urgency: str = "normal"
    caller_name: str = ""
    caller_phone: str = ""
    anonymous: bool = False
    member_no: str = ""
    employer_name: str = ""
    division_code: str = ""
    crisis: bool = False
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    allow_duplicate: bool = False


class AppealFilter(Schema):
    under: str | None = None
    status: str | None = None
    topic: str | None = None
    channel: str | None = None
    request_type: str | None = None
    sla_state: str | None = None


class AssignIn(Schema):
    org: str
    note: str = ""


class ReasonIn(Schema):
    reason: str


class ResolveIn(Schema):
    result: str
    amount_recovered: Decimal = Decimal("0")


def scoped(user):
    return Appeal.objects.restrict(user, "appeal.view").select_related("org", "duplicate_of")


def access_appeal(user, number: str) -> Appeal:
    return access_object(
        Appeal.objects.select_related("org", "org__parent", "intake_org", "suggested_org", "duplicate_of"),
        user,
        "appeal.view",
        number=number.strip(),
    )


def detail(appeal: Appeal) -> Appeal:
    appeal.timeline_rows = list(appeal.events.select_related("from_org", "to_org", "actor").order_by("at", "id"))
    return appeal


@router.get("", response={200: list[AppealOut], **ERRORS}, summary="诉求工单列表（限本人权限范围）")
@paginate(PagePagination)
def list_appeals(request, filters: AppealFilter = Query(...)):
    rows = scoped(request.auth)
    for field, choices in (
        ("status", AppealStatus),
        ("topic", Topic),
        ("channel", Channel),
        ("request_type", RequestType),
        ("sla_state", SlaState),
    ):
        value = getattr(filters, field)
        if value:
            if value not in choices.values:
                raise ValidationError({field: f"无效的取值，应为：{', '.join(choices.values)}"})
            rows = rows.filter(**{field: value})
    if filters.under:
        org = access_object(Org.objects.all(), request.auth, "org.view", code=filters.under.upper())
        rows = rows.filter(in_subtree("org_path", org.path))
    return rows.order_by("priority", "-registered_at", "-pk")


@router.post("", response={201: AppealDetailOut, **ERRORS}, summary="受理诉求（其他前端提交）")
def create_appeal(request, payload: AppealIn):
    org = access_object(Org.objects.all(), request.auth, "appeal.assign", code=payload.org.strip().upper())
    membership = None
    if payload.member_no:
        membership = access_object(
            Membership.objects.select_related("person", "org"), request.auth, "member.view", member_no=payload.member_no
        )
    data = payload.dict(exclude={"org", "member_no"})
    appeal = actions.do_register_appeal(acting_user=request.auth, intake_org=org, membership=membership, **data)
    return Status(201, detail(access_appeal(request.auth, appeal.number)))


@router.get("/{number}", response={200: AppealDetailOut, **ERRORS}, summary="工单详情与流转时间线")
def get_appeal(request, number: str):
    return detail(access_appeal(request.auth, number))


@router.post("/{number}/assign", response={200: AppealDetailOut, **ERRORS}, summary="转办给下级组织")
def assign_appeal(request, number: str, payload: AssignIn):
    appeal = access_appeal(request.auth, number)
    to_org = access_object(Org.objects.all(), request.auth, "org.view", code=payload.org.strip().upper())
    actions.do_assign(acting_user=request.auth, appeal=appeal, to_org=to_org, note=payload.note)
    return detail(access_appeal(request.auth, number))


@router.post("/{number}/sign", response={200: AppealDetailOut, **ERRORS}, summary="签收")
def sign_appeal(request, number: str):
    actions.do_sign(acting_user=request.auth, appeal=access_appeal(request.auth, number))
    return detail(access_appeal(request.auth, number))


@router.post("/{number}/return", response={200: AppealOut, **ERRORS}, summary="退回上一级（须说明理由）")
def return_appeal(request, number: str, payload: ReasonIn):
    """The ticket leaves the caller's org: the answer is the summary, not the timeline."""
    appeal = actions.do_return(
        acting_user=request.auth, appeal=access_appeal(request.auth, number), reason=payload.reason
    )
    return appeal


@router.post("/{number}/resolve", response={200: AppealDetailOut, **ERRORS}, summary="办结（填写办理结果）")
def resolve_appeal(request, number: str, payload: ResolveIn):
    actions.do_resolve(
        acting_user=request.auth,
        appeal=access_appeal(request.auth, number),
        result=payload.result,
        amount_recovered=payload.amount_recovered,
    )
    return detail(access_appeal(request.auth, number))


# --- the remaining moves: pause/resume, not accepted, extension, call-back, satisfaction, supervision ---


class ExtensionOut(Schema):
    id: int
    org_name: str
    days: int
    reason: str
    status: str
    status_label: str
    requested_at: datetime
    old_due_on: date
    new_due_on: date | None
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class CallBackOut(Schema):
    id: int
    kind: str
    kind_label: str
    due_at: datetime
    contact_name: str
    contact_phone: str
    done_at: datetime | None
    reached: bool | None
    note: str
    escalated_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_contact_phone(obj):
        return obj.contact_phone_masked


class MovesOut(AppealDetailOut):
    """A ticket after a move: the detail plus its extension requests and call-back tasks."""

    extensions: list[ExtensionOut]
    callbacks: list[CallBackOut]

    @staticmethod
    def resolve_extensions(obj):
        return obj.extension_rows

    @staticmethod
    def resolve_callbacks(obj):
        return obj.callback_rows


class NoteIn(Schema):
    note: str = ""


class ExtensionIn(Schema):
    days: int
    reason: str


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class CallBackIn(Schema):
    reached: bool
    note: str = ""
    satisfaction: str = ""
    dissatisfaction_reason: str = ""
    satisfaction_note: str = ""


class SatisfactionIn(Schema):
    satisfaction: str
    dissatisfaction_reason: str = ""
    note: str = ""


def full(user, number: str) -> Appeal:
    appeal = detail(access_appeal(user, number))
    appeal.extension_rows = list(appeal.extensions.select_related("org").order_by("requested_at", "id"))
    appeal.callback_rows = list(appeal.callbacks.order_by("due_at", "id"))
    return appeal


MOVE = {200: MovesOut, **ERRORS}


@router.get("/{number}/moves", response=MOVE, summary="工单详情、延期申请与回访任务")
def get_appeal_moves(request, number: str):
    return full(request.auth, number)


@router.post("/{number}/start", response=MOVE, summary="开始办理")
def start_appeal(request, number: str, payload: NoteIn):
    actions.do_start(acting_user=request.auth, appeal=access_appeal(request.auth, number), note=payload.note)
    return full(request.auth, number)


@router.post("/{number}/pause", response=MOVE, summary="暂停计时（等待诉求人）")
def pause_appeal(request, number: str, payload: ReasonIn):
    actions.do_pause(acting_user=request.auth, appeal=access_appeal(request.auth, number), reason=payload.reason)
    return full(request.auth, number)


@router.post("/{number}/resume", response=MOVE, summary="恢复计时（期限按暂停的工作日顺延）")
def resume_appeal(request, number: str, payload: NoteIn):
    actions.do_resume(acting_user=request.auth, appeal=access_appeal(request.auth, number), note=payload.note)
    return full(request.auth, number)


@router.post("/{number}/not-accepted", response=MOVE, summary="不予受理（须说明理由）")
def not_accept_appeal(request, number: str, payload: ReasonIn):
    actions.do_not_accept(acting_user=request.auth, appeal=access_appeal(request.auth, number), reason=payload.reason)
    return full(request.auth, number)


@router.post("/{number}/extensions", response={201: MovesOut, **ERRORS}, summary="申请延期（期限届满前，由上级审批）")
def request_extension(request, number: str, payload: ExtensionIn):
    actions.do_request_extension(
        acting_user=request.auth, appeal=access_appeal(request.auth, number), days=payload.days, reason=payload.reason
    )
    return Status(201, full(request.auth, number))


@router.post("/{number}/extensions/{extension_id}/decide", response=MOVE, summary="审批延期（上级工会）")
def decide_extension(request, number: str, extension_id: int, payload: DecisionIn):
    appeal = access_appeal(request.auth, number)
    extension = get_object_or_404(ExtensionRequest, appeal=appeal, pk=extension_id)
    actions.do_decide_extension(
        acting_user=request.auth, extension=extension, approve=payload.approve, note=payload.note
    )
    return full(request.auth, number)


@router.post("/{number}/callbacks/{callback_id}", response=MOVE, summary="记录回访（可同时记录满意度）")
def call_back(request, number: str, callback_id: int, payload: CallBackIn):
    appeal = access_appeal(request.auth, number)
    callback = access_object(CallBack.objects.filter(appeal=appeal), request.auth, "appeal.assign", pk=callback_id)
    actions.do_call_back(acting_user=request.auth, callback=callback, **payload.dict())
    return full(request.auth, number)


@router.post("/{number}/satisfaction", response=MOVE, summary="记录满意度（不满意且因承办原因则重办）")
def record_satisfaction(request, number: str, payload: SatisfactionIn):
    actions.do_record_satisfaction(
        acting_user=request.auth, appeal=access_appeal(request.auth, number), **payload.dict()
    )
    return full(request.auth, number)


@router.post("/{number}/close", response=MOVE, summary="结案")
def close_appeal(request, number: str, payload: NoteIn):
    actions.do_close(acting_user=request.auth, appeal=access_appeal(request.auth, number), note=payload.note)
    return full(request.auth, number)


@router.post("/{number}/supervision", response=MOVE, summary="督办（承办工会的上级）")
def open_supervision(request, number: str, payload: ReasonIn):
    actions.do_open_supervision(
        acting_user=request.auth, appeal=access_appeal(request.auth, number), reason=payload.reason
    )
    return full(request.auth, number)


@router.post("/{number}/supervision/close", response=MOVE, summary="解除督办（督办工会）")
def close_supervision(request, number: str, payload: ReasonIn):
    appeal = access_appeal(request.auth, number)
    supervision = Supervision.objects.filter(appeal=appeal, closed_on__isnull=True).first()
    if supervision is None:
        raise ValidationError({"supervision": "该工单没有进行中的督办"})
    actions.do_close_supervision(acting_user=request.auth, supervision=supervision, note=payload.reason)
    return full(request.auth, number)
