"""Keep member-side rows right when orgs move or merge (signals from orgs.actions)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.core.tree import in_subtree
from gonghui.members.models import JoinApplication, Membership, MembershipEvent, RoutingRule, TransferRequest
from gonghui.members.states import CURRENT, JoinStatus, TransferStatus
from gonghui.orgs import counters
from gonghui.orgs.actions import org_merged, org_moved
from gonghui.orgs.models import Org


def _rewrite(model, field, old_path, new_path, **extra):
    model.objects.filter(in_subtree(field, old_path)).update(
        **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}, **extra
    )


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    province = {"province_id": org.province_id}
    _rewrite(Membership, "org_path", old_path, new_path, **province)
    _rewrite(JoinApplication, "org_path", old_path, new_path, **province)
    _rewrite(RoutingRule, "org_path", old_path, new_path)
    _rewrite(TransferRequest, "to_path", old_path, new_path)
    _rewrite(TransferRequest, "from_path", old_path, new_path)


@receiver(org_merged)
def follow_merged_org(sender, source: Org, target: Org, acting_user=None, **kwargs):
    """Memberships, pending applications and routing rules of the source move to the target."""
    from django.utils import timezone

    moving = Membership.objects.filter(org=source)
    current_ids = list(moving.filter(status__in=CURRENT).values_list("pk", "province_id"))
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                membership_id=pk,
                type=MembershipEvent.Type.MOVED_WITH_ORG,
                on=timezone.localdate(),
                from_org=source,
                to_org=target,
                province_id=target.province_id,
                actor=acting_user if getattr(acting_user, "pk", None) else None,
            )
            for pk, _prov in current_ids
        ],
        batch_size=2000,
    )
    moving.update(org=target, org_path=target.path, province_id=target.province_id)
    JoinApplication.objects.filter(org=source, status=JoinStatus.PENDING).update(
        org=target, org_path=target.path, province_id=target.province_id
    )
    TransferRequest.objects.filter(to_org=source, status=TransferStatus.PENDING).update(
        to_org=target, to_path=target.path
    )
    RoutingRule.objects.filter(org=source).update(org=target, org_path=target.path)
    src = Org.objects.get(pk=source.pk)
    counts = (src.member_count, src.verified_member_count, src.gig_member_count)
    counters.bump_many({target.pk: counts, source.pk: tuple(-n for n in counts)})
