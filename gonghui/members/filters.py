"""The member list's filter form, shared by the console list and the roster export."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import name_unlabelled_fields
from gonghui.core.scoping import access_object
from gonghui.members.forms import org_code_input
from gonghui.members.queries import member_list
from gonghui.members.states import MembershipStatus
from gonghui.orgs.models import Org
from gonghui.people.choices import GigSubtype, WorkerType


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名/拼音/手机号/证件号/会员证号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母、手机号、证件号或会员证号")}),
    )
    status = forms.ChoiceField(
        label=_("会籍状态"), required=False, choices=[("", _("全部状态"))] + list(MembershipStatus.choices)
    )
    worker_type = forms.ChoiceField(
        label=_("职工类型"), required=False, choices=[("", _("全部类型"))] + list(WorkerType.choices)
    )
    gig_subtype = forms.ChoiceField(
        label=_("新就业形态类别"),
        required=False,
        choices=[("", _("全部类别"))]
        + [(v, _("新就业形态类别未填写") if v == GigSubtype.UNSPECIFIED else label) for v, label in GigSubtype.choices],
    )
    org = forms.CharField(
        label=_("组织代码"), required=False, max_length=40, widget=org_code_input(_("所在组织（含下级）"))
    )

    def clean_org(self):
        return (self.cleaned_data.get("org") or "").strip().upper()


def filter_members(user, params, action: str = "view"):
    """(form, queryset, org) for GET parameters; an org code outside the scope gives an empty list."""
    form = MemberFilterForm(params or None)
    name_unlabelled_fields(form)  # the filter bar shows no <label>s (issue 18, accessibility)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    org = None
    if filters.get("org"):
        try:
            org = access_object(Org.objects.all(), user, "view", code=filters["org"])
        except Http404:
            return form, member_list(user, action=action).none(), None
    qs = member_list(
        user,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        worker_type=filters.get("worker_type", ""),
        gig_subtype=filters.get("gig_subtype", ""),
        org=org,
        action=action,
    )
    return form, qs, org
