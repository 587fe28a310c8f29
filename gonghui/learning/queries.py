"""Read helpers of learning: scoped access to one object, the member's course list (eligibility
evaluated), the member's skills record (the contract jobs and push match on), and statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from gonghui.core.scoping import access_object
from gonghui.core.tree import PATH_SEP
from gonghui.learning.actions import verdict_for
from gonghui.learning.models import Attendance, Certificate, Enrolment, Offering, Session, Skill
from gonghui.learning.states import LIVE_ENROLMENT, CertificateStatus, OfferingStatus, SkillStatus
from gonghui.members import eligibility

VIEW = "learning.view"
MEMBER_VISIBLE = (OfferingStatus.OPEN, OfferingStatus.RUNNING, OfferingStatus.COMPLETED)


def access_offering(user, pk, action: str = VIEW) -> Offering:
    return access_object(Offering.objects.select_related("org"), user, action, pk=_int(pk))


def access_session(user, pk, action: str = VIEW) -> Session:
    return access_object(Session.objects.select_related("offering__org"), user, action, pk=_int(pk))


def access_certificate(user, pk, action: str = VIEW) -> Certificate:
    return access_object(Certificate.objects.select_related("org", "offering"), user, action, pk=_int(pk))


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def ancestor_paths(path: str) -> list[str]:
    """'a.b.c.' → ['a.', 'a.b.', 'a.b.c.']: the orgs whose subtree holds this one."""
    parts = [p for p in path.split(PATH_SEP) if p]
    return [PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]


def offerings_visible_to(membership, *, category: str = "", q: str = "", statuses=MEMBER_VISIBLE):
    """Offerings a member may see: owned by an org above (or at) theirs, or opened by rule beyond the
    owning subtree. One index range on (status, org_path); eligibility is evaluated per page."""
    where = Q(org_path__in=ancestor_paths(membership.org_path)) | Q(beyond_subtree=True)
    qs = Offering.objects.filter(where, status__in=list(statuses)).select_related("org")
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(teacher__icontains=q))
    return qs.order_by("enrol_closes_at", "id")


def with_verdicts(offerings, membership):
    """[(offering, verdict)] for a page of offerings, org names resolved once for the batch."""
    orgs = eligibility.OrgResolver()
    if membership is not None and not hasattr(membership, "has_card"):
        from gonghui.learning.actions import current_membership

        membership = current_membership(membership.person_id) or membership
    return [(o, verdict_for(o, membership, orgs=orgs)) for o in offerings]


def my_enrolments(person_id: int):
    return Enrolment.objects.filter(person_id=person_id).select_related("offering__org").order_by("-enrolled_at", "-id")


def live_enrolment(offering: Offering, person_id: int) -> Enrolment | None:
    return (
        Enrolment.objects.filter(offering=offering, person_id=person_id)
        .filter(Q(status__in=LIVE_ENROLMENT) | Q(status="barred"))
        .order_by("-id")
        .first()
    )


def queue_position(enrolment: Enrolment) -> int:
    return Enrolment.objects.filter(
        offering_id=enrolment.offering_id, status="waitlisted", arrival__lt=enrolment.arrival
    ).count()


# --- the skills record ---------------------------------------------------------------------------


def skills_of(membership, *, include_pending: bool = False) -> list[dict]:
    """The member's skills: verified records, and the roster's 技能等级 as a skill of its own."""
    statuses = [SkillStatus.VERIFIED, SkillStatus.PENDING] if include_pending else [SkillStatus.VERIFIED]
    rows = (
        Skill.objects.filter(person_id=membership.person_id, status__in=statuses)
        .select_related("certificate")
        .order_by("-acquired_on", "-id")
    )
    skills = [
        {
            "id": s.pk,
            "name": s.name,
            "level": s.level,
            "source": s.source,
            "source_label": str(Skill.Source(s.source).label),
            "acquired_on": s.acquired_on,
            "status": s.status,
            "status_label": str(SkillStatus(s.status).label),
            "verified": s.status == SkillStatus.VERIFIED,
            "evidence_url": s.evidence_url,
            "certificate_serial": s.certificate.serial if s.certificate_id else None,
        }
        for s in rows
    ]
    if membership.skill_level:
        skills.append(
            {
                "id": None,
                "name": "职业技能等级",
                "level": membership.skill_level,
                "source": Skill.Source.ROSTER.value,
                "source_label": str(Skill.Source.ROSTER.label),
                "acquired_on": None,
                "status": SkillStatus.VERIFIED.value,
                "status_label": str(SkillStatus.VERIFIED.label),
                "verified": True,
                "evidence_url": "",
                "certificate_serial": None,
            }
        )
    return skills


def skills_for_api(membership) -> list[dict]:
    """members.extensions hook: the verified skills shown in GET /members/{member_no}."""
    return skills_of(membership)


# --- statistics ----------------------------------------------------------------------------------


def stats_for(org, *, year: int | None = None) -> dict:
    """Learning in an org's subtree: totals, by category and by month, and per child org."""
    from gonghui.core.tree import in_subtree

    year = year or timezone.localdate().year
    offerings = Offering.objects.filter(in_subtree("org_path", org.path)).exclude(status=OfferingStatus.DRAFT)
    sessions = Session.objects.filter(in_subtree("org_path", org.path), offering__status__in=MEMBER_VISIBLE)
    enrolments = Enrolment.objects.filter(in_subtree("org_path", org.path), status__in=["enrolled", "offered"])
    attendance = Attendance.objects.filter(in_subtree("session__org_path", org.path))
    certificates = Certificate.objects.filter(in_subtree("org_path", org.path), status=CertificateStatus.VALID)
    totals = {
        "offerings": offerings.count(),
        "sessions": sessions.count(),
        "enrolments": enrolments.count(),
        "attendances": attendance.count(),
        "class_hours": attendance.aggregate(h=Sum("hours"))["h"] or 0,
        "live_views": offerings.aggregate(v=Sum("live_views"))["v"] or 0,
        "certificates": certificates.count(),
    }
    past_seats = Session.objects.filter(
        in_subtree("org_path", org.path), ends_at__lt=timezone.now(), offering__status__in=MEMBER_VISIBLE
    ).aggregate(n=Count("offering__enrolments", filter=Q(offering__enrolments__status="enrolled")))["n"]
    totals["attendance_rate"] = round(100 * totals["attendances"] / past_seats, 1) if past_seats else None
    by_category = list(
        offerings.values("category").annotate(n=Count("id"), views=Sum("live_views")).order_by("-n", "category")
    )
    by_month = list(
        sessions.filter(starts_at__year=year)
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(n=Count("id"), hours=Sum("class_hours"))
        .order_by("month")
    )
    return {"totals": totals, "by_category": by_category, "by_month": by_month, "year": year}


def stats_by_child(org) -> list[tuple]:
    """[(child org, {offerings, enrolments, attendances, certificates})]: one grouped query per figure."""
    from gonghui.core.tree import in_subtree
    from gonghui.orgs.models import Org

    children = list(Org.objects.filter(parent=org).order_by("code")[:200])
    figures = {c.pk: dict.fromkeys(("offerings", "enrolments", "attendances", "certificates"), 0) for c in children}
    sources = {
        "offerings": Offering.objects.exclude(status=OfferingStatus.DRAFT).values("org_path"),
        "enrolments": Enrolment.objects.filter(status__in=["enrolled", "offered"]).values("org_path"),
        "attendances": Attendance.objects.values(path=F("session__org_path")),
        "certificates": Certificate.objects.filter(status=CertificateStatus.VALID).values("org_path"),
    }
    for key, rows in sources.items():
        field = "path" if key == "attendances" else "org_path"
        lookup = "session__org_path" if key == "attendances" else "org_path"
        for row in rows.filter(in_subtree(lookup, org.path)).annotate(n=Count("id")).order_by():
            for child in children:
                if row[field].startswith(child.path):
                    figures[child.pk][key] += row["n"]
                    break
    return [(c, figures[c.pk]) for c in children]


def public_certificate(serial: str) -> Certificate | None:
    if not _serial_ok(serial):
        return None
    return Certificate.objects.select_related("org", "offering").filter(serial=serial.upper()).first()


def _serial_ok(serial) -> bool:
    return isinstance(serial, str) and 4 <= len(serial) <= 20 and serial.isalnum()


def _certificate_row_query():
    from gonghui.members.api import PreparedQuery

    return PreparedQuery(
        lambda serial: Certificate.objects.filter(serial=serial).values_list(
            "serial",
            "kind",
            "holder_masked",
            "title",
            "org__name",
            "issued_on",
            "hours",
            "award",
            "status",
            "revoke_reason",
        )[:1]
    )


_CERTIFICATE_ROW = None


def certificate_check(serial: str) -> dict:
    """The public answer for a serial, from one prepared, indexed query (the API's hot path)."""
    global _CERTIFICATE_ROW  # noqa: PLW0603 (built once, after apps are ready)
    if not _serial_ok(serial):
        return certificate_answer(None)
    if _CERTIFICATE_ROW is None:
        _CERTIFICATE_ROW = _certificate_row_query()
    row = _CERTIFICATE_ROW.first(serial.upper())
    if row is None:
        return certificate_answer(None)
    serial, kind, holder, title, org_name, issued_on, hours, award, status, reason = row
    if not isinstance(issued_on, dt.date):  # SQLite answers text
        issued_on = dt.date.fromisoformat(str(issued_on))
    valid = status == CertificateStatus.VALID
    return {
        "found": True,
        "valid": valid,
        "serial": serial,
        "kind": str(Certificate.Kind(kind).label),
        "holder": holder,
        "title": title,
        "org_name": org_name,
        "issued_on": issued_on,
        "hours": Decimal(str(hours)),
        "award": award,
        "status": str(CertificateStatus(status).label),
        "revoked_reason": "" if valid else reason,
        "message": "证书有效" if valid else "证书已撤销",
    }


def certificate_answer(certificate: Certificate | None) -> dict:
    """What anyone may learn from a certificate's QR: masked name, course, issuing org, date, hours, status."""
    if certificate is None:
        return {"found": False, "valid": False, "message": "未找到该证书编号，可能是伪造的证书"}
    valid = certificate.status == CertificateStatus.VALID
    return {
        "found": True,
        "valid": valid,
        "serial": certificate.serial,
        "kind": str(Certificate.Kind(certificate.kind).label),
        "holder": certificate.holder_masked,
        "title": certificate.title,
        "org_name": certificate.org.name,
        "issued_on": certificate.issued_on,
        "hours": certificate.hours,
        "award": certificate.award,
        "status": str(CertificateStatus(certificate.status).label),
        "revoked_reason": "" if valid else certificate.revoke_reason,
        "message": "证书有效" if valid else "证书已撤销",
    }
