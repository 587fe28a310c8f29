"""Read helpers for the audit log: an object's history, an org subtree's log."""

from gonghui.core.models import AuditEntry


def history_for(obj):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-id")


def subtree_log(user, action_prefix: str = "", actor: str = ""):
    qs = AuditEntry.objects.restrict(user, "view").order_by("-id")
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    if actor:
        qs = qs.filter(actor_label=actor)
    return qs
