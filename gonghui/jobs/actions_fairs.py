"""The one write path of jobs, part three: job fairs (participants, check-in by member card) and the
talent pool (opt-in with recorded consent, revocable at any time)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import require, require_member
from gonghui.jobs import validation as v
from gonghui.jobs.actions import MANAGE
from gonghui.jobs.models import Availability, Employer, FairVisit, JobFair, JobType, TalentPoolEntry
from gonghui.jobs.states import FAIR, EmployerStatus, FairStatus, PostStatus
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org

CONSENT_TEXT = (
    "本人同意将姓名（脱敏）、技能、职工类型、意向工作地和到岗时间纳入工会人才库，"
    "仅供本人所在工会及上级工会的工作人员为本人推荐岗位使用，不向用人单位直接开放；可随时撤回。"
)


def do_create_fair(*, acting_user, org: Org, data: dict) -> JobFair:
    """A job fair (招聘会) held by `org`, optionally with a live-stream URL (直播带岗)."""
    require(acting_user, MANAGE, org.path, org.name)
    errors: dict = {}
    title = v.text(data, "title", 100, errors, message=_("请填写名称"))
    venue = v.text(data, "venue", 200, errors, message=_("请填写地点"))
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not starts or not ends:
        errors["starts_at"] = [_("请填写起止时间")]
    elif ends <= starts:
        errors["ends_at"] = [_("结束时间应晚于开始时间")]
    live_url = str(data.get("live_url") or "").strip()
    if live_url and not live_url.startswith(("https://", "http://")):
        errors["live_url"] = [_("直播地址应以 https:// 开头")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fair = JobFair.objects.create(
            title=title,
            org=org,
            org_path=org.path,
            province_id=org.province_id,
            venue=venue,
            starts_at=starts,
            ends_at=ends,
            live_url=live_url,
        )
        audit.record(actor=acting_user, action="jobs.fair_create", obj=fair, org=org, after={"title": title})
    return fair


def do_add_to_fair(*, acting_user, fair: JobFair, employer: Employer, posts=()) -> JobFair:
    """An approved employer joins the fair with some of its published posts."""
    require(acting_user, MANAGE, fair.org_path, fair.org.name)
    if fair.status == FairStatus.CLOSED:
        raise ValidationError(_("招聘会已结束，不能再添加参会单位"))
    if employer.status != EmployerStatus.APPROVED:
        raise ValidationError({"employer": [_("用人单位“%(n)s”未通过审核或已暂停，不能参会") % {"n": employer.name}]})
    posts = list(posts)
    bad = [p.title for p in posts if p.employer_id != employer.pk or p.status != PostStatus.PUBLISHED]
    if bad:
        raise ValidationError({"posts": [_("只能添加该单位招聘中的岗位：%(t)s") % {"t": "、".join(bad)}]})
    with transaction.atomic():
        fair.employers.add(employer)
        if posts:
            fair.posts.add(*posts)
        audit.record(
            actor=acting_user,
            action="jobs.fair_add",
            obj=fair,
            org=fair.org,
            after={"employer": employer.pk, "posts": [p.pk for p in posts]},
        )
    return fair


def do_move_fair(*, acting_user, fair: JobFair, status: str) -> JobFair:
    """Open the fair (check-in and on-site applications start) or close it."""
    require(acting_user, MANAGE, fair.org_path, fair.org.name)
    if status not in FairStatus.values:
        raise ValidationError({"status": [_("无效的状态")]})
    with transaction.atomic():
        fair = JobFair.objects.select_for_update().select_related("org").get(pk=fair.pk)
        before = FAIR.transition(fair, status, FairStatus(status).label)
        fair.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=acting_user,
            action="jobs.fair_move",
            obj=fair,
            org=fair.org,
            before={"status": before},
            after={"status": status},
        )
    return fair


@dataclass
class FairCheckIn:
    ok: bool
    message: str
    visit: FairVisit | None = None


def do_fair_check_in(*, acting_user, fair: JobFair, payload: str) -> FairCheckIn:
    """Staff at the entrance scan a visitor's e-member card (signature, expiry, card state checked);
    each member counts once per fair."""
    from gonghui.members.api import verify_payload

    require(acting_user, MANAGE, fair.org_path, fair.org.name)
    if fair.status != FairStatus.OPEN:
        return FairCheckIn(False, _("招聘会%(s)s，不能签到") % {"s": fair.get_status_display()})
    answer = verify_payload(payload)
    if not answer["valid"]:
        return FairCheckIn(False, _("会员卡无效：%(m)s") % {"m": answer["message"]})
    membership = Membership.objects.filter(member_no=answer["member_no"], status__in=CURRENT).first()
    if membership is None:
        return FairCheckIn(False, _("未找到在籍会员"))
    name = answer["name_masked"]
    if FairVisit.objects.filter(fair=fair, person_id=membership.person_id).exists():
        return FairCheckIn(True, _("%(n)s 已入场，无需重复扫码") % {"n": name})
    try:
        with transaction.atomic():
            visit = FairVisit.objects.create(
                fair=fair,
                membership=membership,
                person_id=membership.person_id,
                province_id=membership.province_id,
                checked_in_at=timezone.now(),
            )
            JobFair.objects.filter(pk=fair.pk).update(visitor_count=F("visitor_count") + 1)
            audit.record(
                actor=acting_user, action="jobs.fair_check_in", obj=fair, org=fair.org, after={"visit": visit.pk}
            )
    except IntegrityError:
        return FairCheckIn(True, _("%(n)s 已入场，无需重复扫码") % {"n": name})
    return FairCheckIn(True, _("%(n)s 入场签到成功") % {"n": name}, visit)


# --- the talent pool -----------------------------------------------------------------------------


def do_join_talent_pool(
    *, acting_user, membership: Membership, availability: str, job_types=(), division_code: str = "", note: str = ""
) -> TalentPoolEntry:
    """The member opts in (their consent text and time recorded); a second opt-in updates the entry."""
    actor = require_member(acting_user, membership.person_id)
    errors: dict = {}
    if availability not in Availability.values:
        errors["availability"] = [_("请选择到岗时间")]
    job_types = [t for t in job_types if t]
    if any(t not in JobType.values for t in job_types):
        errors["job_types"] = [_("请从列表中选择意向用工类型")]
    code = v.division({"division_code": division_code}, errors) if division_code else ""
    note = v.text({"note": note}, "note", 200, errors, required=False)
    if membership.status not in CURRENT:
        errors["membership"] = [_("会籍状态为“%(s)s”，不能加入人才库") % {"s": membership.get_status_display()}]
    if errors:
        raise ValidationError(errors)
    fields = {
        "availability": availability,
        "job_types": ("," + ",".join(job_types) + ",") if job_types else "",
        "division_code": code,
        "note": note,
        "worker_type": membership.worker_type,
        "org_path": membership.org_path,
    }
    with transaction.atomic():
        entry = TalentPoolEntry.objects.select_for_update().filter(person_id=membership.person_id, active=True).first()
        if entry is None:
            entry = TalentPoolEntry.objects.create(
                membership=membership,
                person_id=membership.person_id,
                province_id=membership.province_id,
                consent_at=timezone.now(),
                consent_text=CONSENT_TEXT,
                **fields,
            )
            action = "jobs.talent_join"
        else:
            for key, value in fields.items():
                setattr(entry, key, value)
            entry.save()
            action = "jobs.talent_update"
        audit.record(
            actor=actor,
            action=action,
            obj=entry,
            object_label=f"talent {entry.pk}",
            after={"availability": availability, "job_types": job_types, "consent_at": entry.consent_at},
        )
    return entry


def do_leave_talent_pool(*, acting_user, membership: Membership) -> TalentPoolEntry:
    """The member revokes the consent: the entry leaves every search at once (kept, inactive, for the record)."""
    actor = require_member(acting_user, membership.person_id)
    with transaction.atomic():
        entry = TalentPoolEntry.objects.select_for_update().filter(person_id=membership.person_id, active=True).first()
        if entry is None:
            raise ValidationError(_("您未加入人才库"))
        entry.active = False
        entry.revoked_at = timezone.now()
        entry.save(update_fields=["active", "revoked_at"])
        audit.record(
            actor=actor,
            action="jobs.talent_leave",
            obj=entry,
            object_label=f"talent {entry.pk}",
            after={"revoked_at": entry.revoked_at},
        )
    return entry
