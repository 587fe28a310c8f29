"""Charity forms: plain fields; the actions validate and report errors per field."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.charity.models import BeneficiaryKind, Donation, GrantPurpose
from gonghui.charity.models_wishes import VolunteerActivity, Wish

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}


class FundForm(forms.Form):
    code = forms.CharField(label=_("基金代码"), max_length=40, help_text=_("字母、数字和连字符，如 sgya"))
    name = forms.CharField(label=_("基金名称"), max_length=60)
    purpose = forms.CharField(label=_("宗旨和用途"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    beneficiary_kinds = forms.MultipleChoiceField(
        label=_("可资助对象（不选为不限）"),
        choices=BeneficiaryKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    purposes = forms.MultipleChoiceField(
        label=_("可用于（不选为不限）"),
        choices=GrantPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_grant = forms.CharField(label=_("单笔资助上限（元，可不填）"), required=False)

    def action_data(self) -> dict:
        d = self.cleaned_data
        restrictions = {"beneficiary_kinds": d["beneficiary_kinds"], "purposes": d["purposes"]}
        if d["max_grant"]:
            restrictions["max_grant"] = d["max_grant"]
        return {"code": d["code"], "name": d["name"], "purpose": d["purpose"], "restrictions": restrictions}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=80)
    description = forms.CharField(label=_("活动介绍"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    target = forms.CharField(label=_("目标金额（元）"))
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    match_partner = forms.CharField(label=_("配捐方"), max_length=80, required=False)
    match_ratio = forms.CharField(label=_("配捐比例（每捐1元配捐几元）"), required=False, initial="0")
    match_cap = forms.CharField(label=_("配捐上限（元）"), required=False, initial="0")

    def action_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["match_ratio"] = d["match_ratio"] or "0"
        d["match_cap"] = d["match_cap"] or "0"
        return d


class DonationForm(forms.Form):
    amount = forms.CharField(label=_("金额（元）"))
    donor_kind = forms.ChoiceField(label=_("捐赠人类型"), choices=Donation.DonorKind.choices)
    donor_name = forms.CharField(label=_("捐赠人（显示名）"), max_length=60, required=False)
    member_no = forms.CharField(label=_("会员证号（会员捐赠时填写）"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Donation.Channel.choices)
    external_ref = forms.CharField(label=_("外部单号（转账流水号等）"), max_length=64, required=False)
    donated_at = forms.DateTimeField(
        label=_("捐赠时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("退款金额（元）"))
    reason = forms.CharField(label=_("退款原因"), max_length=300)


class OfficialReceiptForm(forms.Form):
    number = forms.CharField(label=_("公益事业捐赠票据号码"), max_length=40)


class StatementForm(forms.Form):
    file = forms.FileField(label=_("平台对账单（.xlsx、.xls 或 .csv）"))
    dry_run = forms.BooleanField(label=_("只检查，不入账"), required=False)


class GrantForm(forms.Form):
    beneficiary_kind = forms.ChoiceField(label=_("资助对象"), choices=BeneficiaryKind.choices)
    archive_number = forms.CharField(label=_("困难职工档案编号（资助困难家庭时）"), max_length=20, required=False)
    member_no = forms.CharField(label=_("会员证号（资助急难会员时）"), max_length=20, required=False)
    project_name = forms.CharField(label=_("项目名称（资助公益项目时）"), max_length=100, required=False)
    purpose = forms.ChoiceField(label=_("资助用途"), choices=GrantPurpose.choices)
    amount = forms.CharField(label=_("金额（元）"))
    reason = forms.CharField(label=_("申请理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    documents = forms.CharField(label=_("证明材料"), max_length=500, required=False)
    payee_name = forms.CharField(label=_("收款人"), max_length=60)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    account = forms.CharField(label=_("银行账号"), max_length=40)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见或说明"), max_length=300, required=False)


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("拨付日期"), widget=DATE, initial=timezone.localdate)
    payment_ref = forms.CharField(label=_("付款凭证号"), max_length=60, required=False)


class RoundForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("截止日期"), widget=DATE)
    price_cap = forms.CharField(label=_("单个心愿金额上限（元，默认300）"), required=False)
    claim_days = forms.IntegerField(label=_("认领后完成期限（天）"), initial=14, min_value=1, max_value=90)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过，发布到心愿墙")), ("reject", _("不通过"))]
    )
    note = forms.CharField(label=_("审核意见（不通过时必填）"), max_length=200, required=False)


class WishForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Wish.Category.choices)
    title = forms.CharField(label=_("我的心愿"), max_length=40)
    story = forms.CharField(label=_("心愿故事"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    price = forms.CharField(label=_("预估金额（元）"))


class StaffWishForm(WishForm):
    member_no = forms.CharField(label=_("会员证号"), max_length=20)
    field_order = ["member_no", "category", "title", "story", "price"]


class ClaimForm(forms.Form):
    claimant_kind = forms.ChoiceField(
        label=_("认领身份"),
        choices=[(Wish.ClaimantKind.STAFF, _("本人（工会干部）")), (Wish.ClaimantKind.COMPANY, _("代爱心企业"))],
    )
    claimant_name = forms.CharField(label=_("爱心企业名称"), max_length=60, required=False)


class FulfilForm(forms.Form):
    proof = forms.FileField(label=_("送达照片"))
    value = forms.CharField(label=_("实际价值（元，可不填）"), required=False)


class VolunteerForm(forms.Form):
    member_no = forms.CharField(label=_("会员证号（会员志愿者填写）"), max_length=20, required=False)
    name = forms.CharField(label=_("姓名（非会员填写）"), max_length=30, required=False)
    mobile = forms.CharField(label=_("手机号（非会员填写）"), max_length=20, required=False)
    skills = forms.CharField(label=_("技能（用逗号分隔）"), max_length=200, required=False)
    availability = forms.CharField(label=_("可服务时间"), max_length=100, required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=VolunteerActivity.Kind.choices)
    on = forms.DateField(label=_("日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("人数上限"), initial=20, min_value=1, max_value=1000)


class SignupForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)


class HoursForm(forms.Form):
    hours = forms.CharField(label=_("服务时长（小时）"))


def split_skills(value: str) -> list[str]:
    return [s.strip() for s in value.replace("，", ",").replace("、", ",").split(",") if s.strip()]
