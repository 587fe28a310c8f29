"""Every change to memberships goes through these functions (DESIGN.md §3.1).

Atomic; `acting_user` keyword-only (None for a member applying through the public pages
or a system job); permission on the org's subtree; state machine checks; audit entry and
membership event in the same transaction; SMS notices after commit.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, crypto
from gonghui.core.calendar import add_working_days
from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.core.sms import send_sms
from gonghui.members import cards, numbers
from gonghui.members.models import Card, JoinApplication, Membership, MembershipEvent, TransferRequest
from gonghui.members.routing import local_federation, route_application
from gonghui.members.states import (
    CURRENT,
    JOIN_TRANSITIONS,
    MEMBERSHIP_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    JoinStatus,
    MembershipStatus,
    TransferStatus,
    check,
)
from gonghui.orgs import counters
from gonghui.orgs.kinds import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE, get_or_create_person
from gonghui.people.choices import GigSubtype, WorkerType
from gonghui.people.models import Person
from gonghui.people.verification import get_backend as get_identity_backend

S = MembershipStatus
CARD_YEARS = 3
MEMBER_ORG_KINDS = {
    OrgKind.GRASSROOTS,
    OrgKind.BRANCH,
    OrgKind.GROUP,
    OrgKind.FEDERATION,
    OrgKind.STREET,
    OrgKind.DISTRICT,
    OrgKind.CITY,
    OrgKind.INDUSTRY_UNION,
}


def _require(acting_user, permission: str, org: Org) -> None:
    if acting_user is None:
        return
    if not user_can(acting_user, permission, org.path):
        raise ActionPermissionError(
            permission, _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）") % {"org": org.name, "perm": permission}
        )


def _require_current(membership: Membership, what: str) -> None:
    """Refuse, naming the state, unless the membership is alive (active, transferring or retained)."""
    if membership.status not in CURRENT:
        check({membership.status: set()}, MembershipStatus, membership.status, S.ACTIVE, what)


def _reason_required(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({field: _("请填写原因")})
    if len(reason) > 300:
        raise ValidationError({field: _("原因最多300个字符")})
    return reason


def _today() -> dt.date:
    return timezone.localdate()


def _counts(membership: Membership, sign: int) -> dict:
    return {
        "members": sign,
        "verified": sign if membership.person.is_verified else 0,
        "gig": sign if membership.worker_type == WorkerType.GIG else 0,
    }


def _event(membership, type_, *, actor, reason="", from_org=None, to_org=None, on=None):
    return MembershipEvent.objects.create(
        membership=membership,
        type=type_,
        reason=reason[:300],
        from_org=from_org,
        to_org=to_org,
        on=on or _today(),
        actor=actor if getattr(actor, "pk", None) else None,
        province_id=membership.province_id,
    )


def _snapshot(m: Membership) -> dict:
    return {"member_no": m.member_no, "org": m.org_id, "status": m.status, "worker_type": m.worker_type}


def _notify(mobile: str, text: str) -> None:
    transaction.on_commit(lambda: send_sms(mobile, text), robust=True)


# --- cards -----------------------------------------------------------------------------


def issue_card(membership: Membership) -> Card | None:
    """Issue a card for an active membership of a verified person; revoke any previous one."""
    if membership.status != S.ACTIVE or not membership.person.is_verified:
        return None
    revoke_cards(membership, "reissued")
    now = timezone.now()
    card = Card.objects.create(
        membership=membership,
        serial=cards.new_serial(),
        org_code=membership.org.code,
        province_id=membership.province_id,
        issued_at=now,
        expires_at=now + timedelta(days=365 * CARD_YEARS),
    )
    return card


def revoke_cards(membership: Membership, reason: str) -> int:
    return Card.objects.filter(membership=membership, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED]).update(
        status=Card.Status.REVOKED, revoked_at=timezone.now(), revoke_reason=reason[:100]
    )


# --- join ------------------------------------------------------------------------------


def _clean_work(data: dict) -> dict:
    errors = {}
    worker_type = data.get("worker_type") or WorkerType.REGULAR
    if worker_type not in WorkerType.values:
        errors["worker_type"] = _("未知的职工类型")
    gig_subtype = data.get("gig_subtype") or ""
    if worker_type == WorkerType.GIG and gig_subtype not in GigSubtype.values:
        errors["gig_subtype"] = _("新就业形态劳动者请选择类别（快递员、外卖配送员、网约车司机……）")
    if worker_type != WorkerType.GIG:
        gig_subtype = ""
    platform = " ".join((data.get("platform") or "").split())[:40]
    division = (data.get("division_code") or "").strip()
    if division and (not division.isdigit() or len(division) not in (6, 9)):
        errors["division_code"] = _("工作地行政区划代码应为6位或9位数字")
    employer = " ".join((data.get("employer_name") or "").split())
    if len(employer) > 120:
        errors["employer_name"] = _("工作单位最多120个字符")
    if errors:
        raise ValidationError(errors)
    return {
        "worker_type": worker_type,
        "gig_subtype": gig_subtype,
        "platform": platform,
        "division_code": division,
        "employer_name": employer,
    }


@transaction.atomic
def do_apply_join(
    *, acting_user, person_data: dict, work: dict, channel: str, org: Org | None = None
) -> JoinApplication:
    """File a join application. A person with a current membership elsewhere gets a transfer request instead.

    `org` is the union the applicant chose (a QR link names it); without one the application is
    routed: gig workers by the routing table, others to the 属地 federation of their workplace.
    """
    if channel not in JoinApplication.Channel.values:
        raise ValidationError({"channel": _("未知的申请渠道")})
    work = _clean_work(work)
    routed = route_application(
        org=org,
        worker_type=work["worker_type"],
        platform=work["platform"],
        division_code=work["division_code"],
        gig_subtype=work["gig_subtype"],
    )
    if routed is None:
        raise ValidationError({"division_code": _("请选择要加入的工会，或填写工作地行政区划以便分派到属地工会")})
    target, routed_by = routed
    if target.status != OrgStatus.ACTIVE or target.kind not in MEMBER_ORG_KINDS:
        raise ValidationError({"org": _("“%(org)s”不能直接接收会员") % {"org": target.name}})
    if acting_user is not None:
        _require(acting_user, "member.change", target)
    person, _created = get_or_create_person(acting_user=acting_user, data=person_data)
    if Membership.objects.filter(person=person, status=S.DECEASED).exists():
        raise ValidationError({"doc_number": _("该证件号码的人员已登记为已故，不能申请入会")})
    if JoinApplication.objects.filter(person=person, status=JoinStatus.PENDING).exists():
        raise ValidationError({"doc_number": _("该人员已有一份待审核的入会申请")})
    current = Membership.objects.filter(person=person, status__in=CURRENT).select_related("org").first()
    application = JoinApplication(
        org=target,
        org_path=target.path,
        province_id=target.province_id,
        person=person,
        channel=channel,
        routed_by=routed_by[:120],
        due_on=add_working_days(_today(), settings.GONGHUI["JOIN_REVIEW_WORKING_DAYS"]),
        **work,
    )
    if current is not None:
        if current.org_id == target.pk:
            raise ValidationError(
                {
                    "doc_number": _("该人员已经是“%(org)s”的会员（会员证号 %(no)s）")
                    % {"org": target.name, "no": current.member_no}
                }
            )
        application.status = JoinStatus.TRANSFERRED
        application.save(force_insert=True)
        transfer = _create_transfer(
            acting_user=acting_user,
            membership=current,
            to_org=target,
            new_employer=work["employer_name"],
            reason=_("入会申请转为转会"),
            by_member=acting_user is None,
        )
        application.transfer = transfer
        application.save(update_fields=["transfer"])
        audit.record(
            actor=acting_user,
            action="member.join_apply",
            obj=application,
            org=target,
            after={"status": application.status, "transfer": transfer.pk, "channel": channel},
        )
        return application
    application.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="member.join_apply",
        obj=application,
        org=target,
        after={
            "status": application.status,
            "channel": channel,
            "routed_by": routed_by,
            "worker_type": work["worker_type"],
            "platform": work["platform"],
        },
    )
    return application


def _membership_fields(application: JoinApplication) -> dict:
    return {
        "worker_type": application.worker_type,
        "gig_subtype": application.gig_subtype,
        "platform": application.platform,
        "employer_name": application.employer_name,
    }


@transaction.atomic
def do_approve_join(*, acting_user, application: JoinApplication, joined_on: dt.date | None = None) -> Membership:
    """Approve: membership starts on the approval date; member number and e-card are issued."""
    application = JoinApplication.objects.select_for_update().select_related("org", "person").get(pk=application.pk)
    _require(acting_user, "member.approve", application.org)
    check(JOIN_TRANSITIONS, JoinStatus, application.status, JoinStatus.APPROVED, _("审核通过"))
    person = Person.objects.select_for_update().get(pk=application.person_id)
    org = application.org
    if org.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": _("“%(org)s”已撤销，不能接收会员") % {"org": org.name}})
    if Membership.objects.filter(person=person, status__in=CURRENT).exists():
        raise ValidationError({"__all__": _("该人员已有正常会籍，请改为办理转会")})
    joined_on = joined_on or _today()
    previous = Membership.objects.filter(person=person, status__in=[S.LAPSED, S.LEFT]).order_by("-ended_on").first()
    if previous is not None:
        # 重新入会: the same membership row returns with its member number.
        membership = Membership.objects.select_for_update().get(pk=previous.pk)
        check(MEMBERSHIP_TRANSITIONS, MembershipStatus, membership.status, S.ACTIVE, _("重新入会"))
        before = _snapshot(membership)
        old_org = membership.org
        membership.org, membership.org_path, membership.province_id = org, org.path, org.province_id
        membership.status, membership.joined_on, membership.ended_on = S.ACTIVE, joined_on, None
        membership.lapse_warned_on = membership.keep_until = None
        membership.last_activity_on = joined_on
        for field, value in _membership_fields(application).items():
            setattr(membership, field, value)
        membership.save()
        event_type = MembershipEvent.Type.REJOIN
        from_org = old_org
    else:
        before = None
        membership = Membership.objects.create(
            person=person,
            org=org,
            org_path=org.path,
            province_id=org.province_id,
            member_no=numbers.allocate(org)[0],
            status=S.ACTIVE,
            joined_on=joined_on,
            last_activity_on=joined_on,
            **_membership_fields(application),
        )
        event_type = MembershipEvent.Type.JOIN
        from_org = None
    membership.person = person
    counters.bump(org.pk, **_counts(membership, +1))
    _event(membership, event_type, actor=acting_user, from_org=from_org, to_org=org, on=joined_on)
    card = issue_card(membership)
    application.status = JoinStatus.APPROVED
    application.decided_by = acting_user
    application.decided_at = timezone.now()
    application.membership = membership
    application.save(update_fields=["status", "decided_by", "decided_at", "membership", "updated_at"])
    audit.record(
        actor=acting_user,
        action="member.join_approve",
        obj=membership,
        org=org,
        before=before,
        after={**_snapshot(membership), "application": application.pk, "card": card.serial if card else None},
    )
    _notify(
        person.mobile,
        _("【工会】您的入会申请已通过，会员证号 %(no)s。欢迎加入%(org)s！")
        % {"no": membership.member_no, "org": org.name},
    )
    return membership


@transaction.atomic
def do_reject_join(*, acting_user, application: JoinApplication, reason: str) -> JoinApplication:
    application = JoinApplication.objects.select_for_update().select_related("org", "person").get(pk=application.pk)
    _require(acting_user, "member.approve", application.org)
    check(JOIN_TRANSITIONS, JoinStatus, application.status, JoinStatus.REJECTED, _("驳回"))
    reason = _reason_required(reason)
    application.status = JoinStatus.REJECTED
    application.reject_reason = reason
    application.decided_by = acting_user
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor=acting_user,
        action="member.join_reject",
        obj=application,
        org=application.org,
        before={"status": JoinStatus.PENDING},
        after={"status": application.status},
        reason=reason,
    )
    _notify(application.person.mobile, _("【工会】您的入会申请未通过：%(r)s") % {"r": reason})
    return application


@transaction.atomic
def do_withdraw_join(*, acting_user, application: JoinApplication) -> JoinApplication:
    application = JoinApplication.objects.select_for_update().select_related("org").get(pk=application.pk)
    if acting_user is not None:
        _require(acting_user, "member.change", application.org)
    check(JOIN_TRANSITIONS, JoinStatus, application.status, JoinStatus.WITHDRAWN, _("撤回"))
    application.status = JoinStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=acting_user,
        action="member.join_withdraw",
        obj=application,
        org=application.org,
        before={"status": JoinStatus.PENDING},
        after={"status": application.status},
    )
    return application


# --- transfer --------------------------------------------------------------------------


def _create_transfer(*, acting_user, membership, to_org, new_employer, reason, by_member, parked=False):
    check(MEMBERSHIP_TRANSITIONS, MembershipStatus, membership.status, S.TRANSFERRING, _("申请转会"))
    transfer = TransferRequest.objects.create(
        membership=membership,
        from_org=membership.org,
        to_org=to_org,
        from_path=membership.org.path,
        to_path=to_org.path,
        province_id=to_org.province_id,
        reason=reason[:300],
        new_employer=new_employer[:120],
        parked=parked,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None,
        requested_by_member=by_member,
        due_on=add_working_days(_today(), settings.GONGHUI["JOIN_REVIEW_WORKING_DAYS"]),
    )
    Membership.objects.filter(pk=membership.pk).update(status=S.TRANSFERRING)
    membership.status = S.TRANSFERRING
    return transfer


@transaction.atomic
def do_request_transfer(
    *,
    acting_user,
    membership: Membership,
    to_org: Org | None,
    new_employer: str = "",
    reason: str = "",
    residence_division: str = "",
) -> TransferRequest:
    """Start a transfer. Without a receiving union (new employer has none), the membership is
    parked at the federation where the member lives until a union exists."""
    membership = Membership.objects.select_for_update().select_related("org", "person").get(pk=membership.pk)
    if acting_user is not None:
        _require(acting_user, "member.change", membership.org)
    parked = False
    if to_org is None:
        place = local_federation(residence_division or membership.residence_division or "")
        if place is None:
            raise ValidationError(
                {"residence_division": _("新单位尚未建立工会时，请填写居住地行政区划，会籍将暂存到居住地工会")}
            )
        to_org, parked = place[0], True
    if to_org.status != OrgStatus.ACTIVE or to_org.kind not in MEMBER_ORG_KINDS:
        raise ValidationError({"to_org": _("“%(org)s”不能接收会员") % {"org": to_org.name}})
    if to_org.pk == membership.org_id:
        raise ValidationError({"to_org": _("会员已在“%(org)s”") % {"org": to_org.name}})
    if TransferRequest.objects.filter(membership=membership, status=TransferStatus.PENDING).exists():
        raise ValidationError({"__all__": _("已有一份待处理的转会申请")})
    transfer = _create_transfer(
        acting_user=acting_user,
        membership=membership,
        to_org=to_org,
        new_employer=new_employer,
        reason=reason or _("工作变动"),
        by_member=acting_user is None,
        parked=parked,
    )
    if residence_division:
        Membership.objects.filter(pk=membership.pk).update(residence_division=residence_division[:12])
    audit.record(
        actor=acting_user,
        action="member.transfer_request",
        obj=transfer,
        org=membership.org,
        after={"member_no": membership.member_no, "from": membership.org_id, "to": to_org.pk, "parked": parked},
        reason=reason,
    )
    return transfer


@transaction.atomic
def do_accept_transfer(*, acting_user, transfer: TransferRequest) -> Membership:
    """The new union registers the member (应当予以登记接纳): number kept, old card revoked, new card issued."""
    transfer = TransferRequest.objects.select_for_update().select_related("to_org", "from_org").get(pk=transfer.pk)
    _require(acting_user, "member.approve", transfer.to_org)
    check(TRANSFER_TRANSITIONS, TransferStatus, transfer.status, TransferStatus.ACCEPTED, _("接收"))
    membership = Membership.objects.select_for_update().select_related("person").get(pk=transfer.membership_id)
    check(MEMBERSHIP_TRANSITIONS, MembershipStatus, membership.status, S.ACTIVE, _("完成转会"))
    old_org, new_org = transfer.from_org, transfer.to_org
    if new_org.status != OrgStatus.ACTIVE:
        raise ValidationError({"to_org": _("“%(org)s”已撤销，不能接收会员") % {"org": new_org.name}})
    counters.bump(membership.org_id, **_counts(membership, -1))
    membership.org, membership.org_path, membership.province_id = new_org, new_org.path, new_org.province_id
    membership.status = S.ACTIVE
    if transfer.new_employer:
        membership.employer_name = transfer.new_employer
    membership.last_activity_on = _today()
    membership.save()
    counters.bump(new_org.pk, **_counts(membership, +1))
    revoke_cards(membership, "transfer_out")
    _event(
        membership,
        MembershipEvent.Type.TRANSFER_OUT,
        actor=acting_user,
        from_org=old_org,
        to_org=new_org,
        reason=transfer.reason,
    )
    _event(
        membership,
        MembershipEvent.Type.TRANSFER_PARKED if transfer.parked else MembershipEvent.Type.TRANSFER_IN,
        actor=acting_user,
        from_org=old_org,
        to_org=new_org,
        reason=transfer.reason,
    )
    card = issue_card(membership)
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by = acting_user
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor=acting_user,
        action="member.transfer_accept",
        obj=membership,
        org=new_org,
        before={"org": old_org.pk, "status": S.TRANSFERRING},
        after={"org": new_org.pk, "status": S.ACTIVE, "transfer": transfer.pk, "card": card.serial if card else None},
    )
    _notify(
        membership.person.mobile,
        _("【工会】您的会籍已转入%(org)s，会员证号不变：%(no)s") % {"org": new_org.name, "no": membership.member_no},
    )
    return membership


@transaction.atomic
def do_reject_transfer(*, acting_user, transfer: TransferRequest, reason: str) -> TransferRequest:
    transfer = TransferRequest.objects.select_for_update().select_related("to_org").get(pk=transfer.pk)
    _require(acting_user, "member.approve", transfer.to_org)
    check(TRANSFER_TRANSITIONS, TransferStatus, transfer.status, TransferStatus.REJECTED, _("拒绝"))
    reason = _reason_required(reason)
    return _close_transfer(acting_user, transfer, TransferStatus.REJECTED, reason, "member.transfer_reject")


@transaction.atomic
def do_cancel_transfer(*, acting_user, transfer: TransferRequest, reason: str = "") -> TransferRequest:
    transfer = TransferRequest.objects.select_for_update().select_related("from_org", "to_org").get(pk=transfer.pk)
    if acting_user is not None:
        _require(acting_user, "member.change", transfer.from_org)
    check(TRANSFER_TRANSITIONS, TransferStatus, transfer.status, TransferStatus.CANCELLED, _("撤回"))
    return _close_transfer(acting_user, transfer, TransferStatus.CANCELLED, reason, "member.transfer_cancel")


def _close_transfer(acting_user, transfer, status, reason, action):
    membership = Membership.objects.select_for_update().get(pk=transfer.membership_id)
    check(MEMBERSHIP_TRANSITIONS, MembershipStatus, membership.status, S.ACTIVE, _("恢复会籍"))
    membership.status = S.ACTIVE
    membership.save(update_fields=["status", "updated_at"])
    transfer.status = status
    transfer.reject_reason = reason[:300]
    transfer.decided_by = acting_user
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "updated_at"])
    if status == TransferStatus.REJECTED:
        _event(
            membership,
            MembershipEvent.Type.TRANSFER_REJECTED,
            actor=acting_user,
            from_org=transfer.from_org,
            to_org=transfer.to_org,
            reason=reason,
        )
    audit.record(
        actor=acting_user,
        action=action,
        obj=transfer,
        org=transfer.to_org,
        before={"status": TransferStatus.PENDING},
        after={"status": status},
        reason=reason,
    )
    return transfer


# --- status changes ---------------------------------------------------------------------


def _change_status(
    acting_user,
    membership,
    target,
    event_type,
    what,
    reason,
    *,
    permission="member.change",
    ended=False,
    card_reason=None,
    only_from=None,
):
    membership = Membership.objects.select_for_update().select_related("org", "person").get(pk=membership.pk)
    _require(acting_user, permission, membership.org)
    check(MEMBERSHIP_TRANSITIONS, MembershipStatus, membership.status, target, what)
    if only_from is not None and membership.status not in only_from:
        check({membership.status: set()}, MembershipStatus, membership.status, target, what)
    was_current = membership.is_current
    if membership.status == S.TRANSFERRING:
        # The membership ends while a transfer waits (e.g. the member died): close the transfer.
        TransferRequest.objects.filter(membership=membership, status=TransferStatus.PENDING).update(
            status=TransferStatus.CANCELLED,
            reject_reason=reason[:300],
            decided_by=acting_user if getattr(acting_user, "pk", None) else None,
            decided_at=timezone.now(),
        )
    before = _snapshot(membership)
    membership.status = target
    if ended:
        membership.ended_on = _today()
    membership.dues_exempt = target == S.RETAINED
    membership.save()
    is_current = membership.is_current
    if was_current and not is_current:
        counters.bump(membership.org_id, **_counts(membership, -1))
    if card_reason:
        revoke_cards(membership, card_reason)
    _event(membership, event_type, actor=acting_user, reason=reason, from_org=membership.org)
    audit.record(
        actor=acting_user,
        action=f"member.{event_type}",
        obj=membership,
        org=membership.org,
        before=before,
        after=_snapshot(membership),
        reason=reason,
    )
    return membership


@transaction.atomic
def do_retain(*, acting_user, membership: Membership, reason: str) -> Membership:
    """保留会籍 on retirement or unemployment: dues-exempt, card suspended."""
    reason = _reason_required(reason)
    membership = _change_status(acting_user, membership, S.RETAINED, MembershipEvent.Type.RETAIN, _("保留会籍"), reason)
    Card.objects.filter(membership=membership, status=Card.Status.ACTIVE).update(status=Card.Status.SUSPENDED)
    return membership


@transaction.atomic
def do_reactivate(*, acting_user, membership: Membership, reason: str) -> Membership:
    reason = _reason_required(reason)
    # Only a retained membership is reactivated here: a transfer ends through accept / reject /
    # cancel, and a lapsed or former member re-joins through a new application.
    membership = _change_status(
        acting_user,
        membership,
        S.ACTIVE,
        MembershipEvent.Type.REACTIVATE,
        _("恢复正常会籍"),
        reason,
        only_from={S.RETAINED},
    )
    if not Card.objects.filter(membership=membership, status=Card.Status.SUSPENDED).update(status=Card.Status.ACTIVE):
        issue_card(membership)
    return membership


@transaction.atomic
def do_leave(*, acting_user, membership: Membership, reason: str) -> Membership:
    return _change_status(
        acting_user,
        membership,
        S.LEFT,
        MembershipEvent.Type.LEAVE,
        _("退会"),
        _reason_required(reason),
        ended=True,
        card_reason="left",
    )


@transaction.atomic
def do_expel(*, acting_user, membership: Membership, reason: str) -> Membership:
    return _change_status(
        acting_user,
        membership,
        S.EXPELLED,
        MembershipEvent.Type.EXPEL,
        _("除名"),
        _reason_required(reason),
        permission="member.approve",
        ended=True,
        card_reason="expelled",
    )


@transaction.atomic
def do_mark_deceased(*, acting_user, membership: Membership, reason: str) -> Membership:
    return _change_status(
        acting_user,
        membership,
        S.DECEASED,
        MembershipEvent.Type.DECEASED,
        _("登记已故"),
        _reason_required(reason),
        ended=True,
        card_reason="deceased",
    )


@transaction.atomic
def do_lapse(*, acting_user, membership: Membership, reason: str) -> Membership:
    return _change_status(
        acting_user,
        membership,
        S.LAPSED,
        MembershipEvent.Type.LAPSE,
        _("自动退会"),
        reason or _("连续6个月未缴会费且未参加组织活动"),
        ended=True,
        card_reason="lapsed",
    )


@transaction.atomic
def do_record_dues(*, acting_user, membership: Membership, paid_on: dt.date) -> Membership:
    membership = Membership.objects.select_for_update().select_related("org").get(pk=membership.pk)
    _require(acting_user, "member.change", membership.org)
    _require_current(membership, _("登记缴费"))
    if paid_on > _today():
        raise ValidationError({"paid_on": _("缴费日期不能晚于今天")})
    if membership.last_dues_paid_on is None or paid_on > membership.last_dues_paid_on:
        before = membership.last_dues_paid_on
        membership.last_dues_paid_on = paid_on
        membership.lapse_warned_on = None
        membership.save(update_fields=["last_dues_paid_on", "lapse_warned_on", "updated_at"])
        audit.record(
            actor=acting_user,
            action="member.dues",
            obj=membership,
            org=membership.org,
            before={"last_dues_paid_on": before},
            after={"last_dues_paid_on": paid_on},
        )
    return membership


@transaction.atomic
def do_keep_membership(*, acting_user, membership: Membership, until: dt.date, reason: str) -> Membership:
    """Staff keep a membership from lapsing until a date (e.g. dues paid offline, activity not recorded)."""
    membership = Membership.objects.select_for_update().select_related("org").get(pk=membership.pk)
    _require(acting_user, "member.change", membership.org)
    _require_current(membership, _("暂缓自动退会"))
    reason = _reason_required(reason)
    if until <= _today():
        raise ValidationError({"until": _("日期应晚于今天")})
    membership.keep_until = until
    membership.lapse_warned_on = None
    membership.save(update_fields=["keep_until", "lapse_warned_on", "updated_at"])
    audit.record(
        actor=acting_user,
        action="member.keep",
        obj=membership,
        org=membership.org,
        after={"keep_until": until},
        reason=reason,
    )
    return membership


# --- gig-worker routing rules (admin table: platform × division code → org) ---------------------


def _clean_routing_rule(data: dict) -> dict:
    errors = {}
    platform = " ".join((data.get("platform") or "").split())
    if len(platform) > 40:
        errors["platform"] = _("平台名称最多40个字符")
    division = (data.get("division_code") or "").strip()
    if not division.isdigit() or len(division) not in (6, 9):
        errors["division_code"] = _("行政区划代码应为6位或9位数字")
    gig_subtype = data.get("gig_subtype") or ""
    if gig_subtype and gig_subtype not in GigSubtype.values:
        errors["gig_subtype"] = _("未知的新就业形态类别")
    note = " ".join((data.get("note") or "").split())
    if len(note) > 120:
        errors["note"] = _("说明最多120个字符")
    if errors:
        raise ValidationError(errors)
    return {"platform": platform, "division_code": division, "gig_subtype": gig_subtype, "note": note}


def _check_routing_target(org: Org) -> None:
    if org.status != OrgStatus.ACTIVE or org.kind not in MEMBER_ORG_KINDS:
        raise ValidationError({"org": _("“%(org)s”不能直接接收会员") % {"org": org.name}})


def _routing_snapshot(rule) -> dict:
    return {
        "platform": rule.platform,
        "division_code": rule.division_code,
        "gig_subtype": rule.gig_subtype,
        "org": rule.org_id,
        "note": rule.note,
    }


def _check_routing_unique(clean: dict, exclude_pk=None) -> None:
    from gonghui.members.models import RoutingRule

    clash = RoutingRule.objects.filter(
        platform=clean["platform"], division_code=clean["division_code"], gig_subtype=clean["gig_subtype"]
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"division_code": _("已有相同平台、行政区划和类别的分派规则")})


@transaction.atomic
def do_create_routing_rule(*, acting_user, org: Org, data: dict):
    """Add a routing rule sending gig workers of a platform in a division to `org` (needs member.routing there)."""
    from gonghui.members.models import RoutingRule

    _require(acting_user, "member.routing", org)
    clean = _clean_routing_rule(data)
    _check_routing_target(org)
    _check_routing_unique(clean)
    rule = RoutingRule.objects.create(org=org, org_path=org.path, **clean)
    audit.record(actor=acting_user, action="member.routing_create", obj=rule, org=org, after=_routing_snapshot(rule))
    return rule


@transaction.atomic
def do_update_routing_rule(*, acting_user, rule, org: Org, data: dict):
    """Change a rule; the user needs member.routing at both the old and the new receiving org."""
    from gonghui.members.models import RoutingRule

    rule = RoutingRule.objects.select_for_update().select_related("org").get(pk=rule.pk)
    _require(acting_user, "member.routing", rule.org)
    _require(acting_user, "member.routing", org)
    clean = _clean_routing_rule(data)
    _check_routing_target(org)
    _check_routing_unique(clean, exclude_pk=rule.pk)
    before = _routing_snapshot(rule)
    for field, value in clean.items():
        setattr(rule, field, value)
    rule.org, rule.org_path = org, org.path
    rule.save()
    audit.record(
        actor=acting_user,
        action="member.routing_update",
        obj=rule,
        org=org,
        before=before,
        after=_routing_snapshot(rule),
    )
    return rule


@transaction.atomic
def do_delete_routing_rule(*, acting_user, rule, reason: str = "") -> None:
    from gonghui.members.models import RoutingRule

    rule = RoutingRule.objects.select_for_update().select_related("org").get(pk=rule.pk)
    _require(acting_user, "member.routing", rule.org)
    before = _routing_snapshot(rule)
    audit.record(
        actor=acting_user,
        action="member.routing_delete",
        obj=rule,
        org=rule.org,
        before=before,
        reason=" ".join((reason or "").split())[:300],
    )
    rule.delete()


@transaction.atomic
def do_import_roster(*, acting_user, org: Org, validated, partial: bool = False, dry_run: bool = False, job=None):
    """Import a validated roster (`members.importing.rows.validate_table`) into `org` (DESIGN.md §6 Import).

    Rows are matched to persons by blind index in batches. New people become members of `org`
    (member numbers allocated in one block, counters bumped once); members of `org` already on
    file are updated where the file says something new; members elsewhere are transfer
    candidates, never second memberships. With rejected rows nothing is written unless
    `partial`; `dry_run` writes nothing at all. Returns the `importing.engine.Plan`.
    """
    from gonghui.members.importing import engine

    _require(acting_user, "member.import", org)
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status != OrgStatus.ACTIVE or org.kind not in MEMBER_ORG_KINDS:
        raise ValidationError({"org": _("“%(org)s”不能直接接收会员") % {"org": org.name}})
    result = engine.plan(org, validated)
    if dry_run or (result.counts()["rejected"] and not partial):
        return result
    reason = _("名册导入 #%(job)s") % {"job": job.pk} if job is not None else _("名册导入")
    engine.write(org, result, acting_user=acting_user, job=job, reason=reason)
    return result


# --- real-name verification ------------------------------------------------------------


@transaction.atomic
def do_verify_identity(*, acting_user, membership: Membership) -> Membership:
    """Run the real-name check (实名认证) for a member whose identity is not verified yet.

    People joined unverified when the identity service did not answer or the roster came without
    it. Verifying changes the org's verified-member counters and makes the member eligible for an
    e-card, which is why this is a members action and not a people one.
    """
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("person", "org").get(pk=membership.pk)
    )
    _require(acting_user, "member.change", membership.org)
    _require_current(membership, _("实名认证"))
    person = Person.objects.select_for_update().get(pk=membership.person_id)
    if person.is_verified:
        raise ValidationError(_("该会员已通过实名认证"))
    number = crypto.decrypt(person.doc_cipher, DOC_PURPOSE)
    result = get_identity_backend().verify(
        name=person.name, doc_type=person.doc_type, number=number, mobile=person.mobile
    )
    person.verification_method = result.method
    person.verification_note = result.note[:200]
    if result.verified:
        person.verified_at = timezone.now()
    person.save(update_fields=["verified_at", "verification_method", "verification_note", "updated_at"])
    membership.person = person
    card = None
    if result.verified:
        counters.bump(membership.org_id, verified=1)
        card = issue_card(membership)
    audit.record(
        actor=acting_user,
        action="member.verify_identity",
        obj=membership,
        org=membership.org,
        after={
            "verified": result.verified,
            "method": result.method,
            "note": result.note[:200],
            "card": card.serial if card else None,
        },
    )
    return membership
