"""Jobs forms: they only parse input; the rules (minimum wage, employer review …) live in the actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.jobs.models import Availability, JobType, WageUnit
from gonghui.jobs.states import ApplicationStatus
from gonghui.people.choices import SKILL_LEVELS, WorkerType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LEVELS = [("", _("不限等级")), *((v, v) for v in SKILL_LEVELS)]


def parse_skills(text: str) -> list[dict]:
    """One skill a line: "急救（CPR+AED）" or "电工：四级/中级工" (name, optional minimum level)."""
    rows = []
    for line in (text or "").replace("；", "\n").replace(";", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in ("：", ":"):
            if sep in line:
                name, level = line.split(sep, 1)
                break
        else:
            name, level = line, ""
        rows.append({"name": name.strip(), "level": level.strip()})
    return rows


def skills_text(skills) -> str:
    return "\n".join(s["name"] + (f"：{s['level']}" if s.get("level") else "") for s in skills or [])


class EmployerForm(forms.Form):
    org = forms.ModelChoiceField(label=_("登记工会"), queryset=None)
    enterprise_org = forms.ModelChoiceField(
        label=_("建会企业（选择基层工会，外部单位留空）"), queryset=None, required=False
    )
    name = forms.CharField(label=_("单位名称"), max_length=120, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码（外部单位必填）"), max_length=30, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40)
    contact_mobile = forms.CharField(label=_("联系电话"), max_length=20)
    address = forms.CharField(label=_("地址"), max_length=200)
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12)
    lat = forms.FloatField(label=_("纬度（WGS-84）"), required=False)
    lon = forms.FloatField(label=_("经度（WGS-84）"), required=False)

    def __init__(self, *args, orgs, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["enterprise_org"].queryset = enterprises


class PostForm(forms.Form):
    employer = forms.ModelChoiceField(label=_("用人单位（已审核）"), queryset=None)
    org = forms.ModelChoiceField(label=_("发布工会"), queryset=None, required=False)
    station = forms.ModelChoiceField(label=_("发布驿站（零工驿站，可选）"), queryset=None, required=False)
    title = forms.CharField(label=_("岗位名称"), max_length=80)
    job_type = forms.ChoiceField(label=_("用工类型"), choices=JobType.choices)
    description = forms.CharField(label=_("岗位描述"), widget=forms.Textarea(attrs={"rows": 4}))
    skills = forms.CharField(
        label=_("技能要求（每行一项，可写“名称：最低等级”）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    openings = forms.IntegerField(label=_("招聘人数"), min_value=1)
    wage_min = forms.DecimalField(label=_("工资下限"), max_digits=14, decimal_places=2, min_value=0)
    wage_max = forms.DecimalField(label=_("工资上限"), max_digits=14, decimal_places=2, min_value=0, required=False)
    wage_unit = forms.ChoiceField(label=_("计薪单位"), choices=WageUnit.choices)
    remote = forms.BooleanField(label=_("远程/不限地点"), required=False)
    lat = forms.FloatField(label=_("纬度（WGS-84）"), required=False)
    lon = forms.FloatField(label=_("经度（WGS-84）"), required=False)
    division_code = forms.CharField(label=_("工作地行政区划代码"), max_length=12)
    address = forms.CharField(label=_("工作地点"), max_length=200, required=False)
    hours = forms.CharField(label=_("工作时间"), max_length=100, required=False)
    benefits = forms.CharField(label=_("福利待遇"), max_length=200, required=False)
    deadline = forms.DateField(label=_("截止日期"), widget=DATE)

    def __init__(self, *args, employers, orgs, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers
        self.fields["org"].queryset = orgs
        self.fields["station"].queryset = stations

    def data_for_action(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("employer", "org", "station")}
        data["skills"] = parse_skills(data.get("skills"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class WalkInForm(forms.Form):
    member_no = forms.CharField(label=_("会员证号"), max_length=20)
    share_mobile = forms.BooleanField(label=_("会员同意向用人单位提供完整手机号"), required=False)


MOVES = [
    (s.value, s.label)
    for s in (
        ApplicationStatus.VIEWED,
        ApplicationStatus.INTERVIEW,
        ApplicationStatus.OFFERED,
        ApplicationStatus.DECLINED,
    )
]


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=MOVES)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class HireForm(forms.Form):
    start_date = forms.DateField(label=_("上岗日期"), widget=DATE)
    wage = forms.DecimalField(label=_("工资"), max_digits=14, decimal_places=2, min_value=0)
    wage_unit = forms.ChoiceField(label=_("计薪单位"), choices=WageUnit.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    still_working = forms.TypedChoiceField(
        label=_("是否仍在岗"),
        choices=[("1", _("仍在岗")), ("0", _("已离岗"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    income_change = forms.DecimalField(
        label=_("月收入变化（元，减少填负数）"), max_digits=14, decimal_places=2, required=False
    )
    note = forms.CharField(label=_("回访记录"), max_length=200, required=False)


class FairForm(forms.Form):
    org = forms.ModelChoiceField(label=_("主办工会"), queryset=None)
    title = forms.CharField(label=_("名称"), max_length=100)
    venue = forms.CharField(label=_("地点"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    live_url = forms.URLField(label=_("直播带岗地址"), required=False, assume_scheme="https")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class CardScanForm(forms.Form):
    payload = forms.CharField(label=_("扫描会员卡二维码"), widget=forms.TextInput(attrs={"autofocus": True}))


class TalentSearchForm(forms.Form):
    skill = forms.CharField(label=_("技能"), max_length=60, required=False)
    level = forms.ChoiceField(label=_("最低等级"), choices=LEVELS, required=False)
    division = forms.CharField(label=_("意向工作地（区划代码前缀）"), max_length=12, required=False)
    worker_type = forms.ChoiceField(label=_("职工类型"), choices=[("", _("全部")), *WorkerType.choices], required=False)
    availability = forms.ChoiceField(
        label=_("到岗时间"), choices=[("", _("全部")), *Availability.choices], required=False
    )
    job_type = forms.ChoiceField(label=_("意向用工类型"), choices=[("", _("全部")), *JobType.choices], required=False)


class ApplyForm(forms.Form):
    share_mobile = forms.BooleanField(
        label=_("同意向用人单位提供我的完整手机号（不勾选则显示为 138****0001）"), required=False
    )
    share_skills = forms.BooleanField(label=_("向用人单位展示我的技能和证书"), required=False, initial=True)
    note = forms.CharField(label=_("留言（可选）"), max_length=200, required=False)


class TalentForm(forms.Form):
    availability = forms.ChoiceField(label=_("到岗时间"), choices=Availability.choices)
    job_types = forms.MultipleChoiceField(
        label=_("意向用工类型"), choices=JobType.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    division_code = forms.CharField(label=_("意向工作地（行政区划代码，可选）"), max_length=12, required=False)
    note = forms.CharField(label=_("求职意向（可选）"), max_length=200, required=False)
    consent = forms.BooleanField(label=_("我已阅读并同意上述说明"))
