"""Charity reads: scoped lists for staff, the public figures (from the rolled-up counters, each of
which equals a sum over the ledger — `ledger_figures` and `recount` say so), the monthly ledger
summary, statistics per org, and grants on a hardship household's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gonghui.charity.models import Campaign, Donation, Fund, FundLedger, Grant
from gonghui.charity.models_wishes import Volunteer, VolunteerSignup, Wish
from gonghui.charity.states import GrantStatus, WishStatus
from gonghui.core.tree import in_subtree

ZERO = Decimal("0.00")
L = FundLedger.Kind
VIEW = "charity.view"


def _sum(qs, field="amount") -> Decimal:
    return (qs.aggregate(s=Sum(field))["s"] or ZERO).quantize(Decimal("0.01"))


# --- staff lists ---------------------------------------------------------------------------------------


def funds_for(user):
    return Fund.objects.restrict(user, VIEW).select_related("org")


def campaigns_for(user):
    return Campaign.objects.restrict(user, VIEW).select_related("fund", "org")


def donations_for(user, *, q: str = "", campaign=None, channel: str = ""):
    qs = Donation.objects.restrict(user, VIEW).select_related("campaign")
    if campaign:
        qs = qs.filter(campaign=campaign)
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        qs = qs.filter(Q(donor_name__icontains=q) | Q(external_ref=q) | Q(receipt_serial=q.upper()))
    return qs


def grants_for(user, *, status: str = ""):
    qs = Grant.objects.restrict(user, VIEW).select_related("fund")
    return qs.filter(status=status) if status else qs


def wishes_for(user, *, status: str = "", round_id=None):
    qs = Wish.objects.restrict(user, VIEW).select_related("round", "org")
    if status:
        qs = qs.filter(status=status)
    if round_id:
        qs = qs.filter(round_id=round_id)
    return qs


def volunteers_for(user):
    return Volunteer.objects.restrict(user, VIEW).select_related("org")


def wish_wall(*, org_path: str = ""):
    """Published wishes for the public wall: no name, no employer (only the fields shown there)."""
    qs = Wish.objects.filter(status=WishStatus.PUBLISHED).select_related("round")
    if org_path:
        qs = qs.filter(in_subtree("org_path", org_path))
    return qs.only("pk", "title", "story", "category", "price", "age_band", "job", "round__name", "created_at")


# --- public figures --------------------------------------------------------------------------------------


def campaign_figures(campaign: Campaign) -> dict:
    """What the public campaign page shows: from the counters (one row, whatever the donations)."""
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "fund": campaign.fund.name,
        "status": campaign.status,
        "target": campaign.target,
        "raised": campaign.raised,
        "matched": campaign.matched,
        "total": campaign.raised + campaign.matched,
        "donors": campaign.donors,
        "refunded": campaign.refunded,
        "match_partner": campaign.match_partner,
        "match_ratio": campaign.match_ratio,
        "match_cap": campaign.match_cap,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "progress": campaign.progress,
    }


def campaign_ledger_figures(campaign: Campaign) -> dict:
    """The same figures summed over the ledger and donation rows (for reconciliation)."""
    rows = FundLedger.objects.filter(donation__campaign=campaign)
    donation_rows = rows.filter(Q(kind=L.DONATION) | Q(kind=L.REFUND, reverses__kind=L.DONATION))
    match_rows = rows.filter(Q(kind=L.MATCH) | Q(kind=L.REFUND, reverses__kind=L.MATCH))
    return {
        "raised": _sum(donation_rows),
        "matched": _sum(match_rows),
        "refunded": -_sum(rows.filter(kind=L.REFUND, reverses__kind=L.DONATION)),
        "donors": rows.filter(kind=L.DONATION).count(),
        "refunds": rows.filter(kind=L.REFUND, reverses__kind=L.DONATION).count(),
    }


def fund_figures(fund: Fund) -> dict:
    return {
        "code": fund.code,
        "name": fund.name,
        "purpose": fund.purpose,
        "balance": fund.balance,
        "donated": fund.donated,
        "matched": fund.matched,
        "refunded": fund.refunded,
        "granted": fund.granted,
        "donations": fund.donations_count,
        "grants": fund.grants_count,
    }


def fund_ledger_figures(fund: Fund) -> dict:
    rows = FundLedger.objects.filter(fund=fund)
    by_kind = {r["kind"]: (r["s"], r["n"]) for r in rows.values("kind").annotate(s=Sum("amount"), n=Count("pk"))}

    def total(kind):
        return (by_kind.get(kind, (ZERO, 0))[0] or ZERO).quantize(Decimal("0.01"))

    refund_donation = -_sum(rows.filter(kind=L.REFUND, reverses__kind=L.DONATION))
    refund_match = -_sum(rows.filter(kind=L.REFUND, reverses__kind=L.MATCH))
    return {
        "balance": _sum(rows),
        "donated": total(L.DONATION) - refund_donation,
        "matched": total(L.MATCH) - refund_match,
        "refunded": refund_donation,
        "granted": -(total(L.GRANT) + total(L.GRANT_RETURN)),
        "donations": by_kind.get(L.DONATION, (0, 0))[1],
        "grants": by_kind.get(L.GRANT, (0, 0))[1] - by_kind.get(L.GRANT_RETURN, (0, 0))[1],
    }


def monthly_summary(fund: Fund) -> list[dict]:
    """The fund's ledger by month and kind: [{month, in, out, rows, by_kind: {kind: amount}}], newest first."""
    months: dict[dt.date, dict] = {}
    grouped = (
        FundLedger.objects.filter(fund=fund)
        .annotate(month=TruncMonth("on"))
        .values("month", "kind")
        .annotate(s=Sum("amount"), n=Count("pk"))
        .order_by("-month", "kind")
    )
    for r in grouped:
        m = months.setdefault(r["month"], {"month": r["month"], "in": ZERO, "out": ZERO, "rows": 0, "by_kind": {}})
        amount = (r["s"] or ZERO).quantize(Decimal("0.01"))
        m["by_kind"][r["kind"]] = amount
        m["rows"] += r["n"]
        if amount >= 0:
            m["in"] += amount
        else:
            m["out"] += -amount
    for m in months.values():
        m["net"] = m["in"] - m["out"]
    return list(months.values())


def public_grants(fund: Fund, limit: int = 100) -> list[dict]:
    """Grants made (approved and later), beneficiaries anonymised: a label and the purpose only."""
    live = [GrantStatus.APPROVED, GrantStatus.PAID, GrantStatus.CONFIRMED]
    rows = Grant.objects.filter(fund=fund, status__in=live).order_by("-checked_at", "-pk")[:limit]
    return [
        {
            "on": timezone.localdate(g.checked_at) if g.checked_at else None,
            "beneficiary": g.public_label,
            "purpose": g.get_purpose_display(),
            "amount": g.amount,
            "status": g.get_status_display(),
        }
        for g in rows
    ]


# --- recount ---------------------------------------------------------------------------------------------


def recount(*, fix: bool = True) -> list[str]:
    """Compare every campaign's and fund's counters with the rows; set them right when `fix`.
    Returns one line per difference (empty: all consistent)."""
    from django.db.models import QuerySet

    problems = []
    for campaign in Campaign.objects.all():
        truth = campaign_ledger_figures(campaign)
        diff = {k: (getattr(campaign, k), v) for k, v in truth.items() if getattr(campaign, k) != v}
        if diff:
            problems.append(f"campaign {campaign.pk}: {diff}")
            if fix:
                QuerySet.update(Campaign.objects.filter(pk=campaign.pk), **truth)
    names = {"donations": "donations_count", "grants": "grants_count"}
    for fund in Fund.objects.all():
        truth = {names.get(k, k): v for k, v in fund_ledger_figures(fund).items()}
        diff = {k: (getattr(fund, k), v) for k, v in truth.items() if getattr(fund, k) != v}
        if diff:
            problems.append(f"fund {fund.code}: {diff}")
            if fix:
                QuerySet.update(Fund.objects.filter(pk=fund.pk), **truth)
    return problems


# --- statistics ---------------------------------------------------------------------------------------------


def org_stats(user, org) -> dict:
    """Figures of `org`'s subtree as the user may see them: donations, grants, wishes by round, volunteers."""
    sub = in_subtree("org_path", org.path)
    donations = Donation.objects.restrict(user, VIEW).filter(sub)
    grants = Grant.objects.restrict(user, VIEW).filter(sub, status__in=["approved", "paid", "confirmed"])
    wishes = Wish.objects.restrict(user, VIEW).filter(sub)
    done = [WishStatus.FULFILLED, WishStatus.CONFIRMED]
    rounds = list(
        wishes.values("round__name")
        .annotate(
            posted=Count("pk"),
            fulfilled=Count("pk", filter=Q(status__in=done)),
            value=Sum("fulfilled_value", filter=Q(status__in=done)),
        )
        .order_by("round__name")
    )
    d = donations.aggregate(n=Count("pk"), gross=Sum("amount"), refunded=Sum("refunded"), matched=Sum("matched"))
    signups = VolunteerSignup.objects.restrict(user, VIEW).filter(sub, status="attended")
    return {
        "donations": d["n"],
        "donated": (d["gross"] or ZERO) - (d["refunded"] or ZERO),
        "grants": grants.count(),
        "granted": _sum(grants),
        "rounds": [{**r, "value": r["value"] or ZERO} for r in rounds],
        "wishes": sum(r["posted"] for r in rounds),
        "wishes_fulfilled": sum(r["fulfilled"] for r in rounds),
        "volunteers": Volunteer.objects.restrict(user, VIEW).filter(sub, active=True).count(),
        "hours": _sum(signups, "hours"),
    }


def hours_statement(volunteer: Volunteer) -> list[VolunteerSignup]:
    return list(
        VolunteerSignup.objects.filter(volunteer=volunteer, status="attended")
        .select_related("activity")
        .order_by("activity__on", "pk")
    )


# --- the hardship household timeline (registered in charity.receivers) ------------------------------------


def grant_timeline_items(archive) -> list:
    """The household's charity grants as hardship timeline items (one query)."""
    from gonghui.hardship.queries import TimelineItem

    items = []
    for g in Grant.objects.filter(archive=archive).select_related("fund"):
        on = g.paid_on or timezone.localdate(g.made_at)
        detail = f"{g.amount} 元，{g.get_purpose_display()}，{g.get_status_display()}"
        items.append(TimelineItem(on, "charity_grant", f"公益资助：{g.fund.name}", detail, "", (on, 11, g.pk)))
    return items
