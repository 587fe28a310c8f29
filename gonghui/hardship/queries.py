"""Read helpers for hardship: scoped archive lists, the officer's work queues, one household's
timeline and subtree statistics. Everything starts from `restrict(user, …)` (DESIGN.md §3.2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from gonghui.core.tree import in_subtree
from gonghui.hardship.models import (
    ArchiveEvent,
    DataCheck,
    FollowUpCall,
    HardshipArchive,
    HomeVisit,
    MonthlyIncome,
    NoticeObjection,
    PlanMeasure,
    PublicNotice,
)
from gonghui.hardship.states import BEFORE_VISIT, IN_ARCHIVE, ArchiveStatus

S = ArchiveStatus


def archives(user, action: str = "view"):
    return HardshipArchive.objects.restrict(user, action).select_related("org", "person")


def awaiting_visit(user):
    """Discovered, applied or relapsed households nobody has visited yet (oldest first)."""
    return archives(user).filter(status__in=list(BEFORE_VISIT)).order_by("applied_on", "pk")


def _running_notice(today):
    return PublicNotice.objects.filter(archive=OuterRef("pk"), superseded=False, ends_on__gte=today)


def _open_objection():
    return NoticeObjection.objects.filter(
        notice__archive=OuterRef("pk"), notice__superseded=False, resolved_at__isnull=True
    )


def notices_running(user, today: dt.date):
    return archives(user).filter(status=S.NOTICE).filter(Exists(_running_notice(today))).order_by("pk")


def ready_to_approve(user, today: dt.date):
    """In notice, the notice has ended, no objection is open (upheld ones are still listed: the
    approver sees them refused with the reason)."""
    return (
        archives(user)
        .filter(status=S.NOTICE)
        .exclude(Exists(_running_notice(today)))
        .exclude(Exists(_open_objection()))
        .order_by("pk")
    )


def open_objections(user):
    return (
        NoticeObjection.objects.filter(resolved_at__isnull=True, notice__superseded=False)
        .filter(notice__archive__in=archives(user).filter(status=S.NOTICE).values("pk"))
        .select_related("notice__archive")
        .order_by("received_on", "pk")
    )


def reviews_overdue(user, today: dt.date):
    return archives(user).filter(status=S.ARCHIVED, next_review_due__lt=today).order_by("next_review_due", "pk")


def reviews_due(user, today: dt.date, within_days: int = 30):
    return (
        archives(user)
        .filter(
            status=S.ARCHIVED, next_review_due__gte=today, next_review_due__lte=today + dt.timedelta(days=within_days)
        )
        .order_by("next_review_due", "pk")
    )


def exits_proposed(user):
    return (
        archives(user)
        .filter(status__in=list(IN_ARCHIVE), exit_proposed_on__isnull=False)
        .order_by("exit_proposed_on", "pk")
    )


def plan_overdue(user, today: dt.date):
    """一户一策 measures past their due date and not done or cancelled."""
    return (
        PlanMeasure.objects.restrict(user, "view")
        .filter(status__in=[PlanMeasure.Status.PLANNED, PlanMeasure.Status.IN_PROGRESS], due_on__lt=today)
        .select_related("archive")
        .order_by("due_on", "pk")
    )


def work_queues(user, today: dt.date) -> dict[str, int]:
    """Counts for the officer's start page (one query per queue)."""
    return {
        "awaiting_visit": awaiting_visit(user).count(),
        "notices_running": notices_running(user, today).count(),
        "ready_to_approve": ready_to_approve(user, today).count(),
        "open_objections": open_objections(user).count(),
        "reviews_overdue": reviews_overdue(user, today).count(),
        "exits_proposed": exits_proposed(user).count(),
        "plan_overdue": plan_overdue(user, today).count(),
    }


# --- timeline ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    on: dt.date
    kind: str
    title: str
    detail: str
    person: str
    sort_key: tuple


def timeline(archive: HardshipArchive) -> list[TimelineItem]:
    """The household's whole history on one timeline: events (with every transition), visits,
    checks, notices and objections, monthly incomes, plan measures, follow-up calls. Eight queries,
    whatever the length. Payments join here when that module exists."""
    items: list[TimelineItem] = []
    for e in ArchiveEvent.objects.filter(archive=archive):
        title = e.get_kind_display()
        if e.kind == ArchiveEvent.Kind.TRANSITION:
            title = f"{S(e.from_status).label} → {S(e.to_status).label}"
        items.append(TimelineItem(e.on, f"event.{e.kind}", str(title), e.reason, e.person_name, (e.at.date(), 0, e.pk)))
    for v in HomeVisit.objects.filter(archive=archive):
        items.append(TimelineItem(v.visited_on, "visit", "入户调查", v.findings, v.visitors, (v.visited_on, 1, v.pk)))
    for c in DataCheck.objects.filter(archive=archive):
        items.append(
            TimelineItem(
                c.checked_on,
                "check",
                f"数据核查：{c.get_kind_display()}",
                f"{c.get_result_display()}（{c.source}）",
                "",
                (c.checked_on, 2, c.pk),
            )
        )
    for n in PublicNotice.objects.filter(archive=archive):
        items.append(
            TimelineItem(
                n.starts_on, "notice", "公示", f"{n.starts_on} 至 {n.ends_on}，{n.place}", "", (n.starts_on, 3, n.pk)
            )
        )
    for o in NoticeObjection.objects.filter(notice__archive=archive):
        detail = o.text if not o.resolved_at else f"{o.text} — {o.get_outcome_display()}：{o.resolution}"
        items.append(TimelineItem(o.received_on, "objection", "公示异议", detail, o.objector, (o.received_on, 4, o.pk)))
    for m in MonthlyIncome.objects.filter(archive=archive):
        items.append(
            TimelineItem(
                m.month, "monthly_income", f"{m.month:%Y-%m} 月收入", f"人均 {m.per_capita} 元", "", (m.month, 5, m.pk)
            )
        )
    for p in PlanMeasure.objects.filter(archive=archive):
        detail = f"{p.description}；责任人 {p.owner}，期限 {p.due_on}，{p.get_status_display()}"
        if p.outcome:
            detail += f"：{p.outcome}"
        items.append(
            TimelineItem(
                p.created_at.date(),
                "plan",
                f"一户一策：{p.get_measure_display()}",
                detail,
                p.owner,
                (p.created_at.date(), 7, p.pk),
            )
        )
    for f in FollowUpCall.objects.filter(archive=archive):
        items.append(TimelineItem(f.called_on, "follow_up", "脱困回访", f.notes, f.caller, (f.called_on, 6, f.pk)))
    return sorted(items, key=lambda i: (i.on, i.sort_key))


# --- statistics ---------------------------------------------------------------------------------------


def subtree_stats(user, org) -> dict:
    """Archive counts for `org`'s subtree as the user may see it: in archive by category, level
    and primary cause; and how many exited, were relieved, removed (by reason) and relapsed."""
    rows = archives(user).filter(in_subtree("org_path", org.path))
    in_archive = rows.filter(status__in=list(IN_ARCHIVE))

    def grouped(qs, field):
        return {r[field]: r["n"] for r in qs.values(field).annotate(n=Count("pk")).order_by(field)}

    relapses = ArchiveEvent.objects.filter(
        archive__in=rows.values("pk"), kind=ArchiveEvent.Kind.TRANSITION, to_status=S.RELAPSED
    ).count()
    return {
        "by_status": grouped(rows, "status"),
        "archived_by_category": grouped(in_archive, "category"),
        "archived_by_level": grouped(in_archive, "level"),
        "archived_by_cause": grouped(in_archive, "primary_cause"),
        "removed_by_reason": grouped(rows.filter(status=S.REMOVED), "removal_reason"),
        "relapses": relapses,
        "archived_total": in_archive.count(),
        "ever_archived": rows.filter(Q(times_archived__gt=0)).count(),
    }
