"""Member portal pages of jobs (/m/jobs/, namespace "jobs_portal"), mobile first: nearby posts (the
browser's location through static/jobs/near.js, else the member's union's location), a post with
the member's skill match and one-tap apply (the member chooses what the employer may see), my
applications with each status change, and the talent pool opt-in/out. Post ids only in URLs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_message
from gonghui.core.tree import ancestor_ids
from gonghui.jobs import actions_apply, actions_fairs, queries, search
from gonghui.jobs.actions_fairs import CONSENT_TEXT
from gonghui.jobs.forms import ApplyForm, TalentForm
from gonghui.jobs.models import Application, JobPost, JobType, TalentPoolEntry
from gonghui.jobs.states import ApplicationStatus, PostStatus
from gonghui.learning.actions import current_membership
from gonghui.members.portal import auth
from gonghui.members.schemas import mask_name
from gonghui.orgs.models import Org
from gonghui.stations import geo

RADII = (3, 5, 10, 20, 50)


def _membership(request):
    membership = current_membership(request.member.person.pk)
    if membership is None:
        messages.info(request, _("您还不是工会会员，入会后即可投递岗位"))
    return membership


def _actor(membership) -> Actor:
    return Actor.member(membership.person_id, mask_name(membership.person.name))


def _org_location(membership) -> tuple[float, float, str] | None:
    """The member's union's location (or its nearest ancestor's that has one)."""
    ids = [*ancestor_ids(membership.org.path), membership.org_id]
    rows = {
        pk: (lat, lon, name)
        for pk, lat, lon, name in Org.objects.filter(pk__in=ids, latitude__isnull=False).values_list(
            "pk", "latitude", "longitude", "name"
        )
    }
    for pk in reversed(ids):
        if pk in rows:
            lat, lon, name = rows[pk]
            return float(lat), float(lon), name
    return None


def _point(request, membership):
    """(lat, lon, where) from ?lat&lon (the browser's location) or the member's union; None: anywhere."""
    get = request.GET
    if get.get("lat") and get.get("lon"):
        try:
            lat, lon = geo.validate(get["lat"], get["lon"])
            return lat, lon, _("您的位置")
        except geo.CoordinateError:
            messages.error(request, _("位置坐标无效，已改用所在工会的位置"))
    if get.get("anywhere"):
        return None
    return _org_location(membership)


@auth.member_required(person=True)
def search_page(request):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    get = request.GET
    skills = queries.member_skills(membership)
    verified_names = sorted({s["name"] for s in skills if s.get("verified", True)})
    point = _point(request, membership)
    try:
        radius = int(get.get("radius") or 10)
    except ValueError:
        radius = 10
    radius = radius if radius in RADII else 10
    try:
        wage_min = Decimal(get["wage_min"]) if get.get("wage_min") else None
    except InvalidOperation:
        wage_min = None
    query = search.Query(
        q=(get.get("q") or "").strip()[:40],
        job_type=get.get("type") if get.get("type") in JobType.values else "",
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        radius_km=radius,
        skills=verified_names if get.get("mine") and verified_names else [],
        wage_min=wage_min,
    )
    page = Paginator(search.search(query), 20).get_page(get.get("page"))
    applied = set(
        Application.objects.filter(
            person_id=membership.person_id, post_id__in=[p.pk for p in page.object_list]
        ).values_list("post_id", flat=True)
    )
    rows = []
    for post in page.object_list:
        met, _missing = search.skill_match(post.skills, skills)
        rows.append({"post": post, "met": met, "applied": post.pk in applied, "km": (post.distance_m or 0) / 1000})
    context = {
        "rows": rows,
        "page_obj": page,
        "types": JobType.choices,
        "radii": RADII,
        "radius": radius,
        "q": query.q,
        "type": query.job_type,
        "where": point[2] if point else "",
        "mine": bool(get.get("mine")),
        "skills": verified_names,
        "wage_min": get.get("wage_min", ""),
        "lat": get.get("lat", ""),
        "lon": get.get("lon", ""),
    }
    return render(request, "jobs/portal/search.html", context)


def _post_for(membership, pk) -> tuple[JobPost, Application | None]:
    post = JobPost.objects.select_related("org", "employer", "station").filter(pk=pk).first()
    mine = (
        Application.objects.filter(post_id=pk, person_id=membership.person_id).order_by("-id").first() if post else None
    )
    if post is None or (post.status != PostStatus.PUBLISHED and mine is None):
        raise Http404
    return post, mine


@auth.member_required(person=True)
def post_page(request, pk):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    post, mine = _post_for(membership, pk)
    met, missing = search.skill_match(post.skills, queries.member_skills(membership))
    live = mine is not None and mine.status not in (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED)
    context = {
        "post": post,
        "met": met,
        "missing": missing,
        "mine": mine if live else None,
        "closed": actions_apply.post_closed_reason(post, timezone.localdate()),
        "form": ApplyForm(),
        "masked_mobile": request.member.masked_mobile,
    }
    return render(request, "jobs/portal/post.html", context)


@auth.member_required(person=True)
@require_POST
def apply(request, pk):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    post, _mine = _post_for(membership, pk)
    form = ApplyForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        actions_apply.do_apply(
            acting_user=_actor(membership),
            post=post,
            membership=membership,
            share_mobile=data.get("share_mobile", False),
            share_skills=data.get("share_skills", False),
            note=data.get("note", ""),
        )
        messages.success(request, _("投递成功，状态有变化会在“我的求职”里显示"))
        return redirect("jobs_portal:mine")
    except ValidationError as exc:
        messages.error(request, error_message(exc))
        return redirect("jobs_portal:post", pk=post.pk)


@auth.member_required(person=True)
def mine(request):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    page = Paginator(queries.member_applications(membership.person_id), 20).get_page(request.GET.get("page"))
    entry = TalentPoolEntry.objects.filter(person_id=membership.person_id, active=True).first()
    return render(request, "jobs/portal/mine.html", {"page_obj": page, "entry": entry})


@auth.member_required(person=True)
@require_POST
def withdraw(request, pk):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    application = Application.objects.filter(pk=pk, person_id=membership.person_id).first()
    if application is None:
        raise Http404
    try:
        actions_apply.do_withdraw_application(acting_user=_actor(membership), application=application)
        messages.success(request, _("已撤回申请"))
    except ValidationError as exc:
        messages.error(request, error_message(exc))
    return redirect("jobs_portal:mine")


@auth.member_required(person=True)
def talent(request):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    entry = TalentPoolEntry.objects.filter(person_id=membership.person_id, active=True).first()
    if request.method == "POST":
        if request.POST.get("leave"):
            try:
                actions_fairs.do_leave_talent_pool(acting_user=_actor(membership), membership=membership)
                messages.success(request, _("已退出人才库，工作人员将不再能检索到您"))
            except ValidationError as exc:
                messages.error(request, error_message(exc))
            return redirect("jobs_portal:talent")
        form = TalentForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("consent")
            try:
                actions_fairs.do_join_talent_pool(acting_user=_actor(membership), membership=membership, **data)
                messages.success(request, _("已加入人才库"))
                return redirect("jobs_portal:talent")
            except ValidationError as exc:
                for field, problems in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
                ):
                    form.add_error(field if field in form.fields else None, problems)
    else:
        initial = (
            {"availability": entry.availability, "division_code": entry.division_code, "note": entry.note}
            if entry
            else {}
        )
        if entry:
            initial["job_types"] = [t for t in entry.job_types.split(",") if t]
        form = TalentForm(initial=initial)
    return render(request, "jobs/portal/talent.html", {"form": form, "entry": entry, "consent_text": CONSENT_TEXT})
