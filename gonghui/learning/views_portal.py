"""Member portal pages of learning (/m/learning/, namespace "learning_portal"): the courses a member
may see (with why not, when they may not enrol), a course page (enrol, cancel, claim a freed seat),
my courses, certificates and skills (declare one), and session check-in by scanning its QR.
No personal data in URLs: course ids, certificate serials and session tokens only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_fields, error_message
from gonghui.learning import actions, actions_records, queries
from gonghui.learning.forms import DeclareSkillForm
from gonghui.learning.models import Category, Certificate, Enrolment, Session
from gonghui.learning.states import LIVE_ENROLMENT
from gonghui.learning.views import certificate_context
from gonghui.members.eligibility import describe
from gonghui.members.portal import auth
from gonghui.members.schemas import mask_name


def _membership(request):
    membership = actions.current_membership(request.member.person.pk)
    if membership is None:
        messages.info(request, _("您还不是工会会员，入会后即可报名课程和活动"))
    return membership


def _actor(request, membership) -> Actor:
    return Actor.member(membership.person_id, mask_name(membership.person.name))


@auth.member_required(person=True)
def course_list(request):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    category = request.GET.get("category") if request.GET.get("category") in Category.values else ""
    q = (request.GET.get("q") or "").strip()[:40]
    page = Paginator(queries.offerings_visible_to(membership, category=category, q=q), 20).get_page(
        request.GET.get("page")
    )
    mine = {
        e.offering_id: e
        for e in Enrolment.objects.filter(
            person_id=membership.person_id, offering_id__in=[o.pk for o in page.object_list]
        ).order_by("id")
    }
    rows = [(o, v, mine.get(o.pk)) for o, v in queries.with_verdicts(page.object_list, membership)]
    context = {"rows": rows, "page_obj": page, "categories": Category.choices, "category": category, "q": q}
    context.update(member=request.member, querystring=urlencode({"category": category, "q": q}))
    return render(request, "learning/portal/list.html", context)


def _visible(membership, pk):
    offering = queries.offerings_visible_to(membership).filter(pk=pk).first()
    if offering is None:
        raise Http404
    return offering


@auth.member_required(person=True)
def course_page(request, pk):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    offering = _visible(membership, pk)
    verdict = queries.with_verdicts([offering], membership)[0][1]
    enrolment = queries.live_enrolment(offering, membership.person_id)
    context = {
        "offering": offering,
        "verdict": verdict,
        "enrolment": enrolment,
        "ahead": queries.queue_position(enrolment) if enrolment and enrolment.status == "waitlisted" else None,
        "sessions": offering.sessions.all(),
        "rule_text": describe(offering.rule),
        "now": timezone.now(),
        "member": request.member,
    }
    return render(request, "learning/portal/course.html", context)


@require_POST
@auth.member_required(person=True)
def course_action(request, pk, what):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    offering = _visible(membership, pk)
    actor = _actor(request, membership)
    enrolment = queries.live_enrolment(offering, membership.person_id)
    try:
        if what == "enrol":
            result = actions.do_enrol(acting_user=actor, offering=offering, membership=membership)
            messages.success(request, result.message)
        elif what == "cancel" and enrolment and enrolment.status in LIVE_ENROLMENT:
            actions.do_cancel_enrolment(acting_user=actor, enrolment=enrolment)
            messages.success(request, _("已取消报名"))
        elif what == "claim" and enrolment:
            actions.do_claim_seat(acting_user=actor, enrolment=enrolment)
            messages.success(request, _("已确认，报名成功"))
        elif what == "watch":
            session = Session.objects.filter(offering=offering, pk=request.POST.get("session") or 0).first()
            if session is None or not (offering.live_url or offering.replay_url):
                raise Http404
            actions_records.do_record_view(acting_user=actor, session=session)
            return redirect(offering.live_url or offering.replay_url)
        else:
            messages.error(request, _("没有可执行的操作"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("learning_portal:course", offering.pk)


@auth.member_required(person=True)
def mine(request):
    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    form = DeclareSkillForm()
    if request.method == "POST":
        form = DeclareSkillForm(request.POST)
        if form.is_valid():
            try:
                actions_records.do_declare_skill(
                    acting_user=_actor(request, membership), membership=membership, **form.cleaned_data
                )
                messages.success(request, _("已提交，所在工会核实后记入技能档案"))
                return redirect("learning_portal:mine")
            except ValidationError as error:
                for field, problems in error_fields(error).items():
                    form.add_error(field if field in form.fields else None, problems)
    enrolments = list(queries.my_enrolments(membership.person_id)[:100])
    context = {
        "current": [e for e in enrolments if e.status in LIVE_ENROLMENT],
        "past": [e for e in enrolments if e.status not in LIVE_ENROLMENT],
        "certificates": Certificate.objects.filter(person_id=membership.person_id)
        .select_related("org")
        .order_by("-issued_on", "-pk"),
        "skills": queries.skills_of(membership, include_pending=True),
        "form": form,
        "member": request.member,
    }
    return render(request, "learning/portal/mine.html", context)


@auth.member_required(person=True)
def my_certificate(request, serial):
    certificate = queries.public_certificate(serial)
    if certificate is None or certificate.person_id != request.member.person.pk:
        raise Http404
    return render(request, "learning/certificate_print.html", certificate_context(request, certificate))


@auth.member_required(person=True)
def check_in(request, token):
    """The member scanned the session's QR: a page with one button (a GET must not write)."""
    session = Session.objects.select_related("offering__org").filter(qr_token=token).first()
    if session is None:
        raise Http404
    result = None
    if request.method == "POST":
        membership = _membership(request)
        if membership is None:
            return redirect("portal:home")
        try:
            result = actions_records.do_check_in_qr(acting_user=_actor(request, membership), session=session)
        except ValidationError as error:
            messages.error(request, error_message(error))
    context = {"session": session, "result": result, "member": request.member}
    return render(request, "learning/portal/checkin.html", context)


def public_certificate(request, serial):
    """/c/<serial>/: anyone with the QR checks a certificate without logging in."""
    certificate = queries.public_certificate(serial)
    answer = queries.certificate_answer(certificate)
    context = {"answer": answer}
    if certificate is not None:
        context.update(certificate_context(request, certificate))
    return render(request, "learning/verify.html", context, status=200 if certificate else 404)


@auth.member_required(person=True)
def surveys(request):
    """Open needs surveys of the member's unions: vote for the courses they want (POST: one vote)."""
    from gonghui.learning.actions_workflows import do_vote
    from gonghui.learning.models import Proposal, Survey, Vote

    membership = _membership(request)
    if membership is None:
        return redirect("portal:home")
    if request.method == "POST":
        proposal = (
            Proposal.objects.select_related("survey__org")
            .filter(
                pk=request.POST.get("proposal") or 0, survey__org_path__in=queries.ancestor_paths(membership.org_path)
            )
            .first()
        )
        if proposal is None:
            raise Http404
        try:
            do_vote(acting_user=_actor(request, membership), proposal=proposal, membership=membership)
            messages.success(request, _("已投票：%(t)s") % {"t": proposal.title})
        except ValidationError as error:
            messages.error(request, error_message(error))
        return redirect("learning_portal:surveys")
    open_surveys = (
        Survey.objects.filter(
            org_path__in=queries.ancestor_paths(membership.org_path), status="open", closes_at__gt=timezone.now()
        )
        .select_related("org")
        .prefetch_related("proposals")
        .order_by("closes_at")
    )
    voted = set(Vote.objects.filter(person_id=membership.person_id).values_list("proposal_id", flat=True))
    context = {"surveys": open_surveys, "voted": voted, "member": request.member}
    return render(request, "learning/portal/surveys.html", context)
