from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members.states import MembershipStatus
from gonghui.people.choices import WorkerType


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名/拼音/手机号/证件号/会员证号"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("会籍状态"), required=False, choices=[("", _("全部状态"))] + list(MembershipStatus.choices)
    )
    worker_type = forms.ChoiceField(
        label=_("职工类型"), required=False, choices=[("", _("全部类型"))] + list(WorkerType.choices)
    )
    org = forms.CharField(label=_("组织代码"), required=False, max_length=40)
