"""Members' job search: keyword (title and required skills), type, distance from a point, wage floor
and skills, on SQLite and PostgreSQL without PostGIS.

With a point and a radius, the database answers a latitude/longitude box through the
`(status, lat_band, lon, …)` covering index — one seek per 0.1° latitude band, then the longitude
range (`stations.geo.bounding_box` gives a box that holds every point within the radius) — the
other filters narrow it in the same query from the index alone, and Python keeps the rows whose
great-circle distance (`stations.geo.haversine_m`) is within the radius, nearest first. Only ids and
coordinates travel for the candidates; the page's posts are then read by id. Without a point, the
newest published posts come first. `brute_force` is the reference the tests compare against.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from gonghui.jobs.models import JobPost
from gonghui.jobs.states import PostStatus
from gonghui.jobs.validation import level_rank
from gonghui.stations import geo

MAX_RADIUS_KM = 200.0
RELATED = ("employer", "org", "station")


@dataclass
class Query:
    q: str = ""
    job_type: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    skills: list[str] = field(default_factory=list)
    wage_min: Decimal | None = None  # a monthly figure: posts whose wage floor is at least this much
    station_id: int | None = None

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lon is not None


def _box(lat: float, lon: float, radius_m: float) -> Q:
    lat_min, lat_max, lon_ranges = geo.bounding_box(lat, lon, radius_m)
    # Every 0.1° band the box touches (`posts.band`); the exact latitude range follows in the same query.
    bands = list(range(math.floor(lat_min * 10), math.floor(lat_max * 10) + 1))
    q = Q(lat_band__in=bands, lat__gte=lat_min, lat__lte=lat_max)
    if lon_ranges != [(-180.0, 180.0)]:
        lon_q = Q()
        for lo, hi in lon_ranges:
            lon_q |= Q(lon__gte=lo, lon__lte=hi)
        q &= lon_q
    return q


def open_posts(on: dt.date | None = None):
    """Published posts whose deadline has not passed (what members may see and apply to)."""
    return JobPost.objects.filter(status=PostStatus.PUBLISHED, deadline__gte=on or timezone.localdate())


def filtered(query: Query, on: dt.date | None = None, *, deadline_in_sql: bool = True):
    qs = open_posts(on) if deadline_in_sql else JobPost.objects.filter(status=PostStatus.PUBLISHED)
    if query.q:
        # The title and the required skills (both in the search index), not the description.
        qs = qs.filter(Q(title__icontains=query.q) | Q(skill_names__icontains=query.q))
    if query.job_type:
        qs = qs.filter(job_type=query.job_type)
    if query.skills:
        any_skill = Q()
        for name in query.skills:
            any_skill |= Q(skill_names__contains=f",{name},")
        qs = qs.filter(any_skill)
    if query.wage_min is not None:
        qs = qs.filter(wage_monthly__gte=query.wage_min)
    if query.station_id:
        qs = qs.filter(station_id=query.station_id)
    return qs


class Results:
    """The hits in order, sliceable like a queryset (for Paginator and the API's pagination)."""

    def __init__(self, query: Query, on: dt.date | None = None):
        self.query = query
        self.distances: dict[int, float] = {}
        if query.near:
            # The deadline is checked here, not in SQL: with `deadline >=` in the query SQLite's planner
            # (no statistics) may walk the (status, deadline) index over every published post instead
            # of the box.
            on = on or timezone.localdate()
            qs = filtered(query, on, deadline_in_sql=False)
            radius_m = min(query.radius_km or MAX_RADIUS_KM, MAX_RADIUS_KM) * 1000.0
            rows = qs.filter(_box(query.lat, query.lon, radius_m)).values_list("id", "lat", "lon", "deadline")
            ranked = []
            for pk, lat, lon, deadline in rows:
                if deadline < on:
                    continue
                d = geo.haversine_m(query.lat, query.lon, lat, lon)
                if d <= radius_m:
                    ranked.append((d, pk))
            ranked.sort()
            self.ids = [pk for _d, pk in ranked]
            self.distances = {pk: d for d, pk in ranked}
            self.queryset = None
        else:
            self.ids = None
            self.queryset = filtered(query, on).select_related(*RELATED).order_by("-published_at", "-id")

    def count(self) -> int:
        return len(self.ids) if self.ids is not None else self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if self.ids is None:
            page = list(self.queryset[item])
        else:
            ids = self.ids[item] if isinstance(item, slice) else [self.ids[item]]
            found = JobPost.objects.select_related(*RELATED).in_bulk(ids)
            page = [found[pk] for pk in ids if pk in found]
        for post in page:
            post.distance_m = self.distances.get(post.pk)
        return page if isinstance(item, slice) else page[0]


def search(query: Query, on: dt.date | None = None) -> Results:
    return Results(query, on)


def brute_force(query: Query, posts, on: dt.date | None = None) -> list[int]:
    """The reference answer: every post checked in Python, nearest first (tests compare `search`)."""
    on = on or timezone.localdate()
    radius_m = min(query.radius_km or MAX_RADIUS_KM, MAX_RADIUS_KM) * 1000.0
    ranked = []
    for p in posts:
        if p.status != PostStatus.PUBLISHED or p.deadline < on:
            continue
        if query.q and query.q.lower() not in (p.title + "\n" + p.skill_names).lower():
            continue
        if query.job_type and p.job_type != query.job_type:
            continue
        if query.skills and not {s["name"] for s in p.skills} & set(query.skills):
            continue
        if query.wage_min is not None and (p.wage_monthly is None or p.wage_monthly < query.wage_min):
            continue
        if p.lat is None:
            continue
        d = geo.haversine_m(query.lat, query.lon, p.lat, p.lon)
        if d <= radius_m:
            ranked.append((d, p.pk))
    ranked.sort()
    return [pk for _d, pk in ranked]


def skill_match(required: list[dict], held: list[dict]) -> tuple[list[str], list[str]]:
    """(met, missing): the post's skills the member holds at the level asked (verified skills only),
    and those they lack, as display strings ("急救（CPR+AED）", "电工（四级/中级工）")."""
    best: dict[str, int] = {}
    for s in held:
        if s.get("verified", True):
            best[s["name"]] = max(best.get(s["name"], -1), level_rank(s.get("level") or ""))
    met, missing = [], []
    for r in required:
        label = r["name"] + (f"（{r['level']}）" if r.get("level") else "")
        ok = r["name"] in best and (not r.get("level") or best[r["name"]] >= level_rank(r["level"]))
        (met if ok else missing).append(label)
    return met, missing
