"""The one write path of learning (DESIGN.md §3.1): offerings, enrolment with a FIFO waitlist and
claim windows, and the opening rule at the enrolment deadline.

Capacity is exact under concurrency: every enrolment, cancellation and seat offer locks the
offering's row (`select_for_update`; SQLite serialises writers anyway) and moves the `seats_taken`
and `arrivals` counters inside that lock, so 300 members racing for 40 seats end with exactly 40
enrolled and the rest waiting in the order they arrived. Attendance, certificates and skills live
in `actions_records`; surveys, workplace requests and contests in `actions_workflows`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, calendar
from gonghui.core.actionkit import Actor, as_actor, require, require_member, staff_user
from gonghui.core.sms import send_sms
from gonghui.learning.models import Category, Enrolment, Offering, Session
from gonghui.learning.states import (
    ENROLMENT,
    LIVE_ENROLMENT,
    OFFERING,
    SEAT_HOLDING,
    EnrolmentStatus,
    OfferingStatus,
)
from gonghui.members import eligibility
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org
from gonghui.people.choices import SKILL_LEVELS

MANAGE = "learning.manage"
CHECKIN = "learning.checkin"

EDITABLE = (
    "kind",
    "title",
    "category",
    "description",
    "teacher",
    "venue",
    "online",
    "live_url",
    "replay_url",
    "capacity",
    "min_enrolment",
    "fee",
    "companion_rule",
    "enrol_opens_at",
    "enrol_closes_at",
    "rule",
    "completion_percent",
    "exam_pass_score",
    "skill_name",
    "skill_level",
)
# Once members may enrol, only these may still change (the rest is what they enrolled for).
EDITABLE_WHEN_OPEN = ("description", "teacher", "venue", "live_url", "replay_url", "capacity", "enrol_closes_at")


def claim_window() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "LEARNING_CLAIM_HOURS", 24))


def no_show_limit() -> int:
    return getattr(settings, "LEARNING_NO_SHOW_LIMIT", 2)


def _validate_offering(offering: Offering) -> None:
    errors: dict[str, list[str]] = {}
    if not (offering.title or "").strip():
        errors["title"] = [_("请填写名称")]
    if offering.category not in Category.values:
        errors["category"] = [_("请选择类别")]
    if offering.kind not in Offering.Kind.values:
        errors["kind"] = [_("请选择课程或活动")]
    if not offering.capacity or offering.capacity < 1:
        errors["capacity"] = [_("名额应为正整数")]
    if offering.min_enrolment is None or offering.min_enrolment < 0:
        errors["min_enrolment"] = [_("最低开班人数不能为负数")]
    elif offering.capacity and offering.min_enrolment > offering.capacity:
        errors["min_enrolment"] = [_("最低开班人数不能大于名额")]
    if offering.fee is None or offering.fee < 0:
        errors["fee"] = [_("费用不能为负数（免费填 0）")]
    if not offering.enrol_opens_at or not offering.enrol_closes_at:
        errors["enrol_closes_at"] = [_("请填写报名起止时间")]
    elif offering.enrol_closes_at <= offering.enrol_opens_at:
        errors["enrol_closes_at"] = [_("报名截止应晚于报名开始")]
    if offering.online and not offering.live_url and not offering.replay_url:
        errors["live_url"] = [_("线上课程请填写直播或回放地址")]
    if not offering.online and not (offering.venue or "").strip():
        errors["venue"] = [_("线下课程请填写地点")]
    if offering.skill_level and offering.skill_level not in SKILL_LEVELS:
        errors["skill_level"] = [_("技能等级应为：%(l)s") % {"l": "、".join(SKILL_LEVELS)}]
    if offering.exam_pass_score is not None and offering.exam_pass_score > 100:
        errors["exam_pass_score"] = [_("考核合格分应在 0–100 之间")]
    try:
        offering.rule = eligibility.rule_data(offering.rule)
        offering.beyond_subtree = bool(offering.rule.get("orgs"))
    except ValidationError as exc:
        errors["rule"] = exc.message_dict.get("rule", exc.messages)
    if errors:
        raise ValidationError(errors)


def do_create_offering(*, acting_user, org: Org, data: dict) -> Offering:
    """Create a course or activity as a draft at `org` (nothing is visible to members until published)."""
    require(acting_user, MANAGE, org.path, org.name)
    offering = Offering(org=org, org_path=org.path, province_id=org.province_id, created_by=staff_user(acting_user))
    for key in EDITABLE:
        if key in data:
            setattr(offering, key, data[key])
    _validate_offering(offering)
    with transaction.atomic():
        offering.save()
        audit.record(actor=acting_user, action="learning.offering_create", obj=offering, org=org, after=_snap(offering))
    return offering


def _snap(offering: Offering) -> dict:
    return {key: getattr(offering, key) for key in ("title", "kind", "category", "capacity", "fee", "status")}


def do_edit_offering(*, acting_user, offering: Offering, data: dict) -> Offering:
    """Change an offering; after publishing only the practical details (and capacity, not below the enrolled)."""
    require(acting_user, MANAGE, offering.org_path, offering.org.name)
    with transaction.atomic():
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        if offering.status in (OfferingStatus.COMPLETED, OfferingStatus.CANCELLED):
            raise ValidationError(_("“%(s)s”的课程不能再修改") % {"s": offering.get_status_display()})
        allowed = EDITABLE if offering.status == OfferingStatus.DRAFT else EDITABLE_WHEN_OPEN
        refused = sorted(k for k in data if k not in allowed and data[k] != getattr(offering, k, None))
        if refused:
            raise ValidationError({k: [_("已发布的课程不能修改此项")] for k in refused})
        before = {k: getattr(offering, k) for k in data}
        for key, value in data.items():
            setattr(offering, key, value)
        _validate_offering(offering)
        if offering.capacity < offering.seats_taken:
            raise ValidationError({"capacity": [_("名额不能少于已报名人数（%(n)s）") % {"n": offering.seats_taken}]})
        offering.save()
        audit.record(
            actor=acting_user,
            action="learning.offering_edit",
            obj=offering,
            org=offering.org,
            before=before,
            after={k: getattr(offering, k) for k in data},
        )
        grown = offering.capacity - offering.seats_taken
        for _i in range(grown):
            if not _offer_next(offering, acting_user):
                break
    return offering


def do_add_session(
    *, acting_user, offering: Offering, starts_at, ends_at, class_hours, topic: str = "", place: str = ""
) -> Session:
    """Add a session (课次) to an offering that has not ended."""
    require(acting_user, MANAGE, offering.org_path, offering.org.name)
    errors = {}
    if not starts_at or not ends_at or ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间应晚于开始时间")]
    if class_hours is None or class_hours <= 0 or class_hours > 24:
        errors["class_hours"] = [_("课时应在 0–24 之间")]
    if offering.status in (OfferingStatus.COMPLETED, OfferingStatus.CANCELLED):
        errors["__all__"] = [_("“%(s)s”的课程不能再排课") % {"s": offering.get_status_display()}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = Session.objects.create(
            offering=offering,
            org_path=offering.org_path,
            starts_at=starts_at,
            ends_at=ends_at,
            class_hours=class_hours,
            topic=(topic or "")[:120],
            place=(place or offering.venue)[:200],
            qr_token=secrets.token_urlsafe(18)[:24],
        )
        audit.record(
            actor=acting_user,
            action="learning.session_add",
            obj=session,
            org=offering.org,
            after={"starts_at": starts_at, "class_hours": class_hours},
        )
    return session


def do_publish_offering(*, acting_user, offering: Offering) -> Offering:
    """Open a draft for enrolment; it needs at least one session (a course) and a valid window."""
    require(acting_user, MANAGE, offering.org_path, offering.org.name)
    with transaction.atomic():
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        OFFERING.check(offering.status, OfferingStatus.OPEN, _("发布"))
        if not offering.sessions.exists():
            raise ValidationError(_("请先安排至少一次课程/活动时间再发布"))
        _validate_offering(offering)
        OFFERING.transition(offering, OfferingStatus.OPEN, _("发布"))
        offering.save(update_fields=["status", "updated_at"])
        audit.record(actor=acting_user, action="learning.offering_publish", obj=offering, org=offering.org)
    return offering


# --- enrolment -----------------------------------------------------------------------------------


def verdict_for(offering: Offering, membership: Membership | None, *, orgs=None) -> eligibility.Verdict:
    """May this member enrol? The rule, and (unless the rule names orgs, e.g. a whole region) the
    owning org's subtree."""
    if membership is None:
        return eligibility.Verdict(False, [_("您还不是工会会员，入会后即可报名")])
    verdict = eligibility.evaluate(offering.rule, membership, orgs=orgs)
    if not (offering.rule or {}).get("orgs") and not membership.org_path.startswith(offering.org_path):
        verdict = eligibility.Verdict(False, [_("仅限%(org)s所属会员") % {"org": offering.org.name}, *verdict.reasons])
    return verdict


def current_membership(person_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("person", "org")
        .annotate(has_card=eligibility.active_card_exists())
        .filter(person_id=person_id, status__in=CURRENT)
        .first()
    )


@dataclass
class EnrolResult:
    enrolment: Enrolment
    waitlisted: bool

    @property
    def message(self) -> str:
        if self.waitlisted:
            ahead = Enrolment.objects.filter(
                offering_id=self.enrolment.offering_id,
                status=EnrolmentStatus.WAITLISTED,
                arrival__lt=self.enrolment.arrival,
            ).count()
            return _("名额已满，您已进入候补，前面还有 %(n)s 人；有空位时将短信通知您在 %(h)s 小时内确认") % {
                "n": ahead,
                "h": int(claim_window().total_seconds() // 3600),
            }
        return _("报名成功")


def _refuse_state(offering: Offering, now) -> None:
    if offering.status != OfferingStatus.OPEN:
        raise ValidationError(
            _("“%(t)s”当前%(s)s，不能报名") % {"t": offering.title, "s": offering.get_status_display()}
        )
    if now < offering.enrol_opens_at:
        raise ValidationError(
            _("报名尚未开始（%(t)s 开始）")
            % {"t": timezone.localtime(offering.enrol_opens_at).strftime("%Y-%m-%d %H:%M")}
        )
    if now >= offering.enrol_closes_at:
        raise ValidationError(
            _("报名已于 %(t)s 截止") % {"t": timezone.localtime(offering.enrol_closes_at).strftime("%Y-%m-%d %H:%M")}
        )


def do_enrol(*, acting_user, offering: Offering, membership: Membership, now=None) -> EnrolResult:
    """Enrol a member: a seat while there is one, else the FIFO waitlist.

    The member themself (`Actor.member`) or staff with learning.manage on the offering's org (a
    hotline call or an office walk-in). Refused, writing nothing, when the course is not open for
    enrolment, the window is closed, the member is outside the rule, or already enrolled/waiting.
    """
    actor = as_actor(acting_user)
    if actor.is_member:
        require_member(actor, membership.person_id)
        channel = Enrolment.Channel.PORTAL
    else:
        require(actor, MANAGE, offering.org_path, offering.org.name)
        channel = Enrolment.Channel.STAFF
    if not hasattr(membership, "has_card"):
        membership = current_membership(membership.person_id) or membership
    # Everything that only reads happens before the offering's row is locked, so that the locked part
    # (take a seat or a place in the queue, insert, audit, commit) stays as short as it can be.
    offering = Offering.objects.select_related("org").get(pk=offering.pk)
    _refuse_state(offering, now or timezone.now())
    verdict = verdict_for(offering, membership)
    if not verdict:
        raise ValidationError(_("不符合报名条件：%(r)s") % {"r": "；".join(verdict.reasons)})
    _refuse_existing(offering, membership)
    try:
        with transaction.atomic():
            locked = (
                Offering.objects.select_for_update()
                .only("status", "capacity", "seats_taken", "arrivals", "enrol_opens_at", "enrol_closes_at")
                .get(pk=offering.pk)
            )
            # The clock is read under the lock: arrival order and enrolment times agree.
            now = now or timezone.now()
            offering.status, offering.enrol_opens_at, offering.enrol_closes_at = (
                locked.status,
                locked.enrol_opens_at,
                locked.enrol_closes_at,
            )
            _refuse_state(offering, now)
            seat = locked.seats_taken < locked.capacity
            arrival = locked.arrivals + 1
            Offering.objects.filter(pk=offering.pk).update(
                seats_taken=locked.seats_taken + (1 if seat else 0), arrivals=arrival
            )
            enrolment = Enrolment.objects.create(
                offering=offering,
                membership=membership,
                person_id=membership.person_id,
                org_path=offering.org_path,
                province_id=membership.province_id,
                status=EnrolmentStatus.ENROLLED if seat else EnrolmentStatus.WAITLISTED,
                arrival=arrival,
                channel=channel,
                enrolled_at=now,
                created_by=actor.user if actor.is_staff else None,
            )
            audit.record(
                actor=actor,
                action="learning.enrol" if seat else "learning.waitlist",
                obj=enrolment,
                object_label=f"{offering.title} #{arrival}",
                org=offering.org,
                after={"member_no": membership.member_no, "status": enrolment.status, "arrival": arrival},
            )
    except IntegrityError:
        # The same member enrolling twice at the same moment: the one-live-enrolment constraint refuses
        # the second, and its transaction (seat and arrival counters included) is rolled back.
        _refuse_existing(offering, membership)
        raise
    return EnrolResult(enrolment, waitlisted=not seat)


def _refuse_existing(offering: Offering, membership: Membership) -> None:
    existing = Enrolment.objects.filter(
        offering=offering, person_id=membership.person_id, status__in=LIVE_ENROLMENT + (EnrolmentStatus.BARRED,)
    ).first()
    if existing is not None:
        if existing.status == EnrolmentStatus.BARRED:
            raise ValidationError(_("您已被取消本课程的报名资格：%(r)s") % {"r": existing.reason})
        raise ValidationError(_("已报名，无需重复报名（当前：%(s)s）") % {"s": existing.get_status_display()})


def _lock_enrolment(enrolment: Enrolment) -> tuple[Offering, Enrolment]:
    offering = Offering.objects.select_for_update().select_related("org").get(pk=enrolment.offering_id)
    enrolment = Enrolment.objects.select_related("membership__person").get(pk=enrolment.pk)
    return offering, enrolment


def _actor_for_enrolment(acting_user, enrolment: Enrolment, offering: Offering) -> Actor:
    actor = as_actor(acting_user)
    if actor.is_member:
        return require_member(actor, enrolment.person_id)
    return require(actor, MANAGE, offering.org_path, offering.org.name)


def do_cancel_enrolment(*, acting_user, enrolment: Enrolment, reason: str = "", now=None) -> Enrolment:
    """Cancel an enrolment, a waiting place or an offered seat; a freed seat goes to the first waiting member."""
    now = now or timezone.now()
    with transaction.atomic():
        offering, enrolment = _lock_enrolment(enrolment)
        actor = _actor_for_enrolment(acting_user, enrolment, offering)
        if offering.status in (OfferingStatus.COMPLETED, OfferingStatus.CANCELLED):
            raise ValidationError(_("课程%(s)s，不能再取消报名") % {"s": offering.get_status_display()})
        held = enrolment.status in SEAT_HOLDING
        old = ENROLMENT.transition(enrolment, EnrolmentStatus.CANCELLED, _("取消报名"))
        enrolment.reason = (reason or (_("本人取消") if actor.is_member else _("工作人员取消")))[:200]
        enrolment.offer_expires_at = None
        enrolment.save(update_fields=["status", "reason", "offer_expires_at"])
        audit.record(
            actor=actor,
            action="learning.enrol_cancel",
            obj=enrolment,
            object_label=f"{offering.title} #{enrolment.arrival}",
            org=offering.org,
            before={"status": old},
            after={"status": enrolment.status},
            reason=enrolment.reason,
        )
        if held:
            _free_seat(offering, actor, now)
    return enrolment


def _free_seat(offering: Offering, actor, now) -> None:
    """A seat was given up: offer it to the first waiting member, else return it to the pool."""
    if offering.status in (OfferingStatus.OPEN, OfferingStatus.RUNNING) and _offer_next(
        offering, actor, now, freed=True
    ):
        return
    offering.seats_taken -= 1
    Offering.objects.filter(pk=offering.pk).update(seats_taken=offering.seats_taken)


def _offer_next(offering: Offering, actor, now=None, *, freed: bool = False) -> Enrolment | None:
    """Give one seat to the first waiting member (FIFO by arrival) with a claim window; SMS them.

    Called under the offering's lock. With `freed` the seat was already counted in `seats_taken`
    (it passes from one member to the next); otherwise a new seat is taken (capacity grew).
    """
    now = now or timezone.now()
    if not freed and offering.seats_taken >= offering.capacity:
        return None
    nxt = (
        Enrolment.objects.select_related("membership__person")
        .filter(offering=offering, status=EnrolmentStatus.WAITLISTED)
        .order_by("arrival")
        .first()
    )
    if nxt is None:
        return None
    ENROLMENT.transition(nxt, EnrolmentStatus.OFFERED, _("递补"))
    nxt.offer_expires_at = now + claim_window()
    nxt.save(update_fields=["status", "offer_expires_at"])
    if not freed:
        offering.seats_taken += 1
        Offering.objects.filter(pk=offering.pk).update(seats_taken=offering.seats_taken)
    audit.record(
        actor=actor,
        action="learning.seat_offer",
        obj=nxt,
        object_label=f"{offering.title} #{nxt.arrival}",
        org=offering.org,
        after={"status": nxt.status, "offer_expires_at": nxt.offer_expires_at},
    )
    mobile = nxt.membership.person.mobile
    deadline = timezone.localtime(nxt.offer_expires_at).strftime("%m-%d %H:%M")
    text = _("【工会】“%(t)s”有空余名额，请于 %(d)s 前登录会员服务确认报名，逾期顺延给下一位。") % {
        "t": offering.title,
        "d": deadline,
    }
    if mobile:
        transaction.on_commit(lambda: send_sms(mobile, text))
    return nxt


def do_claim_seat(*, acting_user, enrolment: Enrolment, now=None) -> Enrolment:
    """The waiting member accepts the freed seat offered to them, within the claim window."""
    now = now or timezone.now()
    with transaction.atomic():
        offering, enrolment = _lock_enrolment(enrolment)
        actor = _actor_for_enrolment(acting_user, enrolment, offering)
        if enrolment.status == EnrolmentStatus.OFFERED and enrolment.offer_expires_at <= now:
            raise ValidationError(_("确认期限已过，名额已顺延给下一位"))
        ENROLMENT.check(enrolment.status, EnrolmentStatus.ENROLLED, _("确认递补名额"))
        if enrolment.status != EnrolmentStatus.OFFERED:
            raise ValidationError(_("您还在候补中，暂时没有可确认的名额"))
        if offering.status not in (OfferingStatus.OPEN, OfferingStatus.RUNNING):
            raise ValidationError(_("课程%(s)s，不能确认") % {"s": offering.get_status_display()})
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.offer_expires_at = None
        enrolment.save(update_fields=["status", "offer_expires_at"])
        audit.record(
            actor=actor,
            action="learning.seat_claim",
            obj=enrolment,
            object_label=f"{offering.title} #{enrolment.arrival}",
            org=offering.org,
            after={"status": enrolment.status},
        )
    return enrolment


def expire_seat_offers(now=None) -> int:
    """Task: offers not claimed in time lapse (the member is told on the page) and pass to the next in line."""
    now = now or timezone.now()
    actor = Actor.system("learning-offer-sweep")
    expired = 0
    ids = list(
        Enrolment.objects.filter(status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            offering, enrolment = _lock_enrolment(Enrolment.objects.only("offering_id").get(pk=pk))
            if enrolment.status != EnrolmentStatus.OFFERED or enrolment.offer_expires_at > now:
                continue
            ENROLMENT.transition(enrolment, EnrolmentStatus.CANCELLED, _("递补逾期"))
            enrolment.reason = _("未在期限内确认递补名额")
            enrolment.offer_expires_at = None
            enrolment.save(update_fields=["status", "reason", "offer_expires_at"])
            audit.record(
                actor=actor,
                action="learning.seat_offer_lapse",
                obj=enrolment,
                object_label=f"{offering.title} #{enrolment.arrival}",
                org=offering.org,
                after={"status": enrolment.status},
            )
            _free_seat(offering, actor, now)
            expired += 1
    return expired


# --- the opening rule ----------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def default_enrol_deadline(first_start: dt.datetime, working_days: int = 2) -> dt.datetime:
    """18:00 Beijing time on the working day `working_days` working days before the first session
    (weekends, public holidays and 调休 make-up days from `core.calendar`): time to tell members
    that a course will not open before they set out."""
    day = first_start.astimezone(SHANGHAI).date()
    left = working_days
    while left:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return dt.datetime.combine(day, dt.time(18, 0), tzinfo=SHANGHAI)


def do_decide_opening(*, acting_user, offering: Offering, now=None) -> Offering:
    """At the enrolment deadline: open the course when at least `min_enrolment` are enrolled, else
    cancel it and tell every enrolled or waiting member by SMS."""
    actor = require(acting_user, MANAGE, offering.org_path, offering.org.name)
    now = now or timezone.now()
    with transaction.atomic():
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        if offering.status != OfferingStatus.OPEN:
            raise ValidationError(
                _("只有报名中的课程才进行开班判定（当前：%(s)s）") % {"s": offering.get_status_display()}
            )
        if now < offering.enrol_closes_at:
            raise ValidationError(_("报名尚未截止，截止后才能判定是否开班"))
        enrolled = Enrolment.objects.filter(offering=offering, status__in=SEAT_HOLDING).count()
        offering.decided_at = now
        if enrolled >= offering.min_enrolment:
            OFFERING.transition(offering, OfferingStatus.RUNNING, _("开班"))
            offering.save(update_fields=["status", "decided_at", "updated_at"])
            audit.record(
                actor=actor,
                action="learning.offering_open",
                obj=offering,
                org=offering.org,
                after={"enrolled": enrolled},
            )
            return offering
        reason = _("报名人数 %(n)s 人，未达最低开班人数 %(m)s 人") % {"n": enrolled, "m": offering.min_enrolment}
        _cancel(offering, actor, reason)
    return offering


def do_cancel_offering(*, acting_user, offering: Offering, reason: str) -> Offering:
    """Cancel an offering (with a reason); every enrolled or waiting member is told by SMS."""
    actor = require(acting_user, MANAGE, offering.org_path, offering.org.name)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写取消原因，会通知已报名的会员")]})
    with transaction.atomic():
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        _cancel(offering, actor, reason)
    return offering


def _cancel(offering: Offering, actor, reason: str) -> None:
    OFFERING.transition(offering, OfferingStatus.CANCELLED, _("取消"))
    offering.cancel_reason = reason[:200]
    offering.save(update_fields=["status", "cancel_reason", "decided_at", "updated_at"])
    rows = list(
        Enrolment.objects.filter(offering=offering, status__in=LIVE_ENROLMENT).values_list(
            "pk", "membership__person__mobile"
        )
    )
    Enrolment.objects.filter(pk__in=[pk for pk, _m in rows]).update(
        status=EnrolmentStatus.CANCELLED, reason=(_("课程取消：%(r)s") % {"r": reason})[:200], offer_expires_at=None
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=0)
    audit.record(
        actor=actor,
        action="learning.offering_cancel",
        obj=offering,
        org=offering.org,
        after={"status": offering.status, "told": len(rows)},
        reason=reason,
    )
    text = _("【工会】很抱歉，您报名的“%(t)s”已取消：%(r)s。") % {"t": offering.title, "r": reason}
    mobiles = [m for _pk, m in rows if m]
    transaction.on_commit(lambda: [send_sms(m, text) for m in mobiles])


def decide_due_offerings(now=None) -> dict:
    """Task: the opening rule for every open offering whose enrolment deadline has passed (idempotent)."""
    now = now or timezone.now()
    actor = Actor.system("learning-opening-rule")
    result = {"opened": 0, "cancelled": 0}
    for offering in Offering.objects.filter(status=OfferingStatus.OPEN, enrol_closes_at__lte=now).select_related("org"):
        decided = do_decide_opening(acting_user=actor, offering=offering, now=now)
        result["opened" if decided.status == OfferingStatus.RUNNING else "cancelled"] += 1
    return result
