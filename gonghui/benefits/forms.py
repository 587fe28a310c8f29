"""Benefit forms. They only parse input; the rules live in `benefits.actions`."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.models import Campaign, Category, Offer, Partner
from gonghui.members.rule_forms import RuleFields

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


class ServiceForm(RuleFields):
    name = forms.CharField(label=_("服务名称"), max_length=80)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    partner = forms.ModelChoiceField(
        label=_("合作商户（可选）"), queryset=Partner.objects.none(), required=False, empty_label=_("无（工会自办）")
    )
    description = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}))
    how_to_use = forms.CharField(label=_("使用方式"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    channels = forms.CharField(
        label=_("办理渠道"), max_length=200, required=False, help_text=_("多个用逗号分隔，例如 线上，服务站")
    )

    field_order = ["name", "category", "partner", "description", "how_to_use", "channels"]

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners

    def clean_channels(self):
        text = self.cleaned_data.get("channels", "")
        return [c for c in (part.strip() for part in re.split(r"[,，、;；]+", text)) if c]

    @classmethod
    def initial_for(cls, service) -> dict:
        initial = cls.rule_initial(service.rule)
        initial.update(
            name=service.name,
            category=service.category,
            partner=service.partner_id,
            description=service.description,
            how_to_use=service.how_to_use,
            channels="，".join(service.channels),
        )
        return initial

    def action_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) for k in ("name", "category", "partner", "description", "how_to_use")}
        data["how_to_use"] = data["how_to_use"] or ""
        data["channels"] = self.cleaned_data.get("channels") or []
        data["rule"] = self.rule()
        return data


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


class RevokeVoucherForm(forms.Form):
    code = forms.CharField(label=_("券码"), max_length=16)
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class RevokeUnusedForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)
    confirm = forms.BooleanField(label=_("确认作废本活动全部未使用的券（已核销的不受影响）"))


class HandleFeedbackForm(forms.Form):
    response = forms.CharField(
        label=_("处理意见"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：继续合作 / 已要求商户改进 / 下期不再续签"),
    )


class MedicalForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
    offer = forms.IntegerField(label=_("优惠"))
    visit_date = forms.DateField(label=_("就诊日期"), widget=DATE)
    total = forms.DecimalField(label=_("医疗费用总额（元）"), max_digits=14, decimal_places=2)
    insured = forms.DecimalField(label=_("医保报销（元）"), max_digits=14, decimal_places=2)


class CampaignEditForm(RuleFields):
    """Editing a campaign after creation. A published campaign only takes a new description, claim deadline,
    quota or budget (the action refuses the rest); the view sends only what changed."""

    name = forms.CharField(label=_("活动名称"), max_length=80)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    quota = forms.IntegerField(label=_("总数量"), min_value=1)
    per_member_limit = forms.IntegerField(label=_("每人限领"), min_value=1)
    per_period_limit = forms.IntegerField(label=_("每周期限领"), min_value=1, required=False)
    period = forms.ChoiceField(label=_("周期"), choices=[("", "—"), *Campaign.Period.choices], required=False)
    claim_starts = forms.DateTimeField(label=_("领取开始"), widget=DATETIME)
    claim_ends = forms.DateTimeField(label=_("领取截止"), widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("使用截止"), widget=DATETIME)
    budget = forms.DecimalField(label=_("预算（元）"), max_digits=14, decimal_places=2)

    FIELDS = ("name", "description", "quota", "per_member_limit", "per_period_limit", "period")
    FIELDS += ("claim_starts", "claim_ends", "valid_until", "budget")
    field_order = list(FIELDS)

    @classmethod
    def initial_for(cls, campaign) -> dict:
        from django.utils import timezone

        initial = cls.rule_initial(campaign.rule)
        for name in cls.FIELDS:
            value = getattr(campaign, name)
            if name in ("claim_starts", "claim_ends", "valid_until"):
                value = timezone.localtime(value)
            initial[name] = value
        return initial

    def action_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) for k in self.FIELDS}
        data["description"] = data["description"] or ""
        data["period"] = data["period"] or ""
        data["rule"] = self.rule()
        return data


class PartnerEditForm(PartnerForm):
    """Editing a partner: all its locations, one a line as “名称｜地址”."""

    locations = forms.CharField(
        label=_("门店"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("每行一个门店：名称｜地址"),
    )

    field_order = ["name", "kind", "uscc", "locations", "contact_name", "contact_phone", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["location"], self.fields["address"]

    @classmethod
    def initial_for(cls, partner) -> dict:
        names = ("name", "kind", "uscc", "contact_name", "contact_phone", "description")
        initial = {k: getattr(partner, k) for k in names + ("agreement_start", "agreement_end")}
        lines = [f"{x.get('name', '')}｜{x.get('address', '')}".rstrip("｜") for x in partner.locations or []]
        initial["locations"] = "\n".join(lines)
        return initial

    def clean_locations(self):
        rows = []
        for line in (self.cleaned_data.get("locations") or "").splitlines():
            if not line.strip():
                continue
            name, _sep, address = line.replace("|", "｜").partition("｜")
            rows.append({"name": name.strip(), "address": address.strip()})
        return rows

    def action_data(self) -> dict:
        return dict(self.cleaned_data)


class OfferEditForm(OfferForm):
    active = forms.BooleanField(label=_("有效"), required=False)

    @classmethod
    def initial_for(cls, offer) -> dict:
        return {name: getattr(offer, name) for name in cls.base_fields}
