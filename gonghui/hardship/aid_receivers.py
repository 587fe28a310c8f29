"""Keep the org paths of programmes, applications, budgets, payments, the ledger and 便民服务 rows
right when orgs move or merge (signals from orgs.actions).

The ledger's `org`/`org_path` only place a row in the tree for scoped reads; rewriting them is not a
money movement, so it goes through the plain QuerySet.update that `LedgerQuerySet` otherwise refuses.
"""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from gonghui.core.tree import in_subtree
from gonghui.hardship.models_aid import (
    AidApplication,
    AidProgramme,
    Budget,
    ConvenienceAllowance,
    Disbursement,
    LedgerEntry,
    PaymentBatch,
    ServiceOrder,
    ServiceProvider,
)
from gonghui.orgs.actions import org_merged, org_moved

PATH_MODELS = [
    AidProgramme,
    AidApplication,
    Budget,
    Disbursement,
    PaymentBatch,
    ConvenienceAllowance,
    ServiceProvider,
    ServiceOrder,
]


def _update(qs, **values):
    return models.QuerySet.update(qs, **values)


@receiver(org_moved)
def follow_moved_org(sender, org, old_path, new_path, **kwargs):
    moved = Concat(Value(new_path), Substr("org_path", len(old_path) + 1))
    for model in [*PATH_MODELS, LedgerEntry]:
        extra = {"province_id": org.province_id} if model is AidApplication else {}
        _update(model.objects.filter(in_subtree("org_path", old_path)), org_path=moved, **extra)


@receiver(org_merged)
def follow_merged_org(sender, source, target, acting_user=None, **kwargs):
    """Rows of the source union move to the target. A budget the target already has for the same
    programme and year stays with the source (its ledger with it), to be settled by finance."""
    clashes = Budget.objects.filter(
        org=source,
        programme__budgets__org=target,
        year=models.F("programme__budgets__year"),
    ).values_list("pk", flat=True)
    kept = set(clashes)
    for model in PATH_MODELS:
        qs = model.objects.filter(org=source)
        if model is Budget:
            qs = qs.exclude(pk__in=kept)
        extra = {"province_id": target.province_id} if model is AidApplication else {}
        _update(qs, org=target, org_path=target.path, **extra)
    ledger = LedgerEntry.objects.filter(org=source).exclude(budget_id__in=kept)
    _update(ledger, org=target, org_path=target.path)
