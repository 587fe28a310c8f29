"""Keep benefit rows' org paths right when orgs move or merge (signals from orgs.actions).

Two kinds of path: `org_path` (the offering, signing or owning org: scoping) and `member_org_path`
(the member's org when the voucher, use or reduction was made: statistics by the member's org).
"""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.benefits.models import (
    Campaign,
    CardUse,
    Feedback,
    MedicalReduction,
    Offer,
    Partner,
    Redemption,
    Service,
    Voucher,
)
from gonghui.core.tree import in_subtree
from gonghui.orgs.actions import org_merged, org_moved

SCOPED = (Partner, Offer, Service, Campaign, CardUse, MedicalReduction, Voucher, Redemption, Feedback)
WITH_PROVINCE = (Partner, Service, Campaign)
MEMBER_SIDE = (CardUse, MedicalReduction, Voucher)


def _rewrite(model, field, old_path, new_path, **extra):
    model.objects.filter(in_subtree(field, old_path)).update(
        **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}, **extra
    )


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    for model in SCOPED:
        extra = {"province_id": org.province_id} if model in WITH_PROVINCE else {}
        _rewrite(model, "org_path", old_path, new_path, **extra)
    for model in MEMBER_SIDE:
        _rewrite(model, "member_org_path", old_path, new_path, province_id=org.province_id)


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    """What the source signed, offers or owns now belongs to the target; its members' rows follow them."""
    for model in (Partner, Service, Campaign):
        model.objects.filter(org=source).update(org=target, org_path=target.path, province_id=target.province_id)
    for model in (Offer, CardUse, MedicalReduction, Voucher, Redemption, Feedback):
        model.objects.filter(org_path=source.path).update(org_path=target.path)
    for model in MEMBER_SIDE:
        model.objects.filter(member_org_path=source.path).update(
            member_org_path=target.path, province_id=target.province_id
        )
