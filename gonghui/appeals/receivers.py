"""Keep ticket org paths right when orgs move or merge (signals from orgs.actions)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.appeals.models import Appeal, CallBack, CrisisFollowUp, MediationCase
from gonghui.core.tree import in_subtree
from gonghui.orgs.actions import org_merged, org_moved

PATHED = (CallBack, CrisisFollowUp, MediationCase)


def _rewrite(model, old_path, new_path, **extra):
    model.objects.filter(in_subtree("org_path", old_path)).update(
        org_path=Concat(Value(new_path), Substr("org_path", len(old_path) + 1)), **extra
    )


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    _rewrite(Appeal, old_path, new_path, province_id=org.province_id)
    for model in PATHED:
        _rewrite(model, old_path, new_path)


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    Appeal.objects.filter(org=source).update(org=target, org_path=target.path, province_id=target.province_id)
    for model in PATHED:
        model.objects.filter(org=source).update(org=target, org_path=target.path)
