"""Benefit endpoints under /api/v1/benefits.

Three audiences:
- union staff (bearer token or session): partners and campaigns in their scope (`benefit.view`),
  writes through the actions (`benefit.manage`: 403 from the action, 404 outside the scope);
- a partner's counter (`/counter/…`): the account's own partner (a `PartnerStaff` link), or, for union
  staff holding `benefit.redeem`, a partner of their subtree named by `partner`. Scan a member card or a
  voucher, redeem, sync an offline queue, record a card use, see conflicts;
- a member logged in to the portal (`/me/…`, the portal session cookie, CSRF-checked): campaigns open
  to them, claim, their vouchers with the signed QR payload.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import APIKeyCookie

from gonghui.benefits import actions, queries, vouchers
from gonghui.benefits.models import Campaign, Offer, Partner
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.core.tree import in_subtree
from gonghui.orgs.models import Org

router = Router(tags=["benefits"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = "benefit.view"


# --- schemas -------------------------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    org_code: str = Field(..., alias="org.code")
    org_name: str = Field(..., alias="org.name")
    status: str
    agreement_start: dt.date
    agreement_end: dt.date
    locations: list[dict]


class PartnerIn(Schema):
    org: str
    name: str = Field(..., max_length=120)
    kind: str
    uscc: str = ""
    locations: list[dict] = []
    contact_name: str = ""
    contact_phone: str = ""
    description: str = ""
    agreement_start: dt.date
    agreement_end: dt.date


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    org_code: str = Field(..., alias="org.code")
    org_name: str = Field(..., alias="org.name")
    status: str
    face_value: Decimal | None
    free_entry: bool
    quota: int
    issued: int
    per_member_limit: int
    claim_starts: dt.datetime
    claim_ends: dt.datetime
    valid_until: dt.datetime
    budget: Decimal
    rule: dict


class CampaignIn(Schema):
    org: str
    name: str = Field(..., max_length=80)
    kind: str
    description: str = ""
    face_value: Decimal | None = None
    free_entry: bool = False
    quota: int = Field(..., ge=1)
    per_member_limit: int = Field(1, ge=1, le=100)
    per_period_limit: int | None = Field(None, ge=1, le=100)
    period: str = ""
    claim_starts: dt.datetime
    claim_ends: dt.datetime
    valid_until: dt.datetime
    rule: dict = {}
    budget: Decimal
    partners: list[int] = []


class StatsOut(Schema):
    quota: int
    claimed: int
    unused: int
    redeemed: int
    expired: int
    revoked: int
    budget: Decimal
    budget_used: Decimal


class CampaignDetailOut(CampaignOut):
    stats: StatsOut
    rule_text: list[str]


class BulkOut(Schema):
    issued: int
    skipped_limit: int
    sold_out: bool


class PayloadIn(Schema):
    payload: str = Field(..., max_length=1000)
    partner: int | None = None


class RedeemIn(PayloadIn):
    place: str = Field("", max_length=120)


class RedeemOut(Schema):
    ok: bool
    outcome: str
    message: str
    code: str = ""
    campaign: str = ""
    face_value: Decimal | None = None
    free_entry: bool = False
    holder: str = ""
    redeemed_at: dt.datetime | None = None
    redeemed_place: str = ""
    redeemed_partner: str = ""


class OfferOut(Schema):
    id: int
    title: str
    kind: str
    percent: Decimal | None
    amount: Decimal | None
    min_spend: Decimal
    cap_per_use: Decimal | None
    terms: str


class ScanOut(Schema):
    kind: str  # card | voucher | unknown
    valid: bool
    reason: str
    message: str
    name_masked: str | None = None
    org_name: str | None = None
    offers: list[OfferOut] = []
    voucher: RedeemOut | None = None


class SyncItemIn(Schema):
    payload: str = Field(..., max_length=1000)
    scanned_at: dt.datetime
    place: str = Field("", max_length=120)


class SyncIn(Schema):
    partner: int | None = None
    items: list[SyncItemIn] = Field(..., max_length=500)


class CardUseIn(PayloadIn):
    amount: Decimal
    offer: int | None = None
    place: str = Field("", max_length=120)


class CardUseOut(Schema):
    id: int
    amount: Decimal
    reduction: Decimal
    used_at: dt.datetime


class ConflictOut(Schema):
    id: int
    outcome: str
    voucher_code: str = Field(..., alias="voucher.code")
    partner: str = Field(..., alias="partner.name")
    first_partner: str | None = Field(None, alias="first_partner.name")
    offline: bool
    scanned_at: dt.datetime
    synced_at: dt.datetime
    message: str


class MemberCampaignOut(Schema):
    id: int
    name: str
    kind: str
    org_name: str
    face_value: Decimal | None
    free_entry: bool
    remaining: int
    claim_ends: dt.datetime
    valid_until: dt.datetime


class VoucherOut(Schema):
    code: str
    campaign: str
    status: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    redeemed_at: dt.datetime | None
    redeemed_by: str | None
    payload: str | None


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[str]


# --- staff: partners and campaigns ---------------------------------------------------------------


def _org(user, code: str, action: str = VIEW) -> Org:
    return access_object(Org.objects.all(), user, action, code=(code or "").strip().upper())


@router.get("/partners", response={200: list[PartnerOut], **ERRORS}, summary="合作商户（本人范围；商户账号只见本商户）")
@paginate(PagePagination)
def list_partners(request, under: str | None = None, kind: str | None = None):
    rows = queries.partners_for(request.auth).select_related("org").order_by("name", "pk")
    if under:
        rows = rows.filter(in_subtree("org_path", _org(request.auth, under).path))
    if kind:
        rows = rows.filter(kind=kind)
    return rows


@router.get("/partners/{partner_id}", response={200: PartnerOut, **ERRORS}, summary="合作商户详情")
def get_partner(request, partner_id: int):
    try:
        return queries.partners_for(request.auth).select_related("org").get(pk=partner_id)
    except Partner.DoesNotExist:
        raise Http404 from None


@router.post("/partners", response={201: PartnerOut, **ERRORS}, summary="签约合作商户")
def create_partner(request, payload: PartnerIn):
    org = _org(request.auth, payload.org)
    data = payload.dict(exclude={"org"})
    partner = actions.do_create_partner(acting_user=request.auth, org=org, data=data)
    return Status(201, partner)


def _campaign(user, campaign_id: int, action: str = VIEW) -> Campaign:
    return access_object(Campaign.objects.select_related("org"), user, action, pk=campaign_id)


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="消费券活动（本人范围）")
@paginate(PagePagination)
def list_campaigns(request, under: str | None = None, status: str | None = None):
    rows = queries.with_issued(Campaign.objects.restrict(request.auth, VIEW).select_related("org"))
    rows = rows.order_by("-claim_starts", "-pk")
    if under:
        rows = rows.filter(in_subtree("org_path", _org(request.auth, under).path))
    if status:
        rows = rows.filter(status=status)
    return rows


class OrgCampaignStatsOut(Schema):
    campaigns: int
    claimed: int
    redeemed: int
    expired: int
    budget: Decimal
    budget_used: Decimal


@router.get("/campaigns/stats", response={200: OrgCampaignStatsOut, **ERRORS}, summary="消费券统计（组织及下级）")
def org_campaign_stats(request, under: str):
    return queries.campaign_stats_for_org(request.auth, _org(request.auth, under).path)


class PartnerRedeemedOut(Schema):
    redeemed_by_id: int
    name: str
    redeemed: int


@router.get(
    "/campaigns/{campaign_id}/by-partner", response={200: list[PartnerRedeemedOut], **ERRORS}, summary="按商户核销统计"
)
def campaign_by_partner(request, campaign_id: int):
    return queries.campaign_stats_by_partner(_campaign(request.auth, campaign_id))


@router.get("/campaigns/{campaign_id}", response={200: CampaignDetailOut, **ERRORS}, summary="活动详情和统计")
def get_campaign(request, campaign_id: int):
    from gonghui.members.eligibility import describe

    campaign = _campaign(request.auth, campaign_id)
    campaign.stats = queries.campaign_stats(campaign)
    campaign.rule_text = describe(campaign.rule)
    return campaign


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="创建消费券活动（草稿）")
def create_campaign(request, payload: CampaignIn):
    org = _org(request.auth, payload.org)
    partners = list(queries.partners_for(request.auth).filter(pk__in=payload.partners))
    if len(partners) != len(set(payload.partners)):
        raise ValidationError({"partners": ["未找到部分合作商户，或您无权查看"]})
    data = payload.dict(exclude={"org", "partners"})
    campaign = actions.do_create_campaign(acting_user=request.auth, org=org, data=data, partners=partners)
    return Status(201, campaign)


@router.post("/campaigns/{campaign_id}/publish", response={200: CampaignOut, **ERRORS}, summary="发布活动")
def publish_campaign(request, campaign_id: int):
    campaign = _campaign(request.auth, campaign_id)
    return actions.do_publish_campaign(acting_user=request.auth, campaign=campaign)


@router.post(
    "/campaigns/{campaign_id}/bulk-issue", response={200: BulkOut, **ERRORS}, summary="向符合条件的会员定向发放"
)
def bulk_issue(request, campaign_id: int):
    campaign = _campaign(request.auth, campaign_id)
    result = actions.do_bulk_issue(acting_user=request.auth, campaign=campaign)
    return {"issued": result.issued, "skipped_limit": result.skipped_limit, "sold_out": result.sold_out}


# --- the partner's counter -----------------------------------------------------------------------


def counter_partner(user, partner_id: int | None) -> Partner:
    """The partner this account works for: its own (PartnerStaff), or one named in its benefit.redeem scope."""
    own = actions.partner_of(user)
    if partner_id is None or (own is not None and own.pk == partner_id):
        if own is None:
            raise HttpError(403, "此账号不是合作商户的工作人员；工会工作人员请指定 partner")
        return own
    return access_object(Partner.objects.select_related("org"), user, "benefit.redeem", pk=partner_id)


def _result(result: actions.RedeemResult) -> dict:
    return {k: v for k, v in result.__dict__.items() if k != "extra"}


@router.post(
    "/counter/scan", response={200: ScanOut, **ERRORS}, summary="扫码：会员卡（显示适用优惠）或消费券（不核销）"
)
def counter_scan(request, payload: PayloadIn):
    from gonghui.members.api import verify_payload
    from gonghui.members.models import Membership

    partner = counter_partner(request.auth, payload.partner)
    text = payload.payload.strip()
    if text.startswith(vouchers.PREFIX + "."):
        try:
            claims = vouchers.decode(text)
        except Exception as exc:  # noqa: BLE001 (PayloadError: reason code)
            reason = str(exc)
            return {"kind": "voucher", "valid": False, "reason": reason, "message": vouchers.PAYLOAD_REASONS[reason]}
        return {
            "kind": "voucher",
            "valid": True,
            "reason": "ok",
            "message": "签名有效",
            "voucher": _peek(claims, partner),
        }
    answer = verify_payload(text)
    out = {
        "kind": "card" if answer["reason"] != "not_a_card" else "unknown",
        "valid": answer["valid"],
        "reason": answer["reason"],
        "message": answer["message"],
        "name_masked": answer["name_masked"],
        "org_name": answer["org_name"],
    }
    if answer["valid"]:
        membership = Membership.objects.select_related("person").get(member_no=answer["member_no"])
        membership.has_card = True
        out["offers"] = queries.offers_for_member(partner, membership)
    return out


def _peek(claims, partner) -> dict:
    from gonghui.benefits.models import Voucher
    from gonghui.members.schemas import mask_name

    voucher = (
        Voucher.objects.select_related("campaign", "membership__person", "redeemed_by")
        .filter(code=claims.code, campaign_id=claims.campaign_id)
        .first()
    )
    if voucher is None:
        return {"ok": False, "outcome": "not_found", "message": "未找到这张消费券"}
    ok = voucher.status == "issued"
    return {
        "ok": ok,
        "outcome": voucher.status,
        "message": "可以核销" if ok else f"此券{voucher.get_status_display()}",
        "code": voucher.code,
        "campaign": voucher.campaign.name,
        "face_value": voucher.campaign.face_value,
        "free_entry": voucher.campaign.free_entry,
        "holder": mask_name(voucher.membership.person.name),
        "redeemed_at": voucher.redeemed_at,
        "redeemed_place": voucher.redeemed_place,
        "redeemed_partner": voucher.redeemed_by.name if voucher.redeemed_by_id else "",
    }


@router.post("/counter/redeem", response={200: RedeemOut, **ERRORS}, summary="核销消费券（同一商户重复扫码幂等）")
def counter_redeem(request, payload: RedeemIn):
    partner = counter_partner(request.auth, payload.partner)
    result = actions.do_redeem_voucher(
        acting_user=request.auth, partner=partner, payload=payload.payload, place=payload.place
    )
    return _result(result)


@router.post("/counter/sync", response={200: list[RedeemOut], **ERRORS}, summary="同步离线核销（冲突通知双方）")
def counter_sync(request, payload: SyncIn):
    partner = counter_partner(request.auth, payload.partner)
    items = [actions.SyncItem(i.payload, i.scanned_at, i.place) for i in payload.items]
    return [_result(r) for r in actions.do_sync_offline(acting_user=request.auth, partner=partner, items=items)]


@router.post("/counter/card-use", response={201: CardUseOut, **ERRORS}, summary="登记会员卡消费（金额、减免）")
def counter_card_use(request, payload: CardUseIn):
    partner = counter_partner(request.auth, payload.partner)
    offer = None
    if payload.offer is not None:
        offer = Offer.objects.filter(pk=payload.offer, partner=partner).select_related("partner__org").first()
        if offer is None:
            raise ValidationError({"offer": ["这项优惠不属于本商户"]})
    use = actions.do_record_card_use(
        acting_user=request.auth,
        partner=partner,
        payload=payload.payload,
        amount=payload.amount,
        offer=offer,
        place=payload.place,
    )
    return Status(201, use)


@router.get("/counter/conflicts", response={200: list[ConflictOut], **ERRORS}, summary="核销冲突（双方可见）")
@paginate(PagePagination)
def counter_conflicts(request, partner: int | None = None):
    return queries.conflicts_for(counter_partner(request.auth, partner))


# --- the member (portal session) -----------------------------------------------------------------


class PortalSession(APIKeyCookie):
    """A member logged in to the portal (SMS code); CSRF-checked like any cookie-authenticated write."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        from gonghui.members.portal.auth import current_member

        member = current_member(request) if key else None
        if member is None or member.person is None:
            return None
        return member


def _me(request):
    membership = queries.claimant(request.auth.person)
    if membership is None:
        raise HttpError(403, "您还不是工会会员，入会后即可领取")
    return membership


@router.get(
    "/me/campaigns", auth=PortalSession(), response={200: list[MemberCampaignOut], **ERRORS}, summary="我可领取的消费券"
)
def my_campaigns(request):
    membership = _me(request)
    return [
        {
            "id": c.pk,
            "name": c.name,
            "kind": c.kind,
            "org_name": c.org.name,
            "face_value": c.face_value,
            "free_entry": c.free_entry,
            "remaining": c.remaining,
            "claim_ends": c.claim_ends,
            "valid_until": c.valid_until,
        }
        for c, _verdict in queries.campaigns_for_member(membership)
    ]


@router.get(
    "/me/campaigns/{campaign_id}/eligibility",
    auth=PortalSession(),
    response={200: EligibilityOut, **ERRORS},
    summary="我能否领取，不能时说明原因",
)
def my_eligibility(request, campaign_id: int):
    membership = _me(request)
    campaign = _member_campaign(membership, campaign_id)
    verdict = actions.verdict_for(campaign, membership)
    return {"eligible": verdict.eligible, "reasons": verdict.reasons}


def _member_campaign(membership, campaign_id: int) -> Campaign:
    campaign = queries.visible_to_member(Campaign, membership).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


@router.post(
    "/me/campaigns/{campaign_id}/claim",
    auth=PortalSession(),
    response={201: VoucherOut, **ERRORS},
    summary="领取消费券",
)
def my_claim(request, campaign_id: int):
    membership = _me(request)
    campaign = _member_campaign(membership, campaign_id)
    voucher = actions.do_claim_voucher(campaign=campaign, membership=membership)
    voucher.campaign = campaign
    return Status(201, _voucher_out(voucher))


def _voucher_out(v) -> dict:
    return {
        "code": v.code,
        "campaign": v.campaign.name,
        "status": v.status,
        "issued_at": v.issued_at,
        "expires_at": v.expires_at,
        "redeemed_at": v.redeemed_at,
        "redeemed_by": v.redeemed_by.name if v.redeemed_by_id else None,
        "payload": vouchers.payload_for(v) if v.status == "issued" else None,
    }


@router.get("/me/vouchers", auth=PortalSession(), response={200: list[VoucherOut], **ERRORS}, summary="我的消费券")
def my_vouchers(request, status: str | None = Query(None)):
    rows = queries.vouchers_of(_me(request))
    if status:
        rows = rows.filter(status=status)
    return [_voucher_out(v) for v in rows[:200]]


# --- medical reductions, services, feedback ------------------------------------------------------


class MedicalIn(PayloadIn):
    offer: int
    visit_date: dt.date
    total: Decimal
    insured: Decimal


class MedicalOut(Schema):
    id: int
    visit_date: dt.date
    total: Decimal
    insured: Decimal
    out_of_pocket: Decimal
    reduction: Decimal
    capped: bool


@router.post("/counter/medical", response={201: MedicalOut, **ERRORS}, summary="医院登记医疗减免（年度上限）")
def counter_medical(request, payload: MedicalIn):
    partner = counter_partner(request.auth, payload.partner)
    offer = Offer.objects.filter(pk=payload.offer, partner=partner).select_related("partner__org").first()
    if offer is None:
        raise ValidationError({"offer": ["这项优惠不属于本医院"]})
    row = actions.do_record_medical_reduction(
        acting_user=request.auth,
        partner=partner,
        offer=offer,
        visit_date=payload.visit_date,
        total=payload.total,
        insured=payload.insured,
        payload=payload.payload,
    )
    return Status(201, row)


class HospitalTotalOut(Schema):
    partner_id: int
    name: str
    visits: int
    total: Decimal
    insured: Decimal
    reduction: Decimal


class MedicalTotalsOut(Schema):
    visits: int
    reduction: Decimal
    by_hospital: list[HospitalTotalOut]


@router.get("/medical/totals", response={200: MedicalTotalsOut, **ERRORS}, summary="医疗减免合计（按医院，限本人范围）")
def medical_totals(request, under: str | None = None):
    path = _org(request.auth, under).path if under else None
    return queries.medical_totals(request.auth, path)


class ServiceIn(Schema):
    org: str
    name: str = Field(..., max_length=80)
    category: str
    description: str
    how_to_use: str = ""
    channels: list[str] = []
    rule: dict = {}
    partner: int | None = None


class ServiceOut(Schema):
    id: int
    name: str
    category: str
    org_name: str = Field(..., alias="org.name")
    description: str
    how_to_use: str
    channels: list[str]
    status: str


@router.post("/services", response={201: ServiceOut, **ERRORS}, summary="新建普惠服务（草稿）")
def create_service(request, payload: ServiceIn):
    org = _org(request.auth, payload.org)
    data = payload.dict(exclude={"org", "partner"})
    if payload.partner is not None:
        data["partner"] = queries.partners_for(request.auth).filter(pk=payload.partner).first()
        if data["partner"] is None:
            raise ValidationError({"partner": ["未找到该合作商户，或您无权查看"]})
    return Status(201, actions.do_create_service(acting_user=request.auth, org=org, data=data))


@router.post("/services/{service_id}/publish", response={200: ServiceOut, **ERRORS}, summary="发布服务")
def publish_service(request, service_id: int):
    from gonghui.benefits.models import Service

    service = access_object(Service.objects.select_related("org"), request.auth, VIEW, pk=service_id)
    return actions.do_set_service_status(acting_user=request.auth, service=service, status="published")


class MemberServiceOut(ServiceOut):
    eligible: bool
    reasons: list[str]


@router.get(
    "/me/services",
    auth=PortalSession(),
    response={200: list[MemberServiceOut], **ERRORS},
    summary="服务目录（含不可用原因）",
)
def my_services(request):
    rows = []
    for service, verdict in queries.services_for_member(_me(request)):
        service.eligible, service.reasons = verdict.eligible, verdict.reasons
        rows.append(service)
    return rows


class FeedbackIn(Schema):
    target: str = Field(..., pattern="^(service|partner|campaign)$")
    id: int
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


class FeedbackOut(Schema):
    id: int
    rating: int
    comment: str
    created_at: dt.datetime
    response: str
    handled_at: dt.datetime | None


@router.post(
    "/me/feedback", auth=PortalSession(), response={201: FeedbackOut, **ERRORS}, summary="评价服务、商户或活动"
)
def my_feedback(request, payload: FeedbackIn):
    from gonghui.benefits.models import Service

    membership = _me(request)
    if payload.target == "partner":
        # A member rates a partner of their org chain (the partner's signing org contains the member's org).
        target = Partner.objects.filter(pk=payload.id).first()
        if target is None or not membership.org_path.startswith(target.org_path):
            raise Http404
    else:
        model = Service if payload.target == "service" else Campaign
        target = queries.visible_to_member(model, membership).filter(pk=payload.id).first()
        if target is None:
            raise Http404
    feedback = actions.do_leave_feedback(
        membership=membership, target=target, rating=payload.rating, comment=payload.comment
    )
    return Status(201, feedback)


class FeedbackSummaryOut(Schema):
    count: int
    average: float | None
    items: list[FeedbackOut]


@router.get("/feedback", response={200: FeedbackSummaryOut, **ERRORS}, summary="会员评价（平均分和意见，限本人范围）")
def list_feedback(request, target: str = Query(..., pattern="^(service|partner|campaign)$"), id: int = Query(...)):
    from gonghui.benefits.models import Feedback, Service

    model = {"service": Service, "partner": Partner, "campaign": Campaign}[target]
    obj = access_object(model.objects.all(), request.auth, VIEW, pk=id)
    summary = queries.feedback_summary(request.auth, target=obj)
    items = Feedback.objects.restrict(request.auth, VIEW).filter(**{target: obj}).order_by("-created_at")[:100]
    return {"count": summary["count"], "average": summary["average"], "items": list(items)}


class HandleIn(Schema):
    response: str = Field(..., max_length=500)


@router.post("/feedback/{feedback_id}/handle", response={200: FeedbackOut, **ERRORS}, summary="处理评价")
def handle_feedback(request, feedback_id: int, payload: HandleIn):
    from gonghui.benefits.models import Feedback

    feedback = access_object(Feedback.objects.all(), request.auth, VIEW, pk=feedback_id)
    return actions.do_handle_feedback(acting_user=request.auth, feedback=feedback, response=payload.response)
