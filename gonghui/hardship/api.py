"""Read-only hardship endpoints under /api/v1/hardship (writes come with the screens).

Archives are addressed by their archive number (KN…), never by anything personal. Reads are
scoped with `restrict(user, "hardship.view")`; an archive outside the caller's scope is 404.
Document numbers appear only masked.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.core.tree import in_subtree
from gonghui.hardship import queries
from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.states import ArchiveLevel, ArchiveStatus, Category
from gonghui.orgs.models import Org

router = Router(tags=["hardship"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ArchiveOut(Schema):
    number: str
    status: str
    status_label: str
    level: str
    level_label: str
    category: str
    category_label: str
    category_reason: str
    category_overridden: bool
    org_code: str
    org_name: str
    worker_name: str
    worker_doc: str
    household_size: int
    per_capita: Decimal | None
    subsistence_line: Decimal | None
    causes: list[str]
    applied_on: date
    archived_on: date | None
    next_review_due: date | None
    exit_proposed_on: date | None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_level_label(obj):
        return str(obj.get_level_display())

    @staticmethod
    def resolve_category_label(obj):
        return str(obj.get_category_display()) if obj.category else ""

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_worker_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_worker_doc(obj):
        return obj.person.doc_masked


class HouseholdMemberOut(Schema):
    relation: str
    name: str
    doc_masked: str
    birth_date: date | None
    health: str
    employment: str
    monthly_income: Decimal
    schooling: str


class ExclusionOut(Schema):
    rule: str
    message: str


class ArchiveDetailOut(ArchiveOut):
    computed_category: str
    computed_reason: str
    override_reason: str
    exclusions: list[ExclusionOut]
    assessment_year: int | None
    annual_income: Decimal | None
    rigid_expenses: Decimal | None
    household: list[HouseholdMemberOut]

    @staticmethod
    def resolve_household(obj):
        return obj.household_rows


class TimelineItemOut(Schema):
    on: date
    kind: str
    title: str
    detail: str
    person: str


class QueuesOut(Schema):
    awaiting_visit: int
    notices_running: int
    ready_to_approve: int
    open_objections: int
    reviews_overdue: int
    exits_proposed: int
    plan_overdue: int


class ArchiveFilter(Schema):
    under: str | None = None
    status: str | None = None
    category: str | None = None
    level: str | None = None


def access_archive(user, number: str) -> HardshipArchive:
    return access_object(
        HardshipArchive.objects.select_related("org", "person"), user, "hardship.view", number=number.upper()
    )


@router.get("/archives", response={200: list[ArchiveOut], **ERRORS}, summary="困难职工档案列表（限本人权限范围）")
@paginate(PagePagination)
def list_archives(request, filters: ArchiveFilter = Query(...)):
    rows = queries.archives(request.auth)
    for field, choices in (("status", ArchiveStatus), ("category", Category), ("level", ArchiveLevel)):
        value = getattr(filters, field)
        if value:
            if value not in choices.values:
                raise ValidationError({field: f"无效的取值，应为：{', '.join(choices.values)}"})
            rows = rows.filter(**{field: value})
    if filters.under:
        org = access_object(Org.objects.all(), request.auth, "org.view", code=filters.under.upper())
        rows = rows.filter(in_subtree("org_path", org.path))
    return rows.order_by("-applied_on", "-pk")


@router.get("/archives/{number}", response={200: ArchiveDetailOut, **ERRORS}, summary="困难职工档案详情")
def get_archive(request, number: str):
    archive = access_archive(request.auth, number)
    archive.household_rows = list(archive.household.order_by("pk"))
    return archive


@router.get("/archives/{number}/timeline", response={200: list[TimelineItemOut], **ERRORS}, summary="家庭帮扶时间线")
def get_timeline(request, number: str):
    return queries.timeline(access_archive(request.auth, number))


@router.get("/queues", response={200: QueuesOut, **ERRORS}, summary="帮扶工作待办数")
def get_queues(request):
    return queries.work_queues(request.auth, timezone.localdate())
