"""Builders for the aid-and-money tests: standard programmes at 南山区, archived households with a
student, applications walked to any state through the real actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_personas
from gonghui.hardship import aid
from gonghui.hardship.models_aid import (
    AidApplication,
    AidObjection,
    AidProgramme,
    Budget,
    ConvenienceAllowance,
    Disbursement,
    LedgerEntry,
    PaymentBatch,
    ServiceOrder,
    ServiceProvider,
)
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import child, create, to_state

ACCOUNT = "6222021234567890123"


def finance_personas(tree):
    """财务 personas (finance.approve) for money kept under 南山区."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("finance",), prefix="f")


def seed_programmes(tree) -> dict[str, AidProgramme]:
    """The standard programmes at 南山区, by code."""
    aid.seed_standard_programmes(tree.district)
    return {p.code: p for p in AidProgramme.objects.filter(org=tree.district)}


def archived_household(membership, clock, *, schooling="university", user=None):
    """An archived household (deep hardship) whose child studies at `schooling`."""
    archive = create(membership, user=user, household=[child(schooling=schooling)])
    return to_state(archive, S.ARCHIVED, clock)


def student(archive):
    return archive.household.get(relation="child")


def apply(programme, membership, *, user=None, year=None, **kw):
    data = {"reason": "子女考入大学，家庭困难"}
    data.update(kw)
    return aid.do_apply(
        acting_user=user, programme=programme, membership=membership, year=year or aid._today().year, **data
    )


def approve(application, clock, *, user=None, checker=None):
    """Check, notice, let the notice pass, approve."""
    application = aid.do_check_application(
        acting_user=user, application=application, person_name="王帮扶", reason="属实"
    )
    if application.programme.requires_notice:
        (application,) = aid.do_start_aid_notice(acting_user=user, applications=[application], place="工会公告栏")
        clock.set(application.notice_ends_on + dt.timedelta(days=1))
    return aid.do_approve_application(acting_user=checker or user, application=application, note="公示无异议")


def budget(org, programme, amount="100000.00", *, user=None, year=None):
    return aid.do_set_budget(
        acting_user=user, org=org, programme=programme, year=year or aid._today().year, amount=amount, reason="年度预算"
    )


def propose(application, *, user=None, account=ACCOUNT):
    return aid.do_propose_disbursement(
        acting_user=user,
        application=application,
        payee_name="张三",
        bank_name="中国工商银行深圳南山支行",
        account_number=account,
    )


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def money_state() -> dict:
    """Everything an aid action could write, to assert that a refused action wrote nothing."""
    return {
        "programmes": list(AidProgramme.objects.order_by("pk").values()),
        "applications": list(AidApplication.objects.order_by("pk").values()),
        "objections": list(AidObjection.objects.order_by("pk").values()),
        "budgets": list(Budget.objects.order_by("pk").values()),
        "disbursements": list(
            Disbursement.objects.order_by("pk").values("pk", "status", "batch_id", "checked_by_id", "amount")
        ),
        "batches": list(PaymentBatch.objects.order_by("pk").values()),
        "ledger": LedgerEntry.objects.count(),
        "allowances": list(ConvenienceAllowance.objects.order_by("pk").values()),
        "providers": ServiceProvider.objects.count(),
        "orders": list(ServiceOrder.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def d(value) -> Decimal:
    return Decimal(value)
