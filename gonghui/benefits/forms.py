"""Benefit forms. They only parse input; the rules live in `benefits.actions`."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.models import Campaign, Offer, Partner
from gonghui.people.choices import GigSubtype, WorkerType

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=Partner.Kind.choices)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    location = forms.CharField(label=_("门店名称"), max_length=60, required=False)
    address = forms.CharField(label=_("门店地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    description = forms.CharField(label=_("介绍"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agreement_start = forms.DateField(label=_("协议开始"), widget=DATE)
    agreement_end = forms.DateField(label=_("协议结束"), widget=DATE)

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        location, address = data.pop("location"), data.pop("address")
        data["locations"] = [{"name": location or data["name"], "address": address}] if (location or address) else []
        return data


class OfferForm(forms.Form):
    title = forms.CharField(label=_("优惠名称"), max_length=80)
    kind = forms.ChoiceField(label=_("方式"), choices=Offer.Kind.choices)
    percent = forms.DecimalField(label=_("减免比例（%）"), required=False, max_digits=5, decimal_places=2)
    amount = forms.DecimalField(label=_("立减金额"), required=False, max_digits=14, decimal_places=2)
    min_spend = forms.DecimalField(label=_("最低消费"), required=False, max_digits=14, decimal_places=2)
    cap_per_use = forms.DecimalField(label=_("单次减免上限"), required=False, max_digits=14, decimal_places=2)
    yearly_cap = forms.DecimalField(label=_("每人每年减免上限"), required=False, max_digits=14, decimal_places=2)
    terms = forms.CharField(label=_("使用说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RuleFields(forms.Form):
    """The common eligibility choices as form fields (the full rule language is in the API)."""

    worker_types = forms.MultipleChoiceField(
        label=_("限职工类型"), choices=WorkerType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    gig_subtypes = forms.MultipleChoiceField(
        label=_("限新就业形态类别"), choices=GigSubtype.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    age_min = forms.IntegerField(label=_("最小年龄"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("最大年龄"), required=False, min_value=0, max_value=120)
    rule_json = forms.CharField(
        label=_("其他条件（JSON，可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('例如 {"skill_levels": ["三级/高级工"], "hardship": "archived"}'),
    )

    def clean_rule_json(self):
        text = self.cleaned_data.get("rule_json", "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("不是有效的 JSON")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("应为 JSON 对象"))
        return value

    def rule(self) -> dict:
        data = self.cleaned_data
        rule = dict(data.get("rule_json") or {})
        for key in ("worker_types", "gig_subtypes"):
            if data.get(key):
                rule[key] = list(data[key])
        for key in ("age_min", "age_max"):
            if data.get(key) is not None:
                rule[key] = data[key]
        return rule


class CampaignForm(RuleFields):
    name = forms.CharField(label=_("活动名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=Campaign.Kind.choices)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    face_value = forms.DecimalField(label=_("面值（元）"), required=False, max_digits=14, decimal_places=2)
    free_entry = forms.BooleanField(label=_("免费入场券"), required=False)
    quota = forms.IntegerField(label=_("总数量"), min_value=1)
    per_member_limit = forms.IntegerField(label=_("每人限领"), min_value=1, initial=1)
    claim_starts = forms.DateTimeField(label=_("领取开始"), widget=DATETIME)
    claim_ends = forms.DateTimeField(label=_("领取截止"), widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("使用截止"), widget=DATETIME)
    budget = forms.DecimalField(label=_("预算（元）"), max_digits=14, decimal_places=2)
    partners = forms.ModelMultipleChoiceField(
        label=_("可使用商户"), queryset=Partner.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["name", "kind", "description", "face_value", "free_entry", "quota", "per_member_limit"]

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partners"].queryset = partners

    def action_data(self) -> dict:
        names = ("name", "kind", "description", "face_value", "free_entry", "quota", "per_member_limit")
        names += ("claim_starts", "claim_ends", "valid_until", "budget")
        data = {k: self.cleaned_data.get(k) for k in names}
        data["description"] = data["description"] or ""
        data["rule"] = self.rule()
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class PartnerStaffForm(forms.Form):
    username = forms.CharField(label=_("工作人员账号（用户名）"), max_length=150)
