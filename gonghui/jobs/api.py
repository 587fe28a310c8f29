"""Jobs API (/api/v1): job search and posts, applications, employers and placements.

Members (portal session) search open posts — by keyword, type, distance from a point, wage floor
and skills — see a post with their skill match, and apply for themselves. Staff (bearer token or
console session) list the posts of their subtree, apply for a walk-in member (`member_no`), move
applications on, record hires, and keep employers and placements. Every list is paginated and
scoped; errors use the one shape {"error": {"code", "message", "fields"}}.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gonghui.core.actionkit import Actor
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.jobs import actions, actions_apply, queries, search
from gonghui.jobs.models import Application, Employer, JobType, Placement, WageUnit
from gonghui.jobs.states import ApplicationStatus, EmployerStatus, PostStatus
from gonghui.learning.actions import current_membership
from gonghui.learning.api import STAFF_OR_MEMBER, _is_member
from gonghui.members.api import access_member
from gonghui.members.models import Membership
from gonghui.members.schemas import mask_name
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org
from gonghui.stations import geo

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

jobs_router = Router(tags=["jobs"])
applications_router = Router(tags=["jobs"])
employers_router = Router(tags=["jobs"])
placements_router = Router(tags=["jobs"])
member_applications_router = Router(tags=["jobs"])


def _membership_of(request) -> Membership:
    membership = current_membership(request.auth.person.pk)
    if membership is None:
        raise HttpError(403, "您还不是工会会员，入会后即可投递岗位")
    return membership


class SkillNeedOut(Schema):
    name: str
    level: str


class PostOut(Schema):
    id: int
    title: str
    job_type: str
    job_type_label: str
    employer: str
    openings: int
    open_places: int
    wage_min: Decimal
    wage_max: Decimal
    wage_unit: str
    wage_text: str
    remote: bool
    lat: float | None
    lon: float | None
    division_code: str
    address: str
    deadline: dt.date
    status: str
    status_label: str
    station: str | None
    org_name: str
    skills: list[SkillNeedOut]
    distance_m: float | None = Field(None, description="按距离搜索时：到搜索点的距离（米）")


class PostDetailOut(PostOut):
    description: str
    hours: str
    benefits: str
    skills_met: list[str] = Field([], description="调用者为会员时：已具备的技能要求")
    skills_missing: list[str] = Field([], description="调用者为会员时：尚不具备的技能要求")
    applied_status: str | None = Field(None, description="调用者为会员时：本人申请的状态")


def _post(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "job_type": p.job_type,
        "job_type_label": str(JobType(p.job_type).label),
        "employer": p.employer.name,
        "openings": p.openings,
        "open_places": p.open_places,
        "wage_min": p.wage_min,
        "wage_max": p.wage_max,
        "wage_unit": p.wage_unit,
        "wage_text": p.wage_text,
        "remote": p.remote,
        "lat": p.lat,
        "lon": p.lon,
        "division_code": p.division_code,
        "address": p.address,
        "deadline": p.deadline,
        "status": p.status,
        "status_label": p.get_status_display(),
        "station": p.station.name if p.station_id else None,
        "org_name": p.org.name,
        "skills": p.skills,
        "distance_m": round(p.distance_m, 1) if getattr(p, "distance_m", None) is not None else None,
    }


class _Mapped:
    def __init__(self, rows, fn):
        self.rows, self.fn = rows, fn

    def __len__(self):
        return self.rows.count()

    def __getitem__(self, item):
        return [self.fn(o) for o in self.rows[item]]


class JobFilter(Schema):
    q: str = Field("", max_length=40, description="关键词：岗位名称或技能要求")
    type: str = Field("", description="用工类型：full_time/part_time/gig_daily/trainee/seasonal")
    near_lat: float | None = Field(None, description="搜索点纬度（WGS-84）")
    near_lon: float | None = Field(None, description="搜索点经度（WGS-84）")
    radius_km: float = Field(10, gt=0, le=200, description="搜索半径（公里），默认 10")
    skill: list[str] = Field([], description="技能名称，可重复：要求其中任一技能的岗位")
    wage_min: Decimal | None = Field(None, ge=0, description="月工资下限（元）：按月折算的工资下限不低于此数")
    station: str = Field("", description="零工驿站编码")
    status: str = Field("", description="工作人员：岗位状态")


def build_query(filters) -> search.Query:
    if filters.type and filters.type not in JobType.values:
        raise ValidationError({"type": ["用工类型应为：" + "、".join(JobType.values)]})
    lat = lon = None
    if (filters.near_lat is None) != (filters.near_lon is None):
        raise ValidationError({"near_lat": ["按距离搜索请同时提供 near_lat 和 near_lon"]})
    if filters.near_lat is not None:
        try:
            lat, lon = geo.validate(filters.near_lat, filters.near_lon)
        except geo.CoordinateError:
            raise ValidationError({"near_lat": ["坐标超出范围：纬度 −90～90，经度 −180～180"]}) from None
    station_id = None
    if filters.station:
        from gonghui.stations.models import Station

        station_id = Station.objects.filter(code=filters.station.strip().upper()).values_list("pk", flat=True).first()
        if station_id is None:
            raise ValidationError({"station": ["未找到该驿站编码"]})
    return search.Query(
        q=filters.q.strip(),
        job_type=filters.type,
        lat=lat,
        lon=lon,
        radius_km=filters.radius_km,
        skills=[s.strip() for s in filters.skill if s.strip()][:10],
        wage_min=filters.wage_min,
        station_id=station_id,
    )


@jobs_router.get("", auth=STAFF_OR_MEMBER, response={200: list[PostOut], **ERRORS}, summary="搜索岗位")
@paginate(PagePagination)
def list_jobs(request, filters: JobFilter = Query(...)):
    query = build_query(filters)
    if _is_member(request):
        _membership_of(request)
        return _Mapped(search.search(query), _post)
    if filters.status and filters.status not in PostStatus.values:
        raise ValidationError({"status": ["岗位状态应为：" + "、".join(PostStatus.values)]})
    qs = queries.staff_posts(request.auth, status=filters.status, q=query.q, job_type=query.job_type)
    if query.skills:
        qs = qs.filter(pk__in=search.filtered(search.Query(skills=query.skills), on=dt.date.min).values("pk"))
    return _Mapped(qs, _post)


def _member_post(request, job_id: int):
    membership = _membership_of(request)
    post = queries.JobPost.objects.select_related("org", "employer", "station").filter(pk=job_id).first()
    mine = Application.objects.filter(post_id=job_id, person_id=membership.person_id).order_by("-id").first()
    if post is None or (post.status != PostStatus.PUBLISHED and mine is None):
        raise Http404
    return post, membership, mine


@jobs_router.get("/{job_id}", auth=STAFF_OR_MEMBER, response={200: PostDetailOut, **ERRORS}, summary="岗位详情")
def get_job(request, job_id: int):
    data: dict = {}
    if _is_member(request):
        post, membership, mine = _member_post(request, job_id)
        met, missing = search.skill_match(post.skills, queries.member_skills(membership))
        data.update(skills_met=met, skills_missing=missing, applied_status=mine.status if mine else None)
    else:
        post = queries.access_post(request.auth, job_id)
    data.update(_post(post), description=post.description, hours=post.hours, benefits=post.benefits)
    return data


class ApplyIn(Schema):
    member_no: str | None = Field(None, max_length=20, description="工作人员代投时必填；会员本人投递时省略")
    share_mobile: bool = Field(False, description="同意向用人单位提供完整手机号（否则显示脱敏号码）")
    share_skills: bool = Field(True, description="向用人单位展示技能")
    note: str = Field("", max_length=200)


class JobEventOut(Schema):
    from_status: str
    to_status: str
    to_label: str
    note: str
    at: dt.datetime


class JobApplicationOut(Schema):
    id: int
    job_id: int
    job_title: str
    employer: str
    status: str
    status_label: str
    channel: str
    share_mobile: bool
    applied_at: dt.datetime
    changed_at: dt.datetime
    events: list[JobEventOut] = []


def _application(a: Application, *, events=None) -> dict:
    return {
        "id": a.pk,
        "job_id": a.post_id,
        "job_title": a.post.title,
        "employer": a.post.employer.name,
        "status": a.status,
        "status_label": a.get_status_display(),
        "channel": a.channel,
        "share_mobile": a.share_mobile,
        "applied_at": a.applied_at,
        "changed_at": a.changed_at,
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "to_label": str(ApplicationStatus(e.to_status).label),
                "note": e.note,
                "at": e.at,
            }
            for e in (events if events is not None else a.events.all())
        ],
    }


@jobs_router.post(
    "/{job_id}/applications", auth=STAFF_OR_MEMBER, response={201: JobApplicationOut, **ERRORS}, summary="投递岗位"
)
def apply(request, job_id: int, payload: ApplyIn):
    if _is_member(request):
        post, membership, _mine = _member_post(request, job_id)
        actor = Actor.member(membership.person_id, mask_name(membership.person.name))
    else:
        post = queries.access_post(request.auth, job_id)
        if not payload.member_no:
            raise ValidationError({"member_no": ["工作人员代投时请填写会员证号"]})
        membership = (
            Membership.objects.select_related("person")
            .filter(member_no=payload.member_no.strip(), status__in=CURRENT)
            .first()
        )
        if membership is None:
            raise ValidationError({"member_no": ["未找到该会员证号的在籍会员"]})
        actor = request.auth
    application = actions_apply.do_apply(
        acting_user=actor,
        post=post,
        membership=membership,
        share_mobile=payload.share_mobile,
        share_skills=payload.share_skills,
        note=payload.note,
    )
    return Status(201, _application(Application.objects.select_related("post__employer").get(pk=application.pk)))


class BoardRowOut(Schema):
    id: int
    name_masked: str
    mobile: str = Field(description="会员同意时为完整号码，否则脱敏")
    worker_type: str
    skills: list[str] | None
    status: str
    status_label: str
    channel: str
    applied_at: dt.datetime


@jobs_router.get("/{job_id}/applications", response={200: list[BoardRowOut], **ERRORS}, summary="岗位的求职申请")
@paginate(PagePagination)
def job_applications(request, job_id: int, status: str = ""):
    post = queries.access_board_post(request.auth, job_id)
    if status and status not in ApplicationStatus.values:
        raise ValidationError({"status": ["申请状态应为：" + "、".join(ApplicationStatus.values)]})

    class _Rows(_Mapped):
        def __getitem__(self, item):
            return [
                {
                    "id": r["application"].pk,
                    "name_masked": r["name"],
                    "mobile": r["mobile"],
                    "worker_type": r["worker_type"],
                    "skills": r["skills"],
                    "status": r["application"].status,
                    "status_label": r["application"].get_status_display(),
                    "channel": r["application"].channel,
                    "applied_at": r["application"].applied_at,
                }
                for r in queries.board_rows(self.rows[item])
            ]

    return _Rows(queries.board(post, status=status), None)


class MoveIn(Schema):
    status: str = Field(description="viewed / interview / offered / declined")
    note: str = Field("", max_length=200)


def _reload_application(application) -> dict:
    return _application(Application.objects.select_related("post__employer").get(pk=application.pk))


@applications_router.post(
    "/{application_id}/status", response={200: JobApplicationOut, **ERRORS}, summary="更新申请状态"
)
def move_application(request, application_id: int, payload: MoveIn):
    application = queries.access_application(request.auth, application_id)
    actions_apply.do_move_application(
        acting_user=request.auth, application=application, status=payload.status, note=payload.note
    )
    return _reload_application(application)


class HireIn(Schema):
    start_date: dt.date
    wage: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    wage_unit: str = Field(description="hour / day / month / piece")
    note: str = Field("", max_length=200)


class FollowUpOut(Schema):
    id: int
    months: int
    due_on: dt.date
    done_at: dt.datetime | None
    still_working: bool | None
    income_change: Decimal | None
    note: str


class PlacementOut(Schema):
    id: int
    application_id: int
    job_id: int
    job_title: str
    employer: str
    member_no: str
    name_masked: str
    start_date: dt.date
    wage: Decimal
    wage_unit: str
    job_type: str
    follow_ups: list[FollowUpOut]


def _placement(p: Placement) -> dict:
    return {
        "id": p.pk,
        "application_id": p.application_id,
        "job_id": p.post_id,
        "job_title": p.post.title,
        "employer": p.employer.name,
        "member_no": p.membership.member_no,
        "name_masked": mask_name(p.membership.person.name),
        "start_date": p.start_date,
        "wage": p.wage,
        "wage_unit": p.wage_unit,
        "job_type": p.job_type,
        "follow_ups": list(p.follow_ups.all()),
    }


PLACEMENT_RELATED = ("post", "employer", "membership__person")


@applications_router.post("/{application_id}/hire", response={201: PlacementOut, **ERRORS}, summary="录用并登记上岗")
def hire(request, application_id: int, payload: HireIn):
    if payload.wage_unit not in WageUnit.values:
        raise ValidationError({"wage_unit": ["计薪单位应为：" + "、".join(WageUnit.values)]})
    application = queries.access_application(request.auth, application_id)
    placement = actions_apply.do_hire(
        acting_user=request.auth,
        application=application,
        start_date=payload.start_date,
        wage=payload.wage,
        wage_unit=payload.wage_unit,
        note=payload.note,
    )
    return Status(201, _placement(Placement.objects.select_related(*PLACEMENT_RELATED).get(pk=placement.pk)))


@member_applications_router.get(
    "/{member_no}/applications",
    auth=STAFF_OR_MEMBER,
    response={200: list[JobApplicationOut], **ERRORS},
    summary="会员的求职申请",
)
@paginate(PagePagination)
def member_applications(request, member_no: str):
    if _is_member(request):
        membership = _membership_of(request)
        if membership.member_no != member_no:
            raise Http404
    else:
        membership = access_member(request.auth, member_no)
    return _Mapped(queries.member_applications(membership.person_id), _application)


# --- employers ---------------------------------------------------------------------------------------


class EmployerOut(Schema):
    id: int
    name: str
    kind: str
    uscc: str
    org_code: str
    org_name: str
    contact_name: str
    contact_mobile_masked: str
    address: str
    division_code: str
    lat: float | None
    lon: float | None
    status: str
    status_label: str


def _employer(e: Employer) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "kind": e.kind,
        "uscc": e.uscc,
        "org_code": e.org.code,
        "org_name": e.org.name,
        "contact_name": e.contact_name,
        "contact_mobile_masked": e.contact_masked,
        "address": e.address,
        "division_code": e.division_code,
        "lat": e.lat,
        "lon": e.lon,
        "status": e.status,
        "status_label": e.get_status_display(),
    }


@employers_router.get("", response={200: list[EmployerOut], **ERRORS}, summary="用人单位")
@paginate(PagePagination)
def list_employers(request, status: str = "", q: str = Query("", max_length=40)):
    if status and status not in EmployerStatus.values:
        raise ValidationError({"status": ["状态应为：" + "、".join(EmployerStatus.values)]})
    qs = Employer.objects.restrict(request.auth, "view").select_related("org").order_by("name", "id")
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return _Mapped(qs, _employer)


class EmployerIn(Schema):
    org: str = Field(description="登记工会的组织代码")
    enterprise_org: str | None = Field(None, description="建会企业：基层工会的组织代码（统一社会信用代码取自该工会）")
    name: str = Field("", max_length=120)
    uscc: str = Field("", max_length=30)
    contact_name: str = Field(max_length=40)
    contact_mobile: str = Field(max_length=20)
    address: str = Field(max_length=200)
    division_code: str = Field(max_length=12)
    lat: float | None = None
    lon: float | None = None


def _org(code: str | None, field: str) -> Org | None:
    if not code:
        return None
    org = Org.objects.filter(code=code.strip().upper()).first()
    if org is None:
        raise ValidationError({field: ["未找到该组织代码"]})
    return org


@employers_router.post("", response={201: EmployerOut, **ERRORS}, summary="登记用人单位")
def register_employer(request, payload: EmployerIn):
    org = _org(payload.org, "org")
    if org is None:
        raise ValidationError({"org": ["请填写登记工会的组织代码"]})
    enterprise = _org(payload.enterprise_org, "enterprise_org")
    employer = actions.do_register_employer(
        acting_user=request.auth, org=org, enterprise=enterprise, data=payload.dict(exclude={"org", "enterprise_org"})
    )
    return Status(201, _employer(employer))


class JobReviewIn(Schema):
    note: str = Field("", max_length=200)


@employers_router.post("/{employer_id}/approve", response={200: EmployerOut, **ERRORS}, summary="审核通过用人单位")
def approve_employer(request, employer_id: int, payload: JobReviewIn):
    employer = queries.access_employer(request.auth, employer_id)
    return _employer(actions.do_approve_employer(acting_user=request.auth, employer=employer, note=payload.note))


class SuspendIn(Schema):
    reason: str = Field(max_length=200)


@employers_router.post("/{employer_id}/suspend", response={200: EmployerOut, **ERRORS}, summary="暂停用人单位")
def suspend_employer(request, employer_id: int, payload: SuspendIn):
    employer = queries.access_employer(request.auth, employer_id)
    return _employer(actions.do_suspend_employer(acting_user=request.auth, employer=employer, reason=payload.reason))


# --- placements -------------------------------------------------------------------------------------


@placements_router.get("", response={200: list[PlacementOut], **ERRORS}, summary="就业安置")
@paginate(PagePagination)
def list_placements(request, due: bool = False):
    qs = (
        Placement.objects.restrict(request.auth, "view")
        .select_related(*PLACEMENT_RELATED)
        .prefetch_related("follow_ups")
    )
    if due:
        qs = qs.filter(follow_ups__done_at__isnull=True, follow_ups__due_on__lte=timezone.localdate()).distinct()
    return _Mapped(qs.order_by("-start_date", "-id"), _placement)


class FollowUpIn(Schema):
    still_working: bool
    income_change: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=200)


@placements_router.post("/follow-ups/{follow_up_id}", response={200: FollowUpOut, **ERRORS}, summary="登记就业回访")
def record_follow_up(request, follow_up_id: int, payload: FollowUpIn):
    follow_up = queries.access_follow_up(request.auth, follow_up_id)
    return actions_apply.do_record_follow_up(
        acting_user=request.auth,
        follow_up=follow_up,
        still_working=payload.still_working,
        income_change=payload.income_change,
        note=payload.note,
    )
