"""Read helpers of jobs: one object within the user's scope (404 outside it), the applications board,
placements with follow-ups due, the talent pool search and statistics per org."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from gonghui.core.scoping import access_object
from gonghui.core.tree import in_subtree
from gonghui.jobs.actions_apply import may_handle
from gonghui.jobs.models import Application, Employer, FollowUp, JobFair, JobPost, JobType, Placement, TalentPoolEntry
from gonghui.jobs.states import ApplicationStatus, PostStatus
from gonghui.jobs.validation import level_rank
from gonghui.members import extensions
from gonghui.people.choices import SKILL_LEVELS
from gonghui.people.identity import mask_mobile

VIEW = "jobs.view"


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def access_employer(user, pk, action: str = VIEW) -> Employer:
    return access_object(Employer.objects.select_related("org", "enterprise_org"), user, action, pk=_int(pk))


def access_post(user, pk, action: str = VIEW) -> JobPost:
    return access_object(JobPost.objects.select_related("org", "employer", "station"), user, action, pk=_int(pk))


def access_fair(user, pk, action: str = VIEW) -> JobFair:
    return access_object(JobFair.objects.select_related("org"), user, action, pk=_int(pk))


def access_follow_up(user, pk, action: str = "jobs.manage") -> FollowUp:
    return access_object(FollowUp.objects.select_related("placement__post__employer"), user, action, pk=_int(pk))


def access_board_post(user, pk) -> JobPost:
    """A post whose applications the user may see: staff of its org subtree, or the employer's contact."""
    post = JobPost.objects.select_related("org", "employer", "station").filter(pk=_int(pk)).first()
    if post is None:
        raise Http404
    if JobPost.objects.restrict(user, VIEW).filter(pk=post.pk).exists():
        return post
    if getattr(user, "pk", None) and post.employer.contact_user_id == user.pk:
        return post
    raise Http404


def access_application(user, pk) -> Application:
    application = (
        Application.objects.select_related("post__org", "employer", "membership__person").filter(pk=_int(pk)).first()
    )
    if application is None or not (
        Application.objects.restrict(user, VIEW).filter(pk=application.pk).exists() or may_handle(user, application)
    ):
        raise Http404
    return application


# --- the applications board -------------------------------------------------------------------------


def board(post: JobPost, *, status: str = ""):
    """The post's applications with what the employer may see: masked name, mobile masked unless the
    member consented, worker type, skills if shared. Never the ID number. Two queries for any size:
    the applications (with member and person) and the skills of the page's members."""
    qs = (
        Application.objects.filter(post=post)
        .select_related("membership__person")
        .only(
            "id",
            "status",
            "channel",
            "share_mobile",
            "share_skills",
            "note",
            "applied_at",
            "changed_at",
            "person_id",
            "membership__member_no",
            "membership__worker_type",
            "membership__skill_level",
            "membership__person__name",
            "membership__person__mobile",
        )
        .order_by("id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def board_rows(applications) -> list[dict]:
    """Rows for the board template/API from a page (or all) of `board()` (one skills query)."""
    from gonghui.learning.models import Skill
    from gonghui.learning.states import SkillStatus
    from gonghui.members.schemas import mask_name

    applications = list(applications)
    sharing = [a.person_id for a in applications if a.share_skills]
    skills: dict[int, list[str]] = {}
    if sharing:
        for person_id, name, level in (
            Skill.objects.filter(person_id__in=sharing, status=SkillStatus.VERIFIED)
            .order_by("person_id", "name")
            .values_list("person_id", "name", "level")
        ):
            skills.setdefault(person_id, []).append(name + (f"（{level}）" if level else ""))
    rows = []
    for a in applications:
        person = a.membership.person
        mobile = person.mobile or ""
        rows.append(
            {
                "application": a,
                "name": mask_name(person.name),
                "mobile": (mobile[3:] if mobile.startswith("+86") else mobile)
                if a.share_mobile
                else mask_mobile(mobile),
                "worker_type": a.membership.get_worker_type_display(),
                "skills": skills.get(a.person_id, []) if a.share_skills else None,
            }
        )
    return rows


def board_counts(post: JobPost) -> dict[str, int]:
    return dict(Application.objects.filter(post=post).values_list("status").annotate(n=Count("id")).order_by())


# --- staff lists -------------------------------------------------------------------------------------


def staff_posts(user, *, status: str = "", q: str = "", job_type: str = ""):
    qs = JobPost.objects.restrict(user, VIEW).select_related("employer", "org", "station")
    if status:
        qs = qs.filter(status=status)
    if job_type:
        qs = qs.filter(job_type=job_type)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(employer__name__icontains=q))
    return qs.order_by("-updated_at", "-id")


def follow_ups_due(user, on: dt.date | None = None):
    on = on or timezone.localdate()
    return (
        FollowUp.objects.restrict(user, VIEW)
        .filter(done_at__isnull=True, due_on__lte=on)
        .select_related("placement__post__employer", "placement__membership__person")
        .order_by("due_on", "id")
    )


def member_applications(person_id: int):
    return (
        Application.objects.filter(person_id=person_id)
        .select_related("post__employer", "post__org")
        .prefetch_related("events")
        .order_by("-applied_at", "-id")
    )


def member_skills(membership) -> list[dict]:
    """The member's skills through the members.extensions registry (learning provides them)."""
    return extensions.skills_for(membership)


# --- the talent pool -------------------------------------------------------------------------------


def talent_search(
    user,
    *,
    skill: str = "",
    level: str = "",
    division: str = "",
    worker_type: str = "",
    availability: str = "",
    job_type: str = "",
):
    """Opted-in members of the user's subtree (their own union's staff and above; employers never)."""
    from gonghui.learning.models import Skill
    from gonghui.learning.states import SkillStatus

    qs = TalentPoolEntry.objects.restrict(user, "jobs.manage").filter(active=True)
    if skill:
        skills = Skill.objects.filter(person_id=OuterRef("person_id"), name=skill, status=SkillStatus.VERIFIED)
        if level in SKILL_LEVELS:
            skills = skills.filter(level__in=SKILL_LEVELS[level_rank(level) :])
        qs = qs.filter(Exists(skills))
    if division:
        qs = qs.filter(division_code__startswith=division.rstrip("0") or division)
    if worker_type:
        qs = qs.filter(worker_type=worker_type)
    if availability:
        qs = qs.filter(availability=availability)
    if job_type:
        qs = qs.filter(job_types__contains=f",{job_type},")
    return qs.select_related("membership__person", "membership__org").order_by("-consent_at", "-id")


# --- statistics ------------------------------------------------------------------------------------


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def stats_for(org) -> dict:
    """Jobs in an org's subtree: posts, openings, applications, placements, trainee posts, follow-up
    retention (still working at the done follow-ups) and the average monthly wage of placements."""
    posts = JobPost.objects.filter(in_subtree("org_path", org.path)).exclude(status=PostStatus.DRAFT)
    p = posts.aggregate(
        posts=Count("id"),
        openings=Sum("openings"),
        trainee=Count("id", filter=Q(job_type=JobType.TRAINEE)),
        published=Count("id", filter=Q(status=PostStatus.PUBLISHED)),
    )
    applications = Application.objects.filter(in_subtree("org_path", org.path)).aggregate(
        n=Count("id"), hired=Count("id", filter=Q(status=ApplicationStatus.HIRED))
    )
    placements = Placement.objects.filter(in_subtree("org_path", org.path)).aggregate(
        n=Count("id"), wage=Avg("wage_monthly")
    )
    follow = FollowUp.objects.filter(in_subtree("org_path", org.path), done_at__isnull=False).aggregate(
        done=Count("id"), working=Count("id", filter=Q(still_working=True))
    )
    wage = placements["wage"]
    return {
        "posts": p["posts"] or 0,
        "published": p["published"] or 0,
        "openings": p["openings"] or 0,
        "trainee_posts": p["trainee"] or 0,
        "applications": applications["n"] or 0,
        "placements": placements["n"] or 0,
        "follow_ups_done": follow["done"] or 0,
        "retention_percent": _pct(follow["working"] or 0, follow["done"] or 0),
        "average_wage": Decimal(wage).quantize(Decimal("0.01")) if wage is not None else None,
    }


def stats_by_child(org) -> list[tuple]:
    """(child org, stats) for each direct child, in code order (one set of aggregates per child)."""
    return [(child, stats_for(child)) for child in org.children.order_by("code")[:60]]


def fair_counts(fair: JobFair) -> list[dict]:
    """Applications taken at the fair, per participating employer."""
    counts = dict(Application.objects.filter(fair=fair).values_list("employer_id").annotate(n=Count("id")).order_by())
    return [{"employer": e, "applications": counts.get(e.pk, 0)} for e in fair.employers.order_by("name")]
