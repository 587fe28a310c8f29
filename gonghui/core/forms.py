from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    # Words of the Chinese label (入会) or a code prefix (member.): see core.audit_queries.subtree_log.
    action = forms.CharField(
        label=_("操作"), required=False, max_length=80, widget=forms.TextInput(attrs={"placeholder": _("如：入会")})
    )
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)


def name_unlabelled_fields(form) -> None:
    """Give each field an accessible name (`aria-label` = its label) for compact filter bars that show
    the inputs without <label> elements (issue 18: axe's "label" and "select-name" rules)."""
    for field in form.fields.values():
        if field.label and not isinstance(field.widget, forms.HiddenInput):
            field.widget.attrs.setdefault("aria-label", str(field.label))
            if isinstance(field.widget, forms.TextInput):  # says what to type, as a label would
                field.widget.attrs.setdefault("placeholder", str(field.label))
