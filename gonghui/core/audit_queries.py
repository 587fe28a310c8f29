"""Read helpers for the audit log: an object's history, an org subtree's log."""

from django.db.models import Q

from gonghui.core.models import AuditEntry


def history_for(obj):
    return (
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")  # the person's name, not the login (issue 18)
        .order_by("-id")
    )


def subtree_log(user, action: str = "", actor: str = ""):
    """The log of the user's subtree. `action` is a code prefix (`member.`) or words of the Chinese label
    (入会); `actor` a login or a staff member's name."""
    from gonghui.core.audit_labels import registry

    qs = AuditEntry.objects.restrict(user, "view").select_related("actor").order_by("-id")
    action = action.strip()
    if action and action.isascii():
        qs = qs.filter(action__startswith=action)
    elif action:
        qs = qs.filter(action__in=[code for code, label in registry().items() if action in str(label)])
    actor = actor.strip()
    if actor:
        qs = qs.filter(Q(actor_label=actor) | Q(actor__display_name=actor))
    return qs
