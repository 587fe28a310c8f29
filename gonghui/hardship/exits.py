"""The exit rule (脱困): per-capita income above 低保 for 6 consecutive months proposes an exit.

`propose_exits()` is idempotent and chunked; run it daily (task `exit_sweep_task`). It never
exits a household itself: it sets `exit_proposed_on` and leaves an `ArchiveEvent`, and the
officer decides with `do_exit` or `do_decline_exit_proposal`. A month already considered is
not considered again (`exit_considered_through`), so a declined proposal comes back only when
a newer month is recorded and the rule still holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from gonghui.core import audit
from gonghui.hardship import rules
from gonghui.hardship.models import ArchiveEvent, HardshipArchive, MonthlyIncome, SubsistenceLine
from gonghui.hardship.states import IN_ARCHIVE

CHUNK = 1000
SYSTEM_NAME = "系统（脱困规则）"


def _lines(years) -> dict[int, dict[str, object]]:
    by_year: dict[int, dict[str, object]] = defaultdict(dict)
    for code, year, amount in SubsistenceLine.objects.filter(year__in=list(years)).values_list(
        "division_code", "year", "monthly_amount"
    ):
        by_year[year][code] = amount
    return by_year


def candidates():
    """Archived households with a monthly record newer than the last month considered."""
    return (
        HardshipArchive.objects.filter(status__in=list(IN_ARCHIVE), exit_proposed_on__isnull=True)
        .annotate(latest_month=Max("monthly_incomes__month"))
        .filter(latest_month__isnull=False)
        .filter(Q(exit_considered_through__isnull=True) | Q(exit_considered_through__lt=F("latest_month")))
    )


def propose_exits(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    proposed = considered = 0
    last_pk = 0
    while True:
        ids = list(candidates().filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        last_pk = ids[-1]
        p, c = _evaluate(ids, today)
        proposed += p
        considered += c
    return {"considered": considered, "proposed": proposed}


@transaction.atomic
def _evaluate(ids: list[int], today: dt.date) -> tuple[int, int]:
    archives = list(HardshipArchive.objects.select_for_update().filter(pk__in=ids, exit_proposed_on__isnull=True))
    records: dict[int, list[tuple[dt.date, object]]] = defaultdict(list)
    for archive_id, month, figure in MonthlyIncome.objects.filter(archive_id__in=ids).values_list(
        "archive_id", "month", "per_capita"
    ):
        records[archive_id].append((month, figure))
    years = {m.year for rows in records.values() for m, _f in rows}
    lines = _lines(years)
    proposed = []
    for archive in archives:
        rows = records.get(archive.pk, [])
        if not rows:
            continue

        def line_for(month, code=archive.division_code):
            found = rules.pick_line(code, lines.get(month.year, {}))
            return found[1] if found else None

        latest = max(m for m, _f in rows)
        try:
            met = rules.exit_rule_met(rows, line_for)
        except TypeError:  # a month without a 低保 line: cannot decide
            met = False
        archive.exit_considered_through = latest
        fields = ["exit_considered_through"]
        if met:
            archive.exit_proposed_on = today
            fields.append("exit_proposed_on")
            proposed.append(archive)
        archive.save(update_fields=fields)
    ArchiveEvent.objects.bulk_create(
        [
            ArchiveEvent(
                archive=a,
                kind=ArchiveEvent.Kind.EXIT_PROPOSED,
                person_name=SYSTEM_NAME,
                reason=_("家庭人均月收入连续6个月高于当地低保标准（截至%(m)s），建议办理脱困")
                % {"m": f"{a.exit_considered_through:%Y-%m}"},
                on=today,
            )
            for a in proposed
        ]
    )
    if proposed:
        audit.record(
            actor=None,
            action="hardship.exit_proposed_batch",
            object_type="hardship.hardshiparchive",
            after={"job": f"exit-sweep {today}", "count": len(proposed), "ids": [a.pk for a in proposed][:50]},
        )
    return len(proposed), len(archives)


@task()
def exit_sweep_task():
    """Daily: propose exits for households whose income stayed above 低保 for 6 months."""
    return propose_exits()
