"""Read helpers for benefits: what a member may see and claim, what a partner's counter sees, and
campaign, medical and feedback statistics for staff. Staff reads are scoped with `restrict()`;
partner staff see only their own partner (`partners_for`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gonghui.benefits.actions import partner_of, verdict_for
from gonghui.benefits.models import (
    Campaign,
    CardUse,
    Feedback,
    MedicalReduction,
    Offer,
    Partner,
    PartnerStaff,
    Redemption,
    Service,
    Voucher,
)
from gonghui.benefits.states import PartnerStatus, PublishStatus, VoucherStatus
from gonghui.core.tree import in_subtree
from gonghui.members import eligibility
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT

VIEW = "benefit.view"
CENT = Decimal("0.01")
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


# What eligibility, the claim and its audit entry read: the rest of the rows stays in the database.
CLAIMANT_FIELDS = (
    "member_no",
    "status",
    "org_path",
    "province_id",
    "worker_type",
    "gig_subtype",
    "skill_level",
    "person__name",
    "person__verified_at",
    "person__birth_date",
)


def _claimant_rows(now=None):
    return (
        Membership.objects.select_related("person")
        .only(*CLAIMANT_FIELDS)
        .annotate(has_card=eligibility.active_card_exists(now))
    )


class _CompiledRead:
    """One ORM query compiled once per process, run again with new values for two of its parameters.

    The claim path reads the claimant on every attempt; building and compiling that queryset cost
    about six times what PostgreSQL spends answering it (benchmarks/voucher_claims.py). The SQL,
    the converters and the model population are Django's own (the compiler and the populators
    `ModelIterable` uses); only the key and the card-expiry instant change between runs.
    """

    KEY = -987_654_321
    NOW = dt.datetime(2001, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)

    def __init__(self, queryset):
        from django.db import connections

        self.db = queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        now = connections[self.db].ops.adapt_datetimefield_value(self.NOW)
        self.key_at = [i for i, value in enumerate(self.params) if value == self.KEY]
        self.now_at = [i for i, value in enumerate(self.params) if value == now]
        if len(self.key_at) != 1 or len(self.now_at) != 1:
            raise ValueError("compiled read: parameters not found")  # pragma: no cover
        select, klass_info = self.compiler.select, self.compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.annotations = dict(self.compiler.annotation_col_map)
        self.select = select
        self.klass_info = klass_info

    def first(self, key, now):
        from django.db import connections
        from django.db.models.query import get_related_populators

        connection = connections[self.db]  # per thread: only the compiled query is shared
        params = list(self.params)
        params[self.key_at[0]] = key
        params[self.now_at[0]] = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchmany(1)
        for row in self.compiler.results_iter([rows]):
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in get_related_populators(self.klass_info, self.select, self.db):
                populator.populate(row, obj)
            for name, at in self.annotations.items():
                setattr(obj, name, row[at])
            return obj
        return None


_compiled: dict[tuple[str, str], _CompiledRead] = {}


def _compiled_read(name: str) -> _CompiledRead:
    from django.db import connection

    key = (name, connection.vendor)
    read = _compiled.get(key)
    if read is None:
        rows = _claimant_rows(_CompiledRead.NOW)
        if name == "by_id":
            rows = rows.filter(pk=_CompiledRead.KEY)
        else:
            rows = rows.filter(person_id=_CompiledRead.KEY, status__in=list(CURRENT))
        read = _compiled[key] = _CompiledRead(rows.order_by("pk")[:1])
    return read


def claimant(person=None, *, membership_id=None) -> Membership | None:
    """The current membership of a person (or by id) with its person and `has_card`, in one query
    (compiled once per process: see `_CompiledRead`)."""
    if membership_id is not None:
        return _compiled_read("by_id").first(int(membership_id), timezone.now())
    if person is None:
        return None
    return _compiled_read("by_person").first(person.pk, timezone.now())


def with_issued(campaigns):
    """Campaigns with their issued count (the sum over the quota shards) in the same query."""
    from django.db.models import OuterRef, Subquery

    from gonghui.benefits.models import CampaignShard

    total = (
        CampaignShard.objects.filter(campaign=OuterRef("pk")).values("campaign").annotate(n=Sum("issued")).values("n")
    )
    return campaigns.annotate(issued_total=Subquery(total))


def segment_members(campaign: Campaign, *, now=None):
    """Memberships the campaign may be issued to: inside its org's subtree and matching its rule."""
    return Membership.objects.filter(
        in_subtree("org_path", campaign.org_path) & eligibility.segment(campaign.rule, now=now)
    )


def works_at_a_counter(user) -> bool:
    """Navigation predicate for 核销台: the account is linked to a partner (one indexed query)."""
    return PartnerStaff.objects.filter(user=user, active=True).exists()


def partners_for(user):
    """Partners a user may see: in the subtree where they hold benefit.view, plus their own partner."""
    own = partner_of(user)
    scoped = Partner.objects.restrict(user, VIEW)
    if own is not None:
        scoped = Partner.objects.filter(Q(pk__in=scoped.values("pk")) | Q(pk=own.pk))
    return scoped


def visible_to_member(model, membership: Membership):
    """Published services or campaigns whose offering org contains the member's org (one path test
    per ancestor: the member's path prefixes)."""
    prefixes = []
    path = membership.org_path
    parts = [p for p in path.split(".") if p]
    for i in range(1, len(parts) + 1):
        prefixes.append(".".join(parts[:i]) + ".")
    return model.objects.filter(status=PublishStatus.PUBLISHED, org_path__in=prefixes).select_related("org")


def services_for_member(membership: Membership) -> list[tuple[Service, eligibility.Verdict]]:
    """The catalogue a member sees, each with its verdict (eligible, or why not)."""
    orgs = eligibility.OrgResolver()
    rows = visible_to_member(Service, membership).order_by("category", "name")
    return [(s, verdict_for(s, membership, orgs=orgs)) for s in rows]


def campaigns_for_member(membership: Membership, now=None) -> list[tuple[Campaign, eligibility.Verdict]]:
    """Campaigns open for claims in the member's org chain, only those the member is eligible for."""
    now = now or timezone.now()
    orgs = eligibility.OrgResolver()
    rows = (
        visible_to_member(Campaign, membership).filter(claim_starts__lte=now, claim_ends__gt=now).order_by("claim_ends")
    )
    return [(c, v) for c in rows if (v := verdict_for(c, membership, orgs=orgs))]


def held_counts(membership: Membership, campaign_ids: list[int]) -> dict[int, int]:
    """{campaign id: vouchers this member already holds} (one GROUP BY over the member's vouchers)."""
    if not campaign_ids:
        return {}
    rows = (
        Voucher.objects.filter(membership=membership, campaign_id__in=campaign_ids)
        .values_list("campaign_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def vouchers_of(membership: Membership):
    return (
        Voucher.objects.filter(membership=membership)
        .select_related("campaign", "redeemed_by")
        .order_by("-issued_at", "-pk")
    )


def offers_for_member(partner: Partner, membership: Membership, today=None) -> list[Offer]:
    """A partner's active offers that apply to this member (what the counter shows after a card scan)."""
    today = today or timezone.localdate()
    offers = (
        Offer.objects.filter(partner=partner, active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("partner__org")
    )
    orgs = eligibility.OrgResolver()
    return [o for o in offers if verdict_for(o, membership, orgs=orgs)]


def conflicts_for(partner: Partner):
    """Redemption conflicts and refusals that concern a partner: its own refused scans and others'
    attempts on vouchers it redeemed first. Both sides see the same rows."""
    return (
        Redemption.objects.filter(outcome__in=[Redemption.Outcome.CONFLICT, Redemption.Outcome.REFUSED])
        .filter(Q(partner=partner) | Q(first_partner=partner))
        .select_related("voucher", "partner", "first_partner")
        .order_by("-synced_at")
    )


def campaign_stats(campaign: Campaign) -> dict:
    """Claimed, redeemed, expired, revoked and budget used (face value × redeemed) for one campaign."""
    counts = dict(Voucher.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk")))
    redeemed = counts.get(VoucherStatus.REDEEMED, 0)
    return {
        "quota": campaign.quota,
        "claimed": sum(counts.values()),
        "unused": counts.get(VoucherStatus.ISSUED, 0),
        "redeemed": redeemed,
        "expired": counts.get(VoucherStatus.EXPIRED, 0),
        "revoked": counts.get(VoucherStatus.REVOKED, 0),
        "budget": campaign.budget,
        "budget_used": (campaign.face_value or Decimal("0.00")) * redeemed,
    }


def campaign_stats_by_partner(campaign: Campaign) -> list[dict]:
    return list(
        Voucher.objects.filter(campaign=campaign, status=VoucherStatus.REDEEMED)
        .values("redeemed_by_id", name=F("redeemed_by__name"))
        .annotate(redeemed=Count("pk"))
        .order_by("-redeemed")
    )


def campaign_stats_for_org(user, path: str) -> dict:
    """Totals over the campaigns owned in a subtree the user may view."""
    campaigns = Campaign.objects.restrict(user, VIEW).filter(in_subtree("org_path", path))
    vouchers = Voucher.objects.filter(campaign__in=campaigns)
    counts = dict(vouchers.values_list("status").annotate(n=Count("pk")))
    used = vouchers.filter(status=VoucherStatus.REDEEMED).aggregate(v=Coalesce(Sum("campaign__face_value"), ZERO))["v"]
    return {
        "campaigns": campaigns.count(),
        "claimed": sum(counts.values()),
        "redeemed": counts.get(VoucherStatus.REDEEMED, 0),
        "expired": counts.get(VoucherStatus.EXPIRED, 0),
        # SQLite sums decimals without their scale: money leaves here to the fen on both databases.
        "budget": Decimal(campaigns.aggregate(b=Coalesce(Sum("budget"), ZERO))["b"]).quantize(CENT),
        "budget_used": Decimal(used).quantize(CENT),
    }


def medical_totals(user, path: str | None = None) -> dict:
    """Medical reductions by hospital and in total, within the user's scope (optionally one subtree)."""
    rows = MedicalReduction.objects.restrict(user, VIEW)
    if path:
        rows = rows.filter(in_subtree("org_path", path))
    by_hospital = list(
        rows.values("partner_id", name=F("partner__name"))
        .annotate(visits=Count("pk"), total=Sum("total"), insured=Sum("insured"), reduction=Sum("reduction"))
        .order_by("-reduction")
    )
    overall = rows.aggregate(visits=Count("pk"), reduction=Coalesce(Sum("reduction"), ZERO))
    overall["reduction"] = Decimal(overall["reduction"]).quantize(CENT)
    for row in by_hospital:
        for key in ("total", "insured", "reduction"):
            row[key] = Decimal(row[key]).quantize(CENT)
    return {"by_hospital": by_hospital, **overall}


def card_use_totals(partner: Partner) -> dict:
    totals = CardUse.objects.filter(partner=partner).aggregate(
        uses=Count("pk"), amount=Coalesce(Sum("amount"), ZERO), reduction=Coalesce(Sum("reduction"), ZERO)
    )
    return {
        **totals,
        "amount": Decimal(totals["amount"]).quantize(CENT),
        "reduction": Decimal(totals["reduction"]).quantize(CENT),
    }


def feedback_summary(user, *, target=None) -> dict:
    """Average rating and count, in the user's scope, optionally for one service, partner or campaign."""
    rows = Feedback.objects.restrict(user, VIEW)
    if target is not None:
        rows = rows.filter(**{target._meta.model_name: target})
    return rows.aggregate(count=Count("pk"), average=Avg("rating"))


def feedback_rows(user):
    """Ratings in the user's scope with what they rate, unhandled first, newest first."""
    return (
        Feedback.objects.restrict(user, VIEW)
        .select_related("service", "partner", "campaign", "handled_by")
        .order_by(F("handled_at").asc(nulls_first=True), "-created_at", "-pk")
    )


def feedback_averages(user, limit: int = 100) -> list[dict]:
    """Average rating, count and unhandled count per rated service, partner or campaign (lowest first:
    what to act on), in the user's scope. One query."""
    rows = (
        Feedback.objects.restrict(user, VIEW)
        .values(
            "service_id",
            "partner_id",
            "campaign_id",
            service_name=F("service__name"),
            partner_name=F("partner__name"),
            campaign_name=F("campaign__name"),
        )
        .annotate(count=Count("pk"), average=Avg("rating"), open=Count("pk", filter=Q(handled_at__isnull=True)))
        .order_by("average", "-count", "service_id", "partner_id", "campaign_id")[:limit]
    )
    out = []
    for row in rows:
        if row["service_id"]:
            kind, name = "service", row["service_name"]
        elif row["partner_id"]:
            kind, name = "partner", row["partner_name"]
        else:
            kind, name = "campaign", row["campaign_name"]
        out.append({**row, "kind": kind, "name": name, "target_id": row[f"{kind}_id"]})
    return out


def active_partners(user):
    return Partner.objects.restrict(user, VIEW).filter(status=PartnerStatus.ACTIVE)


def campaign_stats_by_org(campaign: Campaign) -> list[dict]:
    """Claimed, redeemed, expired and budget used per org of the campaign's subtree: one row for the
    campaign's own org (its direct members) and one per direct child org (its whole subtree), busiest first.
    Two queries whatever the number of vouchers or orgs."""
    from gonghui.orgs.models import Org

    counts = (
        Voucher.objects.filter(campaign=campaign)
        .values_list("member_org_path", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    orgs = [campaign.org, *Org.objects.filter(parent_id=campaign.org_id).only("pk", "name", "path", "code")]
    rows = {org.pk: {"org": org, "claimed": 0, "redeemed": 0, "expired": 0} for org in orgs}
    children = sorted(orgs[1:], key=lambda o: len(o.path), reverse=True)
    for path, status, n in counts:
        owner = next((o for o in children if path.startswith(o.path)), campaign.org)
        row = rows[owner.pk]
        row["claimed"] += n
        if status == VoucherStatus.REDEEMED:
            row["redeemed"] += n
        elif status == VoucherStatus.EXPIRED:
            row["expired"] += n
    face = campaign.face_value or Decimal("0.00")
    result = [row for row in rows.values() if row["claimed"]]
    for row in result:
        row["budget_used"] = (face * row["redeemed"]).quantize(CENT)
    return sorted(result, key=lambda r: (-r["claimed"], r["org"].path))
