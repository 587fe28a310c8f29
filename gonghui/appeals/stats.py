"""Appeal statistics for any subtree and period (DOMAIN.md §7 headline figures).

Volume by channel, topic and org; on-time completion rate (按期办结率); satisfaction rate;
average handling time; overdue and supervised counts; wages recovered; mediation success rate.
A fixed number of grouped queries whatever the number of tickets. Repeat calls merged into an
earlier ticket are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from gonghui.appeals.models import Appeal, MediationCase, Supervision
from gonghui.appeals.states import OPEN, SATISFIED, AppealStatus, Channel, MediationOutcome, SlaState, Topic
from gonghui.core.tree import in_subtree


@dataclass
class AppealStats:
    start: dt.date
    end: dt.date
    received: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    by_org: list[tuple[str, int]] = field(default_factory=list)
    repeat_calls: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    average_days: float | None = None
    open_overdue: int = 0
    supervised: int = 0
    wages_recovered: Decimal = Decimal("0")
    mediation_closed: int = 0
    mediation_mediated: int = 0
    mediation_recovered: Decimal = Decimal("0")

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def on_time_rate(self):
        return self._rate(self.resolved_on_time, self.resolved)

    @property
    def satisfaction_rate(self):
        return self._rate(self.satisfied, self.rated)

    @property
    def mediation_success_rate(self):
        return self._rate(self.mediation_mediated, self.mediation_closed)


def appeal_stats(org, start: dt.date, end: dt.date) -> AppealStats:
    """Figures for tickets in `org`'s subtree: received in [start, end], resolved / rated in it."""
    stats = AppealStats(start, end)
    base = Appeal.objects.filter(in_subtree("org_path", org.path))
    received = base.filter(registered_on__gte=start, registered_on__lte=end)
    counted = received.exclude(status=AppealStatus.MERGED)
    stats.received = counted.count()
    stats.repeat_calls = received.filter(status=AppealStatus.MERGED).count()
    labels = dict(Channel.choices)
    stats.by_channel = [
        (str(labels.get(c, c)), n) for c, n in counted.values_list("channel").annotate(n=Count("id")).order_by("-n")
    ]
    labels = dict(Topic.choices)
    stats.by_topic = [
        (str(labels.get(t, t)), n) for t, n in counted.values_list("topic").annotate(n=Count("id")).order_by("-n")
    ]
    stats.by_org = list(counted.values_list("org__name").annotate(n=Count("id")).order_by("-n")[:20])

    resolved = base.filter(resolved_on__gte=start, resolved_on__lte=end)
    duration = ExpressionWrapper(F("resolved_at") - F("registered_at"), output_field=DurationField())
    figures = resolved.aggregate(
        resolved=Count("id"),
        on_time=Count("id", filter=Q(resolved_on_time=True)),
        average=Avg(duration),
        wages=Sum("amount_recovered", filter=Q(topic=Topic.WAGES)),
    )
    stats.resolved, stats.resolved_on_time = figures["resolved"], figures["on_time"]
    if figures["average"] is not None:
        stats.average_days = round(figures["average"].total_seconds() / 86400, 1)
    stats.wages_recovered = figures["wages"] or Decimal("0")
    rated = base.filter(rated_at__date__gte=start, rated_at__date__lte=end).aggregate(
        rated=Count("id"), satisfied=Count("id", filter=Q(satisfaction__in=SATISFIED))
    )
    stats.rated, stats.satisfied = rated["rated"], rated["satisfied"]
    stats.open_overdue = base.filter(status__in=OPEN, sla_state=SlaState.OVERDUE).count()
    stats.supervised = Supervision.objects.filter(
        in_subtree("appeal__org_path", org.path), opened_on__gte=start, opened_on__lte=end
    ).count()
    cases = MediationCase.objects.filter(in_subtree("org_path", org.path), closed_on__gte=start, closed_on__lte=end)
    mediation = cases.aggregate(
        closed=Count("id"),
        mediated=Count("id", filter=Q(outcome=MediationOutcome.MEDIATED)),
        recovered=Sum("amount_recovered"),
    )
    stats.mediation_closed, stats.mediation_mediated = mediation["closed"], mediation["mediated"]
    stats.mediation_recovered = mediation["recovered"] or Decimal("0")
    return stats


def stats_workbook(org, stats: AppealStats) -> bytes:
    """The figures as an .xlsx file (one sheet of headline figures, one per breakdown)."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["组织", org.name])
    sheet.append(["统计期间", f"{stats.start} 至 {stats.end}"])
    rows = [
        ("受理诉求（不含重复来电）", stats.received),
        ("重复来电", stats.repeat_calls),
        ("办结", stats.resolved),
        ("按期办结", stats.resolved_on_time),
        ("按期办结率(%)", stats.on_time_rate),
        ("评价", stats.rated),
        ("满意（含基本满意）", stats.satisfied),
        ("满意率(%)", stats.satisfaction_rate),
        ("平均办理时长(天)", stats.average_days),
        ("当前超期未办结", stats.open_overdue),
        ("督办", stats.supervised),
        ("追回欠薪(元)", stats.wages_recovered),
        ("调解结案", stats.mediation_closed),
        ("调解成功", stats.mediation_mediated),
        ("调解成功率(%)", stats.mediation_success_rate),
        ("调解追回金额(元)", stats.mediation_recovered),
    ]
    for label, value in rows:
        sheet.append([label, value])
    for title, data in (("按渠道", stats.by_channel), ("按事项", stats.by_topic), ("按承办工会", stats.by_org)):
        part = book.create_sheet(title)
        part.append([title[1:], "数量"])
        for label, count in data:
            part.append([label, count])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
