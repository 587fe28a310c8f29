"""Pages without a staff login: the public campaign and fund pages (no login at all), the public wish
wall, and the member portal (/m/charity/: post a wish, follow it, confirm receipt; claim, fulfil;
volunteer). Public pages show no personal data: donors by their display name only, grant
beneficiaries by a label, wishes by an age band and a job."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.charity import actions_wishes as aw
from gonghui.charity import queries
from gonghui.charity.forms import FulfilForm, WishForm
from gonghui.charity.models import Campaign, Fund
from gonghui.charity.models_wishes import Volunteer, VolunteerActivity, Wish, WishRound
from gonghui.charity.states import CampaignStatus
from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_message
from gonghui.core.tree import PATH_SEP
from gonghui.members.models import Membership
from gonghui.members.portal import auth as portal_auth
from gonghui.members.states import CURRENT

PUBLIC_CAMPAIGNS = [CampaignStatus.OPEN, CampaignStatus.CLOSED]


# --- public (no login) ------------------------------------------------------------------------------------


def public_campaign(request, pk):
    """Progress of a campaign from its rolled-up counters: one query, however many donations."""
    campaign = get_object_or_404(Campaign.objects.select_related("fund"), pk=pk, status__in=PUBLIC_CAMPAIGNS)
    recent = list(campaign.donations.order_by("-donated_at", "-pk").only("donor_name", "amount", "donated_at")[:10])
    return render(
        request,
        "charity/public_campaign.html",
        {"c": queries.campaign_figures(campaign), "campaign": campaign, "recent": recent},
    )


def public_fund(request, code):
    fund = get_object_or_404(Fund, code=code, active=True)
    return render(
        request,
        "charity/public_fund.html",
        {
            "fund": fund,
            "f": queries.fund_figures(fund),
            "months": queries.monthly_summary(fund),
            "grants": queries.public_grants(fund),
            "campaigns": list(fund.campaigns.filter(status__in=PUBLIC_CAMPAIGNS).order_by("-starts_on")[:20]),
        },
    )


def wish_wall(request):
    """Published wishes, anonymised; a logged-in member or staff user can claim one."""
    member = portal_auth.current_member(request)
    wishes = list(queries.wish_wall().order_by("-created_at", "-pk")[:60])
    return render(
        request,
        "charity/wall.html",
        {"wishes": wishes, "member": member, "staff": request.user if request.user.is_authenticated else None},
    )


# --- member portal ------------------------------------------------------------------------------------------


def _membership(request) -> Membership | None:
    person = request.member.person
    return Membership.objects.filter(person=person, status__in=CURRENT).select_related("org", "person").first()


def _actor(request) -> Actor:
    person = request.member.person
    return Actor.member(person.pk, (person.name[:1] + "**") if person.name else "")


@portal_auth.member_required(person=True)
def portal_home(request):
    membership = _membership(request)
    person = request.member.person
    context = {"membership": membership, "form": WishForm()}
    if membership is not None:
        today = timezone.localdate()
        context.update(
            rounds=list(WishRound.objects.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on")[:20]),
            wishes=list(
                Wish.objects.filter(membership__person=person).select_related("round").order_by("-created_at")[:20]
            ),
        )
        posted = {w.round_id for w in context["wishes"] if w.status not in ("rejected", "withdrawn")}
        context["rounds"] = [
            r for r in context["rounds"] if membership.org_path.startswith(r.org_path) and r.pk not in posted
        ]
    context.update(
        claims=list(Wish.objects.filter(claimant_person_id=person.pk).order_by("-claimed_at")[:20]),
        volunteer=Volunteer.objects.filter(person_id_ref=person.pk).first(),
        fulfil_form=FulfilForm(),
    )
    if context["volunteer"] is not None:
        v = context["volunteer"]
        context["activities"] = list(
            VolunteerActivity.objects.filter(org_path__in=_ancestor_paths(v.org_path), on__gte=timezone.localdate())
            .exclude(signups__volunteer=v)
            .order_by("on")[:10]
        )
        context["statement"] = queries.hours_statement(v)
    return render(request, "charity/portal.html", context)


@portal_auth.member_required(person=True)
@require_POST
def portal_post_wish(request):
    membership = _membership(request)
    wish_round = WishRound.objects.filter(pk=request.POST.get("round") or 0).first()
    if membership is None or wish_round is None:
        raise Http404
    form = WishForm(request.POST)
    if form.is_valid():
        try:
            aw.do_post_wish(
                acting_user=_actor(request), wish_round=wish_round, membership=membership, **form.cleaned_data
            )
            messages.success(request, _("心愿已提交，工会审核后将匿名展示在心愿墙上"))
        except ValidationError as error:
            messages.error(request, error_message(error))
    else:
        messages.error(request, _("请完整填写心愿、故事和金额"))
    return redirect("charity_portal:home")


def _own_wish(request, pk) -> Wish:
    wish = Wish.objects.select_related("org", "membership").filter(pk=pk).first()
    if wish is None:
        raise Http404
    return wish


@portal_auth.member_required(person=True)
@require_POST
def portal_wish_step(request, pk, what):
    """confirm / withdraw (the wish's member), claim / release / fulfil (a claimant)."""
    wish = _own_wish(request, pk)
    actor = _actor(request)
    try:
        if what == "confirm":
            aw.do_confirm_wish(acting_user=actor, wish=wish)
            messages.success(request, _("已确认收到，感谢您的反馈"))
        elif what == "withdraw":
            aw.do_withdraw_wish(acting_user=actor, wish=wish)
            messages.success(request, _("心愿已撤回"))
        elif what == "claim":
            kind = request.POST.get("as") if request.POST.get("as") in ("member", "volunteer") else "member"
            aw.do_claim_wish(acting_user=actor, wish=wish, claimant_kind=kind)
            messages.success(request, _("认领成功，请在期限内完成并上传送达照片"))
        elif what == "release":
            aw.do_release_wish(acting_user=actor, wish=wish)
            messages.success(request, _("已放弃认领"))
        elif what == "fulfil":
            form = FulfilForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError({"proof": _("请上传送达照片")})
            aw.do_fulfil_wish(acting_user=actor, wish=wish, **form.cleaned_data)
            messages.success(request, _("已登记送达，等待受助职工确认"))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, error_message(error))
    except PermissionDenied as error:  # not this member's wish or claim: say so, not a 403 page
        messages.error(request, str(error))
    return redirect("charity_portal:home")


@portal_auth.member_required(person=True)
@require_POST
def portal_volunteer(request):
    """Register as a volunteer (a member), or sign up for an activity."""
    membership = _membership(request)
    if membership is None:
        raise Http404
    actor = _actor(request)
    try:
        if request.POST.get("activity"):
            volunteer = Volunteer.objects.filter(person_id_ref=membership.person_id).first()
            activity = VolunteerActivity.objects.filter(pk=request.POST["activity"]).first()
            if volunteer is None or activity is None:
                raise Http404
            aw.do_sign_up(acting_user=actor, activity=activity, volunteer=volunteer)
            messages.success(request, _("报名成功"))
        else:
            from gonghui.charity.forms import split_skills

            aw.do_register_volunteer(
                acting_user=actor,
                org=None,
                membership=membership,
                skills=split_skills(request.POST.get("skills", "")),
                availability=request.POST.get("availability", ""),
            )
            messages.success(request, _("已登记为志愿者"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("charity_portal:home")


def _ancestor_paths(path: str) -> list[str]:
    """The org's own path and its ancestors' (an activity of the district is open to a grassroots volunteer)."""
    parts = [p for p in path.split(PATH_SEP) if p]
    return [PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]
