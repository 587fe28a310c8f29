"""Org forms. They only parse input; all rules live in `actions.clean_org_data`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.kinds import FederationKind, OrgKind


class OrgFieldsForm(forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    code = forms.CharField(
        label=_("组织代码"),
        max_length=40,
        required=False,
        help_text=_("留空自动生成：地方总工会用行政区划代码，基层工会用统一社会信用代码"),
    )
    federation_kind = forms.ChoiceField(
        label=_("联合会类型"), required=False, choices=[("", "—")] + list(FederationKind.choices)
    )
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40, required=False)
    certificate_no = forms.CharField(label=_("工会法人资格证书号"), max_length=40, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    employee_count = forms.IntegerField(label=_("职工人数"), min_value=0, required=False, initial=0)
    established_on = forms.DateField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("kind", None)
        data.pop("reason", None)
        if data.get("employee_count") is None:
            data["employee_count"] = 0
        return data


class OrgCreateForm(OrgFieldsForm):
    kind = forms.ChoiceField(label=_("组织类型"), choices=OrgKind.choices)
    field_order = ["kind", "name"]

    def __init__(self, *args, allowed_kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_kinds is not None:
            self.fields["kind"].choices = [(k, OrgKind(k).label) for k in OrgKind.values if k in allowed_kinds]


class OrgUpdateForm(OrgFieldsForm):
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)


class OrgMoveForm(forms.Form):
    new_parent = forms.CharField(label=_("新的上级组织代码"), max_length=40)
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OrgCloseForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OrgMergeForm(forms.Form):
    target = forms.CharField(label=_("并入的组织代码"), max_length=40)
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OrgSearchForm(forms.Form):
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型"))] + list(OrgKind.choices))
    include_closed = forms.BooleanField(label=_("含已撤销"), required=False)

    def __init__(self, *args, **kwargs):
        from gonghui.core.forms import name_unlabelled_fields

        super().__init__(*args, **kwargs)
        name_unlabelled_fields(self)  # the tree's search bar shows no <label>s
