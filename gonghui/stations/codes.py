"""Station codes: 6-digit county division + the kind's two letters + a 5-digit sequence (440305HW00012).

The sequence comes from `StationCodeCounter` (one row per division × kind), taken inside the calling
action's transaction with a row lock, so two stations never get the same number and a number is never
handed out again (the counter only grows; a revoked station keeps its code).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from gonghui.stations.models import StationCodeCounter

SEQUENCE_DIGITS = 5


def format_code(division: str, prefix: str, sequence: int) -> str:
    return f"{division[:6]}{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


def allocate(division: str, prefix: str, count: int = 1) -> list[str]:
    """`count` fresh codes for stations of one kind in one county (must run inside an atomic block)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside the action's transaction")
    county = division[:6]
    StationCodeCounter.objects.bulk_create(
        [StationCodeCounter(division=county, prefix=prefix, last=0)], ignore_conflicts=True
    )
    counter = StationCodeCounter.objects.select_for_update().get(division=county, prefix=prefix)
    first = counter.last + 1
    StationCodeCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [format_code(county, prefix, n) for n in range(first, first + count)]
