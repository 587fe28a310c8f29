"""Every write to appeals goes through these functions (DESIGN.md §3.1), except the set-based
SLA sweep (`gonghui.appeals.sweep`), which writes its marks, events and audit entries in bulk.

Each action is atomic, takes `acting_user` keyword-only (None = a system job or the requester's
signed link), checks the permission on the org subtree where the ticket is, checks the state
machine (`appeals.states`), validates before writing anything, and leaves an `AppealEvent`
plus an audit entry in the same transaction. Messages go out after commit.

Permissions: `appeal.assign` (hotline work: register, call back, satisfaction, close, crisis)
at the org holding the ticket or above; `appeal.change` (handling: assign down, sign for,
return, pause, resolve, not accepted) at the org holding it; extension approval and manual
supervision need `appeal.change` at the org *above* the one holding the ticket.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.appeals import clock, notify
from gonghui.appeals.crisis import risk_words_in
from gonghui.appeals.models import (
    Appeal,
    AppealEvent,
    AppealNotice,
    AppealSequence,
    CallBack,
    CrisisFollowUp,
    ExtensionRequest,
    MediationCase,
    MediationSession,
    Supervision,
)
from gonghui.appeals.states import (
    DISSATISFIED,
    FINAL,
    HANDLER_CAUSED,
    MEDIATION_ORDER,
    OPEN,
    AppealStatus,
    Channel,
    Complexity,
    DissatisfactionReason,
    MediationOutcome,
    MediationStage,
    Priority,
    RequestType,
    Satisfaction,
    SlaState,
    Topic,
    Urgency,
    check,
)
from gonghui.core import audit, crypto, uploads
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.scoping import user_can
from gonghui.core.sms import send_sms
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org
from gonghui.people.identity import mask_mobile, normalise_mobile

S = AppealStatus
E = AppealEvent.Kind
PHONE_PURPOSE = "appeal.caller_phone"
CONTACT_PURPOSE = "appeal.contact_phone"
DUPLICATE_DAYS = 7
MAX_EXTENSION_DAYS = 30
MAX_TEXT = 4000
MAX_MONEY = Decimal("999999999999.99")
RATING_SALT = "gonghui.appeals.rating"
RATING_MAX_AGE = 30 * 24 * 3600
LANDLINE_RE = re.compile(r"0\d{2,3}\d{7,8}")


# --- helpers -----------------------------------------------------------------------------------


def _require(acting_user, permission: str, path: str, org_name: str) -> None:
    if acting_user is None:
        return
    if not user_can(acting_user, permission, path):
        raise ActionPermissionError(
            permission, _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）") % {"org": org_name, "perm": permission}
        )


def _require_on(acting_user, permission: str, appeal: Appeal) -> None:
    _require(acting_user, permission, appeal.org_path, appeal.org.name)


def _require_above(acting_user, permission: str, appeal: Appeal) -> Org:
    """The org above the one holding the ticket (itself at the root), where the user must hold `permission`."""
    upper = appeal.org.parent or appeal.org
    _require(acting_user, permission, upper.path, upper.name)
    return upper


def _text(value, field: str, max_length: int, *, required: bool = True, message: str | None = None) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ValidationError({field: message or _("此项必填")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多%(n)d个字符") % {"n": max_length}})
    return value


def _reason(reason, field: str = "reason") -> str:
    return _text(reason, field, 300, message=_("请填写原因或说明"))


def _choice(value, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise ValidationError(
            {
                field: _("%(label)s“%(v)s”无效，可选：%(options)s")
                % {"label": label, "v": value, "options": "、".join(str(c) for c in choices.labels)}
            }
        )
    return value


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0").strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("金额格式不正确：%(v)s") % {"v": value}}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise ValidationError({field: _("金额应为0至999999999999.99之间的数")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("金额最多保留两位小数")})
    return amount.quantize(Decimal("0.01"))


def normalise_phone(raw, field: str = "caller_phone") -> str:
    """A mainland mobile (→ E.164) or a landline with area code (digits only); '' when empty."""
    text = str(raw or "").strip()
    if not text:
        return ""
    try:
        return normalise_mobile(text)
    except ValidationError:
        digits = re.sub(r"[\s\-()]", "", text)
        if LANDLINE_RE.fullmatch(digits):
            return digits
    raise ValidationError({field: _("电话号码“%(v)s”格式不正确：应为11位手机号或带区号的固定电话") % {"v": text}})


def mask_phone(phone: str) -> str:
    if phone.startswith("+86"):
        return mask_mobile(phone)
    return phone[:4] + "****" + phone[-2:] if len(phone) > 6 else "****"


def phone_hash(phone: str) -> str:
    return crypto.blind_index(phone, PHONE_PURPOSE) if phone else ""


def _lock(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("org", "org__parent", "intake_org")
        .get(pk=appeal.pk)
    )


def _actor(user):
    return user if getattr(user, "pk", None) else None


def _event(appeal, kind, *, actor, reason="", from_status="", to_status="", from_org=None, to_org=None):
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        from_org=from_org,
        to_org=to_org,
        actor=_actor(actor),
        reason=(reason or "")[:1000],
        at=clock.now(),
    )


def _snapshot(a: Appeal) -> dict:
    return {
        "status": a.status,
        "org": a.org_id,
        "due_on": a.due_on,
        "sla_state": a.sla_state,
        "paused": a.paused,
        "supervised": a.supervised,
        "crisis": a.crisis,
    }


def _audit(acting_user, action: str, appeal: Appeal, *, before=None, after=None, reason: str = ""):
    audit.record(
        actor=acting_user, action=action, obj=appeal, org=appeal.org, before=before, after=after, reason=reason
    )


def _notice(appeal: Appeal, org: Org | None, kind: str) -> None:
    if org is None:
        return
    AppealNotice.objects.get_or_create(appeal=appeal, kind=kind, on=clock.today(), defaults={"org": org})


def _transition(appeal, target, *, acting_user, what, action, reason="", kind=E.TRANSITION, to_org=None, **fields):
    """Move `appeal` (locked) to `target`, with its timeline event and audit entry."""
    check(appeal.status, target, what)
    before = _snapshot(appeal)
    source, from_org = appeal.status, appeal.org
    appeal.status = target
    for name, value in fields.items():
        setattr(appeal, name, value)
    appeal.save()
    _event(
        appeal,
        kind,
        actor=acting_user,
        reason=reason,
        from_status=source,
        to_status=target,
        from_org=from_org,
        to_org=to_org or appeal.org,
    )
    _audit(acting_user, action, appeal, before=before, after=_snapshot(appeal), reason=reason)
    return appeal


def allocate_number(day: dt.date) -> str:
    """工单号: the registration date and a per-day sequence, e.g. 20251009000042."""
    sequence, _created = AppealSequence.objects.get_or_create(day=day)
    AppealSequence.objects.filter(pk=sequence.pk).update(next_value=F("next_value") + 1)
    value = AppealSequence.objects.values_list("next_value", flat=True).get(pk=sequence.pk) - 1
    return f"{day:%Y%m%d}{value:06d}"


def find_duplicate(*, phone_hash_value: str = "", person=None, topic: str, now: dt.datetime) -> Appeal | None:
    """The earlier ticket of the same caller on the same topic within 7 days (the first one of a chain)."""
    if not phone_hash_value and person is None:
        return None
    qs = Appeal.objects.filter(topic=topic, registered_at__gte=now - dt.timedelta(days=DUPLICATE_DAYS)).exclude(
        status__in=[S.MERGED, S.NOT_ACCEPTED]
    )
    qs = qs.filter(caller_phone_hash=phone_hash_value) if phone_hash_value else qs.filter(person=person)
    return qs.order_by("registered_at", "id").first()


# --- intake --------------------------------------------------------------------------------------


@transaction.atomic
def do_register_appeal(
    *,
    acting_user,
    intake_org: Org,
    channel: str,
    request_type: str,
    topic: str,
    text: str,
    title: str = "",
    complexity: str = Complexity.ORDINARY,
    urgency: str = Urgency.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    anonymous: bool = False,
    person=None,
    membership=None,
    employer_name: str = "",
    division_code: str = "",
    crisis: bool = False,
    crisis_reason: str = "",
    emergency_contact_name: str = "",
    emergency_contact_phone: str = "",
    suggested_topic: str = "",
    suggested_request_type: str = "",
    triage_confidence: float | None = None,
    allow_duplicate: bool = False,
) -> Appeal:
    """受理: register an appeal from any channel (the operator's fast entry, the portal, the API).

    A call from the same caller on the same topic within 7 days is linked to the earlier ticket
    (status merged, not counted twice) unless `allow_duplicate`; a crisis call is never merged.
    Risk words in the text or the operator's flag make it a crisis call: top priority, a
    counsellor's follow-up and a call-back to the emergency contact within 24 hours.
    """
    _require(acting_user, "appeal.assign", intake_org.path, intake_org.name)
    if intake_org.status != OrgStatus.ACTIVE:
        raise ValidationError({"intake_org": _("受理工会“%(org)s”已撤销") % {"org": intake_org.name}})
    _choice(channel, Channel, "channel", _("渠道"))
    _choice(request_type, RequestType, "request_type", _("诉求类型"))
    _choice(topic, Topic, "topic", _("诉求事项"))
    _choice(complexity, Complexity, "complexity", _("复杂程度"))
    _choice(urgency, Urgency, "urgency", _("紧急程度"))
    for value, field, choices, label in (
        (suggested_topic, "suggested_topic", Topic, _("建议事项")),
        (suggested_request_type, "suggested_request_type", RequestType, _("建议类型")),
    ):
        if value:
            _choice(value, choices, field, label)
    if triage_confidence is not None and not 0 <= float(triage_confidence) <= 1:
        raise ValidationError({"triage_confidence": _("置信度应在0到1之间")})
    body = str(text or "").strip()
    if not body:
        raise ValidationError({"text": _("请填写诉求内容")})
    if len(body) > MAX_TEXT:
        raise ValidationError({"text": _("诉求内容最多%(n)d个字符") % {"n": MAX_TEXT}})
    title = _text(title, "title", 80, required=False) or " ".join(body.split())[:30]
    caller_name = "" if anonymous else _text(caller_name, "caller_name", 30, required=False)
    phone = normalise_phone(caller_phone)
    contact_phone = normalise_phone(emergency_contact_phone, "emergency_contact_phone")
    contact_name = _text(emergency_contact_name, "emergency_contact_name", 30, required=False)
    employer_name = _text(employer_name, "employer_name", 120, required=False)
    division_code = (division_code or "").strip()
    if division_code and not re.fullmatch(r"\d{6}(\d{3})?", division_code):
        raise ValidationError({"division_code": _("行政区划代码应为6位或9位数字")})
    if membership is not None and person is None:
        person = membership.person
    if anonymous:
        person = membership = None

    words = risk_words_in(body)
    crisis_reason = _text(crisis_reason, "crisis_reason", 300, required=False)
    if words:
        crisis = True
        crisis_reason = crisis_reason or _("来电内容含风险词：%(w)s") % {"w": "、".join(words)}
    elif crisis and not crisis_reason:
        crisis_reason = _("坐席判断存在心理危机风险")

    now = clock.now()
    today = timezone.localdate(now)
    hashed = phone_hash(phone)
    original = None
    if not allow_duplicate and not crisis:
        original = find_duplicate(phone_hash_value=hashed, person=person, topic=topic, now=now)
        if original is not None and original.duplicate_of_id:
            original = original.duplicate_of

    from gonghui.appeals.routing import suggest_org

    suggested = suggest_org(membership=membership, employer_name=employer_name, division_code=division_code)
    if crisis:
        urgency = Urgency.URGENT
    limit = clock.limit_for(request_type, complexity, urgency)
    holder = original.org if original is not None else intake_org
    appeal = Appeal(
        number=allocate_number(today),
        channel=channel,
        intake_org=intake_org,
        org=holder,
        org_path=holder.path,
        province_id=holder.province_id,
        suggested_org=suggested,
        person=person,
        membership=membership,
        anonymous=anonymous,
        caller_name=caller_name,
        caller_phone_cipher=crypto.encrypt(phone, PHONE_PURPOSE) if phone else None,
        caller_phone_hash=hashed,
        caller_phone_masked=mask_phone(phone) if phone else "",
        employer_name=employer_name,
        division_code=division_code,
        request_type=request_type,
        topic=topic,
        complexity=complexity,
        urgency=urgency,
        priority=Priority.CRISIS if crisis else (Priority.URGENT if urgency == Urgency.URGENT else Priority.NORMAL),
        title=title,
        text=body,
        suggested_topic=suggested_topic,
        suggested_request_type=suggested_request_type,
        triage_confidence=triage_confidence,
        status=S.MERGED if original is not None else S.REGISTERED,
        registered_at=now,
        registered_on=today,
        limit_days=limit,
        due_on=original.due_on if original is not None else clock.deadline(today, limit),
        crisis=crisis,
        crisis_reason=crisis_reason,
        duplicate_of=original,
    )
    appeal.save(force_insert=True)
    appeal.org = holder
    after = {
        "number": appeal.number,
        "channel": channel,
        "request_type": request_type,
        "topic": topic,
        "status": appeal.status,
        "due_on": appeal.due_on,
        "crisis": crisis,
        "duplicate_of": original.number if original else None,
    }
    if original is not None:
        _event(
            appeal,
            E.REPEAT_CALL,
            actor=acting_user,
            to_status=S.MERGED,
            reason=_("重复来电，已关联工单 %(n)s") % {"n": original.number},
        )
        Appeal.objects.filter(pk=original.pk).update(repeat_calls=F("repeat_calls") + 1)
        _event(
            original, E.REPEAT_CALL, actor=acting_user, reason=_("诉求人再次来电（工单 %(n)s）") % {"n": appeal.number}
        )
        _audit(acting_user, "appeal.register_repeat", appeal, after=after)
        notify.registered(appeal)
        return appeal
    _event(appeal, E.REGISTERED, actor=acting_user, to_status=S.REGISTERED, to_org=intake_org, reason=title)
    _audit(acting_user, "appeal.register", appeal, after=after)
    if crisis:
        _open_crisis(
            appeal,
            acting_user=acting_user,
            reason=crisis_reason,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
    notify.registered(appeal)
    return appeal


def _open_crisis(appeal: Appeal, *, acting_user, reason: str, contact_name: str, contact_phone: str) -> None:
    due = clock.now() + dt.timedelta(hours=clock.crisis_hours())
    intake = appeal.intake_org
    CrisisFollowUp.objects.create(appeal=appeal, org=intake, org_path=intake.path, due_at=due)
    CallBack.objects.create(
        appeal=appeal,
        kind=CallBack.Kind.EMERGENCY_CONTACT,
        org=intake,
        org_path=intake.path,
        due_at=due,
        contact_name=contact_name,
        contact_phone_cipher=crypto.encrypt(contact_phone, CONTACT_PURPOSE) if contact_phone else None,
        contact_phone_masked=mask_phone(contact_phone) if contact_phone else "",
    )
    _event(appeal, E.CRISIS, actor=acting_user, reason=reason)
    audit.record(
        actor=acting_user,
        action="appeal.crisis",
        obj=appeal,
        org=appeal.org,
        after={"due_at": due, "emergency_contact": bool(contact_phone)},
        reason=reason,
    )


@transaction.atomic
def do_flag_crisis(
    *, acting_user, appeal: Appeal, reason: str, emergency_contact_name: str = "", emergency_contact_phone: str = ""
) -> Appeal:
    """The operator flags a ticket as a psychological crisis after registration."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.assign", appeal)
    reason = _reason(reason)
    contact_phone = normalise_phone(emergency_contact_phone, "emergency_contact_phone")
    contact_name = _text(emergency_contact_name, "emergency_contact_name", 30, required=False)
    if appeal.crisis:
        raise ValidationError({"crisis": _("该工单已标记为心理危机")})
    if appeal.status in FINAL:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能标记心理危机") % {"state": appeal.get_status_display()},
            current_state=appeal.status,
        )
    appeal.crisis, appeal.crisis_reason, appeal.priority = True, reason, Priority.CRISIS
    appeal.save(update_fields=["crisis", "crisis_reason", "priority", "updated_at"])
    _open_crisis(appeal, acting_user=acting_user, reason=reason, contact_name=contact_name, contact_phone=contact_phone)
    return appeal


# --- down the tree and back ---------------------------------------------------------------------


@transaction.atomic
def do_assign(*, acting_user, appeal: Appeal, to_org: Org, note: str = "") -> Appeal:
    """转办: pass the ticket down to an org in the holder's subtree — a direct child, or straight to the
    responsible union further down (the suggested 承办 union), which the orgs in between still see in
    their scope. A return (退回) goes back to the org that forwarded it."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    check(appeal.status, S.ASSIGNED, _("转办"))
    if to_org.pk == appeal.org_id or not to_org.path.startswith(appeal.org.path):
        raise ValidationError({"to_org": _("只能转办给“%(org)s”的下级组织") % {"org": appeal.org.name}})
    if to_org.status != OrgStatus.ACTIVE:
        raise ValidationError({"to_org": _("“%(org)s”已撤销，不能转办") % {"org": to_org.name}})
    if appeal.paused:
        raise ValidationError({"paused": _("工单暂停计时中，请先恢复计时再转办")})
    note = _text(note, "note", 300, required=False)
    _transition(
        appeal,
        S.ASSIGNED,
        acting_user=acting_user,
        what=_("转办"),
        action="appeal.assign",
        reason=note,
        kind=E.ASSIGNED,
        to_org=to_org,
        org=to_org,
        org_path=to_org.path,
        province_id=to_org.province_id,
        sign_due_on=clock.deadline(clock.today(), clock.SIGN_DAYS),
        sign_urged_on=None,
    )
    _notice(appeal, to_org, AppealNotice.Kind.ASSIGNED)
    return appeal


@transaction.atomic
def do_sign(*, acting_user, appeal: Appeal) -> Appeal:
    """签收: the org the ticket was assigned to takes it on."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    return _transition(
        appeal, S.SIGNED, acting_user=acting_user, what=_("签收"), action="appeal.sign", sign_due_on=None
    )


def _forwarder(appeal: Appeal) -> Org | None:
    """The org that forwarded the ticket to its holder (转办 may skip levels), else the holder's parent."""
    event = (
        appeal.events.filter(kind=E.ASSIGNED, to_org_id=appeal.org_id)
        .exclude(from_org=None)
        .select_related("from_org")
        .order_by("-at", "-id")
        .first()
    )
    return event.from_org if event is not None else appeal.org.parent


@transaction.atomic
def do_return(*, acting_user, appeal: Appeal, reason: str) -> Appeal:
    """退回: the org holding the ticket sends it back up one level, with a reason; the org above
    re-assigns it or handles it itself."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    reason = _reason(reason)
    check(appeal.status, S.RETURNED, _("退回"))
    upper = _forwarder(appeal)
    if upper is None or appeal.org_id == appeal.intake_org_id or not upper.path.startswith(appeal.intake_org.path):
        raise ValidationError({"reason": _("工单已在受理工会，无法再退回")})
    if appeal.paused:
        raise ValidationError({"paused": _("工单暂停计时中，请先恢复计时")})
    return _transition(
        appeal,
        S.RETURNED,
        acting_user=acting_user,
        what=_("退回"),
        action="appeal.return",
        reason=reason,
        kind=E.RETURNED,
        to_org=upper,
        org=upper,
        org_path=upper.path,
        province_id=upper.province_id,
        sign_due_on=None,
    )


@transaction.atomic
def do_start(*, acting_user, appeal: Appeal, note: str = "") -> Appeal:
    """办理中: the org holding the ticket starts handling it itself."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    note = _text(note, "note", 300, required=False)
    return _transition(
        appeal, S.IN_PROGRESS, acting_user=acting_user, what=_("开始办理"), action="appeal.start", reason=note
    )


@transaction.atomic
def do_add_note(*, acting_user, appeal: Appeal, text: str) -> AppealEvent:
    """A handling record on the timeline (办理记录)."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    text = _text(text, "text", 1000)
    if appeal.status in FINAL:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能添加办理记录") % {"state": appeal.get_status_display()},
            current_state=appeal.status,
        )
    event = _event(appeal, E.NOTE, actor=acting_user, reason=text)
    _audit(acting_user, "appeal.note", appeal, after={"event": event.pk})
    return event


@transaction.atomic
def do_not_accept(*, acting_user, appeal: Appeal, reason: str) -> Appeal:
    """不予受理, with a reason (outside the union's remit, already in court, …)."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    reason = _reason(reason)
    return _transition(
        appeal,
        S.NOT_ACCEPTED,
        acting_user=acting_user,
        what=_("不予受理"),
        action="appeal.not_accept",
        reason=reason,
        not_accepted_reason=reason,
        closed_at=clock.now(),
        paused=False,
    )


# --- the clock: extension and pause --------------------------------------------------------------


def _require_handling(appeal: Appeal, what: str) -> None:
    if appeal.status not in OPEN or appeal.status == S.ASSIGNED:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能%(what)s") % {"state": appeal.get_status_display(), "what": what},
            current_state=appeal.status,
        )


@transaction.atomic
def do_request_extension(*, acting_user, appeal: Appeal, days: int, reason: str) -> ExtensionRequest:
    """延期: asked by the org holding the ticket before its deadline; the org above approves."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    _require_handling(appeal, _("申请延期"))
    reason = _reason(reason)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": _("延期天数应为整数")}) from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": _("延期天数应在1到%(n)d个工作日之间") % {"n": MAX_EXTENSION_DAYS}})
    if clock.today() > appeal.due_on:
        raise ValidationError({"days": _("办理期限（%(d)s）已过，不能再申请延期") % {"d": appeal.due_on}})
    if appeal.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError({"days": _("已有待审批的延期申请")})
    request = ExtensionRequest.objects.create(
        appeal=appeal,
        org=appeal.org,
        days=days,
        reason=reason,
        requested_by=_actor(acting_user),
        old_due_on=appeal.due_on,
    )
    _event(
        appeal,
        E.EXTENSION_REQUESTED,
        actor=acting_user,
        reason=_("申请延期%(n)d个工作日：%(r)s") % {"n": days, "r": reason},
    )
    _audit(
        acting_user, "appeal.extension_request", appeal, after={"days": days, "extension": request.pk}, reason=reason
    )
    _notice(appeal, appeal.org.parent, AppealNotice.Kind.EXTENSION)
    return request


@transaction.atomic
def do_decide_extension(*, acting_user, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """The org above approves (the deadline moves on by the working days asked) or refuses."""
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    appeal = _lock(extension.appeal)
    _require_above(acting_user, "appeal.change", appeal)
    note = _text(note, "note", 300, required=not approve, message=_("不批准时请填写意见"))
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ValidationError({"extension": _("该延期申请已审批")})
    before = _snapshot(appeal)
    extension.decided_by, extension.decided_at, extension.decision_note = _actor(acting_user), clock.now(), note
    if approve and appeal.status in OPEN:
        new_due = clock.deadline(appeal.due_on, extension.days)
        extension.status, extension.new_due_on = ExtensionRequest.Status.APPROVED, new_due
        appeal.due_on = new_due
        appeal.extended_days += extension.days
        if appeal.sla_state != SlaState.OVERDUE:
            appeal.sla_state, appeal.urged_on = SlaState.OK, None
        appeal.save()
        text = _("批准延期%(n)d个工作日，新期限 %(d)s") % {"n": extension.days, "d": new_due}
    else:
        extension.status = ExtensionRequest.Status.REJECTED
        text = _("未批准延期：%(r)s") % {"r": note or _("工单已不在办理中")}
    extension.save()
    _event(appeal, E.EXTENSION_DECIDED, actor=acting_user, reason=text)
    _audit(acting_user, "appeal.extension_decide", appeal, before=before, after=_snapshot(appeal), reason=text)
    return extension


@transaction.atomic
def do_pause(*, acting_user, appeal: Appeal, reason: str) -> Appeal:
    """Stop the clock while waiting for the requester (materials, a reply)."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    _require_handling(appeal, _("暂停计时"))
    reason = _reason(reason)
    if appeal.paused:
        raise ValidationError({"paused": _("工单已在暂停计时中")})
    before = _snapshot(appeal)
    appeal.paused, appeal.paused_on = True, clock.today()
    appeal.save(update_fields=["paused", "paused_on", "updated_at"])
    _event(appeal, E.PAUSED, actor=acting_user, reason=reason)
    _audit(acting_user, "appeal.pause", appeal, before=before, after=_snapshot(appeal), reason=reason)
    return appeal


def _resume(appeal: Appeal, *, acting_user, note: str) -> int:
    today = clock.today()
    shift = clock.paused_working_days(appeal.paused_on, today)
    appeal.paused, appeal.paused_on = False, None
    appeal.paused_days_total += shift
    if shift:
        appeal.due_on = clock.deadline(appeal.due_on, shift)
        if appeal.due_on >= today and appeal.sla_state == SlaState.OVERDUE:
            appeal.overdue_since = None
        if appeal.due_on > today:
            appeal.sla_state, appeal.urged_on = SlaState.OK, None
    appeal.save()
    text = _("恢复计时，暂停%(n)d个工作日，办理期限顺延至 %(d)s") % {"n": shift, "d": appeal.due_on}
    _event(appeal, E.RESUMED, actor=acting_user, reason=f"{text}{('；' + note) if note else ''}")
    return shift


@transaction.atomic
def do_resume(*, acting_user, appeal: Appeal, note: str = "") -> Appeal:
    """Restart the clock: the deadline moves on by the working days the ticket was paused."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    note = _text(note, "note", 300, required=False)
    if not appeal.paused:
        raise ValidationError({"paused": _("工单未暂停计时")})
    before = _snapshot(appeal)
    shift = _resume(appeal, acting_user=acting_user, note=note)
    _audit(acting_user, "appeal.resume", appeal, before=before, after={**_snapshot(appeal), "paused_days": shift})
    return appeal


# --- result, call-back, satisfaction ---------------------------------------------------------------


@transaction.atomic
def do_resolve(*, acting_user, appeal: Appeal, result: str, amount_recovered=0) -> Appeal:
    """办结: the result is written and travels back up to the hotline that took the call, which
    owes the requester a call-back within one working day."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.change", appeal)
    check(appeal.status, S.RESOLVED, _("办结"))
    result = _text(result, "result", 2000, message=_("请填写办理结果"))
    amount = _money(amount_recovered, "amount_recovered")
    if appeal.paused:
        _resume(appeal, acting_user=acting_user, note="")
    now = clock.now()
    today = timezone.localdate(now)
    _transition(
        appeal,
        S.RESOLVED,
        acting_user=acting_user,
        what=_("办结"),
        action="appeal.resolve",
        reason=result,
        to_org=appeal.intake_org,
        result=result,
        resolved_at=now,
        resolved_on=today,
        resolved_on_time=today <= appeal.due_on,
        resolved_org=appeal.org,
        amount_recovered=amount,
    )
    intake = appeal.intake_org
    CallBack.objects.create(
        appeal=appeal,
        kind=CallBack.Kind.RESOLUTION,
        org=intake,
        org_path=intake.path,
        due_at=clock.end_of_day(clock.deadline(today, clock.CALLBACK_DAYS)),
    )
    _close_open_supervision(appeal, acting_user=acting_user, note=_("工单已办结"))
    notify.resolved(appeal)
    return appeal


def _close_open_supervision(appeal: Appeal, *, acting_user, note: str) -> None:
    opened = Supervision.objects.filter(appeal=appeal, closed_on__isnull=True)
    if opened.update(closed_on=clock.today(), closed_by=_actor(acting_user), close_note=note):
        Appeal.objects.filter(pk=appeal.pk).update(supervised=False)
        appeal.supervised = False
        _event(appeal, E.SUPERVISION_CLOSED, actor=acting_user, reason=note)


@transaction.atomic
def do_call_back(
    *,
    acting_user,
    callback: CallBack,
    reached: bool,
    note: str = "",
    satisfaction: str = "",
    dissatisfaction_reason: str = "",
    satisfaction_note: str = "",
) -> CallBack:
    """回访: record the call. Reaching the requester after resolution moves the ticket to
    called back, and the rating given on the phone is recorded at once. An unanswered call is
    logged and the task stays open."""
    callback = CallBack.objects.select_for_update().get(pk=callback.pk)
    appeal = _lock(callback.appeal)
    _require(acting_user, "appeal.assign", callback.org_path, callback.org.name)
    note = _text(note, "note", 300, required=False)
    if callback.done_at is not None:
        raise ValidationError({"callback": _("该回访已完成")})
    if satisfaction and not reached:
        raise ValidationError({"satisfaction": _("未联系上诉求人，不能记录满意度")})
    if satisfaction:
        _check_rating(satisfaction, dissatisfaction_reason)
    if callback.kind == CallBack.Kind.RESOLUTION and reached:
        check(appeal.status, S.CALLED_BACK, _("回访"))
    if not reached:
        _event(appeal, E.CALL_BACK, actor=acting_user, reason=_("回访未联系上") + (f"：{note}" if note else ""))
        _audit(acting_user, "appeal.call_back_attempt", appeal, after={"callback": callback.pk}, reason=note)
        return callback
    callback.done_at, callback.done_by, callback.reached, callback.note = (
        clock.now(),
        _actor(acting_user),
        True,
        note,
    )
    callback.save()
    if callback.kind == CallBack.Kind.EMERGENCY_CONTACT:
        _event(appeal, E.CALL_BACK, actor=acting_user, reason=_("已回访紧急联系人") + (f"：{note}" if note else ""))
        _audit(acting_user, "appeal.crisis_call_back", appeal, after={"callback": callback.pk}, reason=note)
        return callback
    _transition(
        appeal,
        S.CALLED_BACK,
        acting_user=acting_user,
        what=_("回访"),
        action="appeal.call_back",
        reason=note,
        kind=E.CALL_BACK,
    )
    if satisfaction:
        _rate(
            appeal,
            acting_user=acting_user,
            satisfaction=satisfaction,
            reason=dissatisfaction_reason,
            note=satisfaction_note,
        )
    return callback


def _check_rating(satisfaction: str, reason: str) -> None:
    _choice(satisfaction, Satisfaction, "satisfaction", _("满意度"))
    if satisfaction in DISSATISFIED:
        if not reason:
            raise ValidationError({"dissatisfaction_reason": _("请选择不满意的原因")})
        _choice(reason, DissatisfactionReason, "dissatisfaction_reason", _("不满意原因"))
    elif reason:
        raise ValidationError({"dissatisfaction_reason": _("满意时不填写不满意原因")})


def _rate(
    appeal: Appeal, *, acting_user, satisfaction: str, reason: str, note: str, by_requester: bool = False
) -> Appeal:
    note = _text(note, "satisfaction_note", 300, required=False)
    _transition(
        appeal,
        S.RATED,
        acting_user=acting_user,
        what=_("评价"),
        action="appeal.rate",
        reason=f"{Satisfaction(satisfaction).label}" + (f"（{DissatisfactionReason(reason).label}）" if reason else ""),
        kind=E.RATED,
        satisfaction=satisfaction,
        dissatisfaction_reason=reason,
        satisfaction_note=note,
        rated_at=clock.now(),
        rated_by_requester=by_requester,
    )
    if satisfaction in DISSATISFIED and reason in HANDLER_CAUSED:
        handler = appeal.resolved_org or appeal.org
        today = clock.today()
        _transition(
            appeal,
            S.REOPENED,
            acting_user=acting_user,
            what=_("重办"),
            action="appeal.reopen",
            reason=_("诉求人不满意（%(r)s），重新办理") % {"r": DissatisfactionReason(reason).label},
            org=handler,
            org_path=handler.path,
            province_id=handler.province_id,
            reopen_count=appeal.reopen_count + 1,
            due_on=clock.deadline(today, appeal.limit_days),
            sla_state=SlaState.OK,
            urged_on=None,
            overdue_since=None,
            supervised_on=None,
            reported_on=None,
            resolved_at=None,
            resolved_on=None,
            resolved_on_time=None,
        )
        CallBack.objects.filter(appeal=appeal, kind=CallBack.Kind.RESOLUTION, done_at__isnull=True).update(
            done_at=clock.now(), reached=False, note=_("已重办")
        )
        notify.reopened(appeal)
    return appeal


@transaction.atomic
def do_record_satisfaction(
    *, acting_user, appeal: Appeal, satisfaction: str, dissatisfaction_reason: str = "", note: str = ""
) -> Appeal:
    """The operator records the requester's rating (非常满意 … 非常不满意). Dissatisfied for a
    reason the handler caused → the ticket is reopened (重办) at the org that resolved it."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.assign", appeal)
    _check_rating(satisfaction, dissatisfaction_reason)
    return _rate(appeal, acting_user=acting_user, satisfaction=satisfaction, reason=dissatisfaction_reason, note=note)


def rating_token(appeal: Appeal, satisfaction: str) -> str:
    """A signed one-click rating link's token (no personal data: ticket id, round, rating)."""
    return signing.dumps({"a": appeal.pk, "r": appeal.reopen_count, "s": satisfaction}, salt=RATING_SALT, compress=True)


def rating_tokens(appeal: Appeal) -> dict[str, str]:
    return {value: rating_token(appeal, value) for value in Satisfaction.values}


@transaction.atomic
def do_rate_by_link(*, token: str, dissatisfaction_reason: str = "", note: str = "") -> Appeal:
    """The requester rates through the signed link sent after resolution (no login)."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError({"token": _("评价链接已过期")}) from None
    except signing.BadSignature:
        raise ValidationError({"token": _("评价链接无效")}) from None
    try:
        appeal = _lock(Appeal(pk=data["a"]))
    except Appeal.DoesNotExist:
        raise ValidationError({"token": _("评价链接无效")}) from None
    if data.get("r") != appeal.reopen_count or appeal.status not in (S.RESOLVED, S.CALLED_BACK):
        raise ValidationError({"token": _("该工单已评价，感谢您的反馈")})
    satisfaction = data.get("s", "")
    _check_rating(satisfaction, dissatisfaction_reason)
    return _rate(
        appeal, acting_user=None, satisfaction=satisfaction, reason=dissatisfaction_reason, note=note, by_requester=True
    )


@transaction.atomic
def do_close(*, acting_user, appeal: Appeal, note: str = "") -> Appeal:
    """结案, after the call-back (and the rating, when the requester gave one)."""
    appeal = _lock(appeal)
    _require_on(acting_user, "appeal.assign", appeal)
    note = _text(note, "note", 300, required=False)
    return _transition(
        appeal,
        S.CLOSED,
        acting_user=acting_user,
        what=_("结案"),
        action="appeal.close",
        reason=note,
        closed_at=clock.now(),
    )


# --- supervision ---------------------------------------------------------------------------------


@transaction.atomic
def do_open_supervision(*, acting_user, appeal: Appeal, reason: str) -> Supervision:
    """督办 by hand: the org above the one holding the ticket supervises it."""
    appeal = _lock(appeal)
    upper = _require_above(acting_user, "appeal.change", appeal)
    reason = _reason(reason)
    if appeal.status not in OPEN:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能督办") % {"state": appeal.get_status_display()},
            current_state=appeal.status,
        )
    if appeal.supervised:
        raise ValidationError({"supervision": _("工单已在督办中")})
    today = clock.today()
    supervision = Supervision.objects.create(
        appeal=appeal, org=upper, opened_on=today, opened_by=_actor(acting_user), reason=reason
    )
    before = _snapshot(appeal)
    appeal.supervised, appeal.supervised_on = True, today
    appeal.save(update_fields=["supervised", "supervised_on", "updated_at"])
    _event(appeal, E.SUPERVISION_OPENED, actor=acting_user, reason=reason, from_org=upper, to_org=appeal.org)
    _audit(acting_user, "appeal.supervise", appeal, before=before, after=_snapshot(appeal), reason=reason)
    return supervision


@transaction.atomic
def do_close_supervision(*, acting_user, supervision: Supervision, note: str) -> Supervision:
    supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
    appeal = _lock(supervision.appeal)
    _require(acting_user, "appeal.change", supervision.org.path, supervision.org.name)
    note = _reason(note, "note")
    if supervision.closed_on is not None:
        raise ValidationError({"supervision": _("该督办已解除")})
    before = _snapshot(appeal)
    _close_open_supervision(appeal, acting_user=acting_user, note=note)
    _audit(acting_user, "appeal.supervision_close", appeal, before=before, after=_snapshot(appeal), reason=note)
    supervision.refresh_from_db()
    return supervision


# --- crisis follow-up ------------------------------------------------------------------------------


@transaction.atomic
def do_complete_crisis_followup(*, acting_user, followup: CrisisFollowUp, note: str) -> CrisisFollowUp:
    """The counsellor records the follow-up of a crisis call."""
    followup = CrisisFollowUp.objects.select_for_update().select_related("appeal", "org").get(pk=followup.pk)
    _require(acting_user, "appeal.assign", followup.org_path, followup.org.name)
    note = _reason(note, "note")
    if followup.done_at is not None:
        raise ValidationError({"followup": _("该跟进任务已完成")})
    followup.done_at, followup.note, followup.counsellor = clock.now(), note, _actor(acting_user)
    followup.save()
    _event(followup.appeal, E.CRISIS, actor=acting_user, reason=_("心理咨询师已跟进：%(n)s") % {"n": note})
    audit.record(actor=acting_user, action="appeal.crisis_followup", obj=followup.appeal, org=followup.org, reason=note)
    return followup


@transaction.atomic
def do_reveal_caller_phone(*, acting_user, appeal: Appeal, purpose: str = "") -> str:
    """The full number, for the call-back: needs appeal.assign or appeal.view_pii; audited."""
    if not (
        user_can(acting_user, "appeal.assign", appeal.org_path)
        or user_can(acting_user, "appeal.view_pii", appeal.org_path)
    ):
        raise ActionPermissionError("appeal.view_pii")
    if not appeal.caller_phone_cipher:
        return ""
    audit.record(
        actor=acting_user, action="appeal.reveal_phone", obj=appeal, org=appeal.org, reason=purpose or _("回访")
    )
    return crypto.decrypt(appeal.caller_phone_cipher, PHONE_PURPOSE)


def notify_requester(appeal: Appeal, text: str) -> None:
    """Send a text to the caller's mobile after commit (landlines get nothing)."""
    if not appeal.caller_phone_cipher:
        return
    phone = crypto.decrypt(appeal.caller_phone_cipher, PHONE_PURPOSE)
    if phone.startswith("+86"):
        transaction.on_commit(lambda: send_sms(phone[3:], text), robust=True)


# --- mediation -----------------------------------------------------------------------------------


def _case_number(org: Org) -> str:
    today = clock.today()
    count = MediationCase.objects.filter(opened_on__year=today.year).count() + 1
    return f"TJ{today:%Y}{org.pk:06d}{count:05d}"


@transaction.atomic
def do_open_mediation(
    *,
    acting_user,
    appeal: Appeal,
    org: Org | None = None,
    employer_name: str = "",
    workers: int = 1,
    amount_claimed=0,
    mediator_names: str = "",
) -> MediationCase:
    """A labour-dispute mediation case (询、商、调、裁、诉、援、执) opened from an appeal."""
    appeal = _lock(appeal)
    org = org or appeal.org
    _require(acting_user, "appeal.change", org.path, org.name)
    if not org.path.startswith(appeal.org_path) and not appeal.org_path.startswith(org.path):
        raise ValidationError({"org": _("调解组织应为承办工会或其上下级")})
    if appeal.status in (S.NOT_ACCEPTED, S.MERGED):
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能立案调解") % {"state": appeal.get_status_display()},
            current_state=appeal.status,
        )
    try:
        workers = int(workers)
    except (TypeError, ValueError):
        raise ValidationError({"workers": _("人数应为整数")}) from None
    if workers < 1:
        raise ValidationError({"workers": _("涉及职工人数至少为1")})
    case = MediationCase.objects.create(
        number=_case_number(org),
        appeal=appeal,
        org=org,
        org_path=org.path,
        employer_name=_text(employer_name or appeal.employer_name, "employer_name", 120, required=False),
        workers=workers,
        amount_claimed=_money(amount_claimed, "amount_claimed"),
        mediator_names=_text(mediator_names, "mediator_names", 120, required=False),
        opened_on=clock.today(),
    )
    _event(appeal, E.NOTE, actor=acting_user, reason=_("立案劳动争议调解 %(n)s") % {"n": case.number})
    audit.record(actor=acting_user, action="appeal.mediation_open", obj=case, org=org, after={"appeal": appeal.number})
    return case


def _lock_case(case: MediationCase) -> MediationCase:
    return MediationCase.objects.select_for_update().select_related("org").get(pk=case.pk)


@transaction.atomic
def do_add_mediation_session(
    *, acting_user, case: MediationCase, held_on: dt.date, note: str, place: str = "", participants: str = ""
) -> MediationSession:
    case = _lock_case(case)
    _require(acting_user, "appeal.change", case.org_path, case.org.name)
    if case.closed_on:
        raise ValidationError({"case": _("案件已结案")})
    if not isinstance(held_on, dt.date) or held_on > clock.today():
        raise ValidationError({"held_on": _("日期无效或晚于今天")})
    session = MediationSession.objects.create(
        case=case,
        stage=case.stage,
        held_on=held_on,
        place=_text(place, "place", 100, required=False),
        participants=_text(participants, "participants", 200, required=False),
        note=_text(note, "note", 2000),
        created_by=_actor(acting_user),
    )
    audit.record(
        actor=acting_user, action="appeal.mediation_session", obj=case, org=case.org, after={"session": session.pk}
    )
    return session


@transaction.atomic
def do_advance_mediation(*, acting_user, case: MediationCase, stage: str, note: str = "") -> MediationCase:
    """Move the case to a later stage (询 → 商 → 调 → 裁 → 诉 → 援 → 执; stages may be skipped)."""
    case = _lock_case(case)
    _require(acting_user, "appeal.change", case.org_path, case.org.name)
    _choice(stage, MediationStage, "stage", _("阶段"))
    if case.closed_on:
        raise ValidationError({"case": _("案件已结案")})
    if MEDIATION_ORDER.index(stage) <= MEDIATION_ORDER.index(case.stage):
        raise ValidationError({"stage": _("案件已在“%(s)s”阶段，只能进入后续阶段") % {"s": case.get_stage_display()}})
    before = {"stage": case.stage}
    case.stage = stage
    case.save(update_fields=["stage", "updated_at"])
    audit.record(
        actor=acting_user,
        action="appeal.mediation_stage",
        obj=case,
        org=case.org,
        before=before,
        after={"stage": stage},
        reason=note,
    )
    return case


@transaction.atomic
def do_close_mediation(*, acting_user, case: MediationCase, outcome: str, amount_recovered=0) -> MediationCase:
    case = _lock_case(case)
    _require(acting_user, "appeal.change", case.org_path, case.org.name)
    _choice(outcome, MediationOutcome, "outcome", _("结果"))
    if outcome == MediationOutcome.PENDING:
        raise ValidationError({"outcome": _("请选择结案结果")})
    if case.closed_on:
        raise ValidationError({"case": _("案件已结案")})
    case.outcome, case.amount_recovered, case.closed_on = (
        outcome,
        _money(amount_recovered, "amount_recovered"),
        clock.today(),
    )
    case.save()
    audit.record(
        actor=acting_user,
        action="appeal.mediation_close",
        obj=case,
        org=case.org,
        after={"outcome": outcome, "amount_recovered": case.amount_recovered},
    )
    return case


# --- attachments ---------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".mp3": "audio/mpeg",
    ".amr": "audio/amr",
}


@transaction.atomic
def do_add_attachment(*, acting_user, appeal: Appeal, upload):
    """Attach a file (≤ 10 MB; images, PDF, Office documents, call recordings) to an open ticket."""
    import os
    import secrets

    from gonghui.appeals.models import AppealAttachment

    appeal = _lock(appeal)
    if not (
        user_can(acting_user, "appeal.change", appeal.org_path)
        or user_can(acting_user, "appeal.assign", appeal.org_path)
    ):
        _require_on(acting_user, "appeal.change", appeal)
    if appeal.status in FINAL:
        raise TransitionError(
            _("工单当前状态为“%(state)s”，不能添加附件") % {"state": appeal.get_status_display()},
            current_state=appeal.status,
        )
    name = os.path.basename(str(getattr(upload, "name", "") or ""))[:120]
    extension = os.path.splitext(name)[1].lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            {"file": _("不支持的文件类型，可上传：%(t)s") % {"t": "、".join(sorted(ATTACHMENT_TYPES))}}
        )
    size = getattr(upload, "size", 0) or 0
    if size <= 0 or size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("文件大小应在1字节到10MB之间")})
    if not uploads.matches(upload, extension):
        raise ValidationError({"file": _("文件内容与扩展名不符，请上传真实的%(ext)s文件") % {"ext": extension}})
    upload.name = f"{secrets.token_hex(12)}{extension}"
    attachment = AppealAttachment.objects.create(
        appeal=appeal,
        file=upload,
        name=name,
        size=size,
        content_type=ATTACHMENT_TYPES[extension],
        uploaded_by=_actor(acting_user),
        uploaded_at=clock.now(),
    )
    _event(appeal, E.NOTE, actor=acting_user, reason=_("上传附件：%(n)s") % {"n": name})
    _audit(acting_user, "appeal.attach", appeal, after={"attachment": attachment.pk, "size": size})
    return attachment
