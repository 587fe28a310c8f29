"""Charity's hooks into lower apps: grants on the hardship household timeline (through hardship's
registry, so hardship never imports charity) and org paths that follow org moves and merges."""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.charity.models import Campaign, Donation, Fund, FundLedger, FundTransfer, Grant
from gonghui.charity.models_wishes import Volunteer, VolunteerActivity, VolunteerSignup, Wish, WishRound
from gonghui.charity.queries import grant_timeline_items
from gonghui.core.tree import in_subtree
from gonghui.hardship import timeline_sources
from gonghui.orgs.actions import org_merged, org_moved

timeline_sources.register(grant_timeline_items)

PATH_MODELS = [
    Fund,
    Campaign,
    Donation,
    FundTransfer,
    Grant,
    FundLedger,
    WishRound,
    Wish,
    Volunteer,
    VolunteerActivity,
    VolunteerSignup,
]
ORG_MODELS = [Fund, Campaign, Grant, WishRound, Wish, Volunteer, VolunteerActivity]


def _update(qs, **values):
    # The ledger's org_path only places a row for scoped reads: rewriting it is not a money movement.
    return models.QuerySet.update(qs, **values)


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    moved = Concat(Value(new_path), Substr("org_path", len(old_path) + 1))
    for model in PATH_MODELS:
        _update(model.objects.filter(in_subtree("org_path", old_path)), org_path=moved)


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    for model in ORG_MODELS:
        _update(model.objects.filter(org=source), org=target)
    for model in PATH_MODELS:
        _update(model.objects.filter(org_path=source.path), org_path=target.path)
