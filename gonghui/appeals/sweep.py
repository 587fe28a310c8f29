"""The SLA sweep (DOMAIN.md §7, DESIGN.md §3.9 and §7: 1,000,000 tickets in ≤ 10 s).

Run daily or more often (task `sla_sweep_task`, command `gonghui sla-sweep`). Each pass is a
fixed handful of set-based statements — INSERT … SELECT for the notices, timeline events and
supervision rows, then one UPDATE for the marks — so the number of queries does not depend on
the number of tickets, and no Python loop touches a row. Every pass selects only rows that the
previous run has not marked yet, so running the sweep twice does nothing the second time.

Passes, over open tickets whose clock runs (not paused):
1. due soon — the deadline is today or the next working day: mark, notice to the holding org
   (催办), timeline event;
2. not signed for in time — notice to the org it was assigned to;
3. overdue — the deadline has passed: mark;
4. supervision — the day after a missed deadline (or the first sweep after it): a `Supervision`
   row opened by the org above the holder, a notice to the holder and an escalation notice to
   the org above;
5. report — still open more than 5 working days after supervision opened: reported upward (a
   notice to the org two levels above the holder);
6. crisis — an emergency-contact call-back or counsellor follow-up not done within 24 clock
   hours: escalated to the org above the hotline.
A run that changed anything leaves one audit entry naming the job and its counts.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gonghui.appeals import clock
from gonghui.appeals.models import Appeal, AppealEvent, AppealNotice, CallBack, CrisisFollowUp, Supervision
from gonghui.appeals.states import OPEN, SlaState
from gonghui.core import audit
from gonghui.orgs.models import Org

E = AppealEvent.Kind
N = AppealNotice.Kind


# The state conditions are written as SQL literals, not bound parameters: a planner can use a
# partial index only when it can prove the query implies the index's WHERE, which it cannot do for
# a parameter (SQLite never; PostgreSQL not with server-side binding). They repeat SWEEP_LIVE.
_TABLE = '"appeals_appeal"'
LIVE_WHERE = f'{_TABLE}."status" IN ({", ".join(repr(str(s)) for s in OPEN)}) AND NOT {_TABLE}."paused"'
UNSIGNED_WHERE = f"{_TABLE}.\"status\" = 'assigned'"


def _const(value, field):
    return Value(value, output_field=field)


def _insert_select(model, columns: dict[str, object], queryset) -> int:
    """INSERT INTO model (columns…) SELECT <expressions> FROM <queryset>: one statement."""
    names = [f"_c{i}" for i in range(len(columns))]
    qs = queryset.order_by().annotate(**dict(zip(names, columns.values(), strict=True))).values_list(*names)
    sql, params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({target}) {sql}", params)
        return max(cursor.rowcount, 0)


def _notices(queryset, kind: str, org, today: dt.date, now: dt.datetime) -> int:
    return _insert_select(
        AppealNotice,
        {
            "appeal": F("pk") if queryset.model is Appeal else F("appeal_id"),
            "org": org,
            "kind": _const(kind, models.CharField()),
            "on": _const(today, models.DateField()),
            "created_at": _const(now, models.DateTimeField()),
        },
        queryset,
    )


def _events(queryset, kind: str, reason: str, now: dt.datetime, *, to_org=None, from_org=None) -> int:
    appeal = F("pk") if queryset.model is Appeal else F("appeal_id")
    null_org = _const(None, models.BigIntegerField())
    return _insert_select(
        AppealEvent,
        {
            "appeal": appeal,
            "kind": _const(kind, models.CharField()),
            "from_status": _const("", models.CharField()),
            "to_status": _const("", models.CharField()),
            "from_org": from_org if from_org is not None else null_org,
            "to_org": to_org if to_org is not None else null_org,
            "reason": _const(reason, models.TextField()),
            "at": _const(now, models.DateTimeField()),
        },
        queryset,
    )


def _upper(expression):
    """The value of `expression` on the row's org (e.g. its parent id), as a correlated subquery."""
    return Subquery(Org.objects.filter(pk=OuterRef("org_id")).values_list(expression)[:1])


def _lock_sweep() -> None:
    """One sweep at a time on PostgreSQL (a second waits, then finds nothing left to do)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(1235100)")


def _audit(result: dict, today: dt.date) -> None:
    """One entry per run that changed anything, naming the job and its counts (DESIGN.md §3.5)."""
    if any(result.values()):
        audit.record(
            actor=None,
            action="appeal.sla_sweep",
            object_type="appeals.appeal",
            after={"job": f"sla-sweep {today}", **result},
        )


def sweep(today: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    now = now or clock.now()
    today = today or clock.today()
    soon = clock.deadline(today, 1)
    report_cutoff = clock.working_days_before(today, clock.REPORT_AFTER_DAYS + 1)
    # Org lookups are correlated subqueries, not joins, so that the planner drives every statement
    # from the tickets' own (status, due_on …) indexes (a join made SQLite scan all tickets per org).
    parent = _upper(Coalesce(F("parent_id"), F("id")))
    grandparent = _upper(Coalesce(F("parent__parent_id"), F("parent_id"), F("id")))
    result = {}
    with transaction.atomic():
        _lock_sweep()
        live = Appeal.objects.extra(where=[LIVE_WHERE])

        # 1. due soon → 催办 to the holding org.
        due_soon = live.filter(sla_state=SlaState.OK, due_on__gte=today, due_on__lte=soon)
        _notices(due_soon, N.DUE_SOON, F("org_id"), today, now)
        _events(due_soon, E.URGED, _("即将到期，系统催办"), now, to_org=F("org_id"))
        result["due_soon"] = due_soon.update(sla_state=SlaState.DUE_SOON, urged_on=today)

        # 2. assigned but not signed for in time.
        unsigned = Appeal.objects.extra(where=[UNSIGNED_WHERE]).filter(
            paused=False, sign_urged_on__isnull=True, sign_due_on__lt=today
        )
        _notices(unsigned, N.SIGN_OVERDUE, F("org_id"), today, now)
        _events(unsigned, E.URGED, _("超时未签收，系统催办"), now, to_org=F("org_id"))
        result["sign_overdue"] = unsigned.update(sign_urged_on=today)

        # 3 + 4. overdue, and supervision the day after a missed deadline, escalated to the org above.
        # The supervision rows, notices and events are written first (from the rows not yet
        # supervised); then one UPDATE marks a ticket both overdue and supervised, so each ticket
        # gets one new row version, not two (what an UPDATE costs on PostgreSQL).
        to_supervise = live.filter(supervised_on__isnull=True, due_on__lt=today, supervised=False)
        reason = _("超过办理期限未办结，系统自动督办")
        result["supervised"] = _insert_select(
            Supervision,
            {
                "appeal": F("pk"),
                "org": parent,
                "opened_on": _const(today, models.DateField()),
                "automatic": _const(True, models.BooleanField()),
                "reason": _const(reason, models.CharField()),
                "close_note": _const("", models.CharField()),
            },
            to_supervise,
        )
        _notices(to_supervise, N.SUPERVISION, F("org_id"), today, now)
        # Tickets held by a root org have no org above to escalate to. The roots are a handful of ids
        # read once, so the statement evaluates the parent subquery once per row, not twice.
        roots = list(Org.objects.filter(parent__isnull=True).values_list("pk", flat=True))
        has_parent = to_supervise.exclude(org_id__in=roots)
        _notices(has_parent, N.ESCALATION, _upper(F("parent_id")), today, now)
        _events(to_supervise, E.SUPERVISION_OPENED, reason, now, from_org=parent, to_org=F("org_id"))
        overdue = live.filter(sla_state__in=[SlaState.OK, SlaState.DUE_SOON], due_on__lt=today)
        unsupervised = Q(supervised_on__isnull=True)
        result["overdue"] = overdue.update(
            sla_state=SlaState.OVERDUE,
            overdue_since=today,
            supervised=Case(When(unsupervised, then=Value(True)), default=F("supervised")),
            supervised_on=Coalesce(F("supervised_on"), Value(today, output_field=models.DateField())),
        )
        # Tickets already marked overdue but never supervised (rare: the partial index holds only them).
        to_supervise.update(supervised=True, supervised_on=today)

        # 5. more than 5 working days after supervision and still open → reported upward.
        to_report = live.filter(supervised=True, reported_on__isnull=True, supervised_on__lte=report_cutoff)
        _notices(to_report, N.REPORT, grandparent, today, now)
        _events(to_report, E.REPORTED, _("督办后超过5个工作日仍未办结，已上报"), now, to_org=grandparent)
        result["reported"] = to_report.update(reported_on=today)
        # The open supervision rows of those tickets (own columns only: no join over the tickets).
        Supervision.objects.filter(
            closed_on__isnull=True, reported_on__isnull=True, opened_on__lte=report_cutoff
        ).update(reported_on=today)

        # 6. crisis call-backs and follow-ups missed after 24 clock hours → escalated.
        escalated = 0
        crisis_parent = parent
        for model, kind, text, extra in (
            (
                CallBack,
                N.CRISIS_ESCALATION,
                _("紧急联系人24小时内未回访，已升级"),
                {"kind": CallBack.Kind.EMERGENCY_CONTACT},
            ),
            (CrisisFollowUp, N.CRISIS_FOLLOWUP, _("心理咨询师24小时内未跟进，已升级"), {}),
        ):
            missed = model.objects.filter(done_at__isnull=True, escalated_at__isnull=True, due_at__lt=now, **extra)
            _notices(missed, kind, crisis_parent, today, now)
            _events(missed, E.CRISIS_ESCALATED, text, now, to_org=crisis_parent)
            escalated += missed.update(escalated_at=now)
        result["crisis_escalated"] = escalated
        _audit(result, today)
    return result
