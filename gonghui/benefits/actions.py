"""Every change to benefits goes through these functions (DESIGN.md §3.1).

Atomic; `acting_user` keyword-only (None for the system, or for a member acting through the
portal, whose membership is passed explicitly); permission on the org's subtree (union staff:
`benefit.manage`, `benefit.redeem`) or, at a partner's counter, an active `PartnerStaff` link;
audit entry in the same transaction.

Voucher claims are exact under concurrency:
- the quota: publishing splits it over a few `CampaignShard` rows whose quotas sum to the campaign's.
  A claim takes one with `UPDATE shard SET issued = issued + 1 WHERE … AND issued < quota` on a shard
  it locks with SKIP LOCKED (another shard when one is busy; waiting only when all free ones are
  busy); a CHECK keeps `issued ≤ quota` per shard in the database whatever happens. On PostgreSQL the
  shard update, the voucher and its audit entry are one statement, atomic by itself; when no shard
  has room the claim is refused and nothing is written. No single hot row: claimants commit in
  parallel instead of queueing on the campaign row;
- the per-member limit: each voucher carries its holder's sequence number in the campaign under a
  unique constraint, so two simultaneous claims by one member collide in the database; the loser
  retries, sees the winner's voucher and is refused if the limit is reached.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import secrets
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.benefits import vouchers
from gonghui.benefits.models import (
    Campaign,
    CampaignShard,
    CardUse,
    Feedback,
    MedicalReduction,
    Offer,
    Partner,
    PartnerStaff,
    Redemption,
    Service,
    Voucher,
)
from gonghui.benefits.states import (
    PARTNER_TRANSITIONS,
    PUBLISH_TRANSITIONS,
    PartnerStatus,
    PublishStatus,
    VoucherStatus,
    check,
)
from gonghui.core import audit
from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.members import eligibility
from gonghui.members.cards import PayloadError
from gonghui.members.models import Membership
from gonghui.members.schemas import mask_name
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org

MANAGE = "benefit.manage"
REDEEM = "benefit.redeem"
CENT = Decimal("0.01")
CLAIM_RETRIES = 3


# --- helpers -------------------------------------------------------------------------------------


def _require(acting_user, permission: str, path: str, name: str) -> None:
    if acting_user is None:
        return
    if not user_can(acting_user, permission, path):
        raise ActionPermissionError(
            permission, _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）") % {"org": name, "perm": permission}
        )


def partner_of(user) -> Partner | None:
    """The partner whose counter this account works at (one active link per account), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    link = PartnerStaff.objects.filter(user=user, active=True).select_related("partner").first()
    return link.partner if link else None


def can_work_counter(user, partner: Partner) -> bool:
    """Partner staff of this partner, or union staff holding benefit.redeem over its signing org."""
    if user is None:
        return True
    if PartnerStaff.objects.filter(user=user, partner=partner, active=True).exists():
        return True
    return user_can(user, REDEEM, partner.org_path)


def _require_counter(acting_user, partner: Partner) -> None:
    if not can_work_counter(acting_user, partner):
        raise ActionPermissionError(REDEEM, _("您不是“%(p)s”的工作人员") % {"p": partner.name})
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            _("“%(p)s”当前状态为“%(s)s”，不能办理") % {"p": partner.name, "s": partner.get_status_display()}
        )


def money(value, field_name: str, *, required: bool = True, positive: bool = False) -> Decimal | None:
    """A Decimal amount to the fen, or a ValidationError on the field saying what is expected."""
    if value is None or value == "":
        if required:
            raise ValidationError({field_name: [_("请填写金额")]})
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("应为金额，例如 12.50")]}) from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        raise ValidationError({field_name: [_("金额应大于 0") if positive else _("金额不能为负数")]})
    if amount != amount.quantize(CENT) or amount >= Decimal("1e12"):
        raise ValidationError({field_name: [_("金额最多两位小数，且不超过 12 位整数")]})
    return amount.quantize(CENT)


def _apply(instance, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("不能修改此项")] for name in unknown})
    for name, value in data.items():
        setattr(instance, name, value)


def _clean(instance, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _org_active(org: Org) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": [_("“%(org)s”已撤销或合并，不能使用") % {"org": org.name}]})


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _snapshot(obj, fields) -> dict:
    return {name: getattr(obj, name) for name in fields}


# --- partners ------------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "name",
    "kind",
    "uscc",
    "locations",
    "contact_name",
    "contact_phone",
    "description",
    "agreement_start",
    "agreement_end",
)


def _check_partner(partner: Partner) -> None:
    _clean(partner, exclude=("org", "org_path"))
    if partner.agreement_end < partner.agreement_start:
        raise ValidationError({"agreement_end": [_("协议结束日期不能早于开始日期")]})
    locations = partner.locations
    if not isinstance(locations, list) or not all(isinstance(x, dict) and x.get("name") for x in locations):
        raise ValidationError(
            {"locations": [_('门店应为列表，每项至少有名称，例如 [{"name": "南山店", "address": "…"}]')]}
        )


@transaction.atomic
def do_create_partner(*, acting_user, org: Org, data: dict) -> Partner:
    """Sign a partner (签约合作商户) for an org."""
    _require(acting_user, MANAGE, org.path, org.name)
    _org_active(org)
    partner = Partner(org=org, org_path=org.path, province_id=org.province_id)
    data = dict(data)
    data.setdefault("locations", [])
    _apply(partner, data, PARTNER_FIELDS)
    _check_partner(partner)
    partner.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="benefits.partner_create",
        obj=partner,
        org=org,
        after=_snapshot(partner, PARTNER_FIELDS),
    )
    return partner


@transaction.atomic
def do_update_partner(*, acting_user, partner: Partner, data: dict) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    _require(acting_user, MANAGE, partner.org_path, partner.name)
    before = _snapshot(partner, PARTNER_FIELDS)
    _apply(partner, data, PARTNER_FIELDS)
    _check_partner(partner)
    partner.save()
    after = _snapshot(partner, PARTNER_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        actor=acting_user,
        action="benefits.partner_update",
        obj=partner,
        org=partner.org,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return partner


@transaction.atomic
def do_set_partner_status(*, acting_user, partner: Partner, status: str, reason: str) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    _require(acting_user, MANAGE, partner.org_path, partner.name)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写原因")]})
    check(PARTNER_TRANSITIONS, PartnerStatus, partner.status, status, _("改为“%s”") % PartnerStatus(status).label)
    before = partner.status
    partner.status = status
    partner.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=acting_user,
        action="benefits.partner_status",
        obj=partner,
        org=partner.org,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    return partner


@transaction.atomic
def do_add_partner_staff(*, acting_user, partner: Partner, user) -> PartnerStaff:
    """Give an account the partner role for this partner (it then sees only this partner)."""
    _require(acting_user, MANAGE, partner.org_path, partner.name)
    if PartnerStaff.objects.filter(user=user, active=True).exists():
        raise ValidationError({"user": [_("该账号已是某个合作商户的工作人员")]})
    link = PartnerStaff.objects.create(
        partner=partner, user=user, added_by=acting_user if getattr(acting_user, "pk", None) else None
    )
    audit.record(
        actor=acting_user,
        action="benefits.partner_staff_add",
        obj=partner,
        org=partner.org,
        after={"user": user.get_username()},
    )
    return link


@transaction.atomic
def do_remove_partner_staff(*, acting_user, partner: Partner, user) -> None:
    _require(acting_user, MANAGE, partner.org_path, partner.name)
    removed = PartnerStaff.objects.filter(user=user, partner=partner, active=True).update(active=False)
    if not removed:
        raise ValidationError({"user": [_("该账号不是本商户的工作人员")]})
    audit.record(
        actor=acting_user,
        action="benefits.partner_staff_remove",
        obj=partner,
        org=partner.org,
        before={"user": user.get_username()},
    )


# --- offers --------------------------------------------------------------------------------------

OFFER_FIELDS = (
    "title",
    "kind",
    "percent",
    "amount",
    "min_spend",
    "cap_per_use",
    "yearly_cap",
    "rule",
    "terms",
    "valid_from",
    "valid_until",
    "active",
)


def _check_offer(offer: Offer) -> None:
    for name in ("amount", "min_spend", "cap_per_use", "yearly_cap"):
        setattr(offer, name, money(getattr(offer, name), name, required=False))
    if offer.min_spend is None:
        offer.min_spend = Decimal("0.00")
    if offer.percent not in (None, ""):
        try:
            offer.percent = Decimal(str(offer.percent))
        except InvalidOperation:
            raise ValidationError({"percent": [_("应为 0–100 之间的数字")]}) from None
    offer.rule = eligibility.rule_data(offer.rule)
    _clean(offer, exclude=("partner", "org_path"))
    kind = offer.kind
    if kind in (Offer.Kind.PERCENT, Offer.Kind.MEDICAL) and offer.percent is None:
        raise ValidationError({"percent": [_("请填写减免比例（%）")]})
    if kind == Offer.Kind.FIXED and not offer.amount:
        raise ValidationError({"amount": [_("请填写立减金额")]})
    if offer.valid_from and offer.valid_until and offer.valid_until < offer.valid_from:
        raise ValidationError({"valid_until": [_("结束日期不能早于开始日期")]})


@transaction.atomic
def do_create_offer(*, acting_user, partner: Partner, data: dict) -> Offer:
    _require(acting_user, MANAGE, partner.org_path, partner.name)
    offer = Offer(partner=partner, org_path=partner.org_path)
    _apply(offer, data, OFFER_FIELDS)
    _check_offer(offer)
    offer.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="benefits.offer_create",
        obj=offer,
        org=partner.org,
        after=_snapshot(offer, OFFER_FIELDS),
    )
    return offer


@transaction.atomic
def do_update_offer(*, acting_user, offer: Offer, data: dict) -> Offer:
    offer = Offer.objects.select_for_update().select_related("partner__org").get(pk=offer.pk)
    _require(acting_user, MANAGE, offer.org_path, offer.partner.name)
    before = _snapshot(offer, OFFER_FIELDS)
    _apply(offer, data, OFFER_FIELDS)
    _check_offer(offer)
    offer.save()
    after = _snapshot(offer, OFFER_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        actor=acting_user,
        action="benefits.offer_update",
        obj=offer,
        org=offer.partner.org,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return offer


def offer_reduction(offer: Offer, amount: Decimal) -> Decimal:
    """What an offer takes off a bill (percent, fixed, free entry), capped per use; never more than the bill."""
    if amount < offer.min_spend:
        return Decimal("0.00")
    if offer.kind == Offer.Kind.FREE:
        reduction = amount
    elif offer.kind == Offer.Kind.FIXED:
        reduction = offer.amount or Decimal("0")
    else:
        reduction = amount * offer.percent / Decimal(100)
    if offer.cap_per_use is not None:
        reduction = min(reduction, offer.cap_per_use)
    return min(reduction, amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _offer_usable(offer: Offer, partner: Partner, today: dt.date) -> None:
    if offer.partner_id != partner.pk:
        raise ValidationError({"offer": [_("这项优惠不属于本商户")]})
    if not offer.active:
        raise ValidationError({"offer": [_("这项优惠已停用")]})
    if (offer.valid_from and today < offer.valid_from) or (offer.valid_until and today > offer.valid_until):
        raise ValidationError({"offer": [_("这项优惠不在有效期内")]})


# --- services ------------------------------------------------------------------------------------

SERVICE_FIELDS = ("name", "category", "partner", "description", "how_to_use", "channels", "rule")


def _check_service(service: Service) -> None:
    service.rule = eligibility.rule_data(service.rule)
    if not isinstance(service.channels, list) or not all(isinstance(c, str) for c in service.channels):
        raise ValidationError({"channels": [_('办理渠道应为文本列表，例如 ["线上", "服务站"]')]})
    _clean(service, exclude=("org", "org_path"))
    if service.partner is not None and not service.partner.org_path.startswith(service.org_path):
        raise ValidationError({"partner": [_("只能选择本组织及下级签约的合作商户")]})


@transaction.atomic
def do_create_service(*, acting_user, org: Org, data: dict) -> Service:
    _require(acting_user, MANAGE, org.path, org.name)
    _org_active(org)
    service = Service(org=org, org_path=org.path, province_id=org.province_id)
    data = dict(data)
    data.setdefault("channels", [])
    _apply(service, data, SERVICE_FIELDS)
    _check_service(service)
    service.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="benefits.service_create",
        obj=service,
        org=org,
        after={"name": service.name, "category": service.category, "rule": service.rule},
    )
    return service


@transaction.atomic
def do_update_service(*, acting_user, service: Service, data: dict) -> Service:
    service = Service.objects.select_for_update().select_related("org").get(pk=service.pk)
    _require(acting_user, MANAGE, service.org_path, service.org.name)
    before = {"name": service.name, "category": service.category, "rule": service.rule}
    _apply(service, data, SERVICE_FIELDS)
    _check_service(service)
    service.save()
    audit.record(
        actor=acting_user,
        action="benefits.service_update",
        obj=service,
        org=service.org,
        before=before,
        after={"name": service.name, "category": service.category, "rule": service.rule},
    )
    return service


@transaction.atomic
def do_set_service_status(*, acting_user, service: Service, status: str) -> Service:
    service = Service.objects.select_for_update().select_related("org").get(pk=service.pk)
    _require(acting_user, MANAGE, service.org_path, service.org.name)
    check(PUBLISH_TRANSITIONS, PublishStatus, service.status, status, _("改为“%s”") % PublishStatus(status).label)
    before = service.status
    service.status = status
    service.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=acting_user,
        action="benefits.service_status",
        obj=service,
        org=service.org,
        before={"status": before},
        after={"status": status},
    )
    return service


def verdict_for(obj, membership, *, orgs: eligibility.OrgResolver | None = None) -> eligibility.Verdict:
    """Eligibility for a service, offer or campaign: inside the offering org's subtree, then its rule."""
    if membership is None:
        return eligibility.Verdict(False, [_("您还不是工会会员，入会后即可享受")])
    if isinstance(obj, Offer):
        path, org_name = obj.partner.org_path, obj.partner.org.name
    else:
        path, org_name = obj.org_path, obj.org.name
    verdict = eligibility.evaluate(obj.rule, membership, orgs=orgs)
    if not membership.org_path.startswith(path):
        verdict = eligibility.Verdict(False, [_("仅限%(org)s所属会员") % {"org": org_name}, *verdict.reasons])
    return verdict


# --- campaigns -----------------------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "name",
    "kind",
    "description",
    "face_value",
    "free_entry",
    "quota",
    "per_member_limit",
    "per_period_limit",
    "period",
    "claim_starts",
    "claim_ends",
    "valid_until",
    "rule",
    "budget",
)


def _check_campaign(campaign: Campaign) -> None:
    campaign.face_value = money(campaign.face_value, "face_value", required=False)
    campaign.budget = money(campaign.budget, "budget")
    campaign.rule = eligibility.rule_data(campaign.rule)
    _clean(campaign, exclude=("org", "org_path"))
    errors: dict[str, list[str]] = {}
    if campaign.free_entry == (campaign.face_value is not None and campaign.face_value > 0):
        errors["face_value"] = [_("请填写面值，或选择免费入场券（二者选一）")]
    if campaign.quota < 1:
        errors["quota"] = [_("总数量至少为 1")]
    if campaign.per_member_limit < 1:
        errors["per_member_limit"] = [_("每人限领至少为 1")]
    if bool(campaign.per_period_limit) != bool(campaign.period):
        errors["period"] = [_("每周期限领需同时填写周期和数量")]
    if campaign.claim_ends <= campaign.claim_starts:
        errors["claim_ends"] = [_("领取截止应晚于领取开始")]
    if campaign.valid_until < campaign.claim_ends:
        errors["valid_until"] = [_("使用截止不能早于领取截止")]
    if campaign.face_value and campaign.face_value * campaign.quota > campaign.budget:
        errors["budget"] = [
            _("预算不足：面值 %(v)s × 数量 %(q)s = %(t)s，超过预算 %(b)s")
            % {
                "v": campaign.face_value,
                "q": campaign.quota,
                "t": campaign.face_value * campaign.quota,
                "b": campaign.budget,
            }
        ]
    if errors:
        raise ValidationError(errors)


def _set_partners(campaign: Campaign, partners) -> None:
    partners = list(partners or [])
    outside = [p.name for p in partners if not p.org_path.startswith(campaign.org_path)]
    if outside:
        raise ValidationError({"partners": [_("只能选择本组织及下级签约的合作商户：%s") % "、".join(outside)]})
    campaign.partners.set(partners)


@transaction.atomic
def do_create_campaign(*, acting_user, org: Org, data: dict, partners=()) -> Campaign:
    """A draft campaign; `do_publish_campaign` opens it for claims."""
    _require(acting_user, MANAGE, org.path, org.name)
    _org_active(org)
    campaign = Campaign(org=org, org_path=org.path, province_id=org.province_id)
    _apply(campaign, data, CAMPAIGN_FIELDS)
    _check_campaign(campaign)
    campaign.save(force_insert=True)
    _set_partners(campaign, partners)
    audit.record(
        actor=acting_user,
        action="benefits.campaign_create",
        obj=campaign,
        org=org,
        after={**_snapshot(campaign, CAMPAIGN_FIELDS), "partners": [p.pk for p in partners]},
    )
    return campaign


@transaction.atomic
def do_update_campaign(*, acting_user, campaign: Campaign, data: dict, partners=None) -> Campaign:
    """Change a draft campaign; a published one may only get a later claim deadline or a larger quota."""
    campaign = Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    if campaign.status == PublishStatus.CLOSED:
        check({campaign.status: set()}, PublishStatus, campaign.status, PublishStatus.DRAFT, _("修改"))
    if campaign.status == PublishStatus.PUBLISHED:
        fixed = set(data) - {"quota", "claim_ends", "budget", "description"}
        if fixed:
            raise ValidationError({name: [_("活动已发布，不能修改此项")] for name in sorted(fixed)})
        if "quota" in data and int(data["quota"]) < campaign.issued:
            raise ValidationError({"quota": [_("总数量不能少于已发放的 %(n)s 张") % {"n": campaign.issued}]})
        reshard = "quota" in data
    else:
        reshard = False
    before = _snapshot(campaign, CAMPAIGN_FIELDS)
    _apply(campaign, data, CAMPAIGN_FIELDS)
    _check_campaign(campaign)
    campaign.save()
    if reshard:
        _reshard(campaign)
    if partners is not None:
        _set_partners(campaign, partners)
    after = _snapshot(campaign, CAMPAIGN_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        actor=acting_user,
        action="benefits.campaign_update",
        obj=campaign,
        org=campaign.org,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return campaign


@transaction.atomic
def do_publish_campaign(*, acting_user, campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    check(PUBLISH_TRANSITIONS, PublishStatus, campaign.status, PublishStatus.PUBLISHED, _("发布"))
    if campaign.claim_ends <= timezone.now():
        raise ValidationError({"claim_ends": [_("领取截止时间已过，请先修改")]})
    campaign.status = PublishStatus.PUBLISHED
    campaign.published_at = timezone.now()
    campaign.save(update_fields=["status", "published_at", "updated_at"])
    _make_shards(campaign)
    audit.record(
        actor=acting_user,
        action="benefits.campaign_publish",
        obj=campaign,
        org=campaign.org,
        before={"status": PublishStatus.DRAFT},
        after={"status": PublishStatus.PUBLISHED, "quota": campaign.quota, "budget": campaign.budget},
    )
    return campaign


@transaction.atomic
def do_close_campaign(*, acting_user, campaign: Campaign, reason: str) -> Campaign:
    """Take a campaign down: no more claims; vouchers already issued stay usable until they expire."""
    campaign = Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写原因")]})
    check(PUBLISH_TRANSITIONS, PublishStatus, campaign.status, PublishStatus.CLOSED, _("下架"))
    before = campaign.status
    campaign.status = PublishStatus.CLOSED
    campaign.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=acting_user,
        action="benefits.campaign_close",
        obj=campaign,
        org=campaign.org,
        before={"status": before},
        after={"status": PublishStatus.CLOSED},
        reason=reason,
    )
    return campaign


# --- claims --------------------------------------------------------------------------------------


class ClaimRefused(ValidationError):
    """A claim that cannot be granted; `code` says why (sold_out, limit, period_limit, not_eligible, closed)."""

    def __init__(self, message: str, code: str, reasons=None):
        self.refusal = code
        self.reasons = list(reasons or [])
        super().__init__(message, code=code)


def period_start(campaign: Campaign, now: dt.datetime) -> dt.datetime | None:
    if not campaign.period:
        return None
    local = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if campaign.period == Campaign.Period.WEEK:
        local -= dt.timedelta(days=local.weekday())
    elif campaign.period == Campaign.Period.MONTH:
        local = local.replace(day=1)
    return local


SHARDS = 16
TAKE_PASSES = 20


def _make_shards(campaign: Campaign) -> None:
    n = max(1, min(SHARDS, campaign.quota))
    base, extra = divmod(campaign.quota, n)
    CampaignShard.objects.bulk_create(
        [CampaignShard(campaign=campaign, number=i, quota=base + (1 if i < extra else 0)) for i in range(n)]
    )


def _reshard(campaign: Campaign) -> None:
    """A published campaign's quota changed: spread what is left over the shards (locked), never below their issued."""
    _sold_out.pop(campaign.pk, None)
    shards = list(CampaignShard.objects.select_for_update().filter(campaign=campaign).order_by("number"))
    issued = sum(s.issued for s in shards)
    if campaign.quota < issued:
        raise ValidationError({"quota": [_("总数量不能少于已发放的 %(n)s 张") % {"n": issued}]})
    base, extra = divmod(campaign.quota - issued, len(shards))
    for i, shard in enumerate(shards):
        shard.quota = shard.issued + base + (1 if i < extra else 0)
    CampaignShard.objects.bulk_update(shards, ["quota"])


def _room_left(campaign: Campaign) -> int:
    return (
        CampaignShard.objects.filter(campaign_id=campaign.pk, campaign__status=PublishStatus.PUBLISHED).aggregate(
            n=Sum(F("quota") - F("issued"))
        )["n"]
        or 0
    )


# Campaigns this process found sold out (fresh read, no room in any shard) → when. For a short while
# later claims are refused without touching the shards: after a sell-out the refusals outnumber the
# claims, and each cost a write statement and a read. Only ever a refusal — never an extra voucher —
# and the quota changing in this process (`_reshard`) forgets it; another process's change is seen
# within SOLD_OUT_MEMO seconds.
SOLD_OUT_MEMO = 1.0
_sold_out: dict[int, float] = {}


def _known_sold_out(campaign: Campaign) -> bool:
    at = _sold_out.get(campaign.pk)
    if at is None:
        return False
    if time.monotonic() - at < SOLD_OUT_MEMO:
        return True
    _sold_out.pop(campaign.pk, None)
    return False


def _check_open(campaign: Campaign, now: dt.datetime) -> None:
    if campaign.status != PublishStatus.PUBLISHED:
        raise ClaimRefused(_("活动当前状态为“%(s)s”，不能领取") % {"s": campaign.get_status_display()}, "closed")
    if now < campaign.claim_starts:
        raise ClaimRefused(_("活动将于 %(t)s 开始领取") % {"t": _local(campaign.claim_starts)}, "not_started")
    if now >= campaign.claim_ends:
        raise ClaimRefused(_("活动已于 %(t)s 截止领取") % {"t": _local(campaign.claim_ends)}, "ended")


def _check_member_limits(campaign: Campaign, held: list[tuple[int, dt.datetime]], now: dt.datetime) -> int:
    """Refuse beyond the per-member or per-period limit; return the next member_seq."""
    if len(held) >= campaign.per_member_limit:
        raise ClaimRefused(
            _("每人限领 %(n)s 张，您已领取 %(h)s 张") % {"n": campaign.per_member_limit, "h": len(held)}, "limit"
        )
    start = period_start(campaign, now)
    if start is not None and campaign.per_period_limit:
        in_period = sum(1 for _seq, at in held if at >= start)
        if in_period >= campaign.per_period_limit:
            raise ClaimRefused(
                _("%(p)s限领 %(n)s 张，本周期您已领取 %(h)s 张")
                % {"p": campaign.get_period_display(), "n": campaign.per_period_limit, "h": in_period},
                "period_limit",
            )
    return max((seq for seq, _at in held), default=0) + 1


def _new_voucher(campaign: Campaign, membership: Membership, seq: int, now: dt.datetime, channel: str) -> Voucher:
    return Voucher(
        campaign_id=campaign.pk,
        membership_id=membership.pk,
        code=vouchers.new_code(),
        member_seq=seq,
        org_path=campaign.org_path,
        member_org_path=membership.org_path,
        province_id=membership.province_id,
        status=VoucherStatus.ISSUED,
        channel=channel,
        issued_at=now,
        expires_at=campaign.valid_until,
    )


@dataclass
class _OrgRef:
    pk: int
    path: str


_claims_since_seal = itertools.count(1)
SEAL_EVERY_CLAIMS = 200


def _seal_now_and_then() -> None:
    """Claims write their audit entries without scheduling a seal each (one task row per claim would
    double the claim's writes): every SEAL_EVERY_CLAIMS-th claim of a process queues one, and every
    other action's seal (and `gonghui seal-audit`) covers whatever is unsealed."""
    from django.conf import settings

    if next(_claims_since_seal) % SEAL_EVERY_CLAIMS == 0 and getattr(settings, "AUDIT_SEAL_ON_COMMIT", True):
        from gonghui.core.tasks import seal_audit_task

        transaction.on_commit(seal_audit_task.enqueue, robust=True)


def _take_from_a_shard(campaign: Campaign) -> bool:
    """Other databases (SQLite: write transactions are serialised): the first shard with room."""
    shard = (
        CampaignShard.objects.filter(
            campaign_id=campaign.pk, campaign__status=PublishStatus.PUBLISHED, issued__lt=F("quota")
        )
        .order_by("number")
        .values_list("pk", flat=True)
        .first()
    )
    return bool(shard) and bool(
        CampaignShard.objects.filter(pk=shard, issued__lt=F("quota")).update(issued=F("issued") + 1)
    )


def _claim_in_one_statement(campaign: Campaign, voucher: Voucher, entry) -> int | None:
    """PostgreSQL: take one from a shard of the quota, insert the voucher and its audit entry — one statement.

    The shard is chosen from a random starting point and locked with SKIP LOCKED, so concurrent
    claimants spread over the shards. When every shard with room is locked at that instant, the claim
    waits for one of them (a plain UPDATE of that row) and looks again; it is refused only when the
    statement's own snapshot shows no shard with room (no room at its start: only a quota change adds
    room, and that forgets the memo). Returns the voucher id, or None when the quota is gone.
    """
    for attempt in range(TAKE_PASSES):
        pk, room = _one_statement(campaign, voucher, entry, skip_locked=attempt % 2 == 0)
        if pk is not None:
            return pk
        if not room:
            _sold_out[campaign.pk] = time.monotonic()
            return None
    raise ClaimRefused(_("领取人数较多，请稍后再试"), "busy")


def _one_statement(campaign: Campaign, voucher: Voucher, entry, *, skip_locked: bool) -> tuple[int | None, bool]:
    """(the voucher id or None, whether any shard had room when the statement started)."""
    c, sh, v, a = Campaign._meta.db_table, CampaignShard._meta.db_table, Voucher._meta.db_table, entry._meta.db_table
    # SKIP LOCKED: lock a free shard without waiting. Otherwise pick one shard with room from the snapshot and
    # let the UPDATE wait for that one row only (a statement never waits while holding another shard: no deadlock).
    lock = "FOR UPDATE OF s SKIP LOCKED" if skip_locked else ""
    sql = f"""
        WITH shard AS (
            SELECT s.id FROM {sh} s JOIN {c} c ON c.id = s.campaign_id
            WHERE s.campaign_id = %s AND c.status = %s AND s.issued < s.quota
            ORDER BY (s.number + %s) %% {SHARDS}
            LIMIT 1 {lock}
        ), taken AS (
            UPDATE {sh} SET issued = issued + 1
            WHERE id = (SELECT id FROM shard) AND issued < quota
            RETURNING campaign_id
        ), voucher AS (
            INSERT INTO {v} (campaign_id, membership_id, code, member_seq, org_path, member_org_path, province_id,
                             status, channel, issued_at, expires_at, redeemed_place, revoke_reason)
            SELECT taken.campaign_id, %s::bigint, %s::varchar, %s::smallint, %s::varchar, %s::varchar, %s::bigint,
                   %s::varchar, %s::varchar, %s::timestamptz, %s::timestamptz, '', '' FROM taken
            RETURNING id
        ), entry AS (
            INSERT INTO {a} (id, prev_id, entry_mac, at, actor_id, actor_label, action, object_type, object_id,
                             object_label, org_id, org_path, before, after, reason, request_id, entry_hash)
            SELECT %s::bigint, %s::bigint, %s::varchar, %s::timestamptz, %s::bigint, %s::varchar, %s::varchar,
                   %s::varchar, %s::varchar, %s::varchar, %s::bigint, %s::varchar, NULL, %s::jsonb, %s::text,
                   %s::varchar, %s::varchar FROM voucher
        )
        SELECT (SELECT id FROM voucher), EXISTS (
            SELECT 1 FROM {sh} s2 JOIN {c} c2 ON c2.id = s2.campaign_id
            WHERE s2.campaign_id = %s AND c2.status = %s AND s2.issued < s2.quota
        )
    """
    params = [
        campaign.pk,
        PublishStatus.PUBLISHED,
        secrets.randbelow(SHARDS),
        voucher.membership_id,
        voucher.code,
        voucher.member_seq,
        voucher.org_path,
        voucher.member_org_path,
        voucher.province_id,
        voucher.status,
        voucher.channel,
        voucher.issued_at,
        voucher.expires_at,
        entry.pk,
        entry.prev_id,
        entry.entry_mac,
        entry.at,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_label,
        entry.org_id,
        entry.org_path,
        json.dumps(entry.after, cls=DjangoJSONEncoder, ensure_ascii=False),
        entry.reason,
        entry.request_id,
        entry.entry_hash,
        campaign.pk,
        PublishStatus.PUBLISHED,
    ]
    with connection.cursor() as cursor:
        if connection.queries_logged:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        else:
            # A server-side prepared statement on this connection: PostgreSQL plans the claim once
            # per connection instead of on every claim (Django's cursors bind client-side and never
            # prepare). Typed parameters (the casts above). Debug and query-counting runs take the
            # ordinary cursor above, so they log and count this statement like any other.
            import psycopg

            with connection.wrap_database_errors, psycopg.Cursor(cursor.connection) as raw:
                raw.execute(sql, params, prepare=True)
                row = raw.fetchone()
    return row[0], bool(row[1])


def do_claim_voucher(*, acting_user=None, campaign: Campaign, membership: Membership, now=None) -> Voucher:
    """A member claims one voucher (portal or API). Raises ClaimRefused (a ValidationError) with the reason.

    `membership` should come with its person (select_related) and, for one query less, annotated
    with `has_card` (`queries.claimant`). Exact quota and per-member limit: see the module docstring.
    """
    now = now or timezone.now()
    _check_open(campaign, now)
    verdict = verdict_for(campaign, membership)
    if not verdict:
        raise ClaimRefused(_("不符合领取条件：%s") % "；".join(verdict.reasons), "not_eligible", verdict.reasons)
    if _known_sold_out(campaign):
        raise ClaimRefused(_("已领完（共 %(q)s 张）") % {"q": campaign.quota}, "sold_out")
    single_statement = connection.vendor == "postgresql"
    for attempt in range(CLAIM_RETRIES):
        try:
            # PostgreSQL outside a transaction: one INSERT … statement is the whole claim (atomic by itself).
            scope = nullcontext() if single_statement and not connection.in_atomic_block else transaction.atomic()
            with scope:
                if attempt == 0 and campaign.per_member_limit == 1 and not campaign.per_period_limit:
                    # One per member: the unique (campaign, member, seq=1) answers a repeat; the retry explains it.
                    held = []
                else:
                    held = list(
                        Voucher.objects.filter(campaign_id=campaign.pk, membership_id=membership.pk).values_list(
                            "member_seq", "issued_at"
                        )
                    )
                seq = _check_member_limits(campaign, held, now)
                voucher = _new_voucher(campaign, membership, seq, now, "claim")
                entry = audit.build_entry(
                    actor=acting_user,
                    action="benefits.voucher_claim",
                    object_type="benefits.voucher",
                    object_id=voucher.code,
                    object_label=voucher.code,
                    org=_OrgRef(campaign.org_id, campaign.org_path),
                    after={"campaign": campaign.pk, "member_no": membership.member_no, "seq": seq},
                    at=now,
                )
                if single_statement:
                    audit.allocate([entry])  # the statement inserts the entry: its id, prev_id and MAC first
                    voucher.pk = _claim_in_one_statement(campaign, voucher, entry)
                    taken = voucher.pk is not None
                else:
                    voucher.save(force_insert=True)
                    entry.save(force_insert=True)
                    taken = _take_from_a_shard(campaign)
                if not taken:
                    raise ClaimRefused(_("已领完（共 %(q)s 张）") % {"q": campaign.quota}, "sold_out")
            _seal_now_and_then()
            return voucher
        except IntegrityError:
            # The same member claimed at the same moment (member_seq collision): look again.
            if attempt == CLAIM_RETRIES - 1:
                raise ClaimRefused(_("您的领取请求正在处理中，请稍后查看“我的券”"), "busy") from None
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class BulkResult:
    issued: int = 0
    skipped_limit: int = 0
    sold_out: bool = False
    batches: int = 0


def do_bulk_issue(*, acting_user, campaign: Campaign, chunk_size: int = 2000, now=None) -> BulkResult:
    """Staff issue vouchers to the campaign's segment (定向发放), one voucher per eligible member who
    has fewer than the per-member limit, until the quota runs out. Chunked: each chunk is one
    transaction that locks the campaign row, inserts its vouchers in bulk and writes one audit entry
    naming the count. Re-running issues nothing twice (members at their limit are skipped)."""
    from gonghui.benefits.queries import segment_members

    campaign = Campaign.objects.select_related("org").get(pk=campaign.pk)
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    now = now or timezone.now()
    if campaign.status != PublishStatus.PUBLISHED:
        check({campaign.status: set()}, PublishStatus, campaign.status, PublishStatus.PUBLISHED, _("发放"))
    if now >= campaign.valid_until:
        raise ValidationError(_("活动已过使用截止时间，不能发放"))
    result = BulkResult()
    last_id = 0
    while True:
        ids = list(
            segment_members(campaign, now=now)
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "org_path", "province_id", "member_no")[:chunk_size]
        )
        if not ids:
            break
        last_id = ids[-1][0]
        with transaction.atomic():
            shards = list(CampaignShard.objects.select_for_update().filter(campaign=campaign).order_by("number"))
            remaining = sum(s.quota - s.issued for s in shards)
            if remaining <= 0:
                result.sold_out = True
                break
            counts = dict(
                Voucher.objects.filter(campaign=campaign, membership_id__in=[i[0] for i in ids])
                .values("membership_id")
                .annotate(n=Count("pk"))
                .values_list("membership_id", "n")
            )
            rows = []
            for pk, path, province_id, _no in ids:
                held = counts.get(pk, 0)
                if held >= campaign.per_member_limit:
                    result.skipped_limit += 1
                    continue
                if len(rows) >= remaining:
                    result.sold_out = True
                    break
                member = Membership(pk=pk, org_path=path, province_id=province_id)
                rows.append(_new_voucher(campaign, member, held + 1, now, "bulk"))
            if rows:
                Voucher.objects.bulk_create(rows, batch_size=1000)
                left = len(rows)
                for shard in shards:
                    take = min(left, shard.quota - shard.issued)
                    shard.issued += take
                    left -= take
                CampaignShard.objects.bulk_update(shards, ["issued"])
                audit.record(
                    actor=acting_user,
                    action="benefits.voucher_bulk_issue",
                    obj=campaign,
                    org=campaign.org,
                    after={"issued": len(rows), "first_member_id": ids[0][0], "last_member_id": last_id},
                )
                result.issued += len(rows)
                result.batches += 1
        if result.sold_out:
            break
    return result


@transaction.atomic
def do_revoke_voucher(*, acting_user, voucher: Voucher, reason: str) -> Voucher:
    voucher = Voucher.objects.select_for_update().select_related("campaign__org").get(pk=voucher.pk)
    campaign = voucher.campaign
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写原因")]})
    from gonghui.benefits.states import VOUCHER_TRANSITIONS

    check(VOUCHER_TRANSITIONS, VoucherStatus, voucher.status, VoucherStatus.REVOKED, _("作废"))
    voucher.status = VoucherStatus.REVOKED
    voucher.revoked_at = timezone.now()
    voucher.revoke_reason = reason[:200]
    voucher.save(update_fields=["status", "revoked_at", "revoke_reason"])
    audit.record(
        actor=acting_user,
        action="benefits.voucher_revoke",
        obj=voucher,
        org=campaign.org,
        before={"status": VoucherStatus.ISSUED},
        after={"status": VoucherStatus.REVOKED},
        reason=reason,
    )
    return voucher


@transaction.atomic
def do_revoke_unredeemed(*, acting_user, campaign: Campaign, reason: str) -> int:
    """Revoke every unused voucher of a campaign (a partner left, a mistaken segment …); returns how many.

    Redeemed, expired and already revoked vouchers stay as they are. The campaign row is locked so a
    claim's voucher created meanwhile is either revoked here or issued after (and the campaign can be
    closed to stop further claims). One audit entry with the count."""
    campaign = Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    _require(acting_user, MANAGE, campaign.org_path, campaign.org.name)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("请填写原因")]})
    n = Voucher.objects.filter(campaign=campaign, status=VoucherStatus.ISSUED).update(
        status=VoucherStatus.REVOKED, revoked_at=timezone.now(), revoke_reason=reason[:200]
    )
    if not n:
        raise ValidationError(_("本活动没有未使用的券"))
    audit.record(
        actor=acting_user,
        action="benefits.voucher_revoke_unused",
        obj=campaign,
        org=campaign.org,
        after={"revoked": n},
        reason=reason,
    )
    return n


def expire_vouchers(*, now=None, chunk_size: int = 5000) -> int:
    """Mark unused vouchers past their deadline expired (the expiry task); chunked, idempotent."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Voucher.objects.filter(status=VoucherStatus.ISSUED, expires_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk_size]
            )
            if not ids:
                return total
            n = Voucher.objects.filter(pk__in=ids, status=VoucherStatus.ISSUED).update(status=VoucherStatus.EXPIRED)
            audit.record(
                actor=None,
                action="benefits.voucher_expire",
                object_type="benefits.voucher",
                object_label=f"{n} 张",
                after={"expired": n, "first_id": ids[0], "last_id": ids[-1]},
            )
            total += n


# --- redemption ----------------------------------------------------------------------------------


@dataclass
class RedeemResult:
    ok: bool
    outcome: str  # redeemed | already_redeemed_by_you | redeemed_elsewhere | expired | revoked | not_found | …
    message: str
    code: str = ""
    campaign: str = ""
    face_value: Decimal | None = None
    free_entry: bool = False
    holder: str = ""
    redeemed_at: dt.datetime | None = None
    redeemed_place: str = ""
    redeemed_partner: str = ""
    extra: dict = field(default_factory=dict)


def _refuse(outcome: str, message: str, voucher: Voucher | None = None) -> RedeemResult:
    result = RedeemResult(ok=False, outcome=outcome, message=message)
    if voucher is not None:
        _describe(result, voucher)
    return result


def _describe(result: RedeemResult, voucher: Voucher) -> RedeemResult:
    campaign = voucher.campaign
    result.code = voucher.code
    result.campaign = campaign.name
    result.face_value = campaign.face_value
    result.free_entry = campaign.free_entry
    result.holder = mask_name(voucher.membership.person.name)
    result.redeemed_at = voucher.redeemed_at
    result.redeemed_place = voucher.redeemed_place
    result.redeemed_partner = voucher.redeemed_by.name if voucher.redeemed_by_id else ""
    return result


def _where(voucher: Voucher) -> str:
    place = voucher.redeemed_by.name if voucher.redeemed_by_id else ""
    if voucher.redeemed_place:
        place = f"{place}（{voucher.redeemed_place}）"
    return place


def do_redeem_voucher(
    *,
    acting_user,
    partner: Partner,
    payload: str,
    place: str = "",
    scanned_at: dt.datetime | None = None,
    offline: bool = False,
    now=None,
) -> RedeemResult:
    """Redeem a scanned voucher at a partner's counter.

    Idempotent for the same partner (a second scan answers "already redeemed by you at …" and
    writes nothing); refused for another partner with the time and place of the first redemption
    (logged for both sides: a conflict when it comes from an offline queue); refused when expired
    or revoked, with the reason. `scanned_at` is the counter's time for an offline redemption.
    """
    now = now or timezone.now()
    place = (place or "").strip()[:120]
    try:
        claims = vouchers.decode(payload)
    except PayloadError as exc:
        return _refuse(str(exc), vouchers.PAYLOAD_REASONS.get(str(exc), vouchers.PAYLOAD_REASONS["malformed"]))
    _require_counter(acting_user, partner)
    at = min(scanned_at, now) if (offline and scanned_at) else now
    with transaction.atomic():
        voucher = (
            Voucher.objects.select_for_update(of=("self",))
            .select_related("campaign__org", "membership__person", "redeemed_by")
            .filter(code=claims.code, campaign_id=claims.campaign_id)
            .first()
        )
        if voucher is None:
            return _refuse("not_found", _("未找到这张消费券"))
        campaign = voucher.campaign
        if campaign.partners.exists() and not campaign.partners.filter(pk=partner.pk).exists():
            return _refuse("not_accepted_here", _("本券不能在“%(p)s”使用") % {"p": partner.name}, voucher)
        if voucher.status == VoucherStatus.REDEEMED:
            when = _local(voucher.redeemed_at)
            if voucher.redeemed_by_id == partner.pk:
                result = _describe(
                    RedeemResult(
                        ok=True,
                        outcome="already_redeemed_by_you",
                        message=_("已由本店于 %(t)s 核销%(p)s，无需重复核销")
                        % {"t": when, "p": f"（{voucher.redeemed_place}）" if voucher.redeemed_place else ""},
                    ),
                    voucher,
                )
                return result
            outcome = Redemption.Outcome.CONFLICT if offline else Redemption.Outcome.REFUSED
            message = _("此券已于 %(t)s 在 %(w)s 核销，不能再次使用") % {"t": when, "w": _where(voucher)}
            Redemption.objects.create(
                voucher=voucher,
                partner=partner,
                first_partner_id=voucher.redeemed_by_id,
                user=acting_user if getattr(acting_user, "pk", None) else None,
                outcome=outcome,
                offline=offline,
                scanned_at=at,
                synced_at=now,
                place=place,
                message=message[:300],
                org_path=campaign.org_path,
            )
            audit.record(
                actor=acting_user,
                action="benefits.voucher_redeem_conflict" if offline else "benefits.voucher_redeem_refused",
                obj=voucher,
                org=campaign.org,
                after={"partner": partner.pk, "first_partner": voucher.redeemed_by_id, "scanned_at": at},
            )
            return _refuse("redeemed_elsewhere", message, voucher)
        if offline and at < voucher.issued_at:
            return _refuse("invalid_time", _("离线记录的扫码时间早于领券时间，请核对设备时间"), voucher)
        if voucher.status == VoucherStatus.REVOKED:
            return _refuse(
                "revoked",
                _("此券已于 %(t)s 作废：%(r)s") % {"t": _local(voucher.revoked_at), "r": voucher.revoke_reason},
                voucher,
            )
        if at >= voucher.expires_at:
            return _refuse("expired", _("此券已于 %(t)s 过期") % {"t": _local(voucher.expires_at)}, voucher)
        # An unused voucher, or one the expiry task marked before an offline scan made in time was synced.
        before = voucher.status
        voucher.status = VoucherStatus.REDEEMED
        voucher.redeemed_at = at
        voucher.redeemed_by = partner
        voucher.redeemed_place = place
        voucher.redeemed_by_user = acting_user if getattr(acting_user, "pk", None) else None
        voucher.save(update_fields=["status", "redeemed_at", "redeemed_by", "redeemed_place", "redeemed_by_user"])
        Redemption.objects.create(
            voucher=voucher,
            partner=partner,
            user=voucher.redeemed_by_user,
            outcome=Redemption.Outcome.REDEEMED,
            offline=offline,
            scanned_at=at,
            synced_at=now,
            place=place,
            org_path=campaign.org_path,
        )
        audit.record(
            actor=acting_user,
            action="benefits.voucher_redeem",
            obj=voucher,
            org=campaign.org,
            before={"status": before},
            after={"status": VoucherStatus.REDEEMED, "partner": partner.pk, "at": at, "offline": offline},
        )
        return _describe(
            RedeemResult(ok=True, outcome="redeemed", message=_("核销成功：%(c)s") % {"c": campaign.name}), voucher
        )


@dataclass
class SyncItem:
    payload: str
    scanned_at: dt.datetime
    place: str = ""


def do_sync_offline(*, acting_user, partner: Partner, items: list[SyncItem], now=None) -> list[RedeemResult]:
    """Apply redemptions a counter queued offline (it had checked the signature with the public key).

    Each item is applied on its own (one conflict does not undo the others); an item already
    redeemed elsewhere is a conflict, logged for this partner and the first one (`queries.conflicts_for`).
    """
    _require_counter(acting_user, partner)
    now = now or timezone.now()
    return [
        do_redeem_voucher(
            acting_user=acting_user,
            partner=partner,
            payload=item.payload,
            place=item.place,
            scanned_at=item.scanned_at,
            offline=True,
            now=now,
        )
        for item in items
    ]


# --- card uses and medical reductions ------------------------------------------------------------


def member_from_card(payload: str) -> Membership:
    """Verify a member-card QR payload (signature, expiry, card and membership state) — or, typed when
    the camera fails, the card serial or the member number (an online lookup) — the membership or
    a ValidationError on "payload" with the reason (revoked, lapsed, expired, bad signature …)."""
    from gonghui.members.api import is_reference, verify_payload, verify_reference

    answer = verify_reference(payload) if is_reference(payload) else verify_payload(payload)
    if not answer["valid"]:
        raise ValidationError({"payload": [answer["message"]]}, code=answer["reason"])
    return Membership.objects.select_related("person", "org").get(member_no=answer["member_no"])


@transaction.atomic
def do_record_card_use(
    *, acting_user, partner: Partner, payload: str, amount, offer: Offer | None = None, place: str = ""
) -> CardUse:
    """Record one use of the member card at a partner (amount and the offer's reduction), in one tap."""
    _require_counter(acting_user, partner)
    amount = money(amount, "amount", positive=True)
    membership = member_from_card(payload)
    reduction = Decimal("0.00")
    if offer is not None:
        _offer_usable(offer, partner, timezone.localdate())
        if offer.kind == Offer.Kind.MEDICAL:
            raise ValidationError({"offer": [_("医疗减免请按就诊登记")]})
        verdict = verdict_for(offer, membership)
        if not verdict:
            raise ValidationError({"offer": [_("该会员不适用此优惠：%s") % "；".join(verdict.reasons)]})
        reduction = offer_reduction(offer, amount)
    use = CardUse.objects.create(
        partner=partner,
        offer=offer,
        membership=membership,
        org_path=partner.org_path,
        member_org_path=membership.org_path,
        province_id=membership.province_id,
        amount=amount,
        reduction=reduction,
        place=(place or "").strip()[:120],
        used_at=timezone.now(),
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit.record(
        actor=acting_user,
        action="benefits.card_use",
        obj=use,
        org=partner.org,
        after={"partner": partner.pk, "member_no": membership.member_no, "amount": amount, "reduction": reduction},
    )
    return use


def yearly_medical_total(membership: Membership, year: int, offer: Offer | None = None) -> Decimal:
    rows = MedicalReduction.objects.filter(membership=membership, year=year)
    if offer is not None:
        rows = rows.filter(offer=offer)
    return rows.aggregate(total=Sum("reduction"))["total"] or Decimal("0.00")


@transaction.atomic
def do_record_medical_reduction(
    *,
    acting_user,
    partner: Partner,
    offer: Offer,
    visit_date: dt.date,
    total,
    insured,
    payload: str | None = None,
    membership: Membership | None = None,
) -> MedicalReduction:
    """A hospital visit: reduction = percent × (total − insured), capped per visit, by the offer's yearly
    cap per member and by the installation's yearly cap per member across hospitals
    (settings.BENEFITS_MEDICAL_YEARLY_CAP). The member's row is locked so two visits cannot both use
    the same remaining cap."""
    from django.conf import settings

    _require_counter(acting_user, partner)
    if partner.kind != Partner.Kind.HOSPITAL:
        raise ValidationError({"partner": [_("只有合作医院可以登记医疗减免")]})
    if offer.kind != Offer.Kind.MEDICAL:
        raise ValidationError({"offer": [_("请选择医疗减免类优惠")]})
    total = money(total, "total", positive=True)
    insured = money(insured, "insured")
    if insured > total:
        raise ValidationError({"insured": [_("医保报销不能超过医疗费用总额")]})
    if not isinstance(visit_date, dt.date) or visit_date > timezone.localdate():
        raise ValidationError({"visit_date": [_("就诊日期不能晚于今天")]})
    _offer_usable(offer, partner, visit_date)
    if membership is None:
        membership = member_from_card(payload)
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("person", "org").get(pk=membership.pk)
    )
    verdict = verdict_for(offer, membership)
    if not verdict:
        raise ValidationError({"offer": [_("该会员不适用此优惠：%s") % "；".join(verdict.reasons)]})
    out_of_pocket = total - insured
    reduction = offer_reduction(offer, out_of_pocket)
    full = reduction
    year = visit_date.year
    if offer.yearly_cap is not None:
        reduction = min(reduction, max(offer.yearly_cap - yearly_medical_total(membership, year, offer), Decimal(0)))
    overall = getattr(settings, "BENEFITS_MEDICAL_YEARLY_CAP", None)
    if overall is not None:
        reduction = min(reduction, max(Decimal(overall) - yearly_medical_total(membership, year), Decimal(0)))
    reduction = reduction.quantize(CENT)
    row = MedicalReduction.objects.create(
        partner=partner,
        offer=offer,
        membership=membership,
        org_path=partner.org_path,
        member_org_path=membership.org_path,
        province_id=membership.province_id,
        visit_date=visit_date,
        year=year,
        total=total,
        insured=insured,
        out_of_pocket=out_of_pocket,
        reduction=reduction,
        capped=reduction < full,
        recorded_at=timezone.now(),
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit.record(
        actor=acting_user,
        action="benefits.medical_reduction",
        obj=row,
        org=partner.org,
        after={
            "member_no": membership.member_no,
            "total": total,
            "insured": insured,
            "reduction": reduction,
            "capped": row.capped,
        },
    )
    return row


# --- feedback ------------------------------------------------------------------------------------


@transaction.atomic
def do_leave_feedback(*, acting_user=None, membership: Membership, target, rating, comment: str = "") -> Feedback:
    """A member rates a service, partner or campaign (1–5, optional comment)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        try:
            rating = int(str(rating))
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            raise ValidationError({"rating": [_("评分应为 1–5 之间的整数")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": [_("意见最多 500 个字符")]})
    if membership is None or not membership.is_current:
        raise ValidationError(_("只有会员可以评价"))
    kw = {}
    if isinstance(target, Service):
        kw["service"] = target
    elif isinstance(target, Partner):
        kw["partner"] = target
    elif isinstance(target, Campaign):
        kw["campaign"] = target
    else:
        raise ValidationError({"target": [_("只能评价服务、合作商户或消费券活动")]})
    feedback = Feedback.objects.create(
        membership=membership, org_path=target.org_path, rating=rating, comment=comment, created_at=timezone.now(), **kw
    )
    audit.record(
        actor=acting_user,
        action="benefits.feedback",
        obj=feedback,
        object_label=f"{target._meta.verbose_name}：{target}",
        org=Org.objects.filter(path=target.org_path).first(),
        after={"target": f"{target._meta.model_name}:{target.pk}", "rating": rating},
    )
    return feedback


@transaction.atomic
def do_handle_feedback(*, acting_user, feedback: Feedback, response: str) -> Feedback:
    """Staff record what they did about a rating (keep, improve or drop the offer …)."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    _require(acting_user, MANAGE, feedback.org_path, _("该评价所属组织"))
    response = " ".join((response or "").split())
    if not response:
        raise ValidationError({"response": [_("请填写处理意见")]})
    if len(response) > 500:
        raise ValidationError({"response": [_("处理意见最多 500 个字符")]})
    feedback.response = response
    feedback.handled_at = timezone.now()
    feedback.handled_by = acting_user if getattr(acting_user, "pk", None) else None
    feedback.save(update_fields=["response", "handled_at", "handled_by"])
    audit.record(
        actor=acting_user,
        action="benefits.feedback_handle",
        obj=feedback,
        org=Org.objects.filter(path=feedback.org_path).first(),
        after={"response": response},
    )
    return feedback
