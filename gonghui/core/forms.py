from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    # Words of the Chinese label (入会) or a code prefix (member.): see core.audit_queries.subtree_log.
    action = forms.CharField(
        label=_("操作"), required=False, max_length=80, widget=forms.TextInput(attrs={"placeholder": _("如：入会")})
    )
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
