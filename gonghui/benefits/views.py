"""Benefit pages: staff (partners, campaigns), the partner's counter (mobile), the member portal.

Thin: reads through `restrict()` / `access_object()` (404 outside the scope) or the counter's own
partner; writes through `benefits.actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.benefits import actions, queries, vouchers
from gonghui.benefits.forms import (
    CampaignEditForm,
    CampaignForm,
    HandleFeedbackForm,
    MedicalForm,
    OfferEditForm,
    OfferForm,
    PartnerEditForm,
    PartnerForm,
    PartnerStaffForm,
    ReasonForm,
    RevokeUnusedForm,
    RevokeVoucherForm,
    ServiceForm,
)
from gonghui.benefits.models import Campaign, Feedback, Offer, Partner, Service, Voucher
from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.members import eligibility
from gonghui.members.portal import auth as portal_auth
from gonghui.members.portal.qr import qr_svg
from gonghui.orgs.mixins import OrgFromQueryMixin
from gonghui.orgs.models import Org

VIEW = "benefit.view"
MANAGE = "benefit.manage"


# --- staff: partners -----------------------------------------------------------------------------


class PartnerListView(ScopedListView):
    template_name = "benefits/partners.html"

    def get_queryset(self, filters):
        return queries.partners_for(self.request.user).select_related("org").order_by("name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orgs = Org.objects.restrict(self.request.user, MANAGE).order_by("path")[:1]
        context["sign_org"] = orgs[0] if orgs else None
        return context


def _partner(user, pk) -> Partner:
    try:
        return queries.partners_for(user).select_related("org").get(pk=pk)
    except Partner.DoesNotExist:
        raise Http404 from None


class PartnerDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "benefits/partner.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        partner = _partner(user, kwargs["pk"])
        context.update(
            partner=partner,
            offers=list(partner.offers.order_by("-active", "title")),
            staff=list(partner.staff.filter(active=True).select_related("user")),
            uses=queries.card_use_totals(partner),
            feedback=queries.feedback_summary(user, target=partner),
            conflicts=list(queries.conflicts_for(partner)[:20]),
            can_manage=user_can(user, MANAGE, partner.org_path),
            history=self.history(partner, partner.org_path),
        )
        return context


class OrgScopedFormMixin(OrgFromQueryMixin):
    org_permission = MANAGE


class PartnerCreateView(OrgScopedFormMixin, ActionFormView):
    form_class = PartnerForm
    submit_label = gettext_lazy("签约")
    success_message = gettext_lazy("合作商户已签约")

    @property
    def title(self):
        return _("为“%(org)s”签约合作商户") % {"org": self.org.name}

    def perform(self, form):
        return actions.do_create_partner(acting_user=self.request.user, org=self.org, data=form.action_data())


class OfferCreateView(ActionFormView):
    form_class = OfferForm
    submit_label = gettext_lazy("添加")
    success_message = gettext_lazy("优惠已添加")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partner = access_object(Partner.objects.select_related("org"), request.user, VIEW, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("为“%(p)s”添加优惠") % {"p": self.partner.name}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        actions.do_create_offer(acting_user=self.request.user, partner=self.partner, data=data)
        return self.partner


class PartnerStaffAddView(ActionFormView):
    """Give an existing account (visible to the organiser) the partner role for this partner."""

    form_class = PartnerStaffForm
    submit_label = gettext_lazy("添加")
    success_message = gettext_lazy("已添加商户工作人员")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partner = access_object(Partner.objects.select_related("org"), request.user, VIEW, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("为“%(p)s”添加工作人员") % {"p": self.partner.name}

    def perform(self, form):
        from gonghui.accounts.models import User

        username = form.cleaned_data["username"].strip()
        user = User.objects.restrict(self.request.user, "staff.view").filter(username=username).first()
        if user is None:
            raise ValidationError({"username": [_("未找到此账号，或它不在您管理的范围内")]})
        actions.do_add_partner_staff(acting_user=self.request.user, partner=self.partner, user=user)
        return self.partner


# --- staff: campaigns ----------------------------------------------------------------------------


class CampaignListView(ScopedListView):
    template_name = "benefits/campaigns.html"

    def get_queryset(self, filters):
        rows = Campaign.objects.restrict(self.request.user, VIEW).select_related("org")
        return queries.with_issued(rows).order_by("-claim_starts", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orgs = Org.objects.restrict(self.request.user, MANAGE).order_by("path")[:1]
        context["create_org"] = orgs[0] if orgs else None
        return context


class CampaignDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "benefits/campaign.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = access_object(Campaign.objects.select_related("org"), user, VIEW, pk=kwargs["pk"])
        context.update(
            campaign=campaign,
            stats=queries.campaign_stats(campaign),
            by_partner=queries.campaign_stats_by_partner(campaign),
            by_org=queries.campaign_stats_by_org(campaign),
            partners=list(campaign.partners.order_by("name")),
            rule_text=eligibility.describe(campaign.rule),
            segment_size=queries.segment_members(campaign).count(),
            feedback=queries.feedback_summary(user, target=campaign),
            can_manage=user_can(user, MANAGE, campaign.org_path),
            history=self.history(campaign, campaign.org_path),
        )
        return context


class CampaignCreateView(OrgScopedFormMixin, ActionFormView):
    form_class = CampaignForm
    submit_label = gettext_lazy("保存草稿")
    success_message = gettext_lazy("活动已创建（草稿），核对后请发布")

    @property
    def title(self):
        return _("“%(org)s”新建消费券活动") % {"org": self.org.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["partners"] = queries.active_partners(self.request.user).filter(org_path__startswith=self.org.path)
        return kwargs

    def perform(self, form):
        return actions.do_create_campaign(
            acting_user=self.request.user,
            org=self.org,
            data=form.action_data(),
            partners=list(form.cleaned_data.get("partners") or []),
        )


@login_required
@require_POST
def campaign_action(request, pk, what):
    campaign = access_object(Campaign.objects.select_related("org"), request.user, VIEW, pk=pk)
    try:
        if what == "publish":
            actions.do_publish_campaign(acting_user=request.user, campaign=campaign)
            messages.success(request, _("活动已发布"))
        elif what == "bulk":
            result = actions.do_bulk_issue(acting_user=request.user, campaign=campaign)
            messages.success(request, _("已定向发放 %(n)s 张") % {"n": result.issued})
        elif what == "close":
            actions.do_close_campaign(
                acting_user=request.user, campaign=campaign, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("活动已下架"))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(campaign.get_absolute_url())


class CampaignScopedFormMixin:
    """Forms about one campaign the user can see (404 otherwise); the action checks benefit.manage."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.campaign = access_object(Campaign.objects.select_related("org"), request.user, VIEW, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_success_url_for(self, result) -> str:
        return self.campaign.get_absolute_url()


class VoucherRevokeView(CampaignScopedFormMixin, ActionFormView):
    """Revoke one voucher of the campaign by its code (as printed under the member's QR)."""

    form_class = RevokeVoucherForm
    submit_label = gettext_lazy("作废")
    success_message = gettext_lazy("消费券已作废")
    danger = True

    @property
    def title(self):
        return _("作废“%(c)s”的一张消费券") % {"c": self.campaign.name}

    def perform(self, form):
        code = form.cleaned_data["code"].strip().upper()
        voucher = Voucher.objects.filter(campaign=self.campaign, code=code).first()
        if voucher is None:
            raise ValidationError({"code": [_("本活动没有这个券码")]})
        return actions.do_revoke_voucher(
            acting_user=self.request.user, voucher=voucher, reason=form.cleaned_data["reason"]
        )


class RevokeUnusedView(CampaignScopedFormMixin, ActionFormView):
    form_class = RevokeUnusedForm
    submit_label = gettext_lazy("全部作废")
    danger = True

    @property
    def title(self):
        return _("作废“%(c)s”全部未使用的消费券") % {"c": self.campaign.name}

    def perform(self, form):
        n = actions.do_revoke_unredeemed(
            acting_user=self.request.user, campaign=self.campaign, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, _("已作废 %(n)s 张未使用的消费券") % {"n": n})
        return self.campaign


# --- staff: services (catalogue) -----------------------------------------------------------------


class ServiceListView(ScopedListView):
    template_name = "benefits/services.html"

    def get_queryset(self, filters):
        return (
            Service.objects.restrict(self.request.user, VIEW)
            .select_related("org", "partner")
            .order_by("category", "name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orgs = Org.objects.restrict(self.request.user, MANAGE).order_by("path")[:1]
        context["create_org"] = orgs[0] if orgs else None
        return context


def _service(user, pk) -> Service:
    return access_object(Service.objects.select_related("org", "partner"), user, VIEW, pk=pk)


class ServiceDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "benefits/service.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        service = _service(user, kwargs["pk"])
        context.update(
            service=service,
            rule_text=eligibility.describe(service.rule),
            feedback=queries.feedback_summary(user, target=service),
            comments=list(queries.feedback_rows(user).filter(service=service)[:20]),
            can_manage=user_can(user, MANAGE, service.org_path),
            history=self.history(service, service.org_path),
        )
        return context


class ServiceCreateView(OrgScopedFormMixin, ActionFormView):
    form_class = ServiceForm
    submit_label = gettext_lazy("保存草稿")
    success_message = gettext_lazy("服务已创建（草稿），核对后请发布")

    @property
    def title(self):
        return _("“%(org)s”新建普惠服务") % {"org": self.org.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["partners"] = queries.active_partners(self.request.user).filter(org_path__startswith=self.org.path)
        return kwargs

    def get_success_url_for(self, result) -> str:
        from django.urls import reverse

        return reverse("benefits:service", args=[result.pk])

    def perform(self, form):
        return actions.do_create_service(acting_user=self.request.user, org=self.org, data=form.action_data())


class ServiceEditView(ActionFormView):
    form_class = ServiceForm
    success_message = gettext_lazy("服务已保存")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.service = _service(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("修改服务“%(s)s”") % {"s": self.service.name}

    def get_initial(self):
        return ServiceForm.initial_for(self.service)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["partners"] = queries.active_partners(self.request.user).filter(
            org_path__startswith=self.service.org_path
        )
        return kwargs

    def get_success_url_for(self, result) -> str:
        from django.urls import reverse

        return reverse("benefits:service", args=[result.pk])

    def perform(self, form):
        return actions.do_update_service(acting_user=self.request.user, service=self.service, data=form.action_data())


@login_required
@require_POST
def service_action(request, pk, what):
    from django.urls import reverse

    from gonghui.benefits.states import PublishStatus

    service = _service(request.user, pk)
    status = {"publish": PublishStatus.PUBLISHED, "close": PublishStatus.CLOSED}.get(what)
    if status is None:
        raise Http404
    try:
        actions.do_set_service_status(acting_user=request.user, service=service, status=status)
        messages.success(request, _("服务已发布") if what == "publish" else _("服务已下架"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(reverse("benefits:service", args=[service.pk]))


# --- staff: feedback -----------------------------------------------------------------------------


class FeedbackListView(ScopedListView):
    """Averages per service, partner and campaign, then the comments (unhandled first) to act on."""

    template_name = "benefits/feedback.html"

    def get_queryset(self, filters):
        rows = queries.feedback_rows(self.request.user)
        if self.request.GET.get("open"):
            rows = rows.filter(handled_at__isnull=True)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["averages"] = queries.feedback_averages(self.request.user)
        context["only_open"] = bool(self.request.GET.get("open"))
        return context


class FeedbackHandleView(ActionFormView):
    form_class = HandleFeedbackForm
    submit_label = gettext_lazy("记录处理意见")
    success_message = gettext_lazy("已记录处理意见")
    template_name = "benefits/feedback_handle.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        rows = Feedback.objects.select_related("service", "partner", "campaign")
        self.feedback = access_object(rows, request.user, VIEW, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("处理会员评价")

    def get_initial(self):
        return {"response": self.feedback.response}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["feedback"] = self.feedback
        return context

    def get_success_url_for(self, result) -> str:
        from django.urls import reverse

        return reverse("benefits:feedback")

    def perform(self, form):
        return actions.do_handle_feedback(
            acting_user=self.request.user, feedback=self.feedback, response=form.cleaned_data["response"]
        )


class MedicalTotalsView(LoginRequiredMixin, TemplateView):
    """Medical reductions per hospital and in total, in the user's scope (optionally one subtree, ?under=)."""

    template_name = "benefits/medical.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        code = (self.request.GET.get("under") or "").strip().upper()
        org = access_object(Org.objects.all(), user, VIEW, code=code) if code else None
        context.update(org=org, totals=queries.medical_totals(user, org.path if org else None))
        return context


# --- the partner's counter (mobile) --------------------------------------------------------------


def _counter_partner(request) -> Partner:
    own = actions.partner_of(request.user)
    wanted = request.GET.get("partner") or request.POST.get("partner")
    if wanted and (own is None or str(own.pk) != str(wanted)):
        return access_object(Partner.objects.select_related("org"), request.user, "benefit.redeem", pk=wanted)
    if own is None:
        raise PermissionDenied(_("此账号不是合作商户的工作人员"))
    return own


@login_required
def counter_view(request):
    """The counter page: scan (camera, when the browser can) or type a member card or voucher QR."""
    partner = _counter_partner(request)
    return render(
        request,
        "benefits/counter.html",
        {"partner": partner, "conflicts": list(queries.conflicts_for(partner)[:10])},
    )


@login_required
@require_POST
def counter_check(request):
    """htmx: what a scanned text is — a member card (with the offers that apply) or a voucher."""
    from gonghui.members.api import is_reference, verify_payload, verify_reference
    from gonghui.members.models import Membership

    partner = _counter_partner(request)
    text = (request.POST.get("payload") or "").strip()
    context = {"partner": partner, "payload": text}
    if text.startswith(vouchers.PREFIX + "."):
        from gonghui.benefits.api import _peek

        try:
            context["voucher"] = _peek(vouchers.decode(text), partner)
        except Exception as exc:  # noqa: BLE001 (PayloadError)
            context["error"] = vouchers.PAYLOAD_REASONS.get(str(exc), vouchers.PAYLOAD_REASONS["malformed"])
    else:
        answer = verify_reference(text) if is_reference(text) else verify_payload(text)
        context["card"] = answer
        if answer["valid"]:
            membership = Membership.objects.select_related("person").get(member_no=answer["member_no"])
            membership.has_card = True
            context["offers"] = queries.offers_for_member(partner, membership)
            if partner.kind == Partner.Kind.HOSPITAL:
                context["medical_offers"] = [o for o in context["offers"] if o.kind == Offer.Kind.MEDICAL]
                context["offers"] = [o for o in context["offers"] if o.kind != Offer.Kind.MEDICAL]
                context["today"] = timezone.localdate()
    return render(request, "benefits/_counter_result.html", context)


@login_required
@require_POST
def counter_redeem(request):
    partner = _counter_partner(request)
    result = actions.do_redeem_voucher(
        acting_user=request.user,
        partner=partner,
        payload=request.POST.get("payload", ""),
        place=request.POST.get("place", ""),
    )
    return render(request, "benefits/_counter_result.html", {"partner": partner, "redeemed": result})


@login_required
@require_POST
def counter_card_use(request):
    partner = _counter_partner(request)
    offer = None
    if request.POST.get("offer"):
        offer = get_object_or_404(
            Offer.objects.select_related("partner__org"), pk=request.POST["offer"], partner=partner
        )
    try:
        use = actions.do_record_card_use(
            acting_user=request.user,
            partner=partner,
            payload=request.POST.get("payload", ""),
            amount=request.POST.get("amount", ""),
            offer=offer,
            place=request.POST.get("place", ""),
        )
    except ValidationError as error:
        return render(request, "benefits/_counter_result.html", {"partner": partner, "error": error_message(error)})
    return render(request, "benefits/_counter_result.html", {"partner": partner, "use": use})


@login_required
@require_POST
def counter_medical(request):
    """A hospital visit: reduction of the out-of-pocket part, within the offer's and the yearly caps."""
    partner = _counter_partner(request)
    form = MedicalForm(request.POST)
    context = {"partner": partner}
    if not form.is_valid():
        problems = [f"{form.fields[name].label or name}：{'；'.join(errs)}" for name, errs in form.errors.items()]
        context["error"] = "；".join(problems)
        return render(request, "benefits/_counter_result.html", context)
    data = form.cleaned_data
    offer = Offer.objects.filter(pk=data["offer"], partner=partner).select_related("partner__org").first()
    try:
        if offer is None:
            raise ValidationError({"offer": [_("这项优惠不属于本医院")]})
        row = actions.do_record_medical_reduction(
            acting_user=request.user,
            partner=partner,
            offer=offer,
            visit_date=data["visit_date"],
            total=data["total"],
            insured=data["insured"],
            payload=data["payload"],
        )
    except ValidationError as error:
        context["error"] = error_message(error)
        return render(request, "benefits/_counter_result.html", context)
    used = actions.yearly_medical_total(row.membership, row.year, offer)
    context["medical"] = row
    context["medical_used"] = used
    context["medical_left"] = max(offer.yearly_cap - used, 0) if offer.yearly_cap is not None else None
    context["medical_offer"] = offer
    return render(request, "benefits/_counter_result.html", context)


# --- the member portal ---------------------------------------------------------------------------


@portal_auth.member_required(person=True)
def portal_home(request):
    """What this member can claim or use, and why a service is not available when it is not."""
    membership = queries.claimant(request.member.person)
    context = {"membership": membership, "member": request.member}
    if membership is not None:
        rows = []
        for v in queries.vouchers_of(membership)[:50]:
            v.payload_text = vouchers.payload_for(v) if v.status == "issued" else ""
            rows.append((v, qr_svg(v.payload_text, title=v.campaign.name) if v.payload_text else None))
        campaigns = queries.campaigns_for_member(membership)
        held = queries.held_counts(membership, [c.pk for c, _v in campaigns])
        for c, _verdict in campaigns:
            c.held = held.get(c.pk, 0)
            c.limit_reached = c.held >= c.per_member_limit  # 领取 becomes 已领取, disabled
        context.update(
            campaigns=campaigns,
            services=queries.services_for_member(membership),
            vouchers=rows,
        )
    return render(request, "benefits/portal.html", context)


@portal_auth.member_required(person=True)
@require_POST
def portal_claim(request, pk):
    membership = queries.claimant(request.member.person)
    if membership is None:
        raise Http404
    campaign = queries.visible_to_member(Campaign, membership).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    try:
        actions.do_claim_voucher(campaign=campaign, membership=membership)
        messages.success(request, _("领取成功：%(c)s。到店出示二维码即可使用") % {"c": campaign.name})
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("benefits_portal:home")


@portal_auth.member_required(person=True)
@require_POST
def portal_feedback(request):
    """A member rates a service or campaign they can see, or a partner of their org chain (as the API)."""
    membership = queries.claimant(request.member.person)
    kind, pk = request.POST.get("target"), request.POST.get("id", "")
    if membership is None or not pk.isdigit():
        raise Http404
    if kind == "partner":
        target = Partner.objects.filter(pk=pk).first()
        if target is None or not membership.org_path.startswith(target.org_path):
            raise Http404
    elif kind in ("service", "campaign"):
        model = Service if kind == "service" else Campaign
        target = queries.visible_to_member(model, membership).filter(pk=pk).first()
        if target is None:
            raise Http404
    else:
        raise Http404
    try:
        actions.do_leave_feedback(
            membership=membership,
            target=target,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("感谢您的评价：%(t)s") % {"t": target})
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("benefits_portal:home")


# --- staff: editing after creation (campaigns, partners, offers, partner staff) -------------------


def _same(old, new) -> bool:
    """Equal as the edit form shows it: datetimes to the minute, rules in their stored form."""
    import datetime as dt

    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old.replace(second=0, microsecond=0) == new.replace(second=0, microsecond=0)
    if isinstance(old, dict) and isinstance(new, dict):
        try:
            return eligibility.rule_data(old) == eligibility.rule_data(new)
        except ValidationError:
            return False
    return old == new or (old in (None, "") and new in (None, ""))


class CampaignEditView(CampaignScopedFormMixin, ActionFormView):
    """Change a campaign: only what differs from the stored values goes to the action, so a published
    campaign can take a new deadline, quota or budget without touching the fields it may no longer change."""

    form_class = CampaignEditForm
    success_message = gettext_lazy("活动已保存")

    @property
    def title(self):
        return _("修改活动“%(c)s”") % {"c": self.campaign.name}

    def get_initial(self):
        return CampaignEditForm.initial_for(self.campaign)

    def perform(self, form):
        data = {k: v for k, v in form.action_data().items() if not _same(getattr(self.campaign, k), v)}
        return actions.do_update_campaign(acting_user=self.request.user, campaign=self.campaign, data=data)


class PartnerScopedFormMixin:
    """Forms about one partner the user can see (404 otherwise); the action checks benefit.manage."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partner = access_object(Partner.objects.select_related("org"), request.user, VIEW, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_success_url_for(self, result) -> str:
        return reverse("benefits:partner", args=[self.partner.pk])


class PartnerEditView(PartnerScopedFormMixin, ActionFormView):
    form_class = PartnerEditForm
    success_message = gettext_lazy("合作商户已保存")

    @property
    def title(self):
        return _("修改合作商户“%(p)s”") % {"p": self.partner.name}

    def get_initial(self):
        return PartnerEditForm.initial_for(self.partner)

    def perform(self, form):
        return actions.do_update_partner(acting_user=self.request.user, partner=self.partner, data=form.action_data())


class PartnerStatusView(PartnerScopedFormMixin, ActionFormView):
    """Suspend (暂停合作) or resume a partner, with a reason."""

    form_class = ReasonForm
    danger = True

    @property
    def target(self) -> str:
        from gonghui.benefits.states import PartnerStatus

        target = {"suspend": PartnerStatus.SUSPENDED, "resume": PartnerStatus.ACTIVE}.get(self.kwargs["what"])
        if target is None:
            raise Http404
        return target

    @property
    def title(self):
        if self.kwargs["what"] == "suspend":
            return _("暂停与“%(p)s”的合作") % {"p": self.partner.name}
        return _("恢复与“%(p)s”的合作") % {"p": self.partner.name}

    @property
    def submit_label(self):
        return _("暂停合作") if self.kwargs["what"] == "suspend" else _("恢复合作")

    def dispatch(self, request, *args, **kwargs):
        if kwargs["what"] not in ("suspend", "resume"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        actions.do_set_partner_status(
            acting_user=self.request.user, partner=self.partner, status=self.target, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, _("已暂停合作") if self.kwargs["what"] == "suspend" else _("已恢复合作"))
        return self.partner


class OfferEditView(PartnerScopedFormMixin, ActionFormView):
    form_class = OfferEditForm
    success_message = gettext_lazy("优惠已保存")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.offer = get_object_or_404(Offer.objects.filter(partner_id=kwargs["pk"]), pk=kwargs["offer"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("修改优惠“%(o)s”") % {"o": self.offer.title}

    def get_initial(self):
        return OfferEditForm.initial_for(self.offer)

    def perform(self, form):
        return actions.do_update_offer(acting_user=self.request.user, offer=self.offer, data=form.cleaned_data)


@login_required
@require_POST
def offer_withdraw(request, pk, offer):
    """Withdraw (停用) an offer: it stays on the partner page, marked inactive, and no counter accepts it."""
    partner = access_object(Partner.objects.select_related("org"), request.user, VIEW, pk=pk)
    offer = get_object_or_404(Offer.objects.filter(partner=partner), pk=offer)
    try:
        actions.do_update_offer(acting_user=request.user, offer=offer, data={"active": False})
        messages.success(request, _("优惠已停用"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(reverse("benefits:partner", args=[partner.pk]))


@login_required
@require_POST
def staff_remove(request, pk, link):
    """End a staff account's link to this partner (the account keeps existing, without the partner role here)."""
    from gonghui.benefits.models import PartnerStaff

    partner = access_object(Partner.objects.select_related("org"), request.user, VIEW, pk=pk)
    link = get_object_or_404(PartnerStaff.objects.select_related("user").filter(partner=partner, active=True), pk=link)
    try:
        actions.do_remove_partner_staff(acting_user=request.user, partner=partner, user=link.user)
        messages.success(request, _("已移除商户工作人员"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect(reverse("benefits:partner", args=[partner.pk]))
