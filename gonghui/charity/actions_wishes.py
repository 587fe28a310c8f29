"""微心愿 and volunteers: every write goes through here (DESIGN.md §3.1).

- A member posts a wish for themselves (`Actor.member`), or staff (`charity.manage` at the member's
  union) on their behalf; the union reviews it; it is published anonymised (age band and job).
- Anyone logged in — a member (as themselves or as a volunteer) or staff (as themselves or for a
  company) — claims a published wish. The claim is one conditional UPDATE (`… WHERE status =
  'published'`): exactly one claimant wins however many try at once.
- The claimant fulfils it with a photo; the recipient confirms, or `auto_confirm_wishes` does after
  7 days. A claim not fulfilled by its deadline is released by `release_overdue_claims`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.charity.actions import MANAGE, _audit
from gonghui.charity.models_wishes import Volunteer, VolunteerActivity, VolunteerSignup, Wish, WishRound
from gonghui.charity.states import SIGNUP, WISH, SignupStatus, WishStatus
from gonghui.charity.validation import as_date, choice, money, text
from gonghui.core.actionkit import Actor, as_actor, require, staff_user
from gonghui.core.errors import ActionPermissionError
from gonghui.members.states import CURRENT
from gonghui.people.identity import mask_mobile

W = WishStatus
AUTO_CONFIRM_DAYS = 7
MAX_PROOF_BYTES = 8 * 1024 * 1024


def default_price_cap() -> Decimal:
    return Decimal(str(getattr(settings, "CHARITY_WISH_PRICE_CAP", "300.00")))


def age_band(birth_date: dt.date | None, today: dt.date) -> str:
    if birth_date is None:
        return _("未知")
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    low = max(18, age // 10 * 10)
    return _("%(a)d-%(b)d岁") % {"a": low, "b": low + 9}


def job_of(membership) -> str:
    if membership.gig_subtype:
        return str(membership.get_gig_subtype_display())[:20]
    return _("职工")


def _org_name(obj) -> str:
    return getattr(obj.org, "name", "")


# --- rounds and wishes -------------------------------------------------------------------------------


@transaction.atomic
def do_create_round(
    *, acting_user, org, name: str, starts_on, ends_on, price_cap=None, claim_days: int = 14
) -> WishRound:
    """A wish round (心愿征集) of `org` for its subtree; the price cap defaults to ¥300 (setting)."""
    require(acting_user, MANAGE, org.path, org.name)
    starts, ends = as_date(starts_on, "starts_on"), as_date(ends_on, "ends_on")
    if ends < starts:
        raise ValidationError({"ends_on": _("截止日期不能早于开始日期")})
    if not 1 <= int(claim_days) <= 90:
        raise ValidationError({"claim_days": _("完成期限应为1至90天")})
    cap = money(price_cap if price_cap not in (None, "") else default_price_cap(), "price_cap")
    wish_round = WishRound.objects.create(
        org=org,
        org_path=org.path,
        name=text(name, "name", 60),
        starts_on=starts,
        ends_on=ends,
        price_cap=cap,
        claim_days=int(claim_days),
    )
    _audit(acting_user, "charity.round_create", wish_round, org, after={"price_cap": cap})
    return wish_round


@transaction.atomic
def do_post_wish(
    *, acting_user, wish_round: WishRound, membership, category: str, title: str, story: str, price, job: str = ""
) -> Wish:
    """A member's wish in a round: by the member (portal) or by staff on the member's behalf."""
    actor = as_actor(acting_user)
    if actor.is_member:
        if actor.person_id != membership.person_id:
            raise ActionPermissionError("member.self", _("只能为本人发布心愿"))
    else:
        require(actor, MANAGE, membership.org_path, membership.org.name)
    errors = {}
    if membership.status not in CURRENT:
        errors["membership"] = _("只有在册会员可以发布心愿")
    elif not membership.org_path.startswith(wish_round.org_path):
        errors["membership"] = _("该会员不在本期心愿征集的范围内")
    today = timezone.localdate()
    if not wish_round.starts_on <= today <= wish_round.ends_on:
        errors["round"] = _("本期心愿征集不在征集期内")
    if errors:
        raise ValidationError(errors)
    value = money(price, "price")
    if value > wish_round.price_cap:
        raise ValidationError({"price": _("心愿金额不能超过%(c)s元") % {"c": wish_round.price_cap}})
    if (
        Wish.objects.filter(round=wish_round, membership=membership)
        .exclude(status__in=[W.REJECTED, W.WITHDRAWN])
        .exists()
    ):
        raise ValidationError({"membership": _("本期已发布过心愿，每人每期一个")})
    wish = Wish.objects.create(
        round=wish_round,
        org=membership.org,
        org_path=membership.org_path,
        province_id=membership.province_id,
        membership=membership,
        category=choice(category, Wish.Category, "category"),
        title=text(title, "title", 40),
        story=text(story, "story", 300),
        price=value,
        age_band=age_band(membership.person.birth_date, today),
        job=text(job, "job", 20, required=False) or job_of(membership),
        posted_by_staff=staff_user(actor),
    )
    _audit(actor, "charity.wish_post", wish, membership.org, after={"round": wish_round.pk, "price": value})
    return wish


def _lock(wish) -> Wish:
    return Wish.objects.select_for_update().select_related("org").get(pk=wish.pk)


@transaction.atomic
def do_review_wish(*, acting_user, wish: Wish, approve: bool, note: str = "") -> Wish:
    """The member's union publishes the wish (anonymised) or turns it down with a reason."""
    wish = _lock(wish)
    require(acting_user, MANAGE, wish.org_path, wish.org.name)
    note = text(note, "note", 200, required=not approve, message=_("请填写未通过的原因"))
    before = WISH.transition(wish, W.PUBLISHED if approve else W.REJECTED, _("审核心愿"))
    wish.review_note = note
    wish.reviewed_by = staff_user(acting_user)
    wish.reviewed_at = timezone.now()
    wish.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _audit(
        acting_user,
        "charity.wish_review",
        wish,
        wish.org,
        before={"status": before},
        after={"status": wish.status},
        reason=note,
    )
    return wish


@transaction.atomic
def do_withdraw_wish(*, acting_user, wish: Wish) -> Wish:
    wish = _lock(wish)
    _require_owner_or_staff(acting_user, wish)
    before = WISH.transition(wish, W.WITHDRAWN, _("撤回心愿"))
    wish.save(update_fields=["status"])
    _audit(
        acting_user, "charity.wish_withdraw", wish, wish.org, before={"status": before}, after={"status": W.WITHDRAWN}
    )
    return wish


def _require_owner_or_staff(acting_user, wish: Wish) -> Actor:
    actor = as_actor(acting_user)
    if actor.is_member:
        if actor.person_id != wish.membership.person_id:
            raise ActionPermissionError("member.self", _("只能办理本人的心愿"))
        return actor
    return require(actor, MANAGE, wish.org_path, wish.org.name)


def do_claim_wish(*, acting_user, wish: Wish, claimant_kind: str, claimant_name: str = "") -> Wish:
    """Claim a published wish. One conditional UPDATE decides: exactly one claimant wins."""
    actor = as_actor(acting_user)
    kind = choice(claimant_kind, Wish.ClaimantKind, "claimant_kind")
    if actor.is_member and kind not in (Wish.ClaimantKind.MEMBER, Wish.ClaimantKind.VOLUNTEER):
        raise ValidationError({"claimant_kind": _("会员可以以本人或志愿者身份认领")})
    if actor.is_staff and kind not in (Wish.ClaimantKind.STAFF, Wish.ClaimantKind.COMPANY):
        raise ValidationError({"claimant_kind": _("工作人员可以以本人或代爱心企业认领")})
    if actor.is_staff and not actor.user.is_active:
        raise ActionPermissionError("charity.claim", _("账号已停用"))
    name = text(
        claimant_name, "claimant_name", 60, required=kind == Wish.ClaimantKind.COMPANY, message=_("请填写爱心企业名称")
    )
    if not name:
        name = actor.label[:1] + "**" if actor.is_member and actor.label else str(actor.label or _("爱心人士"))[:60]
    if actor.is_member and wish.membership.person_id == actor.person_id:
        raise ValidationError({"wish": _("不能认领本人的心愿")})
    now = timezone.now()
    with transaction.atomic():
        current = Wish.objects.select_related("round", "org").get(pk=wish.pk)
        deadline = timezone.localdate(now) + dt.timedelta(days=current.round.claim_days)
        won = Wish.objects.filter(pk=wish.pk, status=W.PUBLISHED).update(
            status=W.CLAIMED,
            claimant_kind=kind,
            claimant_name=name,
            claimant_person_id=actor.person_id if actor.is_member else None,
            claimant_user=actor.user if actor.is_staff else None,
            claimed_at=now,
            claim_deadline=deadline,
            claims=F("claims") + 1,
        )
        if not won:
            current.refresh_from_db(fields=["status"])
            if current.status == W.CLAIMED:
                raise ValidationError({"wish": _("这个心愿刚刚已被认领，请选择其他心愿")})
            WISH.check(current.status, W.CLAIMED, _("认领心愿"))
        _audit(actor, "charity.wish_claim", current, current.org, after={"kind": kind, "deadline": deadline})
    current.refresh_from_db()
    return current


def _require_claimant_or_staff(acting_user, wish: Wish) -> Actor:
    actor = as_actor(acting_user)
    if actor.is_member and wish.claimant_person_id == actor.person_id:
        return actor
    if actor.is_staff and wish.claimant_user_id == actor.user.pk:
        return actor
    if actor.is_member:
        raise ActionPermissionError("member.self", _("只有认领人可以办理"))
    return require(actor, MANAGE, wish.org_path, wish.org.name)


def _clear_claim(wish: Wish) -> None:
    wish.claimant_kind = wish.claimant_name = ""
    wish.claimant_person_id = wish.claimant_user = wish.claimed_at = wish.claim_deadline = None


CLAIM_FIELDS = [
    "status",
    "claimant_kind",
    "claimant_name",
    "claimant_person_id",
    "claimant_user",
    "claimed_at",
    "claim_deadline",
]


@transaction.atomic
def do_release_wish(*, acting_user, wish: Wish, reason: str = "") -> Wish:
    """The claimant (or staff) gives a claimed wish back to the wall."""
    wish = _lock(wish)
    actor = _require_claimant_or_staff(acting_user, wish)
    WISH.transition(wish, W.PUBLISHED, _("放弃认领"))
    _clear_claim(wish)
    wish.save(update_fields=CLAIM_FIELDS)
    _audit(
        actor,
        "charity.wish_release",
        wish,
        wish.org,
        after={"status": W.PUBLISHED},
        reason=text(reason, "reason", 200, required=False),
    )
    return wish


def _is_image(upload) -> bool:
    """The file's first bytes are those of a JPEG, PNG or WebP image (the name alone proves nothing)."""
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@transaction.atomic
def do_fulfil_wish(*, acting_user, wish: Wish, proof, value=None) -> Wish:
    """The claimant delivers the wish and uploads a photo as proof."""
    wish = _lock(wish)
    actor = _require_claimant_or_staff(acting_user, wish)
    WISH.check(wish.status, W.FULFILLED, _("登记送达"))
    if not proof:
        raise ValidationError({"proof": _("请上传送达照片")})
    if getattr(proof, "size", 0) > MAX_PROOF_BYTES:
        raise ValidationError({"proof": _("照片不能超过8MB")})
    name = str(getattr(proof, "name", "")).lower()
    if not name.endswith((".jpg", ".jpeg", ".png", ".webp")):
        raise ValidationError({"proof": _("请上传 JPG、PNG 或 WebP 格式的照片")})
    if not _is_image(proof):
        raise ValidationError({"proof": _("文件内容不是照片，请重新选择")})
    amount = money(value, "value") if value not in (None, "") else wish.price
    wish.status = W.FULFILLED
    wish.proof.save(f"wish-{wish.pk}{name[name.rfind('.') :]}", proof, save=False)
    wish.fulfilled_at = timezone.now()
    wish.fulfilled_value = amount
    wish.save(update_fields=["status", "proof", "fulfilled_at", "fulfilled_value"])
    _audit(actor, "charity.wish_fulfil", wish, wish.org, after={"status": W.FULFILLED, "value": amount})
    return wish


@transaction.atomic
def do_confirm_wish(*, acting_user, wish: Wish) -> Wish:
    """The recipient confirms receipt (or staff for them; a system job after 7 days)."""
    wish = _lock(wish)
    actor = as_actor(acting_user)
    if not actor.is_system:
        _require_owner_or_staff(actor, wish)
    WISH.transition(wish, W.CONFIRMED, _("确认收到"))
    wish.confirmed_at = timezone.now()
    wish.auto_confirmed = actor.is_system
    wish.save(update_fields=["status", "confirmed_at", "auto_confirmed"])
    _audit(actor, "charity.wish_confirm", wish, wish.org, after={"status": W.CONFIRMED, "auto": actor.is_system})
    return wish


def auto_confirm_wishes(now=None) -> int:
    """Confirm wishes fulfilled more than 7 days ago that the recipient has not confirmed."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=AUTO_CONFIRM_DAYS)
    job = Actor.system("charity-auto-confirm")
    done = 0
    for wish in Wish.objects.filter(status=W.FULFILLED, fulfilled_at__lte=cutoff).only("pk"):
        do_confirm_wish(acting_user=job, wish=wish)
        done += 1
    return done


def release_overdue_claims(today=None) -> int:
    """Give back to the wall the claims not fulfilled by their deadline."""
    today = today or timezone.localdate()
    job = Actor.system("charity-release-overdue")
    done = 0
    for wish in Wish.objects.filter(status=W.CLAIMED, claim_deadline__lt=today).only("pk"):
        do_release_wish(acting_user=job, wish=wish, reason=_("逾期未完成，自动释放"))
        done += 1
    return done


# --- volunteers --------------------------------------------------------------------------------------


@transaction.atomic
def do_register_volunteer(
    *, acting_user, org, name: str = "", mobile: str = "", skills=None, availability: str = "", membership=None
) -> Volunteer:
    """Register a volunteer: a member (themselves in the portal, or by staff) or a non-member (by staff)."""
    actor = as_actor(acting_user)
    if actor.is_member:
        if membership is None or membership.person_id != actor.person_id:
            raise ActionPermissionError("member.self", _("只能登记本人为志愿者"))
        org = membership.org
    else:
        require(actor, MANAGE, org.path, org.name)
        if membership is not None and not membership.org_path.startswith(org.path):
            raise ValidationError({"membership": _("该会员不在本组织范围内")})
    skills = [text(s, "skills", 20) for s in (skills or []) if str(s).strip()]
    if len(skills) > 10:
        raise ValidationError({"skills": _("最多填写10项技能")})
    if membership is not None:
        name, number = membership.person.name, membership.person.mobile or ""
    else:
        name = text(name, "name", 30)
        number = "".join(ch for ch in str(mobile or "") if ch.isdigit())
        if len(number) != 11 or not number.startswith("1"):
            raise ValidationError({"mobile": _("请填写11位手机号")})
        number = "+86" + number
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                org=org,
                org_path=org.path,
                province_id=org.province_id,
                membership=membership,
                person_id_ref=getattr(membership, "person_id", None),
                name=name,
                mobile_masked=mask_mobile(number) if number else "",
                skills=skills,
                availability=text(availability, "availability", 100, required=False),
            )
    except IntegrityError:
        raise ValidationError({"membership": _("已登记为本组织的志愿者")}) from None
    _audit(
        actor, "charity.volunteer_register", volunteer, org, after={"member": membership is not None, "skills": skills}
    )
    return volunteer


@transaction.atomic
def do_create_activity(
    *, acting_user, org, title: str, on, place: str = "", capacity: int = 20, kind: str = "event", wish=None
) -> VolunteerActivity:
    require(acting_user, MANAGE, org.path, org.name)
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise ValidationError({"capacity": _("人数上限应为整数")}) from None
    if not 1 <= capacity <= 1000:
        raise ValidationError({"capacity": _("人数上限应为1至1000")})
    activity = VolunteerActivity.objects.create(
        org=org,
        org_path=org.path,
        kind=choice(kind, VolunteerActivity.Kind, "kind"),
        title=text(title, "title", 80),
        on=as_date(on, "on"),
        place=text(place, "place", 100, required=False),
        capacity=capacity,
        wish=wish,
    )
    _audit(acting_user, "charity.activity_create", activity, org, after={"on": activity.on, "capacity": capacity})
    return activity


@transaction.atomic
def do_sign_up(*, acting_user, activity: VolunteerActivity, volunteer: Volunteer) -> VolunteerSignup:
    """Sign a volunteer up (the member volunteer themselves, or staff); capacity held by a conditional UPDATE."""
    actor = as_actor(acting_user)
    if actor.is_member:
        if volunteer.person_id_ref != actor.person_id:
            raise ActionPermissionError("member.self", _("只能为本人报名"))
    else:
        require(actor, MANAGE, activity.org_path, _org_name(activity))
    if not volunteer.active:
        raise ValidationError({"volunteer": _("该志愿者已不在册")})
    if VolunteerSignup.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("已报名该活动")})
    if not VolunteerActivity.objects.filter(pk=activity.pk, signed_up__lt=F("capacity")).update(
        signed_up=F("signed_up") + 1
    ):
        raise ValidationError({"activity": _("报名人数已满")})
    signup = VolunteerSignup.objects.create(activity=activity, volunteer=volunteer, org_path=activity.org_path)
    _audit(actor, "charity.signup", signup, activity.org, after={"activity": activity.pk})
    return signup


@transaction.atomic
def do_record_hours(*, acting_user, signup: VolunteerSignup, hours) -> VolunteerSignup:
    """Record that the volunteer attended and the hours served (0.5 to 24)."""
    signup = VolunteerSignup.objects.select_for_update().select_related("activity__org").get(pk=signup.pk)
    require(acting_user, MANAGE, signup.org_path, signup.activity.org.name)
    try:
        value = Decimal(str(hours)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError({"hours": _("时长应为数字")}) from None
    if not Decimal("0.5") <= value <= Decimal("24"):
        raise ValidationError({"hours": _("时长应为0.5至24小时")})
    SIGNUP.transition(signup, SignupStatus.ATTENDED, _("登记服务时长"))
    signup.hours = value
    signup.save(update_fields=["status", "hours"])
    Volunteer.objects.filter(pk=signup.volunteer_id).update(hours=F("hours") + value)
    _audit(acting_user, "charity.hours", signup, signup.activity.org, after={"hours": value})
    return signup


@transaction.atomic
def do_cancel_signup(*, acting_user, signup: VolunteerSignup) -> VolunteerSignup:
    signup = VolunteerSignup.objects.select_for_update().select_related("activity__org", "volunteer").get(pk=signup.pk)
    actor = as_actor(acting_user)
    if actor.is_member:
        if signup.volunteer.person_id_ref != actor.person_id:
            raise ActionPermissionError("member.self", _("只能取消本人的报名"))
    else:
        require(actor, MANAGE, signup.org_path, signup.activity.org.name)
    SIGNUP.transition(signup, SignupStatus.CANCELLED, _("取消报名"))
    signup.save(update_fields=["status"])
    VolunteerActivity.objects.filter(pk=signup.activity_id, signed_up__gt=0).update(signed_up=F("signed_up") - 1)
    _audit(actor, "charity.signup_cancel", signup, signup.activity.org, after={"status": SignupStatus.CANCELLED})
    return signup
