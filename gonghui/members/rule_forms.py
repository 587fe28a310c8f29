"""The member rule language (`members.eligibility`) as form fields, shared by every app whose
objects carry a rule (benefit services and campaigns, learning offerings …)."""

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members import eligibility
from gonghui.members.states import MembershipStatus
from gonghui.people.choices import SKILL_LEVELS, WorkerType, chosen_gig_subtypes


class RuleFields(forms.Form):
    """The eligibility rule (members.eligibility) as a readable form: every condition has its own field;
    the JSON box is only for what the fields do not cover. An empty form is the default rule (an active
    member, verified, with an activated card)."""

    statuses = forms.MultipleChoiceField(
        label=_("会籍状态"),
        choices=MembershipStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即仅限会籍正常的会员"),
    )
    any_verified = forms.BooleanField(label=_("不要求实名认证"), required=False)
    any_card = forms.BooleanField(label=_("不要求激活电子会员卡"), required=False)
    orgs = forms.CharField(
        label=_("限所属工会（组织代码，含下级）"),
        required=False,
        max_length=300,
        help_text=_("多个用空格或逗号分隔，例如 440305；不填即主办组织及下级全部会员"),
    )
    worker_types = forms.MultipleChoiceField(
        label=_("限职工类型"), choices=WorkerType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    gig_subtypes = forms.MultipleChoiceField(
        label=_("限新就业形态类别"), choices=chosen_gig_subtypes(), required=False, widget=forms.CheckboxSelectMultiple
    )
    age_min = forms.IntegerField(label=_("最小年龄"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("最大年龄"), required=False, min_value=0, max_value=120)
    skill_levels = forms.MultipleChoiceField(
        label=_("限技能等级"),
        choices=[(v, v) for v in SKILL_LEVELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rule_json = forms.CharField(
        label=_("其他条件（JSON，可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('高级用法，与上面的选项合并，例如 {"skill_levels": ["三级/高级工"]}'),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Conditions other apps provide (hardship archive …): one choice each.
        for name, condition in eligibility.CONDITIONS.items():
            self.fields[f"cond_{name}"] = forms.ChoiceField(
                label=condition.label,
                choices=[("", _("不限")), *condition.values.items()],
                required=False,
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

    def clean_orgs(self):
        text = self.cleaned_data.get("orgs", "")
        return [code.upper() for code in re.split(r"[\s,，、;；]+", text) if code]

    def rule(self) -> dict:
        data = self.cleaned_data
        rule = dict(data.get("rule_json") or {})
        for key in ("statuses", "orgs", "worker_types", "gig_subtypes", "skill_levels"):
            if data.get(key):
                rule[key] = list(data[key])
        for key in ("age_min", "age_max"):
            if data.get(key) is not None:
                rule[key] = data[key]
        if data.get("any_verified"):
            rule["verified"] = False
        if data.get("any_card"):
            rule["card"] = False
        for name in eligibility.CONDITIONS:
            if data.get(f"cond_{name}"):
                rule[name] = data[f"cond_{name}"]
        return rule

    @staticmethod
    def rule_initial(rule) -> dict:
        """Form initial values from a stored rule (edit pages)."""
        parsed = eligibility.parse_rule(rule)
        initial = {
            "statuses": [] if parsed.statuses == (MembershipStatus.ACTIVE,) else list(parsed.statuses),
            "any_verified": not parsed.verified,
            "any_card": not parsed.card,
            "orgs": " ".join(parsed.orgs),
            "worker_types": list(parsed.worker_types),
            "gig_subtypes": list(parsed.gig_subtypes),
            "age_min": parsed.age_min,
            "age_max": parsed.age_max,
            "skill_levels": list(parsed.skill_levels),
        }
        for name, value in parsed.conditions:
            initial[f"cond_{name}"] = value
        return initial
