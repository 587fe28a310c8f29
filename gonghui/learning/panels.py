"""Sections learning adds to the member's console page and portal profile (members.extensions)."""

from django.template.loader import render_to_string

from gonghui.core.scoping import user_can
from gonghui.learning import queries
from gonghui.learning.models import Certificate, Enrolment


def console_panel(request, membership) -> str:
    """The skills record, certificates and courses on the console member page (learning.view holders)."""
    if not user_can(request.user, "learning.view", membership.org_path):
        return ""
    context = {
        "skills": queries.skills_of(membership, include_pending=True),
        "certificates": Certificate.objects.filter(person_id=membership.person_id)
        .select_related("org")
        .order_by("-issued_on")[:20],
        "enrolments": Enrolment.objects.filter(person_id=membership.person_id)
        .select_related("offering")
        .order_by("-enrolled_at")[:20],
    }
    return render_to_string("learning/_member_panel.html", context, request=request)


def portal_panel(request, membership) -> str:
    """My skills on the portal profile."""
    return render_to_string(
        "learning/portal/_profile_panel.html",
        {"skills": queries.skills_of(membership, include_pending=True)},
        request=request,
    )
