"""Read-only aid-and-money endpoints under /api/v1/aid: programmes, applications, disbursements
(bank accounts masked), budgets with their ledger-derived balance, the money work queues, aid paid
by programme for a subtree, and one household's payments. Scoped like every list
(`restrict(user, "hardship.view")`); an object outside the caller's scope is 404."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.hardship import aid_queries
from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.models_aid import AidApplication, Disbursement
from gonghui.orgs.models import Org

router = Router(tags=["hardship-aid"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    beneficiary: str
    org_code: str
    amount_rules: list[dict]
    exclusion_rules: list[dict]
    flags: list[str]
    archived_only: bool
    requires_notice: bool
    active: bool

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code


class ApplicationOut(Schema):
    id: int
    programme: str
    year: int
    status: str
    status_label: str
    org_code: str
    beneficiary_name: str
    beneficiary_doc: str
    schooling: str
    archived: bool
    amount: Decimal
    rule_label: str
    applied_on: date
    notice_starts_on: date | None
    notice_ends_on: date | None
    decided_on: date | None

    @staticmethod
    def resolve_programme(obj):
        return obj.programme.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_beneficiary_doc(obj):
        return obj.beneficiary_masked


class DisbursementOut(Schema):
    id: int
    application_id: int
    programme: str
    amount: Decimal
    status: str
    status_label: str
    payee_name: str
    bank_name: str
    account_masked: str
    batch: str
    settled_on: date | None

    @staticmethod
    def resolve_programme(obj):
        return obj.application.programme.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_batch(obj):
        return obj.batch.number if obj.batch_id else ""


class BudgetOut(Schema):
    id: int
    org_code: str
    programme: str
    year: int
    amount: Decimal
    spent: Decimal
    available: Decimal

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_programme(obj):
        return obj.programme.name


class PaidOut(Schema):
    programme: str
    count: int
    amount: Decimal


class AidQueuesOut(Schema):
    aid_applications_to_check: int
    aid_ready_to_approve: int
    payments_to_approve: int
    payments_to_batch: int
    batches_to_reconcile: int


class PaymentItemOut(Schema):
    on: date
    kind: str
    title: str
    detail: str
    person: str


class ApplicationFilter(Schema):
    status: str | None = None
    year: int | None = None


class DisbursementFilter(Schema):
    status: str | None = None


def _choice(value, field: str, choices):
    if value and value not in choices.values:
        raise ValidationError({field: f"无效的取值，应为：{', '.join(choices.values)}"})
    return value


@router.get("/programmes", response={200: list[ProgrammeOut], **ERRORS}, summary="帮扶项目")
@paginate(PagePagination)
def list_programmes(request):
    return aid_queries.programmes(request.auth)


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS}, summary="帮扶申请")
@paginate(PagePagination)
def list_applications(request, filters: ApplicationFilter = Query(...)):  # noqa: B008  (ninja idiom)
    status = _choice(filters.status, "status", AidApplication.Status)
    return aid_queries.applications(request.auth, status=status or None, year=filters.year)


@router.get("/disbursements", response={200: list[DisbursementOut], **ERRORS}, summary="帮扶发放（账号脱敏）")
@paginate(PagePagination)
def list_disbursements(request, filters: DisbursementFilter = Query(...)):  # noqa: B008  (ninja idiom)
    rows = aid_queries.disbursements(request.auth)
    status = _choice(filters.status, "status", Disbursement.Status)
    return rows.filter(status=status) if status else rows


@router.get("/budgets", response={200: list[BudgetOut], **ERRORS}, summary="帮扶预算")
@paginate(PagePagination)
def list_budgets(request, year: int | None = None):
    return aid_queries.budgets(request.auth, year=year)


@router.get("/queues", response={200: AidQueuesOut, **ERRORS}, summary="资金待办数")
def get_queues(request):
    return aid_queries.work_queues(request.auth, timezone.localdate())


@router.get("/stats/{code}", response={200: list[PaidOut], **ERRORS}, summary="下辖范围内各项目已发放金额")
def get_paid(request, code: str, year: int | None = None):
    org = access_object(Org.objects.all(), request.auth, "org.view", code=code.upper())
    stats = aid_queries.aid_paid_by_programme(request.auth, org, year=year)
    return [{"programme": name, **row} for name, row in stats.items()]


@router.get(
    "/archives/{number}/payments",
    response={200: list[PaymentItemOut], **ERRORS},
    summary="家庭帮扶申请、发放和便民服务",
)
def get_payments(request, number: str):
    archive = access_object(HardshipArchive.objects.all(), request.auth, "hardship.view", number=number.upper())
    return sorted(aid_queries.timeline_items(archive), key=lambda i: (i.on, i.sort_key))
