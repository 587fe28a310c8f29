"""Forms of the member portal. Field names follow the actions' error keys, so an action's
ValidationError lands on the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members.actions import MEMBER_ORG_KINDS
from gonghui.orgs.kinds import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.people.choices import PLATFORM_SUGGESTIONS, GigSubtype, WorkerType, chosen_gig_subtypes
from gonghui.people.identity import DocType

PORTAL_DOC_TYPES = [(v, label) for v, label in DocType.choices if v != DocType.PASSPORT]
TAP = {"autocomplete": "off"}


def division_choices() -> list:
    """Cities and districts that have a union, grouped by city: [(city name, [(code, label) …]) …]."""
    rows = (
        Org.objects.filter(kind__in=[OrgKind.PROVINCE, OrgKind.CITY, OrgKind.DISTRICT], status=OrgStatus.ACTIVE)
        .exclude(division_code="")
        .order_by("path")
        .values_list("pk", "parent_id", "kind", "division_code", "short_name", "name")
    )
    names: dict[int, str] = {}
    groups: dict[int, tuple[str, list]] = {}
    for pk, parent_id, kind, code, short_name, name in rows:
        label = short_name or name.removesuffix("总工会")
        names[pk] = label
        if kind == OrgKind.CITY:
            groups[pk] = (label, [(code, _("%(city)s（全市）") % {"city": label})])
        elif kind == OrgKind.DISTRICT:
            groups.setdefault(parent_id, (names.get(parent_id, _("其他地区")), []))[1].append((code, label))
    return [("", _("请选择市/区"))] + [(str(title), options) for title, options in groups.values()]


def find_receiving_org(code: str) -> Org | None:
    """An active union that can receive members, by its code (as printed or typed)."""
    code = " ".join((code or "").split()).replace(" ", "")
    if not code or len(code) > 40:
        return None
    org = Org.objects.filter(code=code).first() or Org.objects.filter(code=code.upper()).first()
    if org is None or org.status != OrgStatus.ACTIVE or org.kind not in MEMBER_ORG_KINDS:
        return None
    return org


class PhoneForm(forms.Form):
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": _("请输入11位手机号"), "autofocus": True}
        ),
        error_messages={"required": _("请输入手机号")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": _("6位数字"),
                "autofocus": True,
            }
        ),
        error_messages={"required": _("请输入短信中的验证码")},
    )


# A federation of gig workers tells its trade by name (联合会 of kind 行业/新业态: 快递行业工会联合会 …).
FEDERATION_TRADES = (
    ("快递", GigSubtype.COURIER),
    ("外卖", GigSubtype.DELIVERY),
    ("配送", GigSubtype.DELIVERY),
    ("骑手", GigSubtype.DELIVERY),
    ("网约车", GigSubtype.RIDE_HAILING),
    ("货车", GigSubtype.TRUCK),
    ("货运", GigSubtype.TRUCK),
    ("家政", GigSubtype.HOUSEKEEPING),
    ("主播", GigSubtype.STREAMER),
)


def gig_defaults_for(org) -> dict:
    """Initial 职工类型 / 新就业形态类别 of a join link: a courier federation's link starts at
    新就业形态劳动者 · 快递员 (and so on for delivery, ride-hailing and truck drivers); {} otherwise."""
    if org is None or org.kind != OrgKind.FEDERATION:
        return {}
    for word, subtype in FEDERATION_TRADES:
        if word in org.name:
            return {"worker_type": WorkerType.GIG, "gig_subtype": subtype}
    return {}


class JoinForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"), max_length=30, error_messages={"required": _("请填写姓名")}, widget=forms.TextInput(TAP)
    )
    doc_type = forms.ChoiceField(label=_("证件类型"), choices=PORTAL_DOC_TYPES, initial=DocType.RESIDENT_ID)
    doc_number = forms.CharField(
        label=_("证件号码"),
        max_length=24,
        error_messages={"required": _("请填写证件号码")},
        widget=forms.TextInput({**TAP, "placeholder": _("18位身份证号码")}),
    )
    mobile = forms.CharField(label=_("手机号"), required=False, disabled=True, help_text=_("已验证的登录手机号"))
    worker_type = forms.ChoiceField(label=_("职工类型"), choices=WorkerType.choices, initial=WorkerType.REGULAR)
    gig_subtype = forms.ChoiceField(
        label=_("新就业形态类别"),
        choices=[("", _("请选择"))] + chosen_gig_subtypes(),
        required=False,
        help_text=_("快递员、外卖配送员、网约车司机、货车司机等请选择"),
    )
    platform = forms.CharField(
        label=_("所在平台"),
        max_length=40,
        required=False,
        widget=forms.TextInput({**TAP, "list": "platform-suggestions", "placeholder": _("如：美团、顺丰、滴滴")}),
    )
    division_code = forms.ChoiceField(label=_("工作地（市/区）"), choices=(), required=False)
    employer_name = forms.CharField(
        label=_("工作单位"),
        max_length=120,
        required=False,
        widget=forms.TextInput({**TAP, "placeholder": _("没有固定单位可不填")}),
    )
    agree = forms.BooleanField(
        label=_("我承认《中国工会章程》，自愿加入工会"),
        error_messages={"required": _("请阅读并勾选入会声明")},
    )

    platform_suggestions = PLATFORM_SUGGESTIONS

    def __init__(self, *args, division_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = division_choices()
        self.fields["division_code"].required = division_required
        self.fields["division_code"].error_messages["required"] = _("请选择工作所在的市/区，以便分派到相应工会")
        self.fields["division_code"].error_messages["invalid_choice"] = _("请从列表中选择工作所在的市/区")
        if not division_required:
            self.fields["division_code"].help_text = _("选填")

    def clean(self):
        data = super().clean()
        if data.get("worker_type") == WorkerType.GIG and not data.get("gig_subtype"):
            self.add_error("gig_subtype", _("新就业形态劳动者请选择类别（快递员、外卖配送员、网约车司机……）"))
        if data.get("worker_type") != WorkerType.GIG:
            data["gig_subtype"] = ""
        return data

    def person_data(self, mobile: str) -> dict:
        d = self.cleaned_data
        return {"name": d["name"], "doc_type": d["doc_type"], "doc_number": d["doc_number"], "mobile": mobile}

    def work_data(self) -> dict:
        d = self.cleaned_data
        return {k: d.get(k) or "" for k in ("worker_type", "gig_subtype", "platform", "division_code", "employer_name")}


class TransferForm(forms.Form):
    HAS_UNION, NO_UNION = "union", "none"
    target = forms.ChoiceField(
        label=_("新单位是否已建立工会"),
        choices=[(HAS_UNION, _("新单位已建立工会")), (NO_UNION, _("新单位还没有工会（会籍暂存到居住地工会）"))],
        widget=forms.RadioSelect,
        initial=HAS_UNION,
        error_messages={"required": _("请选择新单位是否已建立工会")},
    )
    to_org_code = forms.CharField(
        label=_("新单位工会的组织代码"),
        max_length=40,
        required=False,
        help_text=_("可向新单位工会询问，基层工会一般为单位的统一社会信用代码"),
        widget=forms.TextInput(TAP),
    )
    residence_division = forms.ChoiceField(label=_("居住地（市/区）"), choices=(), required=False)
    new_employer = forms.CharField(label=_("新工作单位"), max_length=120, required=False, widget=forms.TextInput(TAP))
    reason = forms.CharField(
        label=_("转会原因"),
        max_length=300,
        required=False,
        widget=forms.Textarea({"rows": 2, "placeholder": _("如：更换工作单位")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence_division"].choices = division_choices()
        self.fields["residence_division"].error_messages["invalid_choice"] = _("请从列表中选择居住的市/区")

    def clean(self):
        data = super().clean()
        data["to_org"] = None
        if data.get("target") == self.HAS_UNION:
            code = data.get("to_org_code") or ""
            if not code:
                self.add_error("to_org_code", _("请填写新单位工会的组织代码"))
            else:
                org = find_receiving_org(code)
                if org is None:
                    self.add_error("to_org_code", _("没有找到代码为“%(c)s”的工会，请核对后重新填写") % {"c": code})
                data["to_org"] = org
        elif data.get("target") == self.NO_UNION and not data.get("residence_division"):
            self.add_error("residence_division", _("新单位还没有工会时，请选择居住的市/区"))
        return data


class DuesCalculatorForm(forms.Form):
    base_wage = forms.DecimalField(
        label=_("月基本工资（元）"),
        min_value=0,
        max_value=1_000_000,
        max_digits=9,
        decimal_places=2,
        help_text=_("不含奖金、津贴和补贴"),
    )
