"""Charity console pages (staff): funds, campaigns, donations, statement import, receipts, grants.
Wishes, volunteers and statistics are in `views_wishes`; public pages and the portal in `views_public`.

Thin: reads through `queries` (restricted) and `access_object` (404 outside the scope), writes through
the actions; action errors land on the form's fields.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from gonghui.charity import actions, actions_grants, queries
from gonghui.charity.forms import (
    CampaignForm,
    DonationForm,
    FundForm,
    GrantForm,
    NoteForm,
    OfficialReceiptForm,
    PaidForm,
    RefundForm,
    StatementForm,
)
from gonghui.charity.models import Campaign, Donation, Fund, FundLedger, Grant
from gonghui.charity.statement import FileError, import_statement
from gonghui.core.errors import error_message
from gonghui.core.scoping import access_object, user_can
from gonghui.core.views import ActionFormView, ObjectHistoryMixin, ScopedListView
from gonghui.hardship.models import HardshipArchive
from gonghui.members.models import Membership
from gonghui.orgs.mixins import OrgFromQueryMixin
from gonghui.orgs.models import Org

VIEW, MANAGE, APPROVE = "charity.view", "charity.manage", "charity.approve"


def access_fund(user, pk, action=VIEW) -> Fund:
    return access_object(Fund.objects.select_related("org"), user, action, pk=pk)


def access_campaign(user, pk, action=VIEW) -> Campaign:
    return access_object(Campaign.objects.select_related("org", "fund"), user, action, pk=pk)


def access_donation(user, pk, action=VIEW) -> Donation:
    return access_object(Donation.objects.select_related("campaign__org", "fund"), user, action, pk=pk)


def access_grant(user, pk, action=VIEW) -> Grant:
    return access_object(Grant.objects.select_related("fund__org"), user, action, pk=pk)


def member_by_no(user, member_no: str, field: str = "member_no"):
    """A membership in the user's charity scope by its number, or a field error."""
    number = (member_no or "").strip().upper()
    if not number:
        return None
    membership = (
        Membership.objects.restrict(user, VIEW).select_related("person", "org").filter(member_no=number).first()
    )
    if membership is None:
        raise ValidationError({field: _("找不到该会员（或不在您的管理范围内）")})
    return membership


# --- funds ---------------------------------------------------------------------------------------------


class FundListView(ScopedListView):
    template_name = "charity/funds.html"

    def get_queryset(self, filters):
        return queries.funds_for(self.request.user).order_by("org_path", "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["create_org"] = Org.objects.restrict(user, MANAGE).order_by("path").first()
        context["campaigns"] = list(queries.campaigns_for(user).order_by("-starts_on", "-pk")[:20])
        return context


class OrgFormMixin(OrgFromQueryMixin):
    org_permission = MANAGE


class FundCreateView(OrgFormMixin, ActionFormView):
    form_class = FundForm
    submit_label = gettext_lazy("设立基金")
    success_message = gettext_lazy("专项基金已设立")

    @property
    def title(self):
        return _("为“%(org)s”设立专项基金") % {"org": self.org.name}

    def perform(self, form):
        return actions.do_create_fund(acting_user=self.request.user, org=self.org, **form.action_data())

    def get_success_url_for(self, fund):
        return reverse("charity:fund", args=[fund.pk])


class FundDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "charity/fund.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        fund = access_fund(user, kwargs["pk"])
        context.update(
            fund=fund,
            campaigns=list(fund.campaigns.order_by("-starts_on")[:20]),
            grants=list(fund.grants.order_by("-made_at")[:20]),
            ledger=list(FundLedger.objects.filter(fund=fund).order_by("-at", "-pk")[:30]),
            months=queries.monthly_summary(fund)[:12],
            can_manage=user_can(user, MANAGE, fund.org_path),
            can_approve=user_can(user, APPROVE, fund.org_path),
            history=self.history(fund, fund.org_path),
        )
        return context


class CampaignCreateView(ActionFormView):
    form_class = CampaignForm
    submit_label = gettext_lazy("创建")
    success_message = gettext_lazy("募捐活动已创建")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.fund = access_fund(request.user, kwargs["pk"], MANAGE)
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("为“%(f)s”发起募捐活动") % {"f": self.fund.name}

    def perform(self, form):
        return actions.do_create_campaign(acting_user=self.request.user, fund=self.fund, **form.action_data())

    def get_success_url_for(self, campaign):
        return reverse("charity:campaign", args=[campaign.pk])


class GrantCreateView(ActionFormView):
    form_class = GrantForm
    submit_label = gettext_lazy("提交审批")
    success_message = gettext_lazy("资助申请已提交，等待基金管委会审批")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.fund = access_fund(request.user, kwargs["pk"], MANAGE)
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return _("从“%(f)s”申请资助（余额 %(b)s 元）") % {"f": self.fund.name, "b": self.fund.balance}

    def perform(self, form):
        d = dict(form.cleaned_data)
        user = self.request.user
        archive = None
        number = d.pop("archive_number").strip().upper()
        if d["beneficiary_kind"] == "hardship" and number:
            archive = HardshipArchive.objects.restrict(user, VIEW).filter(number=number).first()
            if archive is None:
                raise ValidationError({"archive_number": _("找不到该困难职工档案（或不在您的管理范围内）")})
        membership = member_by_no(user, d.pop("member_no")) if d["beneficiary_kind"] == "emergency" else None
        if d["beneficiary_kind"] == "hardship" and archive is None:
            raise ValidationError({"archive_number": _("请填写困难职工档案编号")})
        if d["beneficiary_kind"] == "emergency" and membership is None:
            raise ValidationError({"member_no": _("请填写会员证号")})
        d.pop("member_no", None)
        return actions_grants.do_propose_grant(
            acting_user=user, fund=self.fund, archive=archive, membership=membership, **d
        )

    def get_success_url_for(self, grant):
        return reverse("charity:grant", args=[grant.pk])


@login_required
@require_POST
def fund_bank_file(request, pk):
    fund = access_fund(request.user, pk)
    try:
        name, content = actions_grants.do_export_grant_bank_file(acting_user=request.user, fund=fund)
    except ValidationError as error:
        messages.error(request, error_message(error))
        return redirect("charity:fund", pk=fund.pk)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- campaigns and donations -------------------------------------------------------------------------------


class CampaignDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "charity/campaign.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = access_campaign(user, kwargs["pk"])
        context.update(
            campaign=campaign,
            figures=queries.campaign_figures(campaign),
            donations=list(campaign.donations.order_by("-donated_at", "-pk")[:30]),
            can_manage=user_can(user, MANAGE, campaign.org_path),
            history=self.history(campaign, campaign.org_path),
        )
        return context


@login_required
@require_POST
def campaign_status(request, pk, what):
    campaign = access_campaign(request.user, pk)
    status = {"open": "open", "close": "closed"}.get(what)
    if status is None:
        return redirect("charity:campaign", pk=pk)
    try:
        actions.do_set_campaign_status(acting_user=request.user, campaign=campaign, status=status)
        messages.success(request, _("状态已更新"))
    except ValidationError as error:
        messages.error(request, error_message(error))
    return redirect("charity:campaign", pk=pk)


class CampaignObjectMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.campaign = access_campaign(request.user, kwargs["pk"], MANAGE)
        return super().dispatch(request, *args, **kwargs)


class DonationCreateView(CampaignObjectMixin, ActionFormView):
    form_class = DonationForm
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("捐赠已登记")

    @property
    def title(self):
        return _("登记捐赠：%(c)s") % {"c": self.campaign.name}

    def perform(self, form):
        d = dict(form.cleaned_data)
        membership = member_by_no(self.request.user, d.pop("member_no"))
        return actions.do_record_donation(
            acting_user=self.request.user, campaign=self.campaign, donor_membership=membership, **d
        )

    def get_success_url_for(self, donation):
        return reverse("charity:donation", args=[donation.pk])


class StatementImportView(CampaignObjectMixin, LoginRequiredMixin, TemplateView):
    """Upload a platform statement; shows the summary and each rejected row's reason."""

    template_name = "charity/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(campaign=self.campaign, form=kwargs.get("form") or StatementForm())
        return context

    def post(self, request, *args, **kwargs):
        form = StatementForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()[:8]
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    result = import_statement(
                        tmp.name,
                        campaign=self.campaign,
                        acting_user=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                        name=upload.name,
                    )
                except (FileError, ValidationError) as error:
                    form.add_error("file", error_message(error) if isinstance(error, ValidationError) else str(error))
        return self.render_to_response(self.get_context_data(form=form, result=result))


class DonationListView(ScopedListView):
    template_name = "charity/donations.html"
    paginate_by = 50

    def get_queryset(self, filters):
        q = (self.request.GET.get("q") or "").strip()[:60]
        channel = self.request.GET.get("channel") or ""
        channel = channel if channel in Donation.Channel.values else ""
        return queries.donations_for(self.request.user, q=q, channel=channel).order_by("-donated_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(q=self.request.GET.get("q", ""), channels=Donation.Channel.choices)
        return context


class DonationDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "charity/donation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        donation = access_donation(self.request.user, kwargs["pk"])
        context.update(
            donation=donation,
            ledger=list(donation.ledger.order_by("at", "pk")),
            can_manage=user_can(self.request.user, MANAGE, donation.org_path),
            history=self.history(donation, donation.org_path),
        )
        return context


class DonationObjectMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.donation = access_donation(request.user, kwargs["pk"], MANAGE)
        return super().dispatch(request, *args, **kwargs)

    def get_success_url_for(self, result):
        return reverse("charity:donation", args=[self.donation.pk])


class RefundView(DonationObjectMixin, ActionFormView):
    form_class = RefundForm
    title = gettext_lazy("退款（冲回）")
    submit_label = gettext_lazy("退款")
    danger = True
    success_message = gettext_lazy("退款已登记为冲回记录")

    def perform(self, form):
        return actions.do_refund_donation(acting_user=self.request.user, donation=self.donation, **form.cleaned_data)


class OfficialReceiptView(DonationObjectMixin, ActionFormView):
    form_class = OfficialReceiptForm
    title = gettext_lazy("登记公益事业捐赠票据")
    success_message = gettext_lazy("票据号码已登记")

    def perform(self, form):
        return actions.do_record_official_receipt(
            acting_user=self.request.user, donation=self.donation, **form.cleaned_data
        )


@login_required
def donation_receipt(request, pk):
    """The printable receipt (捐赠收据). Issuing the serial is an action (POST); GET shows an issued one."""
    donation = access_donation(request.user, pk)
    if request.method == "POST":
        try:
            donation = actions.do_issue_receipt(acting_user=request.user, donation=donation)
        except ValidationError as error:
            messages.error(request, error_message(error))
            return redirect("charity:donation", pk=pk)
        return redirect("charity:receipt", pk=pk)
    if not donation.receipt_serial:
        messages.error(request, _("尚未开具收据"))
        return redirect("charity:donation", pk=pk)
    return render(request, "charity/receipt.html", {"donation": donation, "fund": donation.fund})


# --- grants -------------------------------------------------------------------------------------------------


class GrantListView(ScopedListView):
    template_name = "charity/grants.html"

    def get_queryset(self, filters):
        from gonghui.charity.states import GrantStatus

        status = self.request.GET.get("status") or "proposed"
        if status != "all" and status not in GrantStatus.values:
            status = "proposed"
        return queries.grants_for(self.request.user, status=status if status != "all" else "").order_by("-made_at")

    def get_context_data(self, **kwargs):
        from gonghui.charity.states import GrantStatus

        context = super().get_context_data(**kwargs)
        context.update(status=self.request.GET.get("status") or "proposed", statuses=GrantStatus.choices)
        return context


class GrantDetailView(LoginRequiredMixin, ObjectHistoryMixin, TemplateView):
    template_name = "charity/grant.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        grant = access_grant(user, kwargs["pk"])
        context.update(
            grant=grant,
            can_manage=user_can(user, MANAGE, grant.org_path),
            can_approve=user_can(user, APPROVE, grant.fund.org_path),
            history=self.history(grant, grant.fund.org_path),
        )
        return context


GRANT_STEPS = {
    "approve": (gettext_lazy("批准资助"), lambda u, g, d: actions_grants.do_approve_grant(acting_user=u, grant=g, **d)),
    "reject": (gettext_lazy("驳回资助"), lambda u, g, d: actions_grants.do_reject_grant(acting_user=u, grant=g, **d)),
    "cancel": (
        gettext_lazy("撤销资助（款项退回基金）"),
        lambda u, g, d: actions_grants.do_cancel_grant(acting_user=u, grant=g, reason=d["note"]),
    ),
    "confirm": (
        gettext_lazy("确认受助方已收到"),
        lambda u, g, d: actions_grants.do_confirm_grant_receipt(acting_user=u, grant=g, **d),
    ),
}


class GrantStepView(ActionFormView):
    """Approve, reject, cancel or confirm a grant (a note), or record its payment (a date)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.grant = access_grant(request.user, kwargs["pk"])
        self.what = kwargs["what"]
        if self.what not in GRANT_STEPS and self.what != "paid":
            return redirect("charity:grant", pk=self.grant.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return PaidForm if self.what == "paid" else NoteForm

    @property
    def title(self):
        label = _("登记已拨付") if self.what == "paid" else GRANT_STEPS[self.what][0]
        return f"{label}：{self.grant.public_label} {self.grant.amount} 元"

    @property
    def danger(self):
        return self.what in ("reject", "cancel")

    def perform(self, form):
        if self.what == "paid":
            return actions_grants.do_mark_grant_paid(
                acting_user=self.request.user, grant=self.grant, **form.cleaned_data
            )
        return GRANT_STEPS[self.what][1](self.request.user, self.grant, form.cleaned_data)

    def get_success_url_for(self, grant):
        return reverse("charity:grant", args=[grant.pk])
