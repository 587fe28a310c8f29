"""Learning API (/api/v1): courses, enrolments, session attendance by card, public certificate
checks and the member's skills record.

Callers: staff with a bearer token or console session (lists scoped by `restrict()`), or a member
logged in to the portal (`PortalSession`: the course list for them, enrolling and cancelling
themselves). `GET /certificates/{serial}` needs no login: anyone holding the QR may check it.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import APIKeyCookie, django_auth

from gonghui.accounts.auth import BearerTokenAuth
from gonghui.core.actionkit import Actor
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.learning import actions, actions_records, queries
from gonghui.learning.models import Category, Enrolment, Offering
from gonghui.learning.states import LIVE_ENROLMENT, OfferingStatus
from gonghui.members.api import access_member
from gonghui.members.models import Membership
from gonghui.members.schemas import MemberSkillOut, mask_name
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

courses_router = Router(tags=["learning"])
sessions_router = Router(tags=["learning"])
certificates_router = Router(tags=["learning"])
skills_router = Router(tags=["learning"])


class PortalSession(APIKeyCookie):
    """A member logged in to the portal (SMS code); CSRF-checked like any cookie-authenticated write."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        from gonghui.members.portal.auth import current_member

        member = current_member(request) if key else None
        if member is None or member.person is None:
            return None
        return member


STAFF_OR_MEMBER = [BearerTokenAuth(), django_auth, PortalSession()]


def _is_member(request) -> bool:
    return hasattr(request.auth, "person") and hasattr(request.auth, "mobile")


def _membership_of(request) -> Membership:
    membership = actions.current_membership(request.auth.person.pk)
    if membership is None:
        raise HttpError(403, "您还不是工会会员，入会后即可报名")
    return membership


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    class_hours: Decimal
    topic: str
    place: str


class CourseOut(Schema):
    id: int
    kind: str
    title: str
    category: str
    category_label: str
    org_code: str
    org_name: str
    status: str
    status_label: str
    teacher: str
    venue: str
    online: bool
    capacity: int
    seats_taken: int
    min_enrolment: int
    fee: Decimal
    companion_rule: str
    enrol_opens_at: dt.datetime
    enrol_closes_at: dt.datetime
    eligible: bool | None = Field(None, description="调用者为会员时：能否报名")
    reasons: list[str] = Field([], description="不能报名的原因")


class CourseDetailOut(CourseOut):
    description: str
    live_url: str
    replay_url: str
    completion_percent: int
    exam_pass_score: int | None
    skill_name: str
    skill_level: str
    sessions: list[SessionOut]
    rule_text: list[str]


def _course(o: Offering, verdict=None) -> dict:
    return {
        "id": o.pk,
        "kind": o.kind,
        "title": o.title,
        "category": o.category,
        "category_label": str(Category(o.category).label),
        "org_code": o.org.code,
        "org_name": o.org.name,
        "status": o.status,
        "status_label": o.get_status_display(),
        "teacher": o.teacher,
        "venue": o.venue,
        "online": o.online,
        "capacity": o.capacity,
        "seats_taken": o.seats_taken,
        "min_enrolment": o.min_enrolment,
        "fee": o.fee,
        "companion_rule": o.companion_rule,
        "enrol_opens_at": o.enrol_opens_at,
        "enrol_closes_at": o.enrol_closes_at,
        "eligible": None if verdict is None else verdict.eligible,
        "reasons": [] if verdict is None else list(verdict.reasons),
    }


class CourseFilter(Schema):
    org: str | None = Field(None, description="组织代码：该组织及下级主办的课程")
    category: str | None = None
    status: str | None = None
    q: str = Field("", max_length=60)


def _choice(value, choices, field, label):
    if value and value not in choices.values:
        raise ValidationError({field: [f"{label}应为以下之一：{'、'.join(choices.values)}"]})
    return value or ""


@courses_router.get(
    "",
    auth=STAFF_OR_MEMBER,
    response={200: list[CourseOut], **ERRORS},
    summary="课程和活动（会员：可见的并附报名资格）",
)
@paginate(PagePagination)
def list_courses(request, filters: CourseFilter = Query(...)):
    category = _choice(filters.category, Category, "category", "类别")
    status = _choice(filters.status, OfferingStatus, "status", "状态")
    if _is_member(request):
        membership = _membership_of(request)
        qs = queries.offerings_visible_to(membership, category=category, q=filters.q.strip())
        if status:
            qs = qs.filter(status=status)
        return _MemberPage(qs, membership)
    qs = Offering.objects.restrict(request.auth, "view").select_related("org").order_by("-enrol_closes_at", "-id")
    if filters.org:
        org = Org.objects.filter(code=filters.org.upper()).first()
        if org is None:
            raise ValidationError({"org": ["未找到该组织代码"]})
        qs = qs.filter(org_path__startswith=org.path)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if filters.q.strip():
        qs = qs.filter(title__icontains=filters.q.strip())
    return _Mapped(qs, _course)


class _Mapped:
    """A queryset the paginator slices; each page's rows are mapped to output dicts."""

    def __init__(self, qs, fn):
        self.qs, self.fn = qs, fn

    def __len__(self):
        return self.qs.count()

    def __getitem__(self, item):
        return [self.fn(o) for o in self.qs[item]]


class _MemberPage(_Mapped):
    def __init__(self, qs, membership):
        super().__init__(qs, None)
        self.membership = membership

    def __getitem__(self, item):
        return [_course(o, v) for o, v in queries.with_verdicts(list(self.qs[item]), self.membership)]


def _member_offering(request, course_id: int) -> tuple[Offering, Membership | None]:
    if _is_member(request):
        membership = _membership_of(request)
        offering = queries.offerings_visible_to(membership).filter(pk=course_id).first()
        if offering is None:
            raise Http404
        return offering, membership
    return queries.access_offering(request.auth, course_id), None


@courses_router.get("/{course_id}", auth=STAFF_OR_MEMBER, response={200: CourseDetailOut, **ERRORS}, summary="课程详情")
def get_course(request, course_id: int):
    from gonghui.members.eligibility import describe

    offering, membership = _member_offering(request, course_id)
    verdict = queries.with_verdicts([offering], membership)[0][1] if membership else None
    data = _course(offering, verdict)
    data.update(
        description=offering.description,
        live_url=offering.live_url,
        replay_url=offering.replay_url,
        completion_percent=offering.completion_percent,
        exam_pass_score=offering.exam_pass_score,
        skill_name=offering.skill_name,
        skill_level=offering.skill_level,
        sessions=list(offering.sessions.all()),
        rule_text=describe(offering.rule),
    )
    return data


class EnrolIn(Schema):
    member_no: str | None = Field(None, max_length=20, description="工作人员代报时必填；会员本人报名时省略")


class EnrolmentOut(Schema):
    course_id: int
    member_no: str
    name_masked: str
    status: str
    status_label: str
    arrival: int
    waiting_ahead: int | None
    offer_expires_at: dt.datetime | None
    message: str


def _enrolment_out(enrolment: Enrolment, message: str) -> dict:
    return {
        "course_id": enrolment.offering_id,
        "member_no": enrolment.membership.member_no,
        "name_masked": mask_name(enrolment.membership.person.name),
        "status": enrolment.status,
        "status_label": enrolment.get_status_display(),
        "arrival": enrolment.arrival,
        "waiting_ahead": queries.queue_position(enrolment) if enrolment.status == "waitlisted" else None,
        "offer_expires_at": enrolment.offer_expires_at,
        "message": message,
    }


def _member_by_no(member_no: str | None) -> Membership:
    if not member_no:
        raise ValidationError({"member_no": ["工作人员代报时请填写会员证号"]})
    membership = (
        Membership.objects.select_related("person", "org")
        .filter(member_no=member_no.strip(), status__in=CURRENT)
        .first()
    )
    if membership is None:
        raise ValidationError({"member_no": ["未找到该会员证号的在籍会员"]})
    return membership


@courses_router.post(
    "/{course_id}/enrolments",
    auth=STAFF_OR_MEMBER,
    response={201: EnrolmentOut, **ERRORS},
    summary="报名（会员本人，或工作人员代会员报名）；满员时进入候补",
)
def enrol(request, course_id: int, payload: EnrolIn):
    offering, membership = _member_offering(request, course_id)
    if membership is not None:
        result = actions.do_enrol(
            acting_user=Actor.member(membership.person_id, mask_name(membership.person.name)),
            offering=offering,
            membership=membership,
        )
    else:
        result = actions.do_enrol(
            acting_user=request.auth, offering=offering, membership=_member_by_no(payload.member_no)
        )
    return Status(201, _enrolment_out(result.enrolment, result.message))


@courses_router.delete(
    "/{course_id}/enrolments/{member_no}",
    auth=STAFF_OR_MEMBER,
    response={200: EnrolmentOut, **ERRORS},
    summary="取消报名或候补（空出的名额递补给第一位候补会员）",
)
def cancel(request, course_id: int, member_no: str):
    offering, membership = _member_offering(request, course_id)
    if membership is not None:
        if membership.member_no != member_no:
            raise Http404
        actor = Actor.member(membership.person_id, mask_name(membership.person.name))
    else:
        actor = request.auth
    enrolment = (
        Enrolment.objects.select_related("membership__person")
        .filter(offering=offering, membership__member_no=member_no, status__in=LIVE_ENROLMENT)
        .first()
    )
    if enrolment is None:
        raise ValidationError({"member_no": ["该会员没有本课程的有效报名"]})
    enrolment = actions.do_cancel_enrolment(acting_user=actor, enrolment=enrolment)
    return _enrolment_out(enrolment, "已取消报名")


class CardIn(Schema):
    payload: str = Field(..., min_length=1, max_length=2000, description="会员卡二维码文本")


class CheckInOut(Schema):
    ok: bool
    code: str
    message: str
    name_masked: str = ""
    late: bool = False
    hours: Decimal | None = None


@sessions_router.post(
    "/{session_id}/attendance",
    response={200: CheckInOut, **ERRORS},
    summary="课堂签到：扫会员卡二维码（再次扫码为签退；伪造、过期、注销的卡被拒绝）",
)
def check_in(request, session_id: int, payload: CardIn):
    session = queries.access_session(request.auth, session_id, "learning.checkin")
    result = actions_records.do_check_in_card(acting_user=request.auth, session=session, payload=payload.payload)
    a = result.attendance
    return {
        "ok": result.ok,
        "code": result.code,
        "message": result.message,
        "name_masked": result.name_masked,
        "late": bool(a and a.late),
        "hours": a.hours if a else None,
    }


class CertificateOut(Schema):
    found: bool
    valid: bool
    message: str
    serial: str | None = None
    kind: str | None = None
    holder: str | None = Field(None, description="持证人（已遮盖）")
    title: str | None = None
    org_name: str | None = None
    issued_on: dt.date | None = None
    hours: Decimal | None = None
    award: str | None = None
    status: str | None = None
    revoked_reason: str | None = None


@certificates_router.get(
    "/{serial}", auth=None, response={200: CertificateOut, 404: CertificateOut}, summary="证书核验（公开，无需登录）"
)
def verify_certificate(request, serial: str):
    answer = queries.certificate_check(serial)
    return Status(200 if answer["found"] else 404, answer)


@skills_router.get(
    "/{member_no}/skills", response={200: list[MemberSkillOut], **ERRORS}, summary="会员的技能档案（已核实）"
)
def member_skills(request, member_no: str):
    return queries.skills_of(access_member(request.auth, member_no))
