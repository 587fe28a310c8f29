"""Pagination that never counts a whole province.

A list in a province's scope can match millions of rows; an exact COUNT(*) of them costs seconds
on every page view, and nobody pages through them anyway. Counts stop at COUNT_CAP: beyond it the
list says "more than 10,000" and asks for a narrower search.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): the exact count up to `cap`, else (cap, True).

    Ordering and selected columns are dropped first: the database then only walks at most
    cap + 1 index entries instead of sorting or joining the whole match.
    """
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP; `capped` tells the template there are more."""

    cap = COUNT_CAP
    capped = False

    @cached_property
    def count(self):
        n, self.capped = capped_count(self.object_list, self.cap)
        return n
