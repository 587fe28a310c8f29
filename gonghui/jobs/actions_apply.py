"""The one write path of jobs, part two: applications, hires (placements) and follow-ups.

An application is refused with a clear reason and nothing written when the post is not open (filled,
expired, withdrawn, not yet published, past its deadline) or when the member already has one in play
for the post; the post row is locked while checking, so two taps cannot make two applications.
A hire creates the placement with its 1- and 3-month follow-ups, fills the post when the last
opening is taken, and sends `members.signals.placement_made` (hardship closes the household plan's
就业帮扶 measure from it) — all in one transaction.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import as_actor, require, require_member, staff_user
from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.jobs import validation as v
from gonghui.jobs.actions import MANAGE, today
from gonghui.jobs.models import Application, ApplicationEvent, FollowUp, JobFair, JobPost, Placement, WageUnit
from gonghui.jobs.states import APPLICATION, LIVE_APPLICATION, POST, ApplicationStatus, FairStatus, PostStatus
from gonghui.jobs.wages import monthly_equivalent
from gonghui.members.models import Membership
from gonghui.members.signals import placement_made
from gonghui.members.states import CURRENT

FOLLOW_UP_MONTHS = (1, 3)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def post_closed_reason(post: JobPost, on: dt.date) -> str:
    """Why a member cannot apply to `post` now ("" when they can)."""
    if post.status == PostStatus.FILLED:
        return _("该岗位已招满，不再接受投递")
    if post.status == PostStatus.EXPIRED or (post.status == PostStatus.PUBLISHED and post.deadline < on):
        return _("该岗位已过报名截止日期（%(d)s），不再接受投递") % {"d": post.deadline.isoformat()}
    if post.status == PostStatus.WITHDRAWN:
        return _("该岗位已撤回，不再接受投递")
    if post.status != PostStatus.PUBLISHED:
        return _("该岗位尚未发布，不能投递")
    return ""


def _event(application: Application, before: str, *, actor, note: str = "", at=None) -> None:
    ApplicationEvent.objects.create(
        application=application,
        province_id=application.province_id,
        from_status=before,
        to_status=application.status,
        note=note[:200],
        actor_label=str(actor)[:150],
        at=at or timezone.now(),
    )


def do_apply(
    *,
    acting_user,
    post: JobPost,
    membership: Membership,
    share_mobile: bool = False,
    share_skills: bool = True,
    note: str = "",
    fair: JobFair | None = None,
    channel: str | None = None,
) -> Application:
    """Apply to a post: the member for themselves (portal, one tap) or staff of the post's union on the
    member's behalf (a walk-in at a 驿站). `share_mobile` is the member's consent to show the full
    mobile number to the employer; without it the employer sees it masked. ID numbers are never shown."""
    actor = as_actor(acting_user)
    if actor.is_member:
        require_member(actor, membership.person_id)
        channel = channel or Application.Channel.PORTAL
    else:
        require(actor, MANAGE, post.org_path, post.org.name)
        channel = channel or Application.Channel.STAFF
    if fair is not None:
        channel = Application.Channel.FAIR
    note = " ".join(str(note or "").split())
    if len(note) > 200:
        raise ValidationError({"note": [_("留言最多200个字符")]})
    now = timezone.now()
    with transaction.atomic():
        post = JobPost.objects.select_for_update().select_related("org", "employer").get(pk=post.pk)
        if reason := post_closed_reason(post, today()):
            raise ValidationError({"post": [reason]})
        if membership.status not in CURRENT:
            raise ValidationError(
                {"membership": [_("会籍状态为“%(s)s”，不能投递") % {"s": membership.get_status_display()}]}
            )
        if fair is not None:
            if fair.status != FairStatus.OPEN:
                raise ValidationError({"fair": [_("招聘会%(s)s，不能现场投递") % {"s": fair.get_status_display()}]})
            if not fair.posts.filter(pk=post.pk).exists():
                raise ValidationError({"fair": [_("该岗位不在本场招聘会")]})
        existing = (
            Application.objects.filter(post=post, person_id=membership.person_id, status__in=LIVE_APPLICATION)
            .only("status")
            .first()
        )
        if existing is not None:
            raise ValidationError(
                {
                    "post": [
                        _("您已投递过该岗位（当前状态：%(s)s），不能重复投递") % {"s": existing.get_status_display()}
                    ]
                }
            )
        application = Application.objects.create(
            post=post,
            employer=post.employer,
            membership=membership,
            person_id=membership.person_id,
            org_path=post.org_path,
            member_org_path=membership.org_path,
            province_id=membership.province_id,
            status=ApplicationStatus.APPLIED,
            channel=channel,
            fair=fair,
            share_mobile=bool(share_mobile),
            share_skills=bool(share_skills),
            note=note,
            applied_at=now,
            changed_at=now,
            created_by=staff_user(actor),
        )
        JobPost.objects.filter(pk=post.pk).update(application_count=F("application_count") + 1)
        _event(application, "", actor=actor, at=now)
        audit.record(
            actor=actor,
            action="jobs.apply",
            obj=application,
            org=post.org,
            after={
                "post": post.pk,
                "channel": channel,
                "share_mobile": bool(share_mobile),
                "fair": fair.pk if fair else None,
            },
        )
    return application


def may_handle(user, application: Application) -> bool:
    """Union staff who manage the post's org, or the employer's own contact account."""
    return user_can(user, MANAGE, application.org_path) or (
        getattr(user, "pk", None) is not None and application.employer.contact_user_id == user.pk
    )


def _require_handler(acting_user, application: Application):
    actor = as_actor(acting_user)
    if actor.is_system:
        return actor
    if actor.is_staff and may_handle(actor.user, application):
        return actor
    raise ActionPermissionError(MANAGE, _("只有岗位所属工会的工作人员或用人单位联系人可以处理该申请"))


def _lock_application(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("post__org", "employer").get(pk=application.pk)


def do_move_application(*, acting_user, application: Application, status: str, note: str = "") -> Application:
    """Union staff or the employer's contact record a step: viewed, interview, offered or declined
    (a hire goes through `do_hire`, a withdrawal is the member's own)."""
    if status not in (
        ApplicationStatus.VIEWED,
        ApplicationStatus.INTERVIEW,
        ApplicationStatus.OFFERED,
        ApplicationStatus.DECLINED,
    ):
        raise ValidationError({"status": [_("请选择：已查看、邀请面试、拟录用或未录用")]})
    note = " ".join(str(note or "").split())[:200]
    with transaction.atomic():
        application = _lock_application(application)
        actor = _require_handler(acting_user, application)
        before = APPLICATION.transition(application, status, ApplicationStatus(status).label)
        application.changed_at = timezone.now()
        application.save(update_fields=["status", "changed_at"])
        _event(application, before, actor=actor, note=note)
        audit.record(
            actor=actor,
            action="jobs.application_move",
            obj=application,
            org=application.post.org,
            before={"status": before},
            after={"status": status},
            reason=note,
        )
    return application


def do_withdraw_application(*, acting_user, application: Application) -> Application:
    """The member takes an application back."""
    actor = require_member(acting_user, application.person_id)
    with transaction.atomic():
        application = _lock_application(application)
        before = APPLICATION.transition(application, ApplicationStatus.WITHDRAWN, _("撤回"))
        application.changed_at = timezone.now()
        application.save(update_fields=["status", "changed_at"])
        _event(application, before, actor=actor)
        audit.record(
            actor=actor,
            action="jobs.application_withdraw",
            obj=application,
            org=application.post.org,
            before={"status": before},
            after={"status": application.status},
        )
    return application


def do_hire(*, acting_user, application: Application, start_date, wage, wage_unit: str, note: str = "") -> Placement:
    """Record the hire of an offered applicant: the placement (start date, wage, type) and its follow-ups
    after 1 and 3 months; the post is filled when its last opening is taken; `placement_made` lets the
    hardship app close the member's 就业帮扶 measure in the same transaction."""
    errors: dict = {}
    start = v.date(start_date, "start_date", errors, label=_("上岗日期"))
    amount = v.money(wage, "wage", errors, label=_("工资"))
    if amount is not None and amount <= 0:
        errors["wage"] = [_("工资应大于 0")]
    if wage_unit not in WageUnit.values:
        errors["wage_unit"] = [_("请选择计薪单位")]
    if start is not None and abs((start - today()).days) > 366:
        errors["start_date"] = [_("上岗日期应在一年以内")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = _lock_application(application)
        actor = _require_handler(acting_user, application)
        before = APPLICATION.transition(application, ApplicationStatus.HIRED, _("录用"))
        post = JobPost.objects.select_for_update().select_related("org", "employer").get(pk=application.post_id)
        application.changed_at = timezone.now()
        application.save(update_fields=["status", "changed_at"])
        _event(application, before, actor=actor, note=note)
        placement = Placement.objects.create(
            application=application,
            post=post,
            employer=post.employer,
            membership_id=application.membership_id,
            person_id=application.person_id,
            org_path=post.org_path,
            province_id=application.province_id,
            start_date=start,
            wage=amount,
            wage_unit=wage_unit,
            wage_monthly=monthly_equivalent(amount, wage_unit),
            job_type=post.job_type,
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                placement=placement,
                org_path=post.org_path,
                province_id=placement.province_id,
                months=months,
                due_on=add_months(start, months),
            )
            for months in FOLLOW_UP_MONTHS
        )
        post.hired_count += 1
        fields = ["hired_count", "updated_at"]
        filled = post.hired_count >= post.openings and post.status == PostStatus.PUBLISHED
        if filled:
            POST.transition(post, PostStatus.FILLED, _("招满"))
            fields.append("status")
        post.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="jobs.hire",
            obj=placement,
            org=post.org,
            before={"status": before},
            after={
                "application": application.pk,
                "start_date": start,
                "wage": amount,
                "wage_unit": wage_unit,
                "post_filled": filled,
            },
            reason=note,
        )
        placement_made.send(
            sender=Placement,
            person_id=placement.person_id,
            membership_id=placement.membership_id,
            placement_id=placement.pk,
            summary=_("已在“%(e)s”上岗（%(t)s），%(d)s 起，工资 %(w)s")
            % {
                "e": post.employer.name,
                "t": post.title,
                "d": start.isoformat(),
                "w": f"{amount} {WageUnit(wage_unit).label}",
            },
            acting_user=actor,
        )
    return placement


def do_record_follow_up(
    *, acting_user, follow_up: FollowUp, still_working, income_change=None, note: str = ""
) -> FollowUp:
    """Record a follow-up call: still working? the monthly income change (may be negative)."""
    require(acting_user, MANAGE, follow_up.org_path)
    errors: dict = {}
    if still_working not in (True, False):
        errors["still_working"] = [_("请选择是否仍在岗")]
    change = None
    if income_change not in (None, ""):
        raw = str(income_change).strip()
        negative = raw.startswith("-")
        change = v.money(raw.lstrip("-"), "income_change", errors, label=_("收入变化"))
        if change is not None and negative:
            change = -change
    note = " ".join(str(note or "").split())
    if len(note) > 200:
        errors["note"] = [_("最多200个字符")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().select_related("placement__post__org").get(pk=follow_up.pk)
        if follow_up.done_at is not None:
            raise ValidationError(
                _("该回访已登记（%(d)s），不能重复登记") % {"d": timezone.localtime(follow_up.done_at).date()}
            )
        follow_up.done_at = timezone.now()
        follow_up.still_working = still_working
        follow_up.income_change = change
        follow_up.note = note
        follow_up.save()
        audit.record(
            actor=acting_user,
            action="jobs.follow_up",
            obj=follow_up,
            org=follow_up.placement.post.org,
            object_label=f"placement {follow_up.placement_id} +{follow_up.months}m",
            after={"still_working": still_working, "income_change": change, "months": follow_up.months},
        )
    return follow_up
