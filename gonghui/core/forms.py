from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("操作"), required=False, max_length=80)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
