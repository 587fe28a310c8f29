"""The one write path of jobs (DESIGN.md §3.1), part one: employers, the minimum wage table and job
posts. Applications, placements and follow-ups live in `actions_apply`; fairs and the talent pool in
`actions_fairs`.

Every action takes the keyword-only `acting_user` (a staff User, an Actor, or `Actor.system(...)`),
checks the permission at the owning org's path, validates with Chinese messages per field, moves the
state through the machines of `states.py` and writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import require, staff_user
from gonghui.core.validators import validate_uscc
from gonghui.jobs import validation as v
from gonghui.jobs.models import Employer, JobPost, JobType, MinimumWage, WageUnit, plain
from gonghui.jobs.models.posts import band
from gonghui.jobs.states import EMPLOYER, POST, EmployerStatus, PostStatus
from gonghui.jobs.wages import minimum_wage, monthly_equivalent
from gonghui.orgs.models import Org
from gonghui.people.identity import normalise_mobile

VIEW, MANAGE, REVIEW = "jobs.view", "jobs.manage", "jobs.review"
GIG_STATION_KIND = "gig"  # the stations app's kind code of a 零工驿站


def today() -> dt.date:
    return timezone.localdate()


# --- employers -----------------------------------------------------------------------------------


def _employer_fields(data: dict, errors: dict, *, enterprise: Org | None) -> dict:
    fields = {
        "name": v.text(data, "name", 120, errors, message=_("请填写单位名称")),
        "contact_name": v.text(data, "contact_name", 40, errors, message=_("请填写联系人")),
        "address": v.text(data, "address", 200, errors, message=_("请填写地址")),
        "division_code": v.division(data, errors),
    }
    try:
        fields["contact_mobile"] = normalise_mobile(data.get("contact_mobile") or "")
    except ValidationError as exc:
        errors["contact_mobile"] = exc.messages
    fields["lat"], fields["lon"] = v.coordinates(data, errors, required=False)
    if enterprise is not None:
        fields["uscc"] = enterprise.uscc
        fields["name"] = fields["name"] or enterprise.name
    else:
        try:
            fields["uscc"] = validate_uscc(data.get("uscc") or "")
        except ValidationError as exc:
            errors["uscc"] = exc.messages
    return fields


def do_register_employer(*, acting_user, org: Org, data: dict, enterprise: Org | None = None) -> Employer:
    """A union registers an employer it vouches for: the enterprise of a grassroots union in its subtree
    (`enterprise`, the USCC is the union's) or an outside employer with a valid USCC. It may post
    once a reviewer of `org` approves it."""
    require(acting_user, MANAGE, org.path, org.name)
    errors: dict = {}
    if enterprise is not None and (not enterprise.path.startswith(org.path) or not enterprise.uscc):
        errors["enterprise_org"] = [_("请选择本工会下级、已登记统一社会信用代码的基层工会")]
    if errors:
        raise ValidationError(errors)
    fields = _employer_fields(data, errors, enterprise=enterprise)
    if not errors and Employer.objects.filter(uscc=fields["uscc"]).exists():
        other = Employer.objects.filter(uscc=fields["uscc"]).values_list("name", flat=True).first()
        errors["uscc"] = [_("该统一社会信用代码已登记为“%(n)s”，不能重复登记") % {"n": other}]
    if errors:
        raise ValidationError(errors)
    employer = Employer(
        kind=Employer.Kind.MEMBER if enterprise is not None else Employer.Kind.OUTSIDE,
        org=org,
        org_path=org.path,
        province_id=org.province_id,
        enterprise_org=enterprise,
        created_by=staff_user(acting_user),
        **fields,
    )
    with transaction.atomic():
        employer.save()
        audit.record(
            actor=acting_user, action="jobs.employer_register", obj=employer, org=org, after=_employer_snap(employer)
        )
    return employer


def _employer_snap(e: Employer) -> dict:
    return {"name": e.name, "uscc": e.uscc, "kind": e.kind, "status": e.status}


def _lock_employer(employer: Employer) -> Employer:
    return Employer.objects.select_for_update().select_related("org").get(pk=employer.pk)


def do_approve_employer(*, acting_user, employer: Employer, note: str = "") -> Employer:
    """A reviewer of the registering union approves the employer (or resumes a suspended one)."""
    require(acting_user, REVIEW, employer.org_path, employer.org.name)
    with transaction.atomic():
        employer = _lock_employer(employer)
        before = EMPLOYER.transition(employer, EmployerStatus.APPROVED, _("审核通过"))
        employer.review_note = (note or "").strip()[:200]
        employer.reviewed_at = timezone.now()
        employer.save(update_fields=["status", "review_note", "reviewed_at", "updated_at"])
        audit.record(
            actor=acting_user,
            action="jobs.employer_approve",
            obj=employer,
            org=employer.org,
            before={"status": before},
            after={"status": employer.status},
            reason=employer.review_note,
        )
    return employer


def do_suspend_employer(*, acting_user, employer: Employer, reason: str) -> Employer:
    """Suspend an employer (complaints, unpaid wages …): its posts that are not finished are withdrawn
    in the same transaction, and it cannot post again until approved anew."""
    require(acting_user, REVIEW, employer.org_path, employer.org.name)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写暂停原因")]})
    with transaction.atomic():
        employer = _lock_employer(employer)
        before = EMPLOYER.transition(employer, EmployerStatus.SUSPENDED, _("暂停"))
        employer.review_note = reason[:200]
        employer.reviewed_at = timezone.now()
        employer.save(update_fields=["status", "review_note", "reviewed_at", "updated_at"])
        open_posts = JobPost.objects.select_for_update().filter(
            employer=employer, status__in=[PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.PUBLISHED]
        )
        withdrawn = list(open_posts.order_by("pk").values_list("pk", flat=True))
        JobPost.objects.filter(pk__in=withdrawn).update(
            status=PostStatus.WITHDRAWN,
            status_reason=(_("用人单位已暂停：") + reason)[:200],
            updated_at=timezone.now(),
        )
        audit.record(
            actor=acting_user,
            action="jobs.employer_suspend",
            obj=employer,
            org=employer.org,
            before={"status": before},
            after={"status": employer.status, "withdrawn_posts": withdrawn},
            reason=reason,
        )
    return employer


# --- the minimum wage table ----------------------------------------------------------------------


def do_set_minimum_wage(
    *, acting_user, division_code: str, effective_on, monthly, hourly, note: str = "", demo: bool = False
) -> MinimumWage:
    """Record the minimum wage of a division from a date (a provincial notice); province-wide staff only."""
    require(acting_user, REVIEW, None)
    errors: dict = {}
    code = v.division({"division_code": division_code}, errors)
    on = v.date(effective_on, "effective_on", errors, label=_("执行日期"))
    monthly = v.money(monthly, "monthly", errors, label=_("月最低工资"))
    hourly = v.money(hourly, "hourly", errors, label=_("小时最低工资"))
    if monthly is not None and monthly <= 0:
        errors["monthly"] = [_("月最低工资应大于 0")]
    if hourly is not None and hourly <= 0:
        errors["hourly"] = [_("小时最低工资应大于 0")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, created = MinimumWage.objects.update_or_create(
            division_code=code,
            effective_on=on,
            defaults={"monthly": monthly, "hourly": hourly, "note": (note or "")[:200], "demo": demo},
        )
        audit.record(
            actor=acting_user,
            action="jobs.minimum_wage_set",
            obj=row,
            after={"division_code": code, "effective_on": on, "monthly": monthly, "hourly": hourly, "demo": demo},
        )
    return row


# --- job posts -----------------------------------------------------------------------------------

POST_FIELDS = (
    "title",
    "description",
    "job_type",
    "skills",
    "openings",
    "wage_min",
    "wage_max",
    "wage_unit",
    "remote",
    "lat",
    "lon",
    "division_code",
    "address",
    "hours",
    "benefits",
    "deadline",
)


def _employer_may_post(employer: Employer) -> None:
    if employer.status == EmployerStatus.SUSPENDED:
        raise ValidationError({"employer": [_("用人单位“%(n)s”已被暂停，不能发布岗位") % {"n": employer.name}]})
    if employer.status != EmployerStatus.APPROVED:
        raise ValidationError({"employer": [_("用人单位“%(n)s”尚未通过工会审核，不能发布岗位") % {"n": employer.name}]})


def _check_wage(post: JobPost, errors: dict, on: dt.date) -> None:
    if "wage_min" in errors or post.wage_unit == WageUnit.PIECE or not post.division_code:
        return
    floor = minimum_wage(post.division_code, on)
    if floor is None:
        return
    least = floor.for_unit(post.wage_unit)
    if least is not None and post.wage_min < least:
        errors["wage_min"] = [
            _("工资下限 %(w)s %(u)s 低于%(floor)s，不能发布")
            % {
                "w": plain(post.wage_min),
                "u": WageUnit(post.wage_unit).label,
                "floor": floor.describe(post.wage_unit),
            }
        ]


def _clean_post(post: JobPost, data: dict) -> None:
    """Validate and set the post's fields from `data` (every field is checked; all errors at once)."""
    errors: dict = {}
    post.title = v.text(data, "title", 80, errors, message=_("请填写岗位名称"))
    post.description = v.text(data, "description", 4000, errors, message=_("请填写岗位描述"))
    post.job_type = data.get("job_type") or ""
    if post.job_type not in JobType.values:
        errors["job_type"] = [_("请选择用工类型：%(l)s") % {"l": "、".join(str(label) for label in JobType.labels)}]
    post.skills = v.skills(data.get("skills"), errors)
    post.skill_names = ("," + ",".join(s["name"] for s in post.skills) + ",") if post.skills else ""
    try:
        post.openings = int(data.get("openings"))
        if post.openings < 1 or post.openings > 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["openings"] = [_("招聘人数应为 1–100000 的整数")]
    post.wage_min = v.money(data.get("wage_min"), "wage_min", errors, label=_("工资下限"))
    wage_max = data.get("wage_max")
    post.wage_max = (
        post.wage_min if wage_max in (None, "") else v.money(wage_max, "wage_max", errors, label=_("工资上限"))
    )
    if post.wage_min is not None and post.wage_max is not None and post.wage_max < post.wage_min:
        errors["wage_max"] = [_("工资上限不能低于下限")]
    post.wage_unit = data.get("wage_unit") or ""
    if post.wage_unit not in WageUnit.values:
        errors["wage_unit"] = [_("请选择计薪单位")]
    post.remote = bool(data.get("remote"))
    post.lat, post.lon = v.coordinates(data, errors, required=not post.remote)
    if post.remote:
        post.lat = post.lon = None
    post.lat_band = band(post.lat)
    post.division_code = v.division(data, errors)
    post.address = v.text(data, "address", 200, errors, required=False)
    post.hours = v.text(data, "hours", 100, errors, required=False)
    post.benefits = v.text(data, "benefits", 200, errors, required=False)
    post.deadline = v.date(data.get("deadline"), "deadline", errors, label=_("截止日期"))
    if post.deadline is not None and post.deadline < today():
        errors["deadline"] = [_("截止日期不能早于今天")]
    if post.wage_unit in WageUnit.values and post.wage_min is not None:
        _check_wage(post, errors, today())
    if errors:
        raise ValidationError(errors)
    post.wage_monthly = monthly_equivalent(post.wage_min, post.wage_unit)


def _post_snap(post: JobPost) -> dict:
    return {
        "title": post.title,
        "job_type": post.job_type,
        "openings": post.openings,
        "wage_min": post.wage_min,
        "wage_max": post.wage_max,
        "wage_unit": post.wage_unit,
        "deadline": post.deadline,
        "status": post.status,
    }


def do_create_post(*, acting_user, employer: Employer, data: dict, org: Org | None = None, station=None) -> JobPost:
    """A draft post of an approved employer, owned by `org` or published through a 零工驿站 `station`
    (then owned by the station's union). Wages below the local minimum wage are refused with the figure."""
    if station is not None:
        if station.kind.code != GIG_STATION_KIND:
            raise ValidationError({"station": [_("只有零工驿站可以发布岗位")]})
        org = station.org
    if org is None:
        raise ValidationError({"org": [_("请选择发布工会或零工驿站")]})
    require(acting_user, MANAGE, org.path, org.name)
    _employer_may_post(employer)
    post = JobPost(
        employer=employer,
        org=org,
        org_path=org.path,
        province_id=org.province_id,
        station=station,
        created_by=staff_user(acting_user),
    )
    _clean_post(post, data)
    with transaction.atomic():
        post.save()
        audit.record(actor=acting_user, action="jobs.post_create", obj=post, org=org, after=_post_snap(post))
    return post


def do_edit_post(*, acting_user, post: JobPost, data: dict) -> JobPost:
    """Change a draft (or a post returned for changes); published posts are withdrawn and posted anew."""
    require(acting_user, MANAGE, post.org_path, post.org.name)
    with transaction.atomic():
        post = JobPost.objects.select_for_update().select_related("org", "employer").get(pk=post.pk)
        if post.status != PostStatus.DRAFT:
            raise ValidationError(_("当前状态为“%(s)s”，只有草稿可以修改") % {"s": post.get_status_display()})
        before = _post_snap(post)
        merged = {key: getattr(post, key) for key in POST_FIELDS}
        merged.update({k: val for k, val in data.items() if k in POST_FIELDS})
        _clean_post(post, merged)
        post.save()
        audit.record(
            actor=acting_user, action="jobs.post_edit", obj=post, org=post.org, before=before, after=_post_snap(post)
        )
    return post


def _lock_post(post: JobPost) -> JobPost:
    return JobPost.objects.select_for_update().select_related("org", "employer").get(pk=post.pk)


def _move_post(
    post: JobPost, target: str, *, acting_user, what: str, action: str, reason: str = "", **fields
) -> JobPost:
    before = POST.transition(post, target, what)
    post.status_reason = reason[:200]
    for name, value in fields.items():
        setattr(post, name, value)
    post.save()
    audit.record(
        actor=acting_user,
        action=action,
        obj=post,
        org=post.org,
        before={"status": before},
        after={"status": target},
        reason=reason,
    )
    return post


def do_submit_post(*, acting_user, post: JobPost) -> JobPost:
    """Send a draft to the owning union's review queue."""
    require(acting_user, MANAGE, post.org_path, post.org.name)
    with transaction.atomic():
        post = _lock_post(post)
        _employer_may_post(post.employer)
        return _move_post(
            post, PostStatus.IN_REVIEW, acting_user=acting_user, what=_("提交审核"), action="jobs.post_submit"
        )


def do_publish_post(*, acting_user, post: JobPost) -> JobPost:
    """A reviewer of the owning org publishes the post; the employer and the wage are checked again
    (the employer may have been suspended, the minimum wage raised since the draft)."""
    require(acting_user, REVIEW, post.org_path, post.org.name)
    with transaction.atomic():
        post = _lock_post(post)
        POST.check(post.status, PostStatus.PUBLISHED, _("发布"))
        _employer_may_post(post.employer)
        errors: dict = {}
        if post.deadline < today():
            errors["deadline"] = [_("截止日期已过，请退回修改")]
        _check_wage(post, errors, today())
        if errors:
            raise ValidationError(errors)
        return _move_post(
            post,
            PostStatus.PUBLISHED,
            acting_user=acting_user,
            what=_("发布"),
            action="jobs.post_publish",
            published_at=timezone.now(),
        )


def do_return_post(*, acting_user, post: JobPost, reason: str) -> JobPost:
    """The reviewer sends a post back to draft with what to change."""
    require(acting_user, REVIEW, post.org_path, post.org.name)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因")]})
    with transaction.atomic():
        post = _lock_post(post)
        return _move_post(
            post,
            PostStatus.DRAFT,
            acting_user=acting_user,
            what=_("退回修改"),
            action="jobs.post_return",
            reason=reason,
        )


def do_withdraw_post(*, acting_user, post: JobPost, reason: str) -> JobPost:
    """Take a post down (the employer no longer hires); applications stay for the record."""
    require(acting_user, MANAGE, post.org_path, post.org.name)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写撤回原因")]})
    with transaction.atomic():
        post = _lock_post(post)
        return _move_post(
            post,
            PostStatus.WITHDRAWN,
            acting_user=acting_user,
            what=_("撤回"),
            action="jobs.post_withdraw",
            reason=reason,
        )


def do_expire_posts(*, acting_user, on: dt.date | None = None) -> int:
    """The daily sweep: published posts past their deadline expire (one audit entry naming them)."""
    require(acting_user, MANAGE, None)
    on = on or today()
    with transaction.atomic():
        ids = list(
            JobPost.objects.select_for_update()
            .filter(status=PostStatus.PUBLISHED, deadline__lt=on)
            .values_list("pk", flat=True)
        )
        if ids:
            JobPost.objects.filter(pk__in=ids).update(status=PostStatus.EXPIRED, updated_at=timezone.now())
            audit.record(
                actor=acting_user,
                action="jobs.posts_expire",
                object_type="jobs.jobpost",
                object_id="sweep",
                after={"expired": ids, "on": on},
            )
    return len(ids)
