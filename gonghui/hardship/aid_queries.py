"""Read helpers for aid and money: scoped lists for the screens and the API, balances derived from
the ledger, aid paid by programme for any subtree, and a household's payments on its timeline.
Everything that reaches a user starts from `restrict(user, …)` (DESIGN.md §3.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from gonghui.core.tree import in_subtree
from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.models_aid import (
    AidApplication,
    AidProgramme,
    Budget,
    ConvenienceAllowance,
    Disbursement,
    LedgerEntry,
    PaymentBatch,
    ServiceOrder,
)
from gonghui.hardship.queries import TimelineItem

ZERO = Decimal("0.00")
D = Disbursement.Status
A = AidApplication.Status


def _fen(value) -> Decimal:
    """Sums come back as Decimal('5000') on SQLite: always two places, like the columns."""
    return (value or ZERO).quantize(ZERO)


# --- lists (each one query; related rows joined) ---------------------------------------------------------


def programmes(user):
    return AidProgramme.objects.restrict(user, "view").select_related("org").order_by("org_path", "code")


def applications(user, *, status: str | None = None, programme=None, year: int | None = None):
    qs = AidApplication.objects.restrict(user, "view").select_related("programme", "org")
    if status:
        qs = qs.filter(status=status)
    if programme is not None:
        qs = qs.filter(programme=programme)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-applied_on", "-pk")


def applications_ready_to_approve(user, today: dt.date):
    """Notice ended, no open or upheld objection (or checked, for programmes without notice), and
    the user may approve at the programme's union."""
    open_or_upheld = Q(objections__resolved_at__isnull=True) | Q(objections__outcome="upheld")
    in_notice = Q(status=A.NOTICE, notice_ends_on__lt=today) & ~Q(
        pk__in=AidApplication.objects.filter(open_or_upheld).values("pk")
    )
    no_notice = Q(status=A.CHECKED, programme__requires_notice=False)
    approvable = AidProgramme.objects.restrict(user, "approve").values("pk")
    return applications(user).filter(in_notice | no_notice).filter(programme__in=approvable)


def disbursements(user, action: str = "view"):
    """Account numbers appear masked (`account_masked`); the cipher is never selected for lists."""
    return (
        Disbursement.objects.restrict(user, action)
        .select_related("application__programme", "budget", "org", "batch")
        .defer("account_cipher")
        .order_by("-made_at", "-pk")
    )


def disbursements_to_approve(user):
    """The checker's queue: proposed disbursements on budgets the user may approve, not their own."""
    approvable = Budget.objects.restrict(user, "finance.approve").values("pk")
    qs = disbursements(user).filter(status=D.PROPOSED, budget__in=approvable)
    return qs.exclude(made_by=user) if getattr(user, "pk", None) else qs


def disbursements_to_batch(user):
    return disbursements(user).filter(status=D.APPROVED, batch__isnull=True)


def batches(user):
    return PaymentBatch.objects.restrict(user, "view").select_related("org").order_by("-created_at", "-pk")


def budgets(user, *, year: int | None = None):
    qs = Budget.objects.restrict(user, "view").select_related("org", "programme")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("year", "org_path", "programme__code")


def ledger(user, *, budget=None, allowance=None):
    qs = LedgerEntry.objects.restrict(user, "view").select_related("org")
    if budget is not None:
        qs = qs.filter(budget=budget)
    if allowance is not None:
        qs = qs.filter(allowance=allowance)
    return qs.order_by("at", "pk")


def service_orders(user, *, status: str | None = None):
    qs = ServiceOrder.objects.restrict(user, "view").select_related("provider", "archive", "allowance")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-dispatched_on", "-pk")


def work_queues(user, today: dt.date) -> dict[str, int]:
    """Money queues for the officer's start page (one query each)."""
    return {
        "aid_applications_to_check": applications(user, status=A.APPLIED).count(),
        "aid_ready_to_approve": applications_ready_to_approve(user, today).count(),
        "payments_to_approve": disbursements_to_approve(user).count(),
        "payments_to_batch": disbursements_to_batch(user).count(),
        "batches_to_reconcile": batches(user).filter(status=PaymentBatch.Status.EXPORTED).count(),
    }


# --- balances from the ledger ---------------------------------------------------------------------------


def ledger_balance(*, budget=None, allowance=None) -> dict[str, Decimal]:
    """The account's allocated and spent amounts summed from its ledger rows (one query); they must
    equal the cached `amount` and `spent` on the budget or allowance."""
    rows = (
        LedgerEntry.objects.filter(budget=budget)
        if budget is not None
        else LedgerEntry.objects.filter(allowance=allowance)
    )
    sums = rows.aggregate(
        allocated=Sum("amount", filter=Q(kind=LedgerEntry.Kind.ALLOCATION)),
        spent=Sum("amount", filter=~Q(kind=LedgerEntry.Kind.ALLOCATION)),
    )
    allocated, spent = _fen(sums["allocated"]), _fen(sums["spent"])
    return {"allocated": allocated, "spent": spent, "available": allocated - spent}


def ledger_mismatches(user=None) -> list[int]:
    """Budgets (in the user's scope; all with user=None) whose cached figures differ from the ledger."""
    qs = Budget.objects.all() if user is None else Budget.objects.restrict(user, "view")
    qs = qs.annotate(
        l_allocated=Sum("ledger__amount", filter=Q(ledger__kind=LedgerEntry.Kind.ALLOCATION), default=ZERO),
        l_spent=Sum("ledger__amount", filter=~Q(ledger__kind=LedgerEntry.Kind.ALLOCATION), default=ZERO),
    )
    return [b.pk for b in qs if b.l_allocated != b.amount or b.l_spent != b.spent]


# --- statistics -----------------------------------------------------------------------------------------


def aid_paid_by_programme(user, org, *, year: int | None = None) -> dict[str, dict]:
    """Aid paid (disbursements marked paid) in `org`'s subtree as the user may see it, by programme
    name: {"count", "amount"}. Reconciles with the ledger: see `ledger_paid_by_programme`."""
    qs = disbursements(user).filter(in_subtree("org_path", org.path), status=D.PAID)
    if year:
        qs = qs.filter(application__year=year)
    rows = (
        qs.order_by()
        .values("application__programme__name")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("application__programme__name")
    )
    return {r["application__programme__name"]: {"count": r["n"], "amount": _fen(r["total"])} for r in rows}


def ledger_paid_by_programme(user, org, *, year: int | None = None) -> dict[str, Decimal]:
    """The same figure from the ledger: net draws (draws minus reversals) of paid disbursements."""
    qs = (
        LedgerEntry.objects.restrict(user, "view")
        .filter(disbursement__status=D.PAID)
        .filter(in_subtree("disbursement__org_path", org.path))
    )
    if year:
        qs = qs.filter(disbursement__application__year=year)
    rows = qs.values("disbursement__application__programme__name").annotate(total=Sum("amount"))
    return {r["disbursement__application__programme__name"]: _fen(r["total"]) for r in rows}


def convenience_stats(user, org, *, year: int) -> dict:
    """便民服务 fund for `org`'s subtree and `year`: allowances granted, fund spent, orders by category."""
    allowances = ConvenienceAllowance.objects.restrict(user, "view").filter(in_subtree("org_path", org.path), year=year)
    totals = allowances.aggregate(n=Count("pk"), amount=Sum("amount", default=ZERO), spent=Sum("spent", default=ZERO))
    orders = service_orders(user).filter(in_subtree("org_path", org.path), allowance__year=year)
    by_category = {
        r["category"]: {"count": r["n"], "fund": _fen(r["fund"])}
        for r in orders.filter(status=ServiceOrder.Status.COMPLETED)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"), fund=Sum("fund_amount"))
        .order_by("category")
    }
    return {
        "allowances": totals["n"],
        "granted": _fen(totals["amount"]),
        "spent": _fen(totals["spent"]),
        "by_category": by_category,
    }


# --- the household timeline ----------------------------------------------------------------------------


def timeline_items(archive: HardshipArchive) -> list[TimelineItem]:
    """Aid applications, payments and 便民服务 orders of one household as timeline items (three
    queries). `full_timeline` merges them with `hardship.queries.timeline`."""
    items: list[TimelineItem] = []
    for a in AidApplication.objects.filter(archive=archive).select_related("programme"):
        items.append(
            TimelineItem(
                a.applied_on,
                "aid_application",
                f"帮扶申请：{a.programme.name}{a.year}",
                f"{a.beneficiary_name}，{a.rule_label} {a.amount} 元，{a.get_status_display()}",
                "",
                (a.applied_on, 8, a.pk),
            )
        )
    payments = Disbursement.objects.filter(application__archive=archive).select_related("application__programme")
    for d in payments.defer("account_cipher"):
        on = d.settled_on or timezone.localdate(d.made_at)
        items.append(
            TimelineItem(
                on,
                "payment",
                f"帮扶发放：{d.application.programme.name}",
                f"{d.amount} 元，{d.get_status_display()}（{d.bank_name} {d.account_masked}）",
                d.payee_name,
                (on, 9, d.pk),
            )
        )
    for o in ServiceOrder.objects.filter(archive=archive).select_related("provider"):
        on = o.completed_on or o.dispatched_on
        detail = f"{o.description}；{o.provider.name}，{o.get_status_display()}"
        if o.fund_amount is not None:
            detail += f"；职工自付 {o.cost_price} 元，基金支付 {o.fund_amount} 元"
        items.append(
            TimelineItem(on, "service_order", f"便民服务：{o.get_category_display()}", detail, "", (on, 10, o.pk))
        )
    return items


def full_timeline(archive: HardshipArchive) -> list[TimelineItem]:
    """`hardship.queries.timeline` plus aid, payments, 便民服务 orders and what other apps register
    (`hardship.timeline_sources`, e.g. charity grants), in date order."""
    from gonghui.hardship import timeline_sources
    from gonghui.hardship.queries import timeline

    items = timeline(archive) + timeline_items(archive) + timeline_sources.items_for(archive)
    return sorted(items, key=lambda i: (i.on, i.sort_key))
