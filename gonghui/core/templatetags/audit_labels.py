"""{% load audit_labels %}: `{{ entry.action|action_label }}` and `{{ entry|actor_name }}` (issue 18)."""

from django import template

from gonghui.core import audit_labels

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return audit_labels.action_label(code)


@register.filter
def actor_name(entry) -> str:
    return audit_labels.actor_name(entry)
