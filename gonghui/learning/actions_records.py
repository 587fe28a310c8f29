"""Actions on what a course leaves behind: attendance (card scan, session QR, online view), no-shows,
completion, certificates (issue, revoke) and the member's skills record (automatic from a
certificate or contest; self-declared ones count once staff verify them)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import as_actor, require, require_member, staff_user
from gonghui.learning.actions import CHECKIN, MANAGE, _free_seat, no_show_limit
from gonghui.learning.models import Attendance, Certificate, Enrolment, Offering, Session, Skill
from gonghui.learning.states import (
    CERTIFICATE,
    ENROLMENT,
    OFFERING,
    SKILL,
    CertificateStatus,
    EnrolmentStatus,
    OfferingStatus,
    SkillStatus,
)
from gonghui.members.schemas import mask_name
from gonghui.people.choices import SKILL_LEVELS

SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_serial() -> str:
    """A random certificate serial (15 characters ≈ 75 bits): cannot be guessed or enumerated."""
    return "ZG" + "".join(secrets.choice(SERIAL_ALPHABET) for _i in range(15))


def late_minutes() -> int:
    return getattr(settings, "LEARNING_LATE_MINUTES", 15)


# --- attendance ----------------------------------------------------------------------------------


@dataclass
class CheckIn:
    ok: bool
    code: str
    message: str
    attendance: Attendance | None = None
    name_masked: str = ""


def _credited(session: Session, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Class hours for the part of the session attended, to the half hour."""
    total = (session.ends_at - session.starts_at).total_seconds()
    present = max(0.0, (min(end, session.ends_at) - max(start, session.starts_at)).total_seconds())
    share = Decimal(present / total) if total else Decimal(0)
    return (session.class_hours * share * 2).quantize(Decimal("1"), ROUND_HALF_UP) / 2


def _window_error(session: Session, now) -> str:
    if now < session.starts_at - dt.timedelta(minutes=60):
        return _("签到尚未开始（开课前 1 小时开放）")
    if session.closed_at or now > session.ends_at + dt.timedelta(minutes=30):
        return _("本次课程签到已结束")
    return ""


def _record_presence(*, actor, session: Session, enrolment: Enrolment, method: str, now) -> CheckIn:
    """Check in (first scan) or check out (a later scan); a late or early leave costs class hours."""
    offering = session.offering
    name = mask_name(enrolment.membership.person.name)
    attendance = Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
    if attendance is None:
        late = now > session.starts_at + dt.timedelta(minutes=late_minutes())
        hours = _credited(session, now, session.ends_at)
        attendance = Attendance.objects.create(
            session=session,
            enrolment=enrolment,
            province_id=enrolment.province_id,
            method=method,
            checked_in_at=now,
            late=late,
            hours=hours,
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(hours=F("hours") + hours)
        audit.record(
            actor=actor,
            action="learning.check_in",
            obj=attendance,
            object_label=f"{offering.title} {timezone.localtime(session.starts_at):%m-%d}",
            org=offering.org,
            after={"method": method, "late": late, "hours": hours},
        )
        message = _("%(n)s 签到成功%(late)s") % {"n": name, "late": _("（迟到）") if late else ""}
        return CheckIn(True, "late" if late else "ok", message, attendance, name)
    if attendance.checked_out_at is None and now >= attendance.checked_in_at + dt.timedelta(minutes=10):
        early = now < session.ends_at - dt.timedelta(minutes=late_minutes())
        hours = _credited(session, attendance.checked_in_at, now)
        Enrolment.objects.filter(pk=enrolment.pk).update(hours=F("hours") - attendance.hours + hours)
        attendance.checked_out_at, attendance.left_early, attendance.hours = now, early, hours
        attendance.save(update_fields=["checked_out_at", "left_early", "hours"])
        audit.record(
            actor=actor,
            action="learning.check_out",
            obj=attendance,
            org=offering.org,
            after={"left_early": early, "hours": hours},
        )
        message = _("%(n)s 签退成功%(early)s") % {"n": name, "early": _("（早退）") if early else ""}
        return CheckIn(True, "checked_out", message, attendance, name)
    return CheckIn(True, "already", _("%(n)s 已签到，无需重复扫码") % {"n": name}, attendance, name)


def _live_enrolment(session: Session, person_id: int) -> Enrolment | None:
    return (
        Enrolment.objects.select_related("membership__person")
        .filter(offering_id=session.offering_id, person_id=person_id, status=EnrolmentStatus.ENROLLED)
        .first()
    )


def do_check_in_card(*, acting_user, session: Session, payload: str, now=None) -> CheckIn:
    """The teacher's phone scans a member's e-member card QR (verified like the benefits counter:
    signature, expiry, then the card's state — forged, expired or revoked cards are refused)."""
    from gonghui.members.api import verify_payload

    offering = session.offering
    actor = require(acting_user, CHECKIN, offering.org_path, offering.org.name)
    now = now or timezone.now()
    if offering.status not in (OfferingStatus.OPEN, OfferingStatus.RUNNING):
        return CheckIn(False, "not_running", _("课程%(s)s，不能签到") % {"s": offering.get_status_display()})
    answer = verify_payload(payload)
    if not answer["valid"]:
        return CheckIn(False, answer["reason"], _("会员卡无效：%(m)s") % {"m": answer["message"]})
    if problem := _window_error(session, now):
        return CheckIn(False, "closed", problem)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_related("membership__person")
            .filter(offering=offering, membership__member_no=answer["member_no"], status=EnrolmentStatus.ENROLLED)
            .first()
        )
        if enrolment is None:
            return CheckIn(False, "not_enrolled", _("%(n)s 未报名本课程") % {"n": answer["name_masked"] or "-"})
        return _record_presence(
            actor=actor, session=session, enrolment=enrolment, method=Attendance.Method.CARD, now=now
        )


def do_check_in_qr(*, acting_user, session: Session, now=None) -> CheckIn:
    """The member scans the session's QR code in the portal (logged in: the session names the member)."""
    actor = as_actor(acting_user)
    if not actor.is_member:
        raise ValidationError(_("请由会员本人扫码签到"))
    now = now or timezone.now()
    offering = session.offering
    if offering.status not in (OfferingStatus.OPEN, OfferingStatus.RUNNING):
        raise ValidationError(_("课程%(s)s，不能签到") % {"s": offering.get_status_display()})
    if problem := _window_error(session, now):
        raise ValidationError(problem)
    with transaction.atomic():
        enrolment = _live_enrolment(session, actor.person_id)
        if enrolment is None:
            raise ValidationError(_("您未报名本课程，不能签到"))
        require_member(actor, enrolment.person_id)
        return _record_presence(actor=actor, session=session, enrolment=enrolment, method=Attendance.Method.QR, now=now)


def do_record_view(*, acting_user, session: Session, watch_seconds: int = 0, now=None) -> Attendance | None:
    """An online view (live or replay): counts a view; an enrolled member who watched at least
    half the session is marked present with the class hours of the part watched."""
    actor = as_actor(acting_user)
    now = now or timezone.now()
    if not isinstance(watch_seconds, int) or watch_seconds < 0 or watch_seconds > 24 * 3600:
        raise ValidationError({"watch_seconds": [_("观看时长应为 0–86400 秒")]})
    with transaction.atomic():
        Session.objects.filter(pk=session.pk).update(views=F("views") + 1)
        Offering.objects.filter(pk=session.offering_id).update(live_views=F("live_views") + 1)
        if not actor.is_member:
            return None
        enrolment = _live_enrolment(session, actor.person_id)
        length = (session.ends_at - session.starts_at).total_seconds()
        if enrolment is None or watch_seconds < length / 2:
            return None
        attendance, created = Attendance.objects.get_or_create(
            session=session,
            enrolment=enrolment,
            defaults={
                "province_id": enrolment.province_id,
                "method": Attendance.Method.ONLINE,
                "checked_in_at": now,
                "watch_seconds": watch_seconds,
                "hours": _credited(session, session.starts_at, session.starts_at + dt.timedelta(seconds=watch_seconds)),
            },
        )
        if created:
            Enrolment.objects.filter(pk=enrolment.pk).update(hours=F("hours") + attendance.hours)
            audit.record(
                actor=actor,
                action="learning.watch",
                obj=attendance,
                org=session.offering.org,
                after={"watch_seconds": watch_seconds},
            )
    return attendance


def do_close_session(*, acting_user, session: Session, now=None) -> int:
    """Close check-in after a session: each enrolled member without attendance gets a no-show; at
    the limit (default 2) they are barred from the course with the reason, and their seat is freed."""
    offering = session.offering
    actor = require(acting_user, CHECKIN, offering.org_path, offering.org.name)
    now = now or timezone.now()
    if now < session.ends_at:
        raise ValidationError(_("课程尚未结束，不能结束签到"))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.closed_at:
            raise ValidationError(_("本次签到已结束，无需重复操作"))
        session.closed_at = now
        session.save(update_fields=["closed_at"])
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        absent = list(
            Enrolment.objects.filter(
                offering=offering, status=EnrolmentStatus.ENROLLED, enrolled_at__lt=session.ends_at
            )
            .exclude(attendances__session=session)
            .order_by("arrival")
        )
        limit = no_show_limit()
        for enrolment in absent:
            enrolment.no_shows += 1
            fields = ["no_shows"]
            if enrolment.no_shows >= limit:
                ENROLMENT.transition(enrolment, EnrolmentStatus.BARRED, _("取消资格"))
                enrolment.reason = _("缺勤 %(n)s 次，按规定取消本课程资格") % {"n": enrolment.no_shows}
                fields += ["status", "reason"]
            enrolment.save(update_fields=fields)
            if enrolment.status == EnrolmentStatus.BARRED:
                _free_seat(offering, actor, now)
        audit.record(
            actor=actor,
            action="learning.session_close",
            obj=session,
            object_label=f"{offering.title} {timezone.localtime(session.starts_at):%m-%d}",
            org=offering.org,
            after={"absent": [e.pk for e in absent]},
        )
    return len(absent)


def do_record_exam_score(*, acting_user, enrolment: Enrolment, score) -> Enrolment:
    offering = enrolment.offering
    actor = require(acting_user, MANAGE, offering.org_path, offering.org.name)
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationError({"score": [_("成绩应为 0–100 的整数")]})
    with transaction.atomic():
        before = enrolment.exam_score
        Enrolment.objects.filter(pk=enrolment.pk).update(exam_score=score)
        enrolment.exam_score = score
        audit.record(
            actor=actor,
            action="learning.exam_score",
            obj=enrolment,
            org=offering.org,
            before={"score": before},
            after={"score": score},
        )
    return enrolment


# --- completion and certificates -----------------------------------------------------------------


def completion_of(offering: Offering, enrolment: Enrolment, sessions: int, attended: int) -> tuple[bool, str]:
    """(completed?, why not): attendance share against the course's percentage, then the exam if any."""
    percent = 100 * attended / sessions if sessions else 0
    if percent < offering.completion_percent:
        return False, _("出勤 %(a)s/%(s)s 次，未达 %(p)s%%") % {
            "a": attended,
            "s": sessions,
            "p": offering.completion_percent,
        }
    if offering.exam_pass_score is not None and (enrolment.exam_score or 0) < offering.exam_pass_score:
        return False, _("考核成绩未达 %(p)s 分") % {"p": offering.exam_pass_score}
    return True, ""


def do_complete_offering(*, acting_user, offering: Offering, now=None) -> dict:
    """End a running course: members who meet the completion rule get a 结业证书 and the course's
    skill in their record; returns {"completed": n, "not_completed": n}."""
    actor = require(acting_user, MANAGE, offering.org_path, offering.org.name)
    now = now or timezone.now()
    with transaction.atomic():
        offering = Offering.objects.select_for_update().select_related("org").get(pk=offering.pk)
        OFFERING.check(offering.status, OfferingStatus.COMPLETED, _("结业"))
        sessions = offering.sessions.count()
        if not sessions:
            raise ValidationError(_("课程没有课次，不能结业"))
        if offering.sessions.filter(ends_at__gt=now).exists():
            raise ValidationError(_("还有未结束的课次，全部结束后才能结业"))
        OFFERING.transition(offering, OfferingStatus.COMPLETED, _("结业"))
        offering.save(update_fields=["status", "updated_at"])
        counts = {"completed": 0, "not_completed": 0}
        enrolments = (
            Enrolment.objects.filter(offering=offering, status=EnrolmentStatus.ENROLLED)
            .select_related("membership__person", "membership__org")
            .order_by("arrival")
        )
        attended = dict(
            Attendance.objects.filter(session__offering=offering)
            .values("enrolment_id")
            .annotate(n=Count("id"))
            .values_list("enrolment_id", "n")
        )
        for enrolment in enrolments:
            done, _why = completion_of(offering, enrolment, sessions, attended.get(enrolment.pk, 0))
            if not done:
                counts["not_completed"] += 1
                continue
            enrolment.completed_at = now
            enrolment.save(update_fields=["completed_at"])
            _issue(actor, offering, enrolment.membership, Certificate.Kind.COMPLETION, now, enrolment=enrolment)
            counts["completed"] += 1
        audit.record(actor=actor, action="learning.offering_complete", obj=offering, org=offering.org, after=counts)
    return counts


def _issue(actor, offering, membership, kind, now, *, enrolment=None, entry=None, award="") -> Certificate:
    """Write a certificate and the skill it proves (source certificate or contest)."""
    title = offering.title if kind == Certificate.Kind.COMPLETION else f"{offering.title} · {award}"
    certificate = Certificate.objects.create(
        serial=new_serial(),
        kind=kind,
        offering=offering,
        enrolment=enrolment,
        contest_entry=entry,
        membership=membership,
        person_id=membership.person_id,
        holder_masked=mask_name(membership.person.name),
        org=offering.org,
        org_path=offering.org_path,
        province_id=membership.province_id,
        title=title[:160],
        hours=enrolment.hours if enrolment else Decimal("0"),
        award=award,
        issued_on=timezone.localtime(now).date(),
    )
    audit.record(
        actor=actor,
        action="learning.certificate_issue",
        obj=certificate,
        org=offering.org,
        after={"kind": kind, "member_no": membership.member_no, "award": award},
    )
    name = offering.skill_name or offering.title
    skill = Skill.objects.create(
        person_id=membership.person_id,
        membership=membership,
        org_path=membership.org_path,
        province_id=membership.province_id,
        name=name[:60],
        level=offering.skill_level if offering.skill_level in SKILL_LEVELS else "",
        source=Skill.Source.CERTIFICATE if kind == Certificate.Kind.COMPLETION else Skill.Source.CONTEST,
        acquired_on=certificate.issued_on,
        evidence_url=f"/c/{certificate.serial}/",
        certificate=certificate,
        status=SkillStatus.VERIFIED,
        verified_at=now,
        note=award,
    )
    audit.record(
        actor=actor,
        action="learning.skill_add",
        obj=skill,
        org=membership.org,
        after={"name": skill.name, "source": skill.source},
    )
    return certificate


def do_revoke_certificate(*, acting_user, certificate: Certificate, reason: str, now=None) -> Certificate:
    """Revoke a certificate with a reason (the public check then says so) and the skill it recorded."""
    actor = require(acting_user, MANAGE, certificate.org_path, certificate.org.name)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销原因")]})
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("org").get(pk=certificate.pk)
        CERTIFICATE.transition(certificate, CertificateStatus.REVOKED, _("撤销"))
        certificate.revoked_at, certificate.revoke_reason = now, reason[:200]
        certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
        skills = list(Skill.objects.filter(certificate=certificate, status=SkillStatus.VERIFIED))
        Skill.objects.filter(pk__in=[s.pk for s in skills]).update(status=SkillStatus.REVOKED, note=reason[:200])
        audit.record(
            actor=actor,
            action="learning.certificate_revoke",
            obj=certificate,
            org=certificate.org,
            after={"status": certificate.status, "skills": [s.pk for s in skills]},
            reason=reason,
        )
    return certificate


# --- skills --------------------------------------------------------------------------------------


def do_declare_skill(
    *, acting_user, membership, name: str, level: str = "", acquired_on=None, evidence_url: str = ""
) -> Skill:
    """The member declares a skill (e.g. a qualification from elsewhere); it counts once staff verify it."""
    actor = require_member(acting_user, membership.person_id)
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 60:
        errors["name"] = [_("请填写技能名称（最多 60 字）")]
    if level and level not in SKILL_LEVELS:
        errors["level"] = [_("等级应为：%(l)s") % {"l": "、".join(SKILL_LEVELS)}]
    today = timezone.localdate()
    if acquired_on is None or acquired_on > today:
        errors["acquired_on"] = [_("请填写取得日期（不晚于今天）")]
    evidence_url = (evidence_url or "").strip()
    if evidence_url and not evidence_url.startswith(("https://", "http://")):
        errors["evidence_url"] = [_("证明材料链接应以 http:// 或 https:// 开头")]
    if errors:
        raise ValidationError(errors)
    if Skill.objects.filter(
        person_id=membership.person_id, name=name, status__in=[SkillStatus.PENDING, SkillStatus.VERIFIED]
    ).exists():
        raise ValidationError({"name": [_("已有同名技能记录，无需重复申报")]})
    with transaction.atomic():
        skill = Skill.objects.create(
            person_id=membership.person_id,
            membership=membership,
            org_path=membership.org_path,
            province_id=membership.province_id,
            name=name,
            level=level,
            source=Skill.Source.DECLARED,
            acquired_on=acquired_on,
            evidence_url=evidence_url[:300],
            status=SkillStatus.PENDING,
        )
        audit.record(actor=actor, action="learning.skill_declare", obj=skill, org=membership.org, after={"name": name})
    return skill


def do_verify_skill(*, acting_user, skill: Skill, approve: bool, note: str = "", now=None) -> Skill:
    """Staff of the member's union verify (or turn down, with a reason) a self-declared skill."""
    actor = require(acting_user, MANAGE, skill.org_path)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": [_("不通过时请填写原因")]})
    with transaction.atomic():
        skill = Skill.objects.select_for_update().get(pk=skill.pk)
        target = SkillStatus.VERIFIED if approve else SkillStatus.REJECTED
        old = SKILL.transition(skill, target, _("核实"))
        skill.verified_by, skill.verified_at, skill.note = staff_user(actor), now or timezone.now(), note[:200]
        skill.save(update_fields=["status", "verified_by", "verified_at", "note"])
        audit.record(
            actor=actor,
            action="learning.skill_verify",
            obj=skill,
            object_type="learning.skill",
            org=None,
            before={"status": old},
            after={"status": skill.status},
            reason=note,
        )
    return skill
