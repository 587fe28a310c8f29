"""Learning forms: they only parse input; the rules live in `learning.actions`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.learning.models import Category, Offering
from gonghui.members.rule_forms import RuleFields
from gonghui.people.choices import SKILL_LEVELS

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LEVELS = [("", _("（不适用）")), *((v, v) for v in SKILL_LEVELS)]


class OfferingForm(RuleFields):
    kind = forms.ChoiceField(label=_("类型"), choices=Offering.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=120)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    description = forms.CharField(label=_("介绍"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    teacher = forms.CharField(label=_("授课老师"), max_length=60, required=False)
    venue = forms.CharField(label=_("地点"), max_length=200, required=False)
    online = forms.BooleanField(label=_("线上课程（直播/回放）"), required=False)
    live_url = forms.URLField(label=_("直播地址"), required=False, assume_scheme="https")
    replay_url = forms.URLField(label=_("回放地址"), required=False, assume_scheme="https")
    capacity = forms.IntegerField(label=_("名额"), min_value=1)
    min_enrolment = forms.IntegerField(label=_("最低开班人数"), min_value=0, initial=10)
    fee = forms.DecimalField(label=_("费用（元，免费填 0）"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    companion_rule = forms.CharField(label=_("随行/优惠规则"), max_length=120, required=False)
    enrol_opens_at = forms.DateTimeField(label=_("报名开始"), widget=DATETIME)
    enrol_closes_at = forms.DateTimeField(label=_("报名截止"), widget=DATETIME)
    completion_percent = forms.IntegerField(label=_("结业出勤率（%）"), min_value=0, max_value=100, initial=80)
    exam_pass_score = forms.IntegerField(
        label=_("考核合格分（不考核留空）"), min_value=0, max_value=100, required=False
    )
    skill_name = forms.CharField(label=_("结业记入的技能"), max_length=60, required=False)
    skill_level = forms.ChoiceField(label=_("技能等级"), choices=LEVELS, required=False)

    field_order = [
        "kind",
        "title",
        "category",
        "description",
        "teacher",
        "venue",
        "online",
        "live_url",
        "replay_url",
        "capacity",
        "min_enrolment",
        "fee",
        "companion_rule",
        "enrol_opens_at",
        "enrol_closes_at",
        "completion_percent",
        "exam_pass_score",
        "skill_name",
        "skill_level",
    ]

    def action_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) for k in self.field_order}
        for key in ("description", "teacher", "venue", "live_url", "replay_url", "companion_rule", "skill_name"):
            data[key] = data[key] or ""
        data["skill_level"] = data["skill_level"] or ""
        data["rule"] = self.rule()
        return data


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    class_hours = forms.DecimalField(label=_("课时"), max_digits=4, decimal_places=1, initial=2)
    topic = forms.CharField(label=_("内容"), max_length=120, required=False)
    place = forms.CharField(label=_("地点（默认课程地点）"), max_length=200, required=False)


class MemberNoForm(forms.Form):
    member_no = forms.CharField(label=_("会员证号"), max_length=20)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class CardScanForm(forms.Form):
    payload = forms.CharField(
        label=_("会员卡二维码内容"),
        max_length=2000,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text=_("用扫码枪或手机扫描会员出示的电子会员卡；再次扫码为签退"),
    )


class DeclareSkillForm(forms.Form):
    name = forms.CharField(label=_("技能名称"), max_length=60)
    level = forms.ChoiceField(label=_("等级"), choices=LEVELS, required=False)
    acquired_on = forms.DateField(label=_("取得日期"), widget=DATE)
    evidence_url = forms.CharField(label=_("证明材料链接（可选）"), max_length=300, required=False)


class VerifySkillForm(forms.Form):
    note = forms.CharField(label=_("说明（不通过时必填）"), max_length=200, required=False)
