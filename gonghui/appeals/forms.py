"""Forms of the appeal screens: plain input; the actions validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.appeals.states import (
    Channel,
    Complexity,
    DissatisfactionReason,
    RequestType,
    Satisfaction,
    Topic,
    Urgency,
)


def _blank(choices):
    return [("", "—"), *choices]


class NewCallForm(forms.Form):
    """The operator's fast entry (新来电)."""

    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.HOTLINE)
    caller_phone = forms.CharField(label=_("来电号码"), required=False, max_length=20)
    caller_name = forms.CharField(label=_("来电人"), required=False, max_length=30)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    request_type = forms.ChoiceField(label=_("诉求类型"), choices=RequestType.choices)
    topic = forms.ChoiceField(label=_("诉求事项"), choices=Topic.choices)
    complexity = forms.ChoiceField(label=_("复杂程度"), choices=Complexity.choices, initial=Complexity.ORDINARY)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    text = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    employer_name = forms.CharField(label=_("用人单位"), required=False, max_length=120)
    division_code = forms.ChoiceField(label=_("所在地行政区划"), required=False, choices=())
    crisis = forms.BooleanField(label=_("心理危机（最高优先级）"), required=False)
    emergency_contact_name = forms.CharField(label=_("紧急联系人"), required=False, max_length=30)
    emergency_contact_phone = forms.CharField(label=_("紧急联系人电话"), required=False, max_length=20)
    allow_duplicate = forms.BooleanField(label=_("不是重复来电（另立新单）"), required=False)
    # What the triage model suggested ("建议分类"), kept with the ticket so overrides can retrain it.
    suggested_topic = forms.CharField(required=False, widget=forms.HiddenInput)
    suggested_request_type = forms.CharField(required=False, widget=forms.HiddenInput)
    triage_confidence = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, divisions=(), **kwargs):
        """`divisions`: (code, place) of the divisions under the operator's org, picked from a list."""
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = [("", _("— 不详 —"))] + [
            (code, f"{place}（{code}）") for code, place in divisions
        ]


class AssignForm(forms.Form):
    """转办: the org is picked on the page (suggestion, children, subtree search); nothing is pre-selected."""

    to_org = forms.IntegerField(label=_("转办给"), error_messages={"required": _("请选择转办给哪个组织")})
    note = forms.CharField(label=_("转办说明"), required=False, max_length=300)

    def __init__(self, *args, holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.holder = holder

    def clean_to_org(self):
        from gonghui.appeals.picker import subtree_below

        org = subtree_below(self.holder).filter(pk=self.cleaned_data["to_org"]).first()
        if org is None:
            raise forms.ValidationError(_("请从“%(org)s”的下级组织中选择") % {"org": self.holder.name})
        return org


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因/说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=300)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class ResolveForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    amount_recovered = forms.DecimalField(label=_("追回金额（元）"), required=False, min_value=0, decimal_places=2)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延期（工作日）"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("延期理由"), max_length=300)


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices)
    dissatisfaction_reason = forms.ChoiceField(
        label=_("不满意原因"), choices=_blank(DissatisfactionReason.choices), required=False
    )
    note = forms.CharField(label=_("评价说明"), required=False, max_length=300)


class CallBackForm(SatisfactionForm):
    reached = forms.BooleanField(label=_("已联系上"), required=False, initial=True)
    callback_note = forms.CharField(label=_("回访记录"), required=False, max_length=300)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=_blank(Satisfaction.choices), required=False)


class PortalAppealForm(forms.Form):
    """A member's own appeal from the portal (会员自助提交诉求)."""

    topic = forms.ChoiceField(label=_("诉求事项"), choices=Topic.choices)
    request_type = forms.ChoiceField(label=_("诉求类型"), choices=RequestType.choices, initial=RequestType.HELP)
    text = forms.CharField(label=_("请描述您的诉求"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)
    employer_name = forms.CharField(label=_("用人单位"), required=False, max_length=120)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（图片、PDF、Office文档、录音，10MB以内）"))


# --- mediation cases (劳动争议调解) -----------------------------------------------------------------


class MediationOpenForm(forms.Form):
    employer_name = forms.CharField(label=_("被申请单位"), required=False, max_length=120)
    workers = forms.IntegerField(label=_("涉及职工人数"), min_value=1, initial=1)
    amount_claimed = forms.DecimalField(label=_("请求金额（元）"), required=False, min_value=0, decimal_places=2)
    mediator_names = forms.CharField(label=_("调解员"), required=False, max_length=120)


class MediationSessionForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    participants = forms.CharField(label=_("参加人员"), required=False, max_length=200)
    note = forms.CharField(label=_("记录"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class MediationStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("进入阶段"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = list(stages)


class MediationCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结案结果"))
    amount_recovered = forms.DecimalField(label=_("追回金额（元）"), required=False, min_value=0, decimal_places=2)

    def __init__(self, *args, **kwargs):
        from gonghui.appeals.states import MediationOutcome

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [c for c in MediationOutcome.choices if c[0] != MediationOutcome.PENDING]
