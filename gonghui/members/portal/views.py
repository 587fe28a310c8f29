"""The member portal (/m/): mobile-first pages for members and people who want to join.

Login is by mobile number and an SMS code (`accounts.member_login`); the session then
carries the verified number and the person it belongs to (`portal.auth`). No page takes
the id of a person, application, membership or card: each starts from the session's
person, so nobody can reach somebody else's records by editing a URL. The mobile number
never appears in a URL either (the login form posts it, the session keeps it).

Writes go through the members actions with `acting_user=None` (a member-originated
request); the audit entries they leave name no staff user.

One page here is for staff: the join QR code of an org (`portal:org_join_qr`), scoped
like every console page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.accounts import member_login
from gonghui.core.errors import error_fields
from gonghui.core.scoping import access_object
from gonghui.members import cards
from gonghui.members.actions import (
    MEMBER_ORG_KINDS,
    do_apply_join,
    do_cancel_transfer,
    do_request_transfer,
    do_withdraw_join,
)
from gonghui.members.dues import monthly_dues
from gonghui.members.extensions import panels_for
from gonghui.members.models import JoinApplication
from gonghui.members.portal import auth
from gonghui.members.portal.forms import (
    CodeForm,
    DuesCalculatorForm,
    JoinForm,
    PhoneForm,
    TransferForm,
    find_receiving_org,
    gig_defaults_for,
)
from gonghui.members.portal.qr import qr_svg
from gonghui.members.portal.status import (
    card_is_usable,
    member_status,
    own_applications,
    own_card,
    own_membership,
    own_transfers,
)
from gonghui.members.portal.tiles import portal_tiles
from gonghui.members.states import CURRENT, JoinStatus, MembershipStatus
from gonghui.orgs.models import Org
from gonghui.people.actions import find_person
from gonghui.people.identity import mask_mobile


def _client_ip(request) -> str:
    # The address the server sees. Behind a proxy, the proxy must pass the client's address
    # as REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips) or the limit counts the proxy.
    return request.META.get("REMOTE_ADDR", "")


def _add_errors(form, error: ValidationError) -> None:
    for field, problems in error_fields(error).items():
        form.add_error(field if field in form.fields else None, problems)


def _never_cache(response):
    from django.utils.cache import add_never_cache_headers

    add_never_cache_headers(response)
    return response


# --- login ---------------------------------------------------------------------------------


def login_view(request):
    """Step 1: the mobile number. The code is sent by SMS; the number waits in the session."""
    if request.method == "GET" and "next" in request.GET:
        request.session[auth.SESSION_NEXT] = auth.safe_next(request, request.GET.get("next"))
    if auth.current_member(request) is not None and request.method == "GET":
        return redirect(request.session.pop(auth.SESSION_NEXT, "") or "portal:home")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mobile = member_login.normalise(form.cleaned_data["mobile"])
            member_login.request_code(mobile, client_ip=_client_ip(request))
        except member_login.CodeRateLimited as error:
            if error.error_dict["mobile"][0].code == "resend_too_soon":
                # The code sent a moment ago is still good: go on to enter it.
                request.session[auth.SESSION_PENDING_MOBILE] = mobile
                messages.info(request, error.error_dict["mobile"][0].messages[0])
                return redirect("portal:login_code")
            _add_errors(form, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            request.session[auth.SESSION_PENDING_MOBILE] = mobile
            messages.success(request, _("验证码已发送至 %(m)s") % {"m": mask_mobile(mobile)})
            return redirect("portal:login_code")
    return _never_cache(render(request, "members/portal/login.html", {"form": form}))


def _login_org(person):
    membership = own_membership(person)
    return membership.org if membership is not None else None


def login_code_view(request):
    """Step 2: the SMS code. Success starts a member session (a new session key)."""
    mobile = request.session.get(auth.SESSION_PENDING_MOBILE)
    if not mobile:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = auth.person_for_mobile(mobile)
        try:
            member_login.verify_code(mobile, form.cleaned_data["code"], person=person, org=_login_org(person))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            next_url = request.session.pop(auth.SESSION_NEXT, "")
            auth.log_in_member(request, mobile, person)
            return redirect(next_url or "portal:home")
    context = {"form": form, "masked_mobile": mask_mobile(mobile)}
    return _never_cache(render(request, "members/portal/login_code.html", context))


@require_POST
def resend_code_view(request):
    mobile = request.session.get(auth.SESSION_PENDING_MOBILE)
    if not mobile:
        return redirect("portal:login")
    try:
        member_login.request_code(mobile, client_ip=_client_ip(request))
    except ValidationError as error:
        for problems in error_fields(error).values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("新的验证码已发送至 %(m)s") % {"m": mask_mobile(mobile)})
    return redirect("portal:login_code")


@require_POST
def logout_view(request):
    auth.log_out_member(request)
    messages.info(request, _("您已退出登录"))
    return redirect("portal:login")


# --- home, profile, status ---------------------------------------------------------------------


@auth.member_required
def home_view(request):
    person = request.member.person
    status = member_status(person)
    card = own_card(status.membership) if status.is_member else None
    request.portal_status = status
    context = {
        "member": request.member,
        "person": person,
        "status": status,
        "card": card,
        "tiles": portal_tiles(request),
    }
    return render(request, "members/portal/home.html", context)


@auth.member_required(person=True)
def profile_view(request):
    person = request.member.person
    membership = own_membership(person)
    context = {"member": request.member, "person": person, "membership": membership}
    context["extension_panels"] = panels_for(request, membership, "portal")
    return render(request, "members/portal/profile.html", context)


@auth.member_required(person=True)
def applications_view(request):
    person = request.member.person
    membership = own_membership(person)
    context = {
        "member": request.member,
        "applications": own_applications(person),
        "transfers": own_transfers(membership),
        "membership": membership,
    }
    return render(request, "members/portal/applications.html", context)


@require_POST
@auth.member_required(person=True)
def withdraw_application_view(request):
    application = JoinApplication.objects.filter(person=request.member.person, status=JoinStatus.PENDING).first()
    if application is None:
        messages.info(request, _("没有待审核的入会申请"))
    else:
        try:
            do_withdraw_join(acting_user=None, application=application)
        except ValidationError as error:
            messages.error(request, "；".join(m for ms in error_fields(error).values() for m in ms))
        else:
            messages.success(request, _("入会申请已撤回"))
    return redirect("portal:applications")


# --- join --------------------------------------------------------------------------------------


def apply_from_portal(*, mobile: str, form: JoinForm, org: Org | None, channel: str) -> JoinApplication:
    """File the application of the form for the holder of the verified `mobile`.

    A document number already registered to a person with another mobile number is refused:
    knowing somebody's name and ID number must not let anyone file (or turn into a transfer)
    an application in their name.
    """
    person_data = form.person_data(mobile)
    try:
        existing = find_person(person_data["doc_type"], person_data["doc_number"])
    except ValidationError:
        existing = None  # do_apply_join reports what is wrong with the number
    if existing is not None and existing.mobile != mobile:
        raise ValidationError(
            {"doc_number": _("该证件号码已登记了其他手机号。请使用登记的手机号登录后申请，或联系所在工会更新手机号。")}
        )
    return do_apply_join(acting_user=None, person_data=person_data, work=form.work_data(), channel=channel, org=org)


def _join(request, org: Org | None):
    member = auth.current_member(request)
    if member is None:
        if org is not None:  # a QR link: say which union before asking to log in
            context = {"org": org, "login_url": auth.login_url_for(request)}
            return _never_cache(render(request, "members/portal/join_landing.html", context))
        return redirect(auth.login_url_for(request))
    request.member = member
    status = member_status(member.person)
    if status.pending_application is not None:
        messages.info(request, _("您已有一份待审核的入会申请"))
        return redirect("portal:applications")
    if status.membership is not None and status.membership.org_id == getattr(org, "pk", None) and status.is_member:
        messages.info(request, _("您已经是%(org)s的会员") % {"org": org.name})
        return redirect("portal:home")
    form = JoinForm(
        request.POST or None,
        division_required=org is None,
        initial={"mobile": member.masked_mobile, "name": getattr(member.person, "name", ""), **gig_defaults_for(org)},
    )
    if request.method == "POST" and form.is_valid():
        channel = JoinApplication.Channel.QR if org is not None else JoinApplication.Channel.WEB
        try:
            application = apply_from_portal(mobile=member.mobile, form=form, org=org, channel=channel)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            auth.bind_person(request, application.person)
            if application.status == JoinStatus.TRANSFERRED:
                messages.success(
                    request, _("您已有会籍，申请已转为转会申请，请等待%(org)s接收") % {"org": application.org.name}
                )
            else:
                messages.success(request, _("入会申请已提交，%(org)s将尽快审核") % {"org": application.org.name})
            return redirect("portal:applications")
    context = {"member": member, "form": form, "org": org, "status": status}
    return _never_cache(render(request, "members/portal/join.html", context))


def join_view(request):
    """The generic join page: gig workers are routed by platform and city/district."""
    return _join(request, None)


def join_org_view(request, code: str):
    """The QR link of one union (/m/join/<org code>/): the application goes to that union."""
    org = find_receiving_org(code)
    if org is None:
        raise Http404("no such receiving org")
    return _join(request, org)


# --- transfer ----------------------------------------------------------------------------------


@auth.member_required(person=True)
def transfer_view(request):
    membership = own_membership(request.member.person)
    if membership is None or membership.status not in CURRENT:
        messages.info(request, _("您目前没有有效会籍，不能申请转会"))
        return redirect("portal:home")
    status = member_status(request.member.person)
    form = None
    if membership.status == MembershipStatus.ACTIVE:
        form = TransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                do_request_transfer(
                    acting_user=None,
                    membership=membership,
                    to_org=d["to_org"],
                    new_employer=d.get("new_employer") or "",
                    reason=d.get("reason") or "",
                    residence_division=d.get("residence_division") if d["target"] == TransferForm.NO_UNION else "",
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("转会申请已提交，请等待新工会接收"))
                return redirect("portal:applications")
    context = {"member": request.member, "membership": membership, "form": form, "status": status}
    return render(request, "members/portal/transfer.html", context)


@require_POST
@auth.member_required(person=True)
def cancel_transfer_view(request):
    status = member_status(request.member.person)
    transfer = status.pending_transfer
    if transfer is None:
        messages.info(request, _("没有待处理的转会申请"))
    else:
        try:
            do_cancel_transfer(acting_user=None, transfer=transfer, reason=_("会员本人撤回"))
        except ValidationError as error:
            messages.error(request, "；".join(m for ms in error_fields(error).values() for m in ms))
        else:
            messages.success(request, _("转会申请已撤回"))
    return redirect("portal:applications")


# --- e-card ------------------------------------------------------------------------------------


def _card_context(request):
    person = request.member.person
    membership = own_membership(person)
    card = own_card(membership)
    context = {
        "member": request.member,
        "person": person,
        "membership": membership,
        "is_current": membership is not None and membership.status in CURRENT,
        "card": card,
        "svg": None,
    }
    if card_is_usable(card):
        card.membership = membership
        context["payload"] = payload = cards.payload_for(card)
        context["svg"] = qr_svg(payload, title=_("电子会员卡二维码"))
    return context


@auth.member_required(person=True)
def card_view(request):
    return render(request, "members/portal/card.html", _card_context(request))


@auth.member_required(person=True)
def card_print_view(request):
    return render(request, "members/portal/card_print.html", _card_context(request))


# --- staff: an org's join QR code ------------------------------------------------------------


class OrgJoinQrView(LoginRequiredMixin, TemplateView):
    """For staff: the org's join link and its QR code (SVG) to print on a poster."""

    template_name = "members/portal/org_join_qr.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = access_object(Org.objects.all(), self.request.user, "view", code=kwargs["code"].strip().upper())
        can_receive = org.is_active and org.kind in MEMBER_ORG_KINDS
        url = self.request.build_absolute_uri(reverse("portal:join_org", args=[org.code]))
        context.update(
            org=org,
            can_receive=can_receive,
            join_url=url,
            svg=qr_svg(url, title=_("扫码申请加入%(org)s") % {"org": org.name}) if can_receive else None,
        )
        return context


def dues_view(request):
    """The dues calculator (会费计算): public, since the rule is (DOMAIN.md §2); a logged-in member
    in a retained membership is told they pay none."""
    form = DuesCalculatorForm(request.GET or None)
    member = auth.current_member(request)
    membership = own_membership(member.person) if member and member.person else None
    retained = membership is not None and membership.status == MembershipStatus.RETAINED
    result = None
    if form.is_valid():
        wage = form.cleaned_data["base_wage"]
        result = {"wage": wage, "counted": (wage // 10) * 10, "monthly": monthly_dues(wage, retired=retained)}
    context = {"form": form, "result": result, "retained": retained, "member": member}
    return render(request, "members/portal/dues.html", context)
