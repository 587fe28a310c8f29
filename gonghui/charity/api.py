"""Charity endpoints under /api/v1/charity.

Three audiences:
- anyone (no login): `/public/…` — campaign and fund totals (from the rolled-up counters, equal to
  the ledger), the wish wall (anonymised);
- union staff (bearer token or session): funds, campaigns, donations, grants, wishes, volunteers in
  their scope (`charity.view`), writes through the actions (403 from the action, 404 outside the scope);
- a member logged in to the portal (`/me/…`, the portal session cookie, CSRF-checked): their wishes
  (post, confirm), claims (claim, release), volunteering.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import APIKeyCookie

from gonghui.charity import actions, actions_grants, queries
from gonghui.charity import actions_wishes as aw
from gonghui.charity.models import Campaign, Donation, Fund, Grant
from gonghui.charity.models_wishes import Wish, WishRound
from gonghui.charity.states import CampaignStatus
from gonghui.core.actionkit import Actor
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.hardship.models import HardshipArchive
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org

router = Router(tags=["charity"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = "charity.view"


# --- schemas -------------------------------------------------------------------------------------------


class CampaignTotalsOut(Schema):
    id: int
    name: str
    fund: str
    status: str
    target: Decimal
    raised: Decimal
    matched: Decimal
    total: Decimal
    donors: int
    refunded: Decimal
    match_partner: str
    starts_on: dt.date
    ends_on: dt.date


class MonthOut(Schema):
    month: dt.date
    income: Decimal
    out: Decimal
    net: Decimal
    rows: int

    @staticmethod
    def resolve_income(obj) -> Decimal:
        return obj["in"]


class PublicGrantOut(Schema):
    on: dt.date | None
    beneficiary: str
    purpose: str
    amount: Decimal


class FundTotalsOut(Schema):
    code: str
    name: str
    purpose: str
    balance: Decimal
    donated: Decimal
    matched: Decimal
    refunded: Decimal
    granted: Decimal
    donations: int
    grants: int
    months: list[MonthOut] = []
    recent_grants: list[PublicGrantOut] = []


class WallWishOut(Schema):
    id: int
    title: str
    story: str
    category: str
    price: Decimal
    age_band: str
    job: str


class FundOut(Schema):
    id: int
    code: str
    name: str
    org_code: str = Field(..., alias="org.code")
    balance: Decimal
    restrictions: dict


class DonationOut(Schema):
    id: int
    campaign_id: int
    donor_kind: str
    donor_name: str
    channel: str
    external_ref: str
    donated_at: dt.datetime
    amount: Decimal
    matched: Decimal
    refunded: Decimal
    receipt_serial: str | None


class DonationIn(Schema):
    amount: str
    donor_kind: str
    donor_name: str = ""
    member_no: str = ""
    channel: str
    external_ref: str = ""
    donated_at: dt.datetime | None = None
    note: str = ""


class RefundIn(Schema):
    amount: str
    reason: str


class GrantOut(Schema):
    id: int
    fund_code: str = Field(..., alias="fund.code")
    beneficiary_kind: str
    public_label: str
    purpose: str
    amount: Decimal
    status: str
    account_masked: str


class GrantIn(Schema):
    beneficiary_kind: str
    archive_number: str = ""
    member_no: str = ""
    project_name: str = ""
    purpose: str
    amount: str
    reason: str
    documents: str = ""
    payee_name: str
    bank_name: str
    account: str


class CharityNoteIn(Schema):
    note: str = ""


class WishOut(Schema):
    id: int
    round_id: int
    title: str
    story: str
    category: str
    price: Decimal
    age_band: str
    job: str
    status: str
    claimant_kind: str
    claimant_name: str
    claim_deadline: dt.date | None
    review_note: str


class CharityReviewIn(Schema):
    approve: bool
    note: str = ""


class ClaimIn(Schema):
    claimant_kind: str
    claimant_name: str = ""


class WishIn(Schema):
    round: int
    category: str
    title: str
    story: str
    price: str


class VolunteerOut(Schema):
    id: int
    name: str
    mobile_masked: str
    skills: list[str]
    availability: str
    hours: Decimal
    member: bool

    @staticmethod
    def resolve_member(obj) -> bool:
        return obj.membership_id is not None if hasattr(obj, "membership_id") else obj["member"]


class VolunteerIn(Schema):
    org: str
    member_no: str = ""
    name: str = ""
    mobile: str = ""
    skills: list[str] = []
    availability: str = ""


# --- public ---------------------------------------------------------------------------------------------


@router.get(
    "/public/campaigns/{campaign_id}",
    auth=None,
    response={200: CampaignTotalsOut, 404: ErrorOut},
    summary="募捐活动公开数据（无需登录）",
)
def public_campaign(request, campaign_id: int):
    campaign = get_object_or_404(
        Campaign.objects.select_related("fund"), pk=campaign_id, status__in=[CampaignStatus.OPEN, CampaignStatus.CLOSED]
    )
    return queries.campaign_figures(campaign)


@router.get(
    "/public/funds/{code}",
    auth=None,
    response={200: FundTotalsOut, 404: ErrorOut},
    summary="专项基金公开数据：总额、捐赠人次、资助（匿名）、月度台账（无需登录）",
)
def public_fund(request, code: str):
    fund = get_object_or_404(Fund, code=code, active=True)
    return {
        **queries.fund_figures(fund),
        "months": queries.monthly_summary(fund),
        "recent_grants": queries.public_grants(fund, limit=50),
    }


@router.get("/public/wishes", auth=None, response={200: list[WallWishOut]}, summary="心愿墙（匿名，无需登录）")
@paginate(PagePagination)
def public_wishes(request):
    return queries.wish_wall().order_by("-created_at", "-pk")


# --- staff ------------------------------------------------------------------------------------------------


def _member(user, member_no: str):
    from gonghui.charity.views import member_by_no

    return member_by_no(user, member_no)


@router.get("/funds", response={200: list[FundOut], **ERRORS}, summary="专项基金（本人范围）")
@paginate(PagePagination)
def list_funds(request):
    return queries.funds_for(request.auth).order_by("org_path", "code")


@router.get(
    "/donations", response={200: list[DonationOut], **ERRORS}, summary="捐赠（本人范围；按捐赠人、单号、收据编号搜索）"
)
@paginate(PagePagination)
def list_donations(request, q: str = "", campaign: int | None = None):
    return queries.donations_for(request.auth, q=q.strip()[:60], campaign=campaign).order_by("-donated_at", "-pk")


@router.post("/campaigns/{campaign_id}/donations", response={201: DonationOut, **ERRORS}, summary="登记捐赠")
def create_donation(request, campaign_id: int, payload: DonationIn):
    campaign = access_object(Campaign.objects.all(), request.auth, VIEW, pk=campaign_id)
    data = payload.dict()
    membership = _member(request.auth, data.pop("member_no"))
    donation = actions.do_record_donation(
        acting_user=request.auth, campaign=campaign, donor_membership=membership, **data
    )
    return 201, donation


@router.post("/donations/{donation_id}/refund", response={200: DonationOut, **ERRORS}, summary="退款（冲回）")
def refund_donation(request, donation_id: int, payload: RefundIn):
    donation = access_object(Donation.objects.select_related("campaign"), request.auth, VIEW, pk=donation_id)
    return actions.do_refund_donation(acting_user=request.auth, donation=donation, **payload.dict())


@router.get("/grants", response={200: list[GrantOut], **ERRORS}, summary="资助（本人范围）")
@paginate(PagePagination)
def list_grants(request, status: str = ""):
    return queries.grants_for(request.auth, status=status).order_by("-made_at", "-pk")


@router.post("/funds/{code}/grants", response={201: GrantOut, **ERRORS}, summary="申请资助（经办人）")
def create_grant(request, code: str, payload: GrantIn):
    fund = access_object(Fund.objects.select_related("org"), request.auth, VIEW, code=code)
    data = payload.dict()
    number, member_no = data.pop("archive_number").strip().upper(), data.pop("member_no")
    archive = HardshipArchive.objects.restrict(request.auth, VIEW).filter(number=number).first() if number else None
    if number and archive is None:
        raise HttpError(404, "找不到该困难职工档案")
    membership = _member(request.auth, member_no) if data["beneficiary_kind"] == "emergency" else None
    grant = actions_grants.do_propose_grant(
        acting_user=request.auth, fund=fund, archive=archive, membership=membership, **data
    )
    return 201, grant


@router.post(
    "/grants/{grant_id}/{decision}",
    response={200: GrantOut, **ERRORS},
    summary="批准或驳回资助（审批人，不得为经办人）",
)
def decide_grant(request, grant_id: int, decision: str, payload: CharityNoteIn):
    grant = access_object(Grant.objects.select_related("fund"), request.auth, VIEW, pk=grant_id)
    if decision == "approve":
        return actions_grants.do_approve_grant(acting_user=request.auth, grant=grant, note=payload.note)
    if decision == "reject":
        return actions_grants.do_reject_grant(acting_user=request.auth, grant=grant, note=payload.note)
    raise HttpError(404, "未找到")


@router.get("/wishes", response={200: list[WishOut], **ERRORS}, summary="微心愿（本人范围）")
@paginate(PagePagination)
def list_wishes(request, status: str = "", round: int | None = None):
    return queries.wishes_for(request.auth, status=status, round_id=round).order_by("-created_at", "-pk")


@router.post("/wishes/{wish_id}/review", response={200: WishOut, **ERRORS}, summary="审核心愿")
def review_wish(request, wish_id: int, payload: CharityReviewIn):
    wish = access_object(Wish.objects.select_related("org"), request.auth, VIEW, pk=wish_id)
    return aw.do_review_wish(acting_user=request.auth, wish=wish, approve=payload.approve, note=payload.note)


@router.post(
    "/wishes/{wish_id}/claim", response={200: WishOut, **ERRORS}, summary="工作人员认领心愿（本人或代爱心企业）"
)
def staff_claim(request, wish_id: int, payload: ClaimIn):
    wish = get_object_or_404(Wish, pk=wish_id)
    return aw.do_claim_wish(acting_user=request.auth, wish=wish, **payload.dict())


@router.get("/volunteers", response={200: list[VolunteerOut], **ERRORS}, summary="志愿者（本人范围）")
@paginate(PagePagination)
def list_volunteers(request):
    return queries.volunteers_for(request.auth).order_by("name", "pk")


@router.post("/volunteers", response={201: VolunteerOut, **ERRORS}, summary="登记志愿者")
def create_volunteer(request, payload: VolunteerIn):
    data = payload.dict()
    org = access_object(Org.objects.all(), request.auth, VIEW, code=data.pop("org").strip().upper())
    membership = _member(request.auth, data.pop("member_no"))
    return 201, aw.do_register_volunteer(acting_user=request.auth, org=org, membership=membership, **data)


# --- the member portal --------------------------------------------------------------------------------------


class PortalSession(APIKeyCookie):
    """A member logged in to the portal (SMS code); CSRF-checked like any cookie-authenticated write."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        from gonghui.members.portal.auth import current_member

        member = current_member(request) if key else None
        if member is None or member.person is None:
            return None
        return member


def _me(request) -> Actor:
    person = request.auth.person
    return Actor.member(person.pk, (person.name[:1] + "**") if person.name else "")


@router.get("/me/wishes", auth=PortalSession(), response={200: list[WishOut], **ERRORS}, summary="我的心愿")
def my_wishes(request):
    return list(Wish.objects.filter(membership__person=request.auth.person).order_by("-created_at")[:50])


@router.post("/me/wishes", auth=PortalSession(), response={201: WishOut, **ERRORS}, summary="发布心愿")
def post_wish(request, payload: WishIn):
    membership = (
        Membership.objects.filter(person=request.auth.person, status__in=CURRENT).select_related("person").first()
    )
    if membership is None:
        raise HttpError(403, "您还不是工会会员，入会后即可发布心愿")
    data = payload.dict()
    wish_round = get_object_or_404(WishRound, pk=data.pop("round"))
    return 201, aw.do_post_wish(acting_user=_me(request), wish_round=wish_round, membership=membership, **data)


@router.post(
    "/me/wishes/{wish_id}/{step}",
    auth=PortalSession(),
    response={200: WishOut, **ERRORS},
    summary="确认收到（confirm）、撤回（withdraw）本人的心愿；认领（claim）、放弃（release）心愿墙上的心愿",
)
def my_wish_step(request, wish_id: int, step: str):
    wish = get_object_or_404(Wish.objects.select_related("org", "membership"), pk=wish_id)
    actor = _me(request)
    if step == "confirm":
        return aw.do_confirm_wish(acting_user=actor, wish=wish)
    if step == "withdraw":
        return aw.do_withdraw_wish(acting_user=actor, wish=wish)
    if step == "claim":
        return aw.do_claim_wish(acting_user=actor, wish=wish, claimant_kind="member")
    if step == "release":
        return aw.do_release_wish(acting_user=actor, wish=wish)
    raise HttpError(404, "未找到")
