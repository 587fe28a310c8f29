from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import Role


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=60)
    home_org = forms.CharField(label=_("所属组织代码"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, max_length=128)


class GrantForm(forms.Form):
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.all())
    org = forms.CharField(label=_("授权组织代码"), max_length=40, help_text=_("角色对该组织及其全部下级生效"))
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class StaffSearchForm(forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=60)
    include_inactive = forms.BooleanField(label=_("含已停用"), required=False)


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, max_length=128)
