"""附近服务 in the member portal (/m/stations/): the nearest stations around the phone's location (or a
chosen district), a station's page with navigation links, check-in by the station's QR and rating.

The nearby list and station pages are public (station locations are public information); check-in
and rating need the member's portal login (mobile + SMS code). The member's location never goes into a
URL: the page posts it. Who is logged in is read from the member session that the portal login writes
(`member_mobile`, `member_person_id`; see members/portal/auth.py) — through the session rather than an
import, so that stations keeps depending on orgs and core only (DESIGN.md §2).
"""

from __future__ import annotations

import math
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_message
from gonghui.people.models import Person
from gonghui.stations import actions, geo, hours, search
from gonghui.stations.models import CheckIn, Facility, Rating, Station, StationKind
from gonghui.stations.states import StationStatus

SESSION_MOBILE = "member_mobile"
SESSION_PERSON = "member_person_id"
DEFAULT_K = 20


def portal_person(request) -> Person | None:
    """The person logged in to the member portal, if the session's verified number is still theirs."""
    mobile, person_id = request.session.get(SESSION_MOBILE), request.session.get(SESSION_PERSON)
    if not mobile or not person_id:
        return None
    return Person.objects.filter(pk=person_id, mobile=mobile).first()


def _login_url(next_path: str) -> str:
    return f"{reverse('portal:login')}?next={quote(next_path, safe='/')}"


def _mask(name: str) -> str:
    """张三 → 张*: what the audit log and other members see of a member's name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _district_points() -> list[dict]:
    """Districts that have running stations, with the centre of their stations (the typed fallback)."""
    rows = (
        Station.objects.filter(status=StationStatus.RUNNING)
        .values("division_code", "org__name")
        .annotate(n=Count("id"), lat=Avg("lat"), lon=Avg("lon"))
        .order_by("division_code")
    )
    points: dict[str, dict] = {}
    for row in rows:
        code = row["division_code"][:6]
        point = points.setdefault(code, {"code": code, "name": row["org__name"], "n": 0, "lat": 0.0, "lon": 0.0})
        total = point["n"] + row["n"]
        point["lat"] = (point["lat"] * point["n"] + row["lat"] * row["n"]) / total
        point["lon"] = (point["lon"] * point["n"] + row["lon"] * row["n"]) / total
        point["n"] = total
    return list(points.values())


def sketch(lat: float, lon: float, hits, size: int = 320) -> dict:
    """An SVG sketch of the stations around the member (no map tiles): an equirectangular projection
    around the member scaled to the farthest shown station, with 1 km rings."""
    radius = max([h.distance_m for h in hits] + [500.0]) * 1.1
    scale = (size / 2 - 14) / radius
    cos_lat = math.cos(math.radians(lat))
    points = []
    for i, h in enumerate(hits, start=1):
        dx = math.radians(h.station.lon - lon) * cos_lat * geo.EARTH_RADIUS_M
        dy = math.radians(h.station.lat - lat) * geo.EARTH_RADIUS_M
        points.append(
            {
                "n": i,
                "x": round(size / 2 + dx * scale, 1),
                "y": round(size / 2 - dy * scale, 1),
                "open": h.open_now,
                "code": h.station.code,
                "name": h.station.name,
            }
        )
    ring_m = 1000 if radius < 5000 else 5000
    rings = [{"r": round(r * scale, 1), "label": f"{r // 1000}km"} for r in range(ring_m, int(radius) + 1, ring_m)][:4]
    return {"size": size, "c": size / 2, "points": points, "rings": rings}


def nearby(request):
    """The nearest stations: the page asks the phone for its location (static/stations/nearby.js) and posts
    it; without permission the member picks a district."""
    districts = _district_points()
    context = {"member": portal_person(request), "districts": districts, "hits": None}
    lat = lon = None
    if request.method == "POST":
        try:
            if request.POST.get("district"):
                point = next(d for d in districts if d["code"] == request.POST["district"])
                lat, lon = point["lat"], point["lon"]
                context["where"] = point["name"]
            else:
                lat, lon = geo.validate(request.POST.get("lat"), request.POST.get("lon"))
                lat, lon = geo.to_wgs(lat, lon, geo.parse_system(request.POST.get("coord") or "wgs84"))
                context["where"] = _("您的位置")
        except (StopIteration, geo.CoordinateError):
            messages.error(request, _("没有取得有效的位置，请重试或选择所在区县"))
    if lat is not None:
        kind = request.POST.get("kind") or None
        facility = request.POST.get("facility") or None
        open_now = request.POST.get("open_now") == "1"
        hits = search.nearest(lat, lon, DEFAULT_K, kind=kind, facility=facility, open_now=open_now)
        names = {f.code: f for f in Facility.objects.all()}
        context.update(
            hits=[
                {
                    "hit": h,
                    "facilities": [names[c] for c in h.station.facility_codes if c in names],
                    "nav": geo.navigation_links(h.station.lat, h.station.lon, h.station.name),
                    "dist": f"{h.distance_m / 1000:.1f} km" if h.distance_m >= 1000 else f"{round(h.distance_m)} m",
                }
                for h in hits
            ],
            sketch=sketch(lat, lon, hits),
            chosen={"kind": kind or "", "facility": facility or "", "open_now": open_now},
            lat=round(lat, 6),
            lon=round(lon, 6),
        )
    context["facility_choices"] = Facility.objects.all()
    context["kind_choices"] = StationKind.objects.filter(active=True)
    response = render(request, "stations/portal/nearby.html", context)
    add_never_cache_headers(response)
    return response


def station_page(request, code):
    """A station's public page (what the plaque's QR opens): hours, facilities, navigation, check-in."""
    station = get_object_or_404(Station.objects.select_related("kind", "org"), code=str(code).upper())
    if station.status == StationStatus.REVOKED:
        return render(request, "stations/portal/station.html", {"station": station, "revoked": True}, status=410)
    person = portal_person(request)
    names = {f.code: f for f in Facility.objects.all()}
    last = None
    to_rate = None
    if person is not None:
        last = CheckIn.objects.filter(station=station, person=person).order_by("-at").first()
        if (
            last
            and not Rating.objects.filter(checkin=last).exists()
            and timezone.now() - last.at <= actions.RATING_WINDOW
        ):
            to_rate = last
    context = {
        "member": person,
        "station": station,
        "open_now": hours.Clock().is_open(station.hours or {}),
        "hours_text": hours.describe(station.hours),
        "facilities": [names[c] for c in station.facility_codes if c in names],
        "nav": geo.navigation_links(station.lat, station.lon, station.name),
        "last_checkin": last,
        "to_rate": to_rate,
        "recent_ratings": [
            {"score": r.score, "comment": r.comment, "at": r.at, "who": _mask(r.person.name)}
            for r in station.ratings.select_related("person").order_by("-at")[:5]
        ],
        "stars": range(1, 6),
    }
    response = render(request, "stations/portal/station.html", context)
    add_never_cache_headers(response)
    return response


@require_POST
def check_in(request, code):
    station = get_object_or_404(Station.objects.select_related("org"), code=str(code).upper())
    person = portal_person(request)
    if person is None:
        return redirect(_login_url(station_page_url(station)))
    try:
        actions.do_check_in(acting_user=Actor.member(person.pk, _mask(person.name)), station=station, person=person)
        messages.success(request, _("签到成功，欢迎来到%(n)s！离开前可以给本站打个分。") % {"n": station.name})
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(station_page_url(station))


@require_POST
def rate(request, code):
    station = get_object_or_404(Station, code=str(code).upper())
    person = portal_person(request)
    if person is None:
        return redirect(_login_url(station_page_url(station)))
    checkin = (
        CheckIn.objects.filter(station=station, person=person).select_related("station__org").order_by("-at").first()
    )
    if checkin is None:
        messages.error(request, _("请先在本站签到，再来评价"))
        return redirect(station_page_url(station))
    try:
        actions.do_rate(
            acting_user=Actor.member(person.pk, _mask(person.name)),
            checkin=checkin,
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("感谢您的评价！"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(station_page_url(station))


def station_page_url(station) -> str:
    return reverse("stations_portal:station", args=[station.code])
