"""Keep archive org paths right when orgs move or merge (signals from orgs.actions)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.core.tree import in_subtree
from gonghui.hardship.models import HardshipArchive
from gonghui.orgs.actions import org_merged, org_moved


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    HardshipArchive.objects.filter(in_subtree("org_path", old_path)).update(
        org_path=Concat(Value(new_path), Substr("org_path", len(old_path) + 1)), province_id=org.province_id
    )


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    HardshipArchive.objects.filter(org=source).update(org=target, org_path=target.path, province_id=target.province_id)
