"""Member console forms. They only parse input; the rules live in `members.actions`."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gonghui.people.choices import (
    EDUCATION,
    ETHNIC_GROUPS,
    HUKOU_TYPES,
    POLITICAL_STATUS,
    WorkerType,
    choices,
    chosen_gig_subtypes,
)
from gonghui.people.identity import DocType

PICKER_LIST_ID = "org-picker-options"


def org_code_input(placeholder=None) -> forms.TextInput:
    """A text input for an org code with htmx suggestions from the user's scope (a <datalist>)."""
    return forms.TextInput(
        attrs={
            "placeholder": placeholder or _("输入组织名称或代码"),
            "list": PICKER_LIST_ID,
            "hx-get": reverse_lazy("members:org_picker"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#{PICKER_LIST_ID}",
            "autocomplete": "off",
        }
    )


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _blank(values):
    return [("", "—")] + choices(values)


class ConfirmForm(forms.Form):
    """An action that needs nothing but the button (e.g. 实名认证)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class KeepForm(ReasonForm):
    until = forms.DateField(label=_("暂缓自动退会至"), widget=date_input())
    field_order = ["until", "reason"]


class DuesForm(forms.Form):
    paid_on = forms.DateField(label=_("缴费日期"), widget=date_input())


class TransferForm(forms.Form):
    to_org = forms.CharField(
        label=_("转入工会"),
        max_length=40,
        required=False,
        widget=org_code_input(),
        help_text=_("新单位已建工会时填写其组织代码"),
    )
    parked = forms.BooleanField(label=_("新单位尚未建立工会，暂存到居住地工会"), required=False)
    residence_division = forms.CharField(
        label=_("居住地行政区划代码"), max_length=12, required=False, help_text=_("6位或9位数字，暂存时填写")
    )
    new_employer = forms.CharField(label=_("新工作单位"), max_length=120, required=False)
    reason = forms.CharField(label=_("转会原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        to_org = (data.get("to_org") or "").strip().upper()
        data["to_org"] = to_org
        residence = (data.get("residence_division") or "").strip()
        data["residence_division"] = residence
        if data.get("parked"):
            if to_org:
                self.add_error("to_org", _("暂存到居住地工会时不填写转入工会"))
            if residence and (not residence.isdigit() or len(residence) not in (6, 9)):
                self.add_error("residence_division", _("居住地行政区划代码应为6位或9位数字"))
        elif not to_org:
            self.add_error("to_org", _("请填写转入工会的组织代码，或勾选暂存到居住地工会"))
        return data


class ApproveJoinForm(forms.Form):
    joined_on = forms.DateField(
        label=_("入会日期"), required=False, widget=date_input(), help_text=_("留空为今天（审核通过之日）")
    )


class StaffJoinForm(forms.Form):
    """工作人员录入: the applicant's identity, work and the receiving union."""

    name = forms.CharField(label=_("姓名"), max_length=30)
    doc_type = forms.ChoiceField(label=_("证件类型"), choices=DocType.choices, initial=DocType.RESIDENT_ID)
    doc_number = forms.CharField(label=_("证件号码"), max_length=24)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=_blank(ETHNIC_GROUPS), required=False)
    education = forms.ChoiceField(label=_("学历"), choices=_blank(EDUCATION), required=False)
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=_blank(POLITICAL_STATUS), required=False)
    hukou_type = forms.ChoiceField(label=_("户籍类型"), choices=_blank(HUKOU_TYPES), required=False)
    hukou_place = forms.CharField(label=_("户籍地"), max_length=100, required=False)
    org = forms.CharField(label=_("受理工会"), max_length=40, required=False, widget=org_code_input())
    worker_type = forms.ChoiceField(label=_("职工类型"), choices=WorkerType.choices, initial=WorkerType.REGULAR)
    gig_subtype = forms.ChoiceField(
        label=_("新就业形态类别"), choices=[("", "—")] + chosen_gig_subtypes(), required=False
    )
    platform = forms.CharField(
        label=_("平台"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"list": "platform-suggestions"}),
        help_text=_("如：顺丰、京东、美团、饿了么、滴滴、货拉拉"),
    )
    division_code = forms.CharField(
        label=_("工作地行政区划代码"),
        max_length=12,
        required=False,
        help_text=_("不填受理工会时，按工作地（和平台）分派到属地工会或联合会"),
    )
    employer_name = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    approve_now = forms.BooleanField(label=_("同时审核通过"), required=False)

    PERSON_FIELDS = ("name", "doc_type", "doc_number", "mobile", "ethnicity", "education", "political_status")
    PERSON_FIELDS += ("hukou_type", "hukou_place")
    WORK_FIELDS = ("worker_type", "gig_subtype", "platform", "division_code", "employer_name")

    def clean_org(self):
        return (self.cleaned_data.get("org") or "").strip().upper()

    def person_data(self) -> dict:
        return {k: self.cleaned_data.get(k) or "" for k in self.PERSON_FIELDS}

    def work_data(self) -> dict:
        return {k: self.cleaned_data.get(k) or "" for k in self.WORK_FIELDS}


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("查看用途"), max_length=200, required=False)


class RoutingRuleForm(forms.Form):
    platform = forms.CharField(
        label=_("平台"),
        max_length=40,
        required=False,
        help_text=_("留空表示所有平台"),
        widget=forms.TextInput(attrs={"list": "platform-suggestions"}),
    )
    division_code = forms.CharField(
        label=_("行政区划代码"), max_length=12, help_text=_("6位（区县/地市）或9位（街道）")
    )
    gig_subtype = forms.ChoiceField(
        label=_("新就业形态类别"), choices=[("", _("所有类别"))] + chosen_gig_subtypes(), required=False
    )
    org = forms.CharField(label=_("受理工会"), max_length=40, widget=org_code_input())
    note = forms.CharField(label=_("说明"), max_length=120, required=False)

    def clean_org(self):
        return (self.cleaned_data.get("org") or "").strip().upper()

    def rule_data(self) -> dict:
        return {k: self.cleaned_data.get(k) or "" for k in ("platform", "division_code", "gig_subtype", "note")}
